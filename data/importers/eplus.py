"""The Erasmus+ project results export ("projects lists" of the results platform).

One row per project: identifier, action type, call year, title, topics, summary, the
coordinator and ``Partner N ...`` columns (N up to 38). ``,`` or ``;`` separated, UTF-8 with
a byte-order mark.

- Projects: programme ``Erasmus+``, action code from Action Type (a code such as ``KA203`` or
  the platform's label "Strategic Partnerships for higher education"), ``start_year`` = call
  year. Re-importing updates title, summary, action, year and topics.
- Topics (several in one cell, separated by ``;``, ``|`` or line breaks) become themes by code
  or English/Finnish label (case-, accent- and punctuation-insensitive). A topic the vocabulary
  lacks is added as a new theme of kind ``topic`` (code ``topic-<label>``), and the report
  counts them: the export's topic list changes between programme periods.
- Organisations carry no PIC here, so they are matched by (normalised name, country): exactly,
  else the best ``rapidfuzz`` ``token_sort_ratio`` >= :data:`FUZZY_THRESHOLD` within the same
  country, else created. A matched organisation keeps its name and type; only a missing
  website is filled in. The same organisation is never created twice, within a file or across
  imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table as SqlTable
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from data.importers import _store
from data.importers._files import Table, read_table
from data.importers._store import ImportReport, OrgBook, RowLog, ThemeBook, check_text
from data.reference import resolve_category, resolve_country
from models.errors import DataFileError, RowError
from models.schema import Participation, Project, project_theme
from models.text import fold

__all__ = ["FUZZY_THRESHOLD", "import_eplus"]

PROGRAMME = "Erasmus+"
#: Minimum ``token_sort_ratio`` (0-100) of folded names for two organisations of the same
#: country to be the same: catches "Oy"/"GmbH" suffixes and word order, not sibling schools.
FUZZY_THRESHOLD = 92.0
COLUMNS = ("Project Identifier", "Action Type", "Call year", "Project Title",
           "Coordinating organisation name", "Coordinator's country")
OPTIONAL = ("Programme", "Key Action", "Topics", "Project Summary",
            "Coordinating organisation type", "Coordinator's website")
COORDINATOR = ("Coordinating organisation name", "Coordinating organisation type",
               "Coordinator's country", "Coordinator's website")
_PARTNER = re.compile(r"Partner (\d+) (name|organisation type|country|website|address|region)",
                      re.IGNORECASE)
_ACTION_CODE = re.compile(r"(KA\d{3}(?:-[A-Z]{3})?)\b", re.IGNORECASE)
#: Key Action 2 action types as the results platform labels them (its level-3 vocabulary).
ACTION_LABELS: dict[str, str] = {
    "Strategic Partnerships addressing more than one field": "KA200",
    "Strategic Partnerships for school education": "KA201",
    "Strategic Partnerships for vocational education and training": "KA202",
    "Strategic Partnerships for higher education": "KA203",
    "Strategic Partnerships for adult education": "KA204",
    "Strategic Partnerships for youth": "KA205",
    "Knowledge Alliances for higher education": "KA206",
    "Sector Skills Alliances in vocational education and training": "KA207",
    "Small-scale partnerships in adult education": "KA210-ADU",
    "Small-scale partnerships in school education": "KA210-SCH",
    "Small-scale partnerships in vocational education and training": "KA210-VET",
    "Small-scale partnerships in youth": "KA210-YOU",
    "Capacity Building in higher education": "KA211",
    "Strategic Partnerships for Schools Only": "KA219",
    "Cooperation partnerships in adult education": "KA220-ADU",
    "Cooperation partnerships in higher education": "KA220-HED",
    "Cooperation partnerships in school education": "KA220-SCH",
    "Cooperation partnerships in vocational education and training": "KA220-VET",
    "Cooperation partnerships in youth": "KA220-YOU",
    "Partnerships for Digital Education Readiness": "KA226",
    "Partnerships for Creativity": "KA227",
    "School Exchange Partnerships": "KA229",
    "European Universities": "KA230",
}
_ACTION_KEYS = {fold(label): code for label, code in ACTION_LABELS.items()}


@dataclass(frozen=True, slots=True)
class _Org:
    name: str
    country: str
    category: str
    type_code: str
    website: str | None
    role: str


@dataclass(frozen=True, slots=True)
class _Project:
    line: int
    identifier: str
    action: str
    year: int
    title: str
    summary: str | None
    topics: tuple[str, ...]
    orgs: tuple[_Org, ...]


def _action(path: Path, line: int, text: str) -> str:
    code = _ACTION_KEYS.get(fold(text))
    if code is None and (m := _ACTION_CODE.match(text.strip())):
        code = m.group(1).upper()
    if code is None:
        raise RowError(path, line, "Action Type", f"{text!r} is not an Erasmus+ action type; "
                       "valid: a code such as KA203 or KA220-HED, or the platform's label "
                       "such as 'Strategic Partnerships for higher education'")
    return code


def _org(path: Path, line: int, cols: tuple[str, str, str, str], cells: dict[str, str],
         role: str, countries: set[str]) -> _Org:
    """One organisation from its (name, type, country, website) columns."""
    name, kind, country_text, website = (cells.get(c, "") for c in cols)
    country = resolve_country(country_text) if country_text else None
    if country is None or country not in countries:
        raise RowError(path, line, cols[2], f"{country_text!r} is not a country; "
                       "valid: an English country name (Finland) or code (FI, EL, UK)")
    resolved = resolve_category(kind) if kind else ("other", "other")
    if resolved is None:
        raise RowError(path, line, cols[1], f"{kind!r} is not an organisation type; valid: an "
                       "Erasmus+ label such as 'Higher education institution (tertiary "
                       "level)', an EPLUS-* code or a category name")
    name = " ".join(name.split())
    check_text(path, line, "organisation", {
        "legal_name": (cols[0], name), "normalised_name": (cols[0], fold(name)),
        "website": (cols[3], website)})
    return _Org(name, country, resolved[0], resolved[1], website or None, role)


def _parse(path: Path, line: int, cells: dict[str, str], countries: set[str]) -> _Project:
    identifier = cells["Project Identifier"]
    if not identifier:
        raise RowError(path, line, "Project Identifier", "empty; every project needs one")
    check_text(path, line, "project", {
        "identifier": ("Project Identifier", identifier),
        "title": ("Project Title", cells["Project Title"]),
        "summary": ("Project Summary", cells.get("Project Summary")),
        "topics": ("Topics", cells.get("Topics"))})
    year_text = cells["Call year"]
    if not re.fullmatch(r"20\d\d", year_text):
        raise RowError(path, line, "Call year", f"{year_text!r} is not a call year; "
                       "valid: 2014, 2021...")
    if not cells["Coordinating organisation name"]:
        raise RowError(path, line, "Coordinating organisation name", "empty")
    orgs = [_org(path, line, COORDINATOR, cells, "coordinator", countries)]
    partners: dict[int, dict[str, str]] = {}
    for header in cells:
        if (m := _PARTNER.fullmatch(header)) is not None:
            partners.setdefault(int(m.group(1)), {})[m.group(2).lower()] = header
    for n in sorted(partners):
        cols = partners[n]
        if cells.get(cols.get("name", "")):
            orgs.append(_org(path, line, (cols["name"], cols.get("organisation type", ""),
                                          cols.get("country", ""), cols.get("website", "")),
                             cells, "partner", countries))
    topics = tuple(t.strip() for t in re.split(r"[;|\n]", cells.get("Topics", "")) if t.strip())
    return _Project(line, identifier, _action(path, line, cells["Action Type"]), int(year_text),
                    cells["Project Title"], cells.get("Project Summary") or None, topics,
                    tuple(orgs))


def _check_partner_columns(table: Table) -> None:
    """Every ``Partner N name`` column needs its ``Partner N country``: without it every
    partner would be refused as having no country, on every row."""
    found: dict[int, dict[str, str]] = {}
    for header in table.header:
        if (m := _PARTNER.fullmatch(header.strip())) is not None:
            found.setdefault(int(m.group(1)), {})[m.group(2).lower()] = header.strip()
    for n, columns in sorted(found.items()):
        if "name" in columns and "country" not in columns:
            raise DataFileError(table.path, f"line {table.header_line}: missing column "
                                f"'Partner {n} country' (the header has {columns['name']!r}): "
                                "add each partner's country")


def import_eplus(session: Session, path: Path, *, skip_invalid: bool = False,
                 progress: Callable[[int], None] | None = None,
                 phase: Callable[[str], None] | None = None) -> ImportReport:
    table = read_table(path, required=COLUMNS, optional=OPTIONAL, extra=_PARTNER)
    _check_partner_columns(table)
    log = RowLog(skip_invalid)
    log.extend(table.errors)
    book = OrgBook(session)
    themes = ThemeBook(session)
    projects: list[_Project] = []
    seen: dict[str, int] = {}
    for line, cells in table.records:
        try:
            project = _parse(path, line, cells, book.countries)
            if project.identifier in seen:
                raise RowError(path, line, "Project Identifier", f"{project.identifier} is "
                               f"already on line {seen[project.identifier]}; one row per project")
        except RowError as exc:
            log.bad(exc)
            continue
        seen[project.identifier] = line
        projects.append(project)
    if progress is not None:
        progress(len(table.records))
    members = [_members(book, path, p) for p in projects]
    theme_codes = [tuple(dict.fromkeys(themes.resolve(t) or themes.add(t, "topic")
                                       for t in p.topics)) for p in projects]
    n_orgs, n_org_updates, n_themes = len(book.created), len(book.changed), len(themes.new)
    if phase is not None:
        phase(f"writing {len(projects):,} projects and their organisations")
    real = book.flush(path.name)
    themes.flush()
    created, updated = _write_projects(session, path, projects, theme_codes, themes.ids)
    links = _write_participations(session, path, projects, members, real)
    report = ImportReport(
        kind="eplus", file=str(path), rows=len(table.records) + len(table.errors),
        created=n_orgs + n_themes + created + links[0],
        updated=n_org_updates + updated + links[1],
        unchanged=len(book.touched) - n_orgs - n_org_updates,
        skipped=log.skipped(),
        details=(("organisations", n_orgs, n_org_updates), ("themes (new topics)", n_themes, 0),
                 ("projects", created, updated), ("participations", links[0], links[1])),
        notes=tuple(log.notes),
    )
    _store.record_import(session, report, path)
    return report


def _members(book: OrgBook, path: Path, project: _Project) -> dict[int, str]:
    """``{organisation id: role}`` for a project; matches or creates each organisation."""
    out: dict[int, str] = {}
    for org in project.orgs:
        key = fold(org.name)
        org_id = book.find_name(key, org.country)
        if org_id is None:
            org_id = book.find_fuzzy(key, org.country, FUZZY_THRESHOLD)
        source = (path.name, project.line)
        if org_id is None:
            org_id = book.create({"legal_name": org.name, "normalised_name": key,
                                  "country": org.country, "category": org.category,
                                  "type_code": org.type_code, "website": org.website}, source)
        elif org.website and not book.rows[org_id].get("website"):
            book.update(org_id, {"website": org.website}, source)
        else:
            book.touched.add(org_id)
        if out.get(org_id) != "coordinator":
            out[org_id] = org.role
    return out


def _write_projects(session: Session, path: Path, projects: list[_Project],
                    theme_codes: list[tuple[str, ...]], theme_ids: dict[str, int],
                    ) -> tuple[int, int]:
    table: SqlTable = Project.__table__  # type: ignore[assignment]
    existing = {r.identifier: r for r in session.execute(
        select(table.c.id, table.c.identifier, table.c.action, table.c.start_year,
               table.c.title, table.c.summary).where(table.c.programme == PROGRAMME))}
    created = updated = 0
    for project, codes in zip(projects, theme_codes, strict=True):
        values: dict[str, Any] = {"action": project.action, "start_year": project.year,
                                  "title": project.title, "summary": project.summary}
        source = {"source_file": path.name, "source_row": project.line}
        old = existing.get(project.identifier)
        want = {theme_ids[c] for c in codes}
        if old is None:
            pid = session.execute(insert(table).returning(table.c.id), [{
                "programme": PROGRAMME, "identifier": project.identifier, **values, **source,
            }]).scalar_one()
            have: set[int] = set()
            created += 1
        else:
            pid = old.id
            have = set(session.scalars(select(project_theme.c.theme_id).where(
                project_theme.c.project_id == pid)))
            if (old.action, old.start_year, old.title, old.summary) != tuple(values.values()) \
                    or have != want:
                session.execute(update(table).where(table.c.id == pid).values(**values, **source))
                updated += 1
        if have - want:
            session.execute(delete(project_theme).where(
                (project_theme.c.project_id == pid) & project_theme.c.theme_id.in_(have - want)))
        if want - have:
            session.execute(insert(project_theme),
                            [{"project_id": pid, "theme_id": t} for t in sorted(want - have)])
    return created, updated


def _write_participations(session: Session, path: Path, projects: list[_Project],
                          members: list[dict[int, str]], real: dict[int, int]) -> tuple[int, int]:
    table: SqlTable = Participation.__table__  # type: ignore[assignment]
    ids = dict(session.execute(select(Project.identifier, Project.id).where(
        Project.programme == PROGRAMME)).all())
    added = changed = 0
    for project, roles in zip(projects, members, strict=True):
        pid = ids[project.identifier]
        have = dict(session.execute(select(table.c.organisation_id, table.c.role).where(
            table.c.project_id == pid)).all())
        for org_id, role in roles.items():
            oid = real.get(org_id, org_id)
            values = {"role": role, "source_file": path.name, "source_row": project.line}
            if oid not in have:
                session.execute(insert(table), [{"project_id": pid, "organisation_id": oid,
                                                 **values}])
                added += 1
            elif have[oid] != role:
                session.execute(update(table).where((table.c.project_id == pid)
                                                    & (table.c.organisation_id == oid))
                                .values(**values))
                changed += 1
    return added, changed
