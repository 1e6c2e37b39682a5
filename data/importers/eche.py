"""The ECHE holders list 2021-2027 as the Commission publishes it (``.xlsx`` or ``;``/cp1252 CSV).

Quirks handled (see ``../shared/data/README.md``):

- CSV: cp1252 when not UTF-8; leading empty line; quoted fields with ``;``, quotes and newlines.
  The row that a naive ``split(";")`` reads with country "CLUJ NAPOCA" is
  ``"MANASTUR STR; 3-5"``, a quoted street: a CSV parser reads it correctly. A row with more
  fields than the header is reported as invalid, not guessed at.
- Characters cp1252 cannot hold are ``?`` in the CSV (``R?ga``): such a value never replaces a
  stored value it matches with ``?`` as a wildcard, so the ``.xlsx`` and the CSV give the same
  registry whichever is imported first, and the ``.xlsx`` repairs a CSV-made one.
- Dates in ``M/D/YYYY`` and ``DD/MM/YYYY``: a part above 12 decides, else the row's other date,
  else zero-padding (``01/07/2024`` is day-first, as in the file), else month-first.
- OID ``#N/A`` or empty: none. Erasmus code stored with whitespace collapsed (``A BADEN01``).
- The same PIC on two rows with the same name and country is one organisation listed twice
  (two charters): merged (earliest start, latest end, first Erasmus code). The same PIC with a
  different name or country is an error. An OID or Erasmus code on rows of *different* PICs
  cannot be attributed: it is stored on neither, and the report says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from data.importers._files import read_table
from data.importers._store import ImportReport, OrgBook, RowLog, check_text, record_import
from data.reference import resolve_country
from models.errors import RowError
from models.text import fold

__all__ = ["import_eche"]

COLUMNS = ("Erasmus Code", "Pic", "OID", "Legal Name", "City", "Country Cd", "Website Url",
           "Erasmus Eche Start", "Erasmus Eche End")
OPTIONAL = ("Proposal number", "Street", "Post Cd")
CATEGORY, TYPE_CODE = "higher-education", "EPLUS-EDU-HEI"

_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOT_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True, slots=True)
class EcheRow:
    line: int
    pic: str | None
    oid: str | None
    code: str | None
    name: str
    city: str | None
    country: str
    website: str | None
    start: dt.date | None
    end: dt.date | None


def parse_dates(path: Path, line: int, cells: dict[str, str]) -> list[dt.date | None]:
    """The row's start and end dates; the row decides day-first or month-first."""
    fields = ("Erasmus Eche Start", "Erasmus Eche End")
    slash = {f: _SLASH_DATE.fullmatch(cells[f]) for f in fields}
    order = None
    for m in slash.values():
        if m and int(m.group(1)) > 12:
            order = "DM"
        elif m and int(m.group(2)) > 12:
            order = "MD"
    if order is None:
        padded = any(m and m.group(1).startswith("0") for m in slash.values())
        order = "DM" if padded else "MD"
    out: list[dt.date | None] = []
    for f in fields:
        text = cells[f]
        try:
            if not text:
                out.append(None)
            elif (m := slash[f]) is not None:
                a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
                out.append(dt.date(y, b, a) if order == "DM" else dt.date(y, a, b))
            elif (m := _ISO_DATE.fullmatch(text)) is not None:
                out.append(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            elif (m := _DOT_DATE.fullmatch(text)) is not None:
                out.append(dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
            else:
                raise ValueError(text)
        except ValueError:
            raise RowError(path, line, f, f"{text!r} is not a date; valid: M/D/YYYY, "
                           "DD/MM/YYYY or YYYY-MM-DD") from None
    return out


def _parse(path: Path, line: int, cells: dict[str, str], countries: set[str]) -> EcheRow:
    pic = cells["Pic"] or None
    if pic is not None and not re.fullmatch(r"[0-9]{9}", pic):
        raise RowError(path, line, "Pic", f"{pic!r} is not a PIC; valid: 9 digits (0-9)")
    oid: str | None = cells["OID"].upper()
    if oid in ("", "#N/A", "N/A", "NA"):
        oid = None
    elif not re.fullmatch(r"E[0-9]{8}", oid or ""):
        raise RowError(path, line, "OID", f"{cells['OID']!r} is not an OID; valid: E and 8 "
                       "digits (E10208908), or empty / #N/A")
    code = " ".join(cells["Erasmus Code"].replace("\xa0", " ").split()) or None
    if not (pic or oid or code):
        raise RowError(path, line, "Pic", "no PIC, OID or Erasmus code: at least one is needed")
    name = " ".join(cells["Legal Name"].replace("\u200b", "").split())
    if not name:
        raise RowError(path, line, "Legal Name", "empty; every institution needs its name")
    country = resolve_country(cells["Country Cd"]) if cells["Country Cd"] else None
    if country is None or country not in countries:
        raise RowError(path, line, "Country Cd", f"{cells['Country Cd']!r} is not a country; "
                       "valid: an Erasmus country code (FI, EL, UK, XK, RE...) or ISO code")
    start, end = parse_dates(path, line, cells)
    city = " ".join(cells["City"].replace("\u200b", "").split()) or None
    check_text(path, line, "organisation", {
        "legal_name": ("Legal Name", name), "normalised_name": ("Legal Name", fold(name)),
        "erasmus_code": ("Erasmus Code", code), "city": ("City", city),
        "website": ("Website Url", cells["Website Url"])})
    return EcheRow(line, pic, oid, code, name, city, country, cells["Website Url"] or None,
                   start, end)


def _lossy_copy(new: str | None, old: str | None) -> bool:
    """True when ``new`` is ``old`` with characters replaced by ``?`` (a cp1252 export)."""
    if not new or not old or "?" not in new or len(new) != len(old) or new == old:
        return False
    return all(a == b or a == "?" for a, b in zip(new, old, strict=True))


def _ambiguous_ids(rows: list[EcheRow]) -> dict[str, set[str]]:
    """OIDs / Erasmus codes that rows of different PICs claim."""
    owners: dict[tuple[str, str], set[str | None]] = defaultdict(set)
    for r in rows:
        if r.oid:
            owners[("oid", r.oid)].add(r.pic)
        if r.code:
            owners[("code", re.sub(r"\s", "", r.code))].add(r.pic)
    bad: dict[str, set[str]] = {"oid": set(), "code": set()}
    for (kind, value), pics in owners.items():
        if len(pics) > 1:
            bad[kind].add(value)
    return bad


def import_eche(session: Session, path: Path, *, skip_invalid: bool = False,
                progress: Callable[[int], None] | None = None,
                phase: Callable[[str], None] | None = None) -> ImportReport:
    table = read_table(path, required=COLUMNS, optional=OPTIONAL, fallback_encoding="cp1252")
    log = RowLog(skip_invalid)
    log.extend(table.errors)
    book = OrgBook(session)
    rows: list[EcheRow] = []
    for line, cells in table.records:
        try:
            rows.append(_parse(path, line, cells, book.countries))
        except RowError as exc:
            log.bad(exc)
    bad = _ambiguous_ids(rows)
    for kind, values in bad.items():
        for value in sorted(values):
            lines = [str(r.line) for r in rows
                     if (r.oid if kind == "oid" else re.sub(r"\s", "", r.code or "")) == value]
            log.notes.append(f"{'OID' if kind == 'oid' else 'Erasmus code'} {value} is on lines "
                             f"{', '.join(lines)} for different PICs: stored on neither")
    first_line: dict[int, EcheRow] = {}
    for n, row in enumerate(rows, start=1):
        if row.oid in bad["oid"]:
            row = replace(row, oid=None)
        if row.code and re.sub(r"\s", "", row.code) in bad["code"]:
            row = replace(row, code=None)
        try:
            _apply(book, path, row, first_line, log)
        except RowError as exc:
            log.bad(exc)
        if progress is not None and n % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(len(rows) % 1000)
    created = len(book.created)
    updated = len(book.changed)
    if phase is not None:
        phase(f"writing {created + updated:,} organisations")
    book.flush(path.name)
    report = ImportReport(
        kind="eche", file=str(path), rows=len(table.records) + len(table.errors),
        created=created, updated=updated,
        unchanged=len(book.touched) - created - updated, skipped=log.skipped(),
        details=(("organisations", created, updated),), notes=tuple(log.notes),
    )
    record_import(session, report, path)
    return report


def _merge_repeat(book: OrgBook, path: Path, row: EcheRow, earlier: EcheRow, org_id: int,
                  fields: dict[str, Any], log: RowLog) -> dict[str, Any]:
    """What a second row of one PIC in the file adds to the first: the widest charter
    period and the identifiers the first lacked (a different name is an error)."""
    if (fold(earlier.name), earlier.country) != (fold(row.name), row.country):
        raise RowError(path, row.line, "Pic", f"PIC {row.pic} is already used on line "
                       f"{earlier.line} by {earlier.name!r} ({earlier.country}); "
                       "each PIC must name one organisation")
    current = book.rows[org_id]
    starts = [d for d in (current["eche_start"], row.start) if d]
    ends = [d for d in (current["eche_end"], row.end) if d]
    merged = {"eche_start": min(starts) if starts else None,
              "eche_end": max(ends) if ends else None}
    for key in ("oid", "erasmus_code", "city", "website"):
        if not current.get(key) and fields.get(key):
            merged[key] = fields[key]
    if row.code and current.get("erasmus_code") not in (None, row.code):
        log.notes.append(f"line {row.line}: PIC {row.pic} already listed on line "
                         f"{earlier.line}: merged; Erasmus code {row.code} not stored")
    return merged


def _apply(book: OrgBook, path: Path, row: EcheRow, first_line: dict[int, EcheRow],
           log: RowLog) -> None:
    hits = book.find(row.pic, row.oid, row.code)
    ids = set(hits.values())
    if len(ids) > 1:
        detail = ", ".join(f"{k} -> {book.label(v)}" for k, v in sorted(hits.items()))
        raise RowError(path, row.line, "Pic", f"identifiers belong to different organisations "
                       f"({detail}); fix the identifiers so they name one organisation")
    fields: dict[str, Any] = {
        "legal_name": row.name, "normalised_name": fold(row.name), "country": row.country,
        "category": CATEGORY, "type_code": TYPE_CODE, "eche_start": row.start,
        "eche_end": row.end,
    }
    for key, value in (("pic", row.pic), ("oid", row.oid), ("erasmus_code", row.code),
                       ("city", row.city), ("website", row.website)):
        if value is not None:
            fields[key] = value
    source = (path.name, row.line)
    if not ids:
        first_line[book.create(fields, source)] = row
        return
    org_id = ids.pop()
    earlier = first_line.get(org_id)
    if earlier is not None:  # listed twice in this file
        book.update(org_id, _merge_repeat(book, path, row, earlier, org_id, fields, log),
                    book.source.get(org_id, source))
        return
    current = book.rows[org_id]
    for key in ("legal_name", "city"):
        if _lossy_copy(fields.get(key), current.get(key)):
            fields[key] = current[key]
            if key == "legal_name":
                fields["normalised_name"] = current["normalised_name"]
    book.update(org_id, fields, source)
    first_line[org_id] = row
