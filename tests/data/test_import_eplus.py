from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.importers.eplus import FUZZY_THRESHOLD
from models.db import Database
from models.errors import DataFileError, RowError
from models.schema import Organisation, Participation, Project, Theme
from tests.data.conftest import EPLUS_FIXTURE, import_into, snapshot


def _members(db: Database, identifier: str) -> dict[str, tuple[str, str | None, str]]:
    with db.sessions() as s:
        rows = s.execute(
            sa.select(Organisation.legal_name, Organisation.pic, Organisation.country,
                      Participation.role)
            .join(Participation).join(Project).where(Project.identifier == identifier)).all()
    return {str(name): (country, pic, role) for name, pic, country, role in rows}


def test_projects_topics_and_participants(database: Database) -> None:
    report = import_into(database, "eplus", EPLUS_FIXTURE)
    assert report.summary() == (
        f"{EPLUS_FIXTURE.name}: 4 rows read; created 13 organisations, 3 themes (new topics), "
        "4 projects, 16 participations.")
    with database.sessions() as s:
        project = s.scalar(sa.select(Project).where(
            Project.identifier == "2021-1-FI01-KA220-HED-000023127"))
        assert project is not None
        assert (project.programme, project.action, project.start_year) == (
            "Erasmus+", "KA220-HED", 2021)
        assert project.title == "Inclusive Digital Teaching in Higher Education"
        codes = {t.code for t in project.themes}
        assert "inclusion-equity" in codes
        assert "topic-digital-content-technologies-and-practices" in codes
        new = s.scalar(sa.select(Theme).where(
            Theme.code == "topic-digital-content-technologies-and-practices"))
        assert new is not None and (new.kind, new.label_en) == (
            "topic", "Digital content, technologies and practices")
    members = _members(database, "2020-1-DE01-KA203-005674")
    assert members["Hochschule für Technik und Wirtschaft Berlin"][2] == "coordinator"
    # "Jyväskylän ammattikorkeakoulu" (project 2) is "JYVASKYLAN AMMATTIKORKEAKOULU OY"
    # (project 1): one organisation, found by the fuzzy rule
    assert "JYVASKYLAN AMMATTIKORKEAKOULU OY" in members
    assert {c for c, _, _ in members.values()} == {"DE", "FI"}


def test_matches_eche_holders_by_name_and_country(database: Database, shared_data: Path) -> None:
    import_into(database, "eche", shared_data / "eche" / "eche-holders-2021-2027.csv")
    before = snapshot(database)["organisations"]
    report = import_into(database, "eplus", EPLUS_FIXTURE)
    new = {w: c for w, c, _ in report.details}["organisations"]
    # ECHE holders matched: JAMK, Uni Graz (fuzzy: Universität/UNIVERSITAET), HTW, TUNI, TU
    # Berlin, FU Berlin, BOKU; new: the NGO, Omnia, Siemens, two cities, "University of
    # Helsinki" (the list has it as HELSINGIN YLIOPISTO)
    assert new == 6 and snapshot(database)["organisations"] == before + 6
    members = _members(database, "2019-1-FI01-KA203-060767")
    assert members["UNIVERSITAET GRAZ"] == ("AT", "999873188", "partner")
    assert members["JYVASKYLAN AMMATTIKORKEAKOULU OY"] == ("FI", "996682955", "coordinator")
    assert _members(database, "2018-1-DE01-KA203-004211")["UNIVERSITAET FUER BODENKULTUR WIEN"]
    merged = {(m.name, m.into_name): (m.decision, m.evidence) for m in report.merges}
    assert merged[("Universität Graz", "UNIVERSITAET GRAZ")][0] == "merged"
    assert FUZZY_THRESHOLD == 88.0


def test_second_import_changes_nothing(database: Database) -> None:
    import_into(database, "eplus", EPLUS_FIXTURE)
    before = snapshot(database)
    again = import_into(database, "eplus", EPLUS_FIXTURE)
    assert (again.created, again.updated) == (0, 0) and "already up to date" in again.summary()
    assert snapshot(database) == before


def _edited(tmp_path: Path, column: str, value: str, row: int = 1) -> Path:
    text = EPLUS_FIXTURE.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    rows[row][rows[0].index(column)] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=",").writerows(rows)  # also: the ,-separated flavour
    path = tmp_path / "export.csv"
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    return path


@pytest.mark.parametrize(("column", "value", "message"), [
    ("Action Type", "Strategic Partnerships for everything", ("Action Type: 'Strategic "
     "Partnerships for everything' is not an Erasmus+ action type; valid: a code such as KA203 "
     "or KA220-HED, or the platform's label such as 'Strategic Partnerships for higher "
     "education'")),
    ("Partner 2 country", "Atlantis", ("Partner 2 country: 'Atlantis' is not a country; valid: "
     "an English country name (Finland) or code (FI, EL, UK)")),
    ("Coordinating organisation type", "Spaceship", ("Coordinating organisation type: "
     "'Spaceship' is not an organisation type; valid: an Erasmus+ label such as 'Higher "
     "education institution (tertiary level)', an EPLUS-* code or a category name")),
    ("Call year", "next year", "Call year: 'next year' is not a call year; valid: 2014, 2021..."),
])
def test_bad_rows(database: Database, tmp_path: Path, column: str, value: str,
                  message: str) -> None:
    before = snapshot(database)
    path = _edited(tmp_path, column, value)
    with pytest.raises(RowError) as info:
        import_into(database, "eplus", path)
    assert str(info.value) == f"{path}:2: {message}"
    assert snapshot(database) == before
    report = import_into(database, "eplus", path, skip_invalid=True)
    assert [e.line for e in report.skipped] == [2]
    assert {w: c for w, c, _ in report.details}["projects"] == 3


def test_duplicate_project_and_wrong_encoding(database: Database, tmp_path: Path) -> None:
    path = _edited(tmp_path, "Project Identifier", "2020-1-DE01-KA203-005674", row=1)
    with pytest.raises(RowError, match=r"export.csv:3: Project Identifier: "
                                       r"2020-1-DE01-KA203-005674 is already on line 2"):
        import_into(database, "eplus", path)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(EPLUS_FIXTURE.read_text(encoding="utf-8-sig").encode("cp1252"))
    with pytest.raises(DataFileError) as info:
        import_into(database, "eplus", latin)
    assert str(info.value) == (
        f"{latin}: line 2: not valid UTF-8 (byte 0xe4); it looks like Windows-1252/Latin-1 "
        "text. Save the file as UTF-8 and import it again")
