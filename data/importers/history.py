"""Consortium history: CORDIS H2020 participations (``rcn, role, pic, type, country, ...``).

One project per ``rcn`` (programme ``H2020``, identifier the rcn); its action and theme come
from the programme-parts file (``rcn -> ERC, MSCA, SC1...``). Organisations are keyed by PIC:
an organisation already in the registry (an ECHE holder, a user's profile) is left as it is; a
new PIC becomes an organisation with the country of its rows and the category of its most
frequent CORDIS type, named from the organisations file when one is given (a CORDIS ``OTH``
then becomes ``ngo`` or ``network`` when the legal form in its name says so,
:mod:`data.legal_forms`). Roles: ``coordinator`` -> coordinator, ``participant``/``partner``
-> partner. Organisation themes are not derived here: the models take them from projects.

All reading and matching happens in memory; writes are bulk Core statements, so the full
116k-row file imports in seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from data.importers import _store
from data.importers._files import read_table
from data.importers._store import ImportReport, OrgBook, RowLog, ThemeBook, check_text
from data.importers.cordis_texts import (
    OrgName,
    ProjectText,
    read_organisation_names,
    read_project_texts,
    restore_letters,
    write_aliases,
)
from data.legal_forms import refine_category
from data.reference import resolve_category
from models.errors import DataFileError, RowError
from models.schema import Participation, Project, project_theme
from models.text import fold

__all__ = ["PART_THEMES", "import_history", "read_programme_parts"]

PROGRAMME = "H2020"
#: H2020 programme part (as CORDIS spells it) -> theme code of ``data/reference/themes.csv``.
PART_THEMES: dict[str, str] = {
    "ERC": "h2020-erc", "MSCA": "h2020-msca", "FET": "h2020-fet", "RI": "h2020-ri",
    "LEIT": "h2020-leit", "Innovation in SMEs": "h2020-innosup", "ARF": "h2020-arf",
    **{f"SC{i}": f"h2020-sc{i}" for i in range(1, 8)},
    "SEWP": "h2020-sewp", "SWAFS": "h2020-swafs", "Euratom": "h2020-euratom",
}
_PART_KEYS = {fold(k): k for k in PART_THEMES} | {"innosup": "Innovation in SMEs"}
ROLES = {"coordinator": "coordinator", "participant": "partner", "partner": "partner"}
COLUMNS = ("rcn", "role", "pic", "type", "country", "start_year")
OPTIONAL = ("start_date",)


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    rcn: str
    role: str
    pic: str
    category: str
    type_code: str
    country: str
    start_year: int | None
    start_date: dt.date | None


@cache
def _category(text: str) -> tuple[str, str] | None:
    return resolve_category(text)  # cached: 116k rows share five type codes


def read_programme_parts(path: Path, log: RowLog) -> dict[str, str]:
    """``rcn -> programme part`` (canonical spelling) from ``rcn,programme_part``."""
    table = read_table(path, required=("rcn", "programme_part"))
    log.extend(table.errors)
    parts: dict[str, str] = {}
    for line, cells in table.records:
        part = _PART_KEYS.get(fold(cells["programme_part"]))
        if part is None:
            log.bad(RowError(path, line, "programme_part", f"{cells['programme_part']!r} is "
                             f"not an H2020 programme part; valid: {', '.join(PART_THEMES)}"))
            continue
        parts[cells["rcn"]] = part
    return parts


def _parse(path: Path, line: int, c: dict[str, str], countries: set[str]) -> _Row:
    if not (c["rcn"].isascii() and c["rcn"].isdigit()):
        raise RowError(path, line, "rcn", f"{c['rcn']!r} is not a project number; valid: digits (0-9)")
    check_text(path, line, "project", {"identifier": ("rcn", c["rcn"])})
    role = ROLES.get(c["role"].lower())
    if role is None:
        raise RowError(path, line, "role", f"{c['role']!r} is not a role; valid: coordinator, "
                       "participant, partner")
    if not re.fullmatch(r"[0-9]{9}", c["pic"]):
        raise RowError(path, line, "pic", f"{c['pic']!r} is not a PIC; valid: 9 digits (0-9)")
    kind = _category(c["type"]) if c["type"] else None
    if kind is None:
        raise RowError(path, line, "type", f"{c['type']!r} is not an organisation type; valid: "
                       "HES, PRC, REC, PUB, OTH")
    country = c["country"].upper()
    if country not in countries:
        raise RowError(path, line, "country", f"{c['country']!r} is not a country code; valid: "
                       "Erasmus/EU codes such as DE, EL, UK")
    year = None
    if c["start_year"]:
        if not re.fullmatch(r"[0-9]{4}", c["start_year"]):
            raise RowError(path, line, "start_year", f"{c['start_year']!r} is not a year")
        year = int(c["start_year"])
    start = None
    if c.get("start_date"):
        try:
            start = dt.date.fromisoformat(c["start_date"])
        except ValueError:
            raise RowError(path, line, "start_date", f"{c['start_date']!r} is not a date; "
                           "valid: YYYY-MM-DD") from None
    return _Row(line, c["rcn"], role, c["pic"], kind[0], kind[1], country, year, start)


def import_history(session: Session, path: Path, *, programme_parts: Path | None = None,
                   organisations: Path | None = None, projects: Path | None = None,
                   skip_invalid: bool = False,
                   progress: Callable[[int], None] | None = None,
                   phase: Callable[[str], None] | None = None) -> ImportReport:
    """Import participations; with ``organisations`` / ``projects`` (CORDIS files, see
    :mod:`data.importers.cordis_texts`) also names, aliases and project texts."""
    log = RowLog(skip_invalid)
    parts = read_programme_parts(programme_parts, log) if programme_parts else {}
    if programme_parts is None:
        log.notes.append("no --programme-parts file: projects get no action and no theme")
    names = read_organisation_names(organisations, log) if organisations else None
    if names:
        names = restore_letters(session, names, log)
    texts = read_project_texts(projects, log) if projects else None
    table = read_table(path, required=COLUMNS, optional=OPTIONAL)
    log.extend(table.errors)
    book = OrgBook(session)
    rows = _read_rows(path, table.records, book.countries, log, progress)
    say = phase or (lambda _: None)
    say(f"writing the organisations of {len(rows):,} participations")
    org_ids, n_orgs, n_named, aliases = _organisations(book, rows, path, names or {})
    n_aliases = write_aliases(session, aliases, (organisations or path).name)
    if names is not None:
        unused = len(set(names) - set(book.by_pic))
        if unused:
            log.notes.append(f"{unused:,} organisations of {organisations} took part in no "
                             "project of the registry: not imported")
    themes = ThemeBook(session)
    missing = sorted(set(PART_THEMES.values()) - set(themes.ids))
    if missing:
        raise DataFileError(path, f"the registry lacks the H2020 themes {', '.join(missing)}: "
                            "run the reference seeding first")
    say(f"writing {len({r.rcn for r in rows}):,} projects")
    projects_ = _projects(session, path, rows, parts, themes.ids, texts)
    if texts is not None:
        unused = len(set(texts) - set(projects_[0]))
        if unused:
            log.notes.append(f"{unused:,} projects of {projects} have no participation in "
                             f"{path.name}: not imported")
    say(f"writing {len(rows):,} participations")
    links = _participations(session, path, rows, projects_[0], org_ids)
    created = n_orgs + n_aliases + projects_[1] + links[0]
    updated = n_named + projects_[2] + links[1]
    report = ImportReport(
        kind="history", file=str(path), rows=len(table.records) + len(table.errors),
        created=created, updated=updated,
        unchanged=len(book.touched) - n_orgs - n_named + len(projects_[0]) - projects_[1]
        - projects_[2] + len(rows) - links[0] - links[1],
        skipped=log.skipped(),
        details=(("organisations", n_orgs, n_named),
                 *((("organisation aliases", n_aliases, 0),) if names is not None else ()),
                 ("projects", projects_[1], projects_[2]),
                 ("participations", links[0], links[1])),
        notes=tuple(log.notes),
    )
    _store.record_import(session, report, path)
    return report


def _read_rows(path: Path, records: Sequence[tuple[int, dict[str, str]]], countries: set[str],
               log: RowLog, progress: Callable[[int], None] | None) -> list[_Row]:
    """The participation rows that parse, one per organisation and project, each project
    starting on the same date on all its rows; the others go to ``log``."""
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    first: dict[str, _Row] = {}
    for n, (line, cells) in enumerate(records, start=1):
        if progress is not None and n % 10000 == 0:
            progress(10000)
        try:
            row = _parse(path, line, cells, countries)
            if (row.rcn, row.pic) in seen:
                raise RowError(path, line, "pic", f"PIC {row.pic} is already in project "
                               f"{row.rcn} on line {seen[row.rcn, row.pic]}; one row per "
                               "organisation and project")
            head = first.setdefault(row.rcn, row)
            if (head.start_year, head.start_date) != (row.start_year, row.start_date):
                raise RowError(path, line, "start_year", f"project {row.rcn} starts "
                               f"{row.start_date or row.start_year} here but "
                               f"{head.start_date or head.start_year} on line {head.line}")
        except RowError as exc:
            log.bad(exc)
            continue
        seen[row.rcn, row.pic] = line
        rows.append(row)
    if progress is not None:
        progress(len(records) % 10000)
    return rows


def _named(found: OrgName | None, row: dict[str, Any]) -> dict[str, Any]:
    """The fields a CORDIS name row gives an organisation the registry does not name yet;
    a CORDIS ``OTH`` or ``HES`` organisation's category is refined from the words of its name
    (legal forms; school types)."""
    if found is None or not found.name or row.get("legal_name"):
        return {}
    fields: dict[str, Any] = {"legal_name": found.name, "normalised_name": fold(found.name)}
    if found.city and not row.get("city"):
        fields["city"] = found.city
    if found.url and not row.get("website"):
        fields["website"] = found.url
    category = refine_category(found.name, row["country"], row["category"], row["type_code"])
    if category != row["category"]:
        fields["category"] = category
    return fields


def _organisations(book: OrgBook, rows: list[_Row], path: Path, names: dict[str, OrgName],
                   ) -> tuple[dict[str, int], int, int, dict[int, list[tuple[str, str]]]]:
    """Create the new PICs and name the unnamed ones; ``({pic: id}, created, named,
    {id: [(alias, kind)]})``."""
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    line: dict[str, int] = {}
    for r in rows:
        countries[r.pic][r.country] += 1
        kinds[r.pic][r.category, r.type_code] += 1
        line.setdefault(r.pic, r.line)
    ids: dict[str, int] = {}
    named = 0
    # names also reach organisations that earlier imports created
    for pic in [*countries, *(p for p in names if p not in countries)]:
        known = book.find(pic=pic).get("pic")
        if known is not None:
            fields = _named(names.get(pic), book.rows[known])
            if fields:
                named += book.update(known, fields, (path.name, names[pic].line))
            else:
                book.touched.add(known)
            ids[pic] = known
            continue
        if pic not in countries:
            continue
        category, type_code = kinds[pic].most_common(1)[0][0]
        fields = {"pic": pic, "country": countries[pic].most_common(1)[0][0],
                  "category": category, "type_code": type_code}
        ids[pic] = book.create({**fields, **_named(names.get(pic), fields)},
                               (path.name, line[pic]))
    n_new = len(book.created)
    real = book.flush(path.name)
    final = {pic: real.get(i, i) for pic, i in ids.items()}
    aliases: dict[int, list[tuple[str, str]]] = {}
    for pic, org_id in final.items():
        found = names.get(pic)
        if found is None:
            continue
        legal = book.rows[ids[pic]].get("legal_name")
        own = fold(legal) if legal else ""
        extra = [(text, kind) for text, kind in ((found.name, "name"),
                                                 (found.short_name, "short_name"))
                 if text and fold(text) and fold(text) != own]
        if extra:
            aliases[org_id] = extra
    return final, n_new, named, aliases


_TEXTS = ("acronym", "title", "topic_code", "topic_title")


def _projects(session: Session, path: Path, rows: list[_Row], parts: dict[str, str],
              theme_ids: dict[str, int], texts: dict[str, ProjectText] | None,
              ) -> tuple[dict[str, int], int, int]:
    """Insert or update the projects; returns ``({rcn: id}, created, updated)``.

    Without a projects file (``texts`` None) the stored texts are left as they are."""
    table: Table = Project.__table__  # type: ignore[assignment]
    compared = ("action", "start_year", "start_date") + (_TEXTS if texts is not None else ())
    wanted = _wanted_projects(rows, parts, texts)
    existing = {row.identifier: row for row in session.execute(
        select(table.c.id, table.c.identifier, *(table.c[k] for k in compared))
        .where(table.c.programme == PROGRAMME))}
    ids = {rcn: existing[rcn].id for rcn in wanted if rcn in existing}
    new = [rcn for rcn in wanted if rcn not in existing]
    ids.update(_insert_projects(session, table, path, {rcn: wanted[rcn] for rcn in new}))
    changed = _update_projects(session, table, path, existing, wanted, compared)
    # Each H2020 project's theme is its programme part's theme, exactly.
    want_theme = {ids[rcn]: theme_ids[PART_THEMES[parts[rcn]]] for rcn in wanted if rcn in parts}
    rcn_of = {i: rcn for rcn, i in ids.items()}
    changed |= {rcn_of[p] for p in _set_project_themes(session, set(ids.values()), want_theme)
                if rcn_of[p] in existing}
    return ids, len(new), len(changed)


def _insert_projects(session: Session, table: Table, path: Path,
                     new: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Insert the ``new`` projects; their ids."""
    if not new:
        return {}
    session.execute(insert(table), [{"programme": PROGRAMME, "identifier": rcn,
                                     "source_file": path.name, **values}
                                    for rcn, values in new.items()])
    got = dict(session.execute(select(table.c.identifier, table.c.id)
                               .where(table.c.programme == PROGRAMME)).all())
    return {rcn: got[rcn] for rcn in new}


def _update_projects(session: Session, table: Table, path: Path, existing: dict[str, Any],
                     wanted: dict[str, dict[str, Any]], compared: tuple[str, ...]) -> set[str]:
    """Update the ``existing`` projects whose ``compared`` values differ; their rcns."""
    changed = {rcn for rcn, old in existing.items()
               if rcn in wanted and any(getattr(old, k) != wanted[rcn][k] for k in compared)}
    updates = [{"_id": existing[rcn].id, "source_file": path.name, **wanted[rcn]}
               for rcn in existing if rcn in changed]
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            {k: bindparam(k) for k in (*compared, "source_file", "source_row")}), updates)
    return changed


def _wanted_projects(rows: list[_Row], parts: dict[str, str],
                     texts: dict[str, ProjectText] | None) -> dict[str, dict[str, Any]]:
    """Each project's stored values, from its first row (and its texts when given)."""
    wanted: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.rcn in wanted:
            continue
        wanted[r.rcn] = {"action": parts.get(r.rcn), "start_year": r.start_year,
                         "start_date": r.start_date, "source_row": r.line}
        if texts is not None:
            text = texts.get(r.rcn)
            wanted[r.rcn].update({k: getattr(text, k) if text else None for k in _TEXTS})
    return wanted


def _set_project_themes(session: Session, project_ids: set[int], want: dict[int, int],
                        ) -> set[int]:
    """Give each of ``project_ids`` exactly its theme of ``want`` (none when absent); the
    projects whose themes changed."""
    have: dict[int, set[int]] = defaultdict(set)
    for pid, tid in session.execute(select(project_theme.c.project_id, project_theme.c.theme_id)):
        if pid in project_ids:
            have[pid].add(tid)
    add = [{"project_id": p, "theme_id": t} for p, t in want.items() if t not in have[p]]
    drop = [{"p": p, "t": t} for p, ts in have.items() for t in ts if want.get(p) != t]
    if add:
        session.execute(insert(project_theme), add)
    if drop:
        session.execute(delete(project_theme).where(
            (project_theme.c.project_id == bindparam("p"))
            & (project_theme.c.theme_id == bindparam("t"))), drop)
    return {a["project_id"] for a in add} | {d["p"] for d in drop}


def _participations(session: Session, path: Path, rows: list[_Row], projects: dict[str, int],
                    orgs: dict[str, int]) -> tuple[int, int]:
    table: Table = Participation.__table__  # type: ignore[assignment]
    id_set = set(projects.values())
    have = {(p, o): role for p, o, role in session.execute(
        select(table.c.project_id, table.c.organisation_id, table.c.role)) if p in id_set}
    add, change = [], []
    for r in rows:
        key = (projects[r.rcn], orgs[r.pic])
        old = have.get(key)
        if old is None:
            add.append({"project_id": key[0], "organisation_id": key[1], "role": r.role,
                        "source_file": path.name, "source_row": r.line})
        elif old != r.role:
            change.append({"p": key[0], "o": key[1], "role": r.role,
                           "source_file": path.name, "source_row": r.line})
    if add:
        session.execute(insert(table), add)
    if change:
        session.execute(update(table).where(
            (table.c.project_id == bindparam("p")) & (table.c.organisation_id == bindparam("o"))
        ).values(role=bindparam("role"), source_file=bindparam("source_file"),
                 source_row=bindparam("source_row")), change)
    return len(add), len(change)
