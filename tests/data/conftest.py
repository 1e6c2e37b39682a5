"""Small slices of the real files in ``../shared/data``, cut on the fly, and import helpers."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from data.importers import ImportReport, import_file
from models.db import Database
from models.schema import ImportRecord, Organisation, Participation, Project, Theme, project_theme

FIXTURES = Path(__file__).with_name("fixtures")
EPLUS_FIXTURE = FIXTURES / "ErasmusPlus_KA2_HigherEducation_Projects_Overview_2024-01-15.csv"

#: ECHE rows worth having in a slice: the quirks of the real list.
ECHE_PICS = {
    "887079648",  # listed twice (two charters), same name: merged
    "936102866", "907304730",  # one OID (E10009980) on two different PICs
    "929488824",  # street with an embedded newline (Tirana)
    "997851514",  # "MANASTUR STR; 3-5": the "CLUJ" row of a naive split
    "999873188",  # UNIVERSITAET GRAZ, in many H2020 projects
    "999994535",  # HELSINGIN YLIOPISTO
}


def import_into(db: Database, kind: str, path: Path, **options: Any) -> ImportReport:
    with db.sessions.begin() as session:
        return import_file(session, kind, path, **options)


def snapshot(db: Database) -> dict[str, Any]:
    """Counts and the sorted content of the registry, for before/after comparisons."""
    with db.sessions() as s:
        def count(table: Any) -> int:
            return int(s.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

        o = Organisation
        return {
            "organisations": count(Organisation), "projects": count(Project),
            "participations": count(Participation), "themes": count(Theme),
            "project_themes": count(project_theme), "imports": count(ImportRecord),
            "orgs": sorted(tuple(map(str, r)) for r in s.execute(sa.select(
                o.pic, o.oid, o.erasmus_code, o.legal_name, o.country, o.city, o.category,
                o.type_code, o.website, o.eche_start, o.eche_end))),
            "links": sorted(tuple(map(str, r)) for r in s.execute(
                sa.select(Project.identifier, Organisation.pic, Organisation.legal_name,
                          Participation.role)
                .join(Project, Project.id == Participation.project_id)
                .join(Organisation, Organisation.id == Participation.organisation_id))),
        }


def _eche_rows(shared: Path) -> tuple[list[str], list[list[str]]]:
    text = (shared / "eche" / "eche-holders-2021-2027.csv").read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return rows[1], rows[2:]


def write_eche(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """An ECHE CSV laid out like the Commission's: cp1252, ``;``, an empty first line."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([""] * len(header))
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return path


@pytest.fixture
def eche_slice(shared_data: Path, tmp_path: Path) -> Path:
    """The first 20 Austrian rows plus the quirky ones of :data:`ECHE_PICS`."""
    header, rows = _eche_rows(shared_data)
    chosen = rows[:20] + [r for r in rows[20:] if r[2] in ECHE_PICS]
    return write_eche(tmp_path / "eche-slice.csv", header, chosen)


@pytest.fixture
def eche_rows(shared_data: Path) -> tuple[list[str], list[list[str]]]:
    return _eche_rows(shared_data)


@pytest.fixture
def history_slice(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Every row of 12 real H2020 projects of the University of Graz, and their parts."""
    return cut_history_slice(shared_data, tmp_path)


def cut_history_slice(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    """See :func:`history_slice` (for fixtures of a wider scope)."""
    folder = shared_data / "cordis-h2020"
    with gzip.open(folder / "participations.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rcns = list(dict.fromkeys(r[0] for r in rows[1:] if r[2] == "999873188"))[:12]
    keep = set(rcns)
    part_path = tmp_path / "parts.csv"
    with gzip.open(folder / "programme_parts.csv.gz", "rt", encoding="utf-8") as fh:
        parts = [r for r in csv.reader(fh)]
    with part_path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([parts[0]] + [r for r in parts[1:] if r[0] in keep])
    path = tmp_path / "participations.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([rows[0]] + [r for r in rows[1:] if r[0] in keep])
    return path, part_path


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (first row the header) to a CSV file in ``tmp_path``."""
    def write(name: str, rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(buf.getvalue().encode(encoding))
        return path

    return write


@pytest.fixture
def texts_slice(shared_data: Path, tmp_path: Path,
                history_slice: tuple[Path, Path]) -> tuple[Path, Path]:
    """The real CORDIS names of the organisations and the texts of the projects of
    :func:`history_slice`: ``(organisations.csv, projects.csv)``."""
    folder = shared_data / "cordis-h2020"
    with history_slice[0].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    pics, rcns = {r[2] for r in rows}, {r[0] for r in rows}
    out = []
    for name, column, keep in (("organisations.csv.gz", 0, pics), ("projects.csv.gz", 0, rcns)):
        with gzip.open(folder / name, "rt", encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh))
        path = tmp_path / name.removesuffix(".gz")
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([table[0]] + [r for r in table[1:] if r[column] in keep])
        out.append(path)
    return out[0], out[1]
