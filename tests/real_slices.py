"""Small registries cut from the real data in ``../shared/data``, for the CLI tests.

One cut serves every command's tests: the H2020 projects of one organisation (by default the
University of Helsinki), a few named consortia, and the real ECHE rows of either the
organisations that appear or of some countries. Each real file is parsed once per test
session, however many registries are cut from it.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Collection
from functools import cache
from pathlib import Path

import pytest

from data.importers import import_file
from data.reference import seed_reference
from models.db import open_database

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HELSINKI = "999994535"


@cache
def _read_gz(path: Path) -> tuple[tuple[str, ...], ...]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return tuple(tuple(row) for row in csv.reader(fh))


@cache
def _eche_rows() -> tuple[tuple[str, ...], ...]:
    text = (SHARED / "eche" / "eche-holders-2021-2027.csv").read_bytes().decode("cp1252")
    return tuple(tuple(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                   delimiter=";"))


def real_registry(tmp: Path, *, projects_of: str = HELSINKI, n_projects: int,
                  keep: Collection[str] = (), eche_of_members: bool = True,
                  eche_countries: Collection[str] = (), programme_parts: bool = False,
                  names: bool = False, projects: bool = False) -> str:
    """A SQLite URL to a registry of ``n_projects`` projects of ``projects_of`` plus ``keep``
    (rcns), and the ECHE rows of its organisations (``eche_of_members``) and of every
    institution in ``eche_countries``; with ``names``, the CORDIS names and short names of
    its organisations (``import history --organisations``); with ``projects``, the titles
    and call topics of its projects (``--projects``)."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED}")
    rows = _read_gz(SHARED / "cordis-h2020" / "participations.csv.gz")
    own = dict.fromkeys(r[0] for r in rows[1:] if r[2] == projects_of)
    rcns = set(keep) | set(list(own)[:n_projects])
    part = [rows[0]] + [r for r in rows[1:] if r[0] in rcns]
    history = tmp / "participations.csv"
    with history.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(part)
    parts_file = None
    if programme_parts:
        parts = _read_gz(SHARED / "cordis-h2020" / "programme_parts.csv.gz")
        parts_file = tmp / "parts.csv"
        with parts_file.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([parts[0]] + [r for r in parts[1:] if r[0] in rcns])
    pics = {r[2] for r in part[1:]}
    projects_file = None
    if projects:
        table = _read_gz(SHARED / "cordis-h2020" / "projects.csv.gz")
        projects_file = tmp / "projects.csv"
        with projects_file.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([table[0]] + [r for r in table[1:] if r[0] in rcns])
    names_file = None
    if names:
        table = _read_gz(SHARED / "cordis-h2020" / "organisations.csv.gz")
        names_file = tmp / "organisations.csv"
        with names_file.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([table[0]] + [r for r in table[1:] if r[0] in pics])
    eche_rows = _eche_rows()
    wanted = [r for r in eche_rows[2:] if len(r) > 8
              and ((eche_of_members and r[2] in pics) or r[8] in eche_countries)]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([*eche_rows[:2], *wanted])
    eche = tmp / "eche.csv"
    eche.write_bytes(buf.getvalue().encode("cp1252"))
    url = f"sqlite:///{tmp / 'registry.sqlite'}"
    db = open_database(url)
    with db.sessions.begin() as s:
        seed_reference(s)
    with db.sessions.begin() as s:
        import_file(s, "eche", eche)
    with db.sessions.begin() as s:
        import_file(s, "history", history, programme_parts=parts_file,
                    organisations=names_file, projects=projects_file)
    db.dispose()
    return url
