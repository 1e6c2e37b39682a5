"""A user's own organisation profiles: CSV (``,``/``;``/tab, UTF-8) or JSON Lines (``.jsonl``).

Columns (keys): ``name``, ``country``, ``type`` required; ``pic``, ``oid``, ``erasmus_code``,
``city``, ``website``, ``themes``, ``description`` optional.

- ``type``: a canonical category (``higher education``, ``school``, ``research``,
  ``company``, ``NGO``, ``public body``, ``network``, ``other``), an Erasmus+ label or
  ``EPLUS-*`` code, or a CORDIS code (``HES``, ``PRC``, ``REC``, ``PUB``, ``OTH``); any case.
- ``country``: Erasmus or ISO code (``EL``/``GR``, ``UK``/``GB``) or English name.
- ``themes``: several in one cell separated by ``;`` or ``|`` (a list in JSON Lines); theme
  codes or English/Finnish labels. An unknown theme is an error naming the nearest ones.
- Matching: by PIC, OID or Erasmus code, else by (normalised name, country), exactly. A match
  is updated with every non-empty value given (declared themes are replaced by the row's);
  empty cells keep what is stored. Two rows for the same organisation are an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from data.importers import _store
from data.importers._files import read_jsonl, read_table
from data.importers._store import ImportReport, OrgBook, RowLog, ThemeBook, check_text
from data.reference import countries as country_refs
from data.reference import resolve_category, resolve_country
from models.errors import RowError
from models.schema import organisation_theme
from models.text import fold

__all__ = ["import_orgs"]

REQUIRED = ("name", "country", "type")
OPTIONAL = ("pic", "oid", "erasmus_code", "city", "website", "themes", "description")
VALID_TYPES = ("a category (higher education, school, research, company, NGO, public body, "
               "network, other), an Erasmus+ label or EPLUS-* code, or a CORDIS code "
               "(HES, PRC, REC, PUB, OTH)")


@dataclass(frozen=True, slots=True)
class _Profile:
    line: int
    fields: dict[str, Any]
    themes: tuple[str, ...] | None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    return " ".join(str(value).split())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object"


def _check_types(path: Path, line: int, raw: dict[str, Any]) -> None:
    """A JSON row's values: text (a PIC may be a number; themes a list of text)."""
    for key in (*REQUIRED, *OPTIONAL):
        value = raw.get(key)
        if value is None or isinstance(value, str):
            continue
        if key == "pic" and isinstance(value, int) and not isinstance(value, bool):
            continue
        if key == "themes" and isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                continue
            raise RowError(path, line, key, "must be text or a list of text")
        raise RowError(path, line, key, f"must be text, not {_kind(value)}")


def _nearest_country(text: str) -> str:
    from rapidfuzz import process

    names = [c.name for c in country_refs()]
    best = process.extractOne(text, names)
    return f" (did you mean {best[0]}?)" if best and best[1] >= 80 else ""


def _parse(path: Path, line: int, raw: dict[str, Any], book: OrgBook,
           themes: ThemeBook) -> _Profile:
    _check_types(path, line, raw)
    cells = {k: _text(raw.get(k)) for k in (*REQUIRED, *OPTIONAL)}
    for key in REQUIRED:
        if not cells[key]:
            raise RowError(path, line, key, f"missing; {', '.join(REQUIRED)} are required")
    country = resolve_country(cells["country"])
    if country is None or country not in book.countries:
        raise RowError(path, line, "country", f"{cells['country']!r} is not a country"
                       f"{_nearest_country(cells['country'])}; valid: Erasmus or ISO codes "
                       "(FI, EL, UK) or English names (Finland)")
    kind = resolve_category(cells["type"])
    if kind is None:
        raise RowError(path, line, "type", f"{cells['type']!r} is not an organisation type; "
                       f"valid: {VALID_TYPES}")
    fields: dict[str, Any] = {"legal_name": cells["name"], "normalised_name": fold(cells["name"]),
                              "country": country, "category": kind[0], "type_code": kind[1]}
    if cells["pic"]:
        if not re.fullmatch(r"[0-9]{9}", cells["pic"]):
            raise RowError(path, line, "pic", f"{cells['pic']!r} is not a PIC; valid: 9 digits (0-9)")
        fields["pic"] = cells["pic"]
    if cells["oid"]:
        if not re.fullmatch(r"E[0-9]{8}", cells["oid"].upper()):
            raise RowError(path, line, "oid", f"{cells['oid']!r} is not an OID; valid: E and "
                           "8 digits (E10208908)")
        fields["oid"] = cells["oid"].upper()
    for key in ("erasmus_code", "city", "website", "description"):
        if cells[key]:
            fields[key] = cells[key]
    check_text(path, line, "organisation", {
        "legal_name": ("name", cells["name"]), "normalised_name": ("name", fields[
            "normalised_name"]), **{k: (k, fields.get(k)) for k in (
                "erasmus_code", "city", "website", "description")}})
    codes = None
    if cells["themes"]:
        found = []
        for label in (t.strip() for t in re.split(r"[;|]", cells["themes"])):
            if not label:
                continue
            code = themes.resolve(label)
            if code is None:
                near = ", ".join(f"{c} ({themes.labels[c]})" for c in themes.nearest(label))
                raise RowError(path, line, "themes", f"unknown theme {label!r}; nearest valid "
                               f"themes: {near}")
            found.append(code)
        codes = tuple(dict.fromkeys(found))
    return _Profile(line, fields, codes)


def _records(path: Path, log: RowLog) -> list[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        records, errors = read_jsonl(path)
        log.extend(errors)
        return records
    table = read_table(path, required=REQUIRED, optional=OPTIONAL)
    log.extend(table.errors)
    return [(line, dict(cells)) for line, cells in table.records]


def import_orgs(session: Session, path: Path, *, skip_invalid: bool = False,
                progress: Callable[[int], None] | None = None,
                phase: Callable[[str], None] | None = None) -> ImportReport:
    log = RowLog(skip_invalid)
    records = _records(path, log)
    n_rows = len(records) + len(log.errors)  # so far: rows that could not even be read
    book = OrgBook(session)
    themes = ThemeBook(session)
    line_of: dict[int, int] = {}
    declared: dict[int, tuple[str, ...]] = {}
    for line, raw in records:
        try:
            profile = _parse(path, line, raw, book, themes)
            org_id = _match(book, path, profile, line_of)
        except RowError as exc:
            log.bad(exc)
            continue
        source = (path.name, line)
        if org_id is None:
            org_id = book.create(profile.fields, source)
        else:
            book.update(org_id, profile.fields, source)
        line_of[org_id] = line
        if profile.themes is not None:
            declared[org_id] = profile.themes
    if progress is not None:
        progress(len(records))
    n_new = len(book.created)
    changed = set(book.changed)
    if phase is not None:
        phase(f"writing {len(line_of):,} organisations")
    real = book.flush(path.name)
    changed |= _write_themes(session, book, declared, real, themes.ids)
    report = ImportReport(
        kind="orgs", file=str(path), rows=n_rows,
        created=n_new, updated=len(changed), unchanged=len(line_of) - n_new - len(changed),
        skipped=log.skipped(), details=(("organisations", n_new, len(changed)),),
        notes=tuple(log.notes),
    )
    _store.record_import(session, report, path)
    return report


def _match(book: OrgBook, path: Path, profile: _Profile, line_of: dict[int, int]) -> int | None:
    f = profile.fields
    hits = book.find(f.get("pic"), f.get("oid"), f.get("erasmus_code"))
    if len(set(hits.values())) > 1:
        detail = ", ".join(f"{k} -> {book.label(v)}" for k, v in sorted(hits.items()))
        raise RowError(path, profile.line, next(iter(sorted(hits))), "identifiers belong to "
                       f"different organisations ({detail}); give identifiers of one")
    org_id = next(iter(hits.values()), None)
    if org_id is None:
        org_id = book.find_name(f["normalised_name"], f["country"])
        if org_id is not None:
            _same_identifiers(book, path, profile, org_id)
    if org_id is not None and org_id in line_of:
        raise RowError(path, profile.line, "name", f"the same organisation as line "
                       f"{line_of[org_id]} ({book.label(org_id)}); one row per organisation")
    return org_id


def _same_identifiers(book: OrgBook, path: Path, profile: _Profile, org_id: int) -> None:
    """A profile matched by name must not contradict the identifiers stored for it."""
    stored = book.rows[org_id]
    for key in ("pic", "oid", "erasmus_code"):
        given = profile.fields.get(key)
        if given and stored.get(key) and stored[key] != given:
            raise RowError(path, profile.line, key, f"{given} does not match "
                           f"{book.label(org_id)} of the same name, which has {key} "
                           f"{stored[key]}; use its {key} or leave the cell empty")


def _write_themes(session: Session, book: OrgBook, declared: dict[int, tuple[str, ...]],
                  real: dict[int, int], theme_ids: dict[str, int]) -> set[int]:
    """Replace declared themes; return the existing organisations whose themes changed."""
    table: Table = organisation_theme
    changed: set[int] = set()
    for org_id, codes in declared.items():
        oid = real.get(org_id, org_id)
        want = {theme_ids[c] for c in codes}
        have = set(session.scalars(select(table.c.theme_id).where(
            table.c.organisation_id == oid)))
        if have - want:
            session.execute(delete(table).where((table.c.organisation_id == oid)
                                                & table.c.theme_id.in_(have - want)))
        if want - have:
            session.execute(insert(table), [{"organisation_id": oid, "theme_id": t}
                                            for t in sorted(want - have)])
        if want != have and org_id > 0:
            changed.add(org_id)
    return changed
