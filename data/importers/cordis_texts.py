"""The CORDIS files that give the history its words: organisation names and project texts.

- ``organisations.csv(.gz)``: ``pic, name, short_name, activity_type, city, country, url,
  source``. An organisation the registry already names (an ECHE holder, a user's profile)
  keeps its name; the CORDIS name, when it differs, and the short name become searchable
  aliases. An unnamed organisation (a PIC known only from participations) takes the CORDIS
  name, city and website.
- ``projects.csv(.gz)``: ``rcn, acronym, title, topic_code, topic_title`` (and
  ``grant_id, programme, matched_by``, not stored). They are stored on the H2020 project of
  that rcn.

The CORDIS exports write ``NA`` for a missing value; it is read as empty. Letters that a
source file lost in its encoding (U+FFFD) are restored where the spelling of the other names
of the same country decides (:func:`restore_letters`). Only rows about
organisations and projects of the registry (or of the same import) are used; the others are
counted in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from data.importers._files import read_table
from data.importers._store import RowLog
from data.letters import LOST, LetterRepair
from models.errors import RowError
from models.schema import Organisation, OrganisationAlias
from models.text import fold

__all__ = ["OrgName", "ProjectText", "read_organisation_names", "read_project_texts",
           "restore_letters", "write_aliases"]

_MISSING = frozenset({"", "NA", "N/A", "NULL"})
#: Stored column sizes (models/schema.py): longer values are row errors, on every backend.
_LIMITS = {"name": 500, "short_name": 500, "city": 200, "url": 500, "acronym": 100,
           "topic_code": 100}


def _value(cells: dict[str, str], key: str) -> str | None:
    value = cells.get(key, "").strip()
    return None if value.upper() in _MISSING else value


def _checked(path: Path, line: int, cells: dict[str, str], key: str) -> str | None:
    value = _value(cells, key)
    limit = _LIMITS.get(key)
    if value is not None and limit is not None and len(value) > limit:
        raise RowError(path, line, key, f"{len(value):,} characters; valid: at most {limit}")
    return value


@dataclass(frozen=True, slots=True)
class OrgName:
    """One row of the organisations file."""

    line: int
    pic: str
    name: str | None
    short_name: str | None
    activity_type: str | None
    city: str | None
    url: str | None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectText:
    """One row of the projects file: where it is (``line``), the project's record number
    (``rcn``, the H2020 project it is stored on) and its texts, each None when empty."""

    line: int
    rcn: str
    acronym: str | None
    title: str | None
    topic_code: str | None
    topic_title: str | None


def read_organisation_names(path: Path, log: RowLog) -> dict[str, OrgName]:
    """``pic -> OrgName``; bad rows go to ``log`` (raised, or skipped with --skip-invalid)."""
    table = read_table(path, required=("pic", "name"),
                       optional=("short_name", "activity_type", "city", "country", "url"))
    log.extend(table.errors)
    out: dict[str, OrgName] = {}
    for line, cells in table.records:
        try:
            pic = cells["pic"]
            if not re.fullmatch(r"[0-9]{9}", pic):
                raise RowError(path, line, "pic", f"{pic!r} is not a PIC; valid: 9 digits (0-9)")
            if pic in out:
                raise RowError(path, line, "pic", f"PIC {pic} is already on line "
                               f"{out[pic].line}; one row per organisation")
            row = OrgName(line, pic, _checked(path, line, cells, "name"),
                          _checked(path, line, cells, "short_name"),
                          _value(cells, "activity_type"), _checked(path, line, cells, "city"),
                          _checked(path, line, cells, "url"), _value(cells, "country"))
        except RowError as exc:
            log.bad(exc)
            continue
        out[pic] = row
    return out


def restore_letters(session: Session, names: dict[str, OrgName], log: RowLog,
                    ) -> dict[str, OrgName]:
    """``names`` with the letters their source lost (U+FFFD) restored where the spelling of
    the registry's and the file's other names of the same country decides
    (:mod:`data.letters`); a note says how many."""
    lost = [pic for pic, row in names.items() if LOST in (row.name or "")
            or LOST in (row.short_name or "")]
    if not lost:
        return names
    spelt = session.execute(select(Organisation.legal_name, Organisation.country)).all()
    repair = LetterRepair().fit([*spelt, *((row.name, row.country) for row in names.values())])
    out = dict(names)
    marks = left = 0
    for pic in lost:
        row = names[pic]
        name, short = (None if text is None else repair.restore(text, row.country)
                       for text in (row.name, row.short_name))
        marks += sum((text or "").count(LOST) for text in (row.name, row.short_name))
        left += sum((text or "").count(LOST) for text in (name, short))
        out[pic] = replace(row, name=name, short_name=short)
    log.notes.append(f"{len(lost)} name{'s' if len(lost) != 1 else ''} had letters lost in "
                     "the source file's encoding "
                     f"(U+FFFD): {marks - left} of {marks} restored from how the other names "
                     "of their country are spelt, the others left as published")
    return out


def read_project_texts(path: Path, log: RowLog) -> dict[str, ProjectText]:
    """``rcn -> ProjectText``; bad rows go to ``log``."""
    table = read_table(path, required=("rcn", "title"),
                       optional=("acronym", "topic_code", "topic_title"))
    log.extend(table.errors)
    out: dict[str, ProjectText] = {}
    for line, cells in table.records:
        try:
            rcn = cells["rcn"]
            if not (rcn.isascii() and rcn.isdigit()):
                raise RowError(path, line, "rcn", f"{rcn!r} is not a project number; "
                               "valid: digits (0-9)")
            if rcn in out:
                raise RowError(path, line, "rcn", f"project {rcn} is already on line "
                               f"{out[rcn].line}; one row per project")
            row = ProjectText(line, rcn, _checked(path, line, cells, "acronym"),
                              _value(cells, "title"), _checked(path, line, cells, "topic_code"),
                              _value(cells, "topic_title"))
        except RowError as exc:
            log.bad(exc)
            continue
        out[rcn] = row
    return out


def write_aliases(session: Session, wanted: dict[int, list[tuple[str, str]]],
                  source_file: str) -> int:
    """Insert the ``(name, kind)`` aliases of each organisation that it does not have yet
    (same folded form); return how many were added."""
    table: Table = OrganisationAlias.__table__  # type: ignore[assignment]
    have = {(o, n) for o, n in session.execute(select(table.c.organisation_id,
                                                      table.c.normalised))}
    rows = []
    for org_id, names in wanted.items():
        for name, kind in names:
            key = fold(name)
            if key and (org_id, key) not in have:
                have.add((org_id, key))
                rows.append({"organisation_id": org_id, "name": name, "normalised": key,
                             "kind": kind, "source_file": source_file[:300]})
    if rows:
        session.execute(insert(table), rows)
    return len(rows)
