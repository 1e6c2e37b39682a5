from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.reference import seed_reference
from models.db import Database, open_database
from models.errors import RowError
from models.schema import Organisation, Participation, Project, Theme
from tests.data.conftest import import_into, snapshot

GRAZ = "999873188"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _eche_pics(eche_slice: Path) -> set[str]:
    with eche_slice.open(encoding="cp1252", newline="") as fh:
        return {r[2] for r in list(csv.reader(fh, delimiter=";"))[2:]}


def test_projects_roles_themes_and_merge_with_eche(database: Database, eche_slice: Path,
                                                   history_slice: tuple[Path, Path]) -> None:
    path, parts = history_slice
    rows = _rows(path)[1:]
    import_into(database, "eche", eche_slice)
    report = import_into(database, "history", path, programme_parts=parts)
    rcns = {r[0] for r in rows}
    pics = {r[2] for r in rows}
    assert {w: c for w, c, _ in report.details} == {
        "organisations": len(pics - _eche_pics(eche_slice)), "projects": len(rcns),
        "participations": len(rows)}
    with database.sessions() as s:
        graz = s.scalar(sa.select(Organisation).where(Organisation.pic == GRAZ))
        assert graz is not None and graz.legal_name == "UNIVERSITAET GRAZ"  # ECHE name kept
        assert graz.category == "higher-education" and graz.type_code == "EPLUS-EDU-HEI"
        roles = dict(s.execute(sa.select(Project.identifier, Participation.role)
                               .join(Participation).where(Participation.organisation_id
                                                          == graz.id)).all())
        assert roles == {r[0]: "coordinator" if r[1] == "coordinator" else "partner"
                         for r in rows if r[2] == GRAZ}
        project = s.scalar(sa.select(Project).where(Project.identifier == rows[0][0]))
        assert project is not None and project.programme == "H2020"
        assert project.start_year == int(rows[0][5])
        part = dict(_rows(parts)[1:])[rows[0][0]]
        assert project.action == part
        assert [t.code for t in project.themes] == [
            {"Innovation in SMEs": "h2020-innosup"}.get(part, f"h2020-{part.lower()}")]
        new = s.scalar(sa.select(Organisation).where(Organisation.pic == rows[0][2]))
        assert new is not None and new.legal_name is None
        assert (new.country, new.type_code) == (rows[0][4], rows[0][3])
        assert not s.scalar(sa.select(sa.func.count()).select_from(Organisation)
                            .where(Organisation.themes.any()))  # org themes stay declared-only


def test_second_import_changes_nothing(database: Database,
                                       history_slice: tuple[Path, Path]) -> None:
    path, parts = history_slice
    import_into(database, "history", path, programme_parts=parts)
    before = snapshot(database)
    again = import_into(database, "history", path, programme_parts=parts)
    assert (again.created, again.updated) == (0, 0)
    assert "already up to date" in again.summary()
    assert snapshot(database) == before


def test_parts_file_changes_update_projects(database: Database,
                                            history_slice: tuple[Path, Path]) -> None:
    path, parts = history_slice
    import_into(database, "history", path)  # without parts: no action, no theme
    report = import_into(database, "history", path, programme_parts=parts)
    assert report.created == 0 and report.updated == len({r[0] for r in _rows(path)[1:]})
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Project)
                        .where(Project.action.is_(None))) == 0


def test_bad_rows_and_rollback(database: Database, history_slice: tuple[Path, Path],
                               write_csv: Callable[..., Path]) -> None:
    path, parts = history_slice
    rows = _rows(path)
    before = snapshot(database)
    cases = [
        (4, "ZZ", "country: 'ZZ' is not a country code; valid: Erasmus/EU codes such as DE, EL, UK"),
        (3, "XYZ", "type: 'XYZ' is not an organisation type; valid: HES, PRC, REC, PUB, OTH"),
        (1, "observer", "role: 'observer' is not a role; valid: coordinator, participant, partner"),
        (2, "12345", "pic: '12345' is not a PIC; valid: 9 digits (0-9)"),
    ]
    for column, value, message in cases:
        bad = [list(r) for r in rows]
        bad[3][column] = value
        broken = write_csv("bad.csv", bad)
        with pytest.raises(RowError) as info:
            import_into(database, "history", broken, programme_parts=parts)
        assert str(info.value) == f"{broken}:4: {message}"
        assert snapshot(database) == before
    duplicate = write_csv("dup.csv", rows + [rows[2]])
    with pytest.raises(RowError, match=rf"dup.csv:{len(rows) + 1}: pic: PIC {rows[2][2]} is "
                                       rf"already in project {rows[2][0]} on line 3"):
        import_into(database, "history", duplicate)
    bad_part = write_csv("parts.csv", [["rcn", "programme_part"], [rows[1][0], "SC9"]])
    with pytest.raises(RowError, match=r"parts.csv:2: programme_part: 'SC9' is not an H2020 "
                                       r"programme part; valid: ERC, MSCA"):
        import_into(database, "history", path, programme_parts=bad_part)
    assert snapshot(database) == before


def test_skip_invalid_reports_every_bad_row(database: Database,
                                            history_slice: tuple[Path, Path],
                                            write_csv: Callable[..., Path]) -> None:
    path, parts = history_slice
    rows = [list(r) for r in _rows(path)]
    rows[2][4], rows[5][1] = "ZZ", "observer"
    report = import_into(database, "history", write_csv("bad.csv", rows),
                         programme_parts=parts, skip_invalid=True)
    assert [(e.line, e.field) for e in report.skipped] == [(3, "country"), (6, "role")]
    assert {w: c for w, c, _ in report.details}["participations"] == len(rows) - 3


def test_sqlite_and_postgres_agree(db_url: str, history_slice: tuple[Path, Path],
                                   eche_slice: Path) -> None:
    path, parts = history_slice
    db = open_database(db_url)
    with db.sessions.begin() as s:
        seed_reference(s)
    import_into(db, "eche", eche_slice)
    import_into(db, "history", path, programme_parts=parts)
    got = snapshot(db)
    with db.sessions() as s:
        themes = s.scalar(sa.select(sa.func.count()).select_from(Theme))
    db.dispose()
    rows = _rows(path)[1:]
    assert got["participations"] == len(rows) and got["projects"] == len({r[0] for r in rows})
    assert got["themes"] == themes
    # the same numbers on both backends: the numbers of this real slice
    assert (got["organisations"], got["project_themes"], got["imports"]) == (
        26 + len({r[2] for r in rows} - _eche_pics(eche_slice)), len({r[0] for r in rows}), 2)
