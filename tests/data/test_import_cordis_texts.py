"""``matcher import history --organisations F --projects F``: names, aliases, project texts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.importers._store import RowLog
from data.importers.cordis_texts import read_organisation_names, read_project_texts
from models.db import Database
from models.errors import RowError
from models.schema import Organisation, OrganisationAlias, Project
from tests.data.conftest import import_into, snapshot

GRAZ = "999873188"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_names_aliases_and_project_texts(database: Database, eche_slice: Path,
                                         history_slice: tuple[Path, Path],
                                         texts_slice: tuple[Path, Path]) -> None:
    path, parts = history_slice
    names, projects = texts_slice
    import_into(database, "eche", eche_slice)
    report = import_into(database, "history", path, programme_parts=parts,
                         organisations=names, projects=projects)
    details = {w: (c, u) for w, c, u in report.details}
    named = {r["pic"]: r for r in _rows(names) if r["name"] != "NA"}
    with database.sessions() as s:
        orgs = {o.pic: o for o in s.scalars(sa.select(Organisation))}
        # every organisation with a CORDIS name is named; ECHE holders keep their ECHE name
        assert all(orgs[pic].legal_name for pic in named)
        graz = orgs[GRAZ]
        assert graz.legal_name == "UNIVERSITAET GRAZ"
        new = [pic for pic in named if orgs[pic].source_file == path.name]
        assert new and all(orgs[pic].legal_name == named[pic]["name"] for pic in new)
        assert details["organisations"] == (len({o for o in orgs.values()
                                                  if o.source_file == path.name}), 0)
        # short names are aliases: searchable by the acronym people use
        aliases = {(a.organisation.pic, a.name, a.kind)
                   for a in s.scalars(sa.select(OrganisationAlias))}
        with_short = [r for r in named.values() if r["short_name"] not in ("", "NA")
                      and r["short_name"].casefold() != r["name"].casefold()]
        assert with_short
        assert all((r["pic"], r["short_name"], "short_name") in aliases for r in with_short)
        assert details["organisation aliases"] == (len(aliases), 0)
        texts = {r["rcn"]: r for r in _rows(projects)}
        stored = {p.identifier: p for p in s.scalars(sa.select(Project))}
        assert texts and set(texts) <= set(stored)
        for rcn, row in texts.items():
            p = stored[rcn]
            assert (p.acronym, p.title, p.topic_code, p.topic_title) == (
                row["acronym"], row["title"], row["topic_code"], row["topic_title"])
    before = snapshot(database)
    again = import_into(database, "history", path, programme_parts=parts,
                        organisations=names, projects=projects)
    assert not again.changed and snapshot(database) == before
    # a later import without the projects file keeps the texts
    plain = import_into(database, "history", path, programme_parts=parts)
    assert not plain.changed
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Project)
                        .where(Project.title.is_not(None))) == len(texts)


def test_eche_name_kept_and_cordis_name_becomes_alias(database: Database, eche_slice: Path,
                                                      write_csv: object) -> None:
    import_into(database, "eche", eche_slice)
    history = Path(str(write_csv("h.csv", [  # type: ignore[operator]
        ["rcn", "role", "pic", "type", "country", "start_year"],
        ["1", "coordinator", GRAZ, "HES", "AT", "2016"],
        ["1", "participant", "999997930", "REC", "FR", "2016"]])))
    names = Path(str(write_csv("o.csv", [  # type: ignore[operator]
        ["pic", "name", "short_name", "activity_type", "city", "country", "url", "source"],
        [GRAZ, "UNIVERSITAET GRAZ KARL-FRANZENS", "UNI GRAZ", "HES", "GRAZ", "AT", "NA", "x"],
        ["999997930", "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE CNRS", "CNRS", "REC",
         "Paris", "FR", "http://www.cnrs.fr", "x"]])))
    import_into(database, "history", history, organisations=names)
    with database.sessions() as s:
        graz = s.scalar(sa.select(Organisation).where(Organisation.pic == GRAZ))
        cnrs = s.scalar(sa.select(Organisation).where(Organisation.pic == "999997930"))
        assert graz is not None and cnrs is not None
        assert graz.legal_name == "UNIVERSITAET GRAZ"
        assert {(a.name, a.kind) for a in graz.aliases} == {
            ("UNIVERSITAET GRAZ KARL-FRANZENS", "name"), ("UNI GRAZ", "short_name")}
        assert cnrs.legal_name == "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE CNRS"
        assert (cnrs.city, cnrs.website) == ("Paris", "http://www.cnrs.fr")
        assert [(a.name, a.kind) for a in cnrs.aliases] == [("CNRS", "short_name")]


@pytest.mark.parametrize(("row", "field", "message"), [
    (["12345", "X", ""], "pic", "'12345' is not a PIC; valid: 9 digits (0-9)"),
    (["999997930", "N" * 501, ""], "name", "501 characters; valid: at most 500"),
])
def test_bad_organisation_rows_name_file_line_field(
        write_csv: object, row: list[str], field: str, message: str) -> None:
    path = Path(str(write_csv("o.csv", [["pic", "name", "short_name"], row])))  # type: ignore[operator]
    with pytest.raises(RowError) as caught:
        read_organisation_names(path, RowLog(False))
    assert str(caught.value) == f"{path}:2: {field}: {message}"
    log = RowLog(True)
    assert read_organisation_names(path, log) == {} and len(log.errors) == 1


def test_bad_project_rows_and_missing_values(write_csv: object) -> None:
    path = Path(str(write_csv("p.csv", [  # type: ignore[operator]
        ["rcn", "acronym", "title", "topic_code", "topic_title"],
        ["7", "PERFORM", "Participatory engagement", "SwafS-01-2014", "NA"],
        ["7", "AGAIN", "t", "", ""],
        ["x1", "A", "t", "", ""]])))
    log = RowLog(True)
    texts = read_project_texts(path, log)
    assert [str(e) for e in log.errors] == [
        f"{path}:3: rcn: project 7 is already on line 2; one row per project",
        f"{path}:4: rcn: 'x1' is not a project number; valid: digits (0-9)"]
    assert texts["7"].topic_title is None and texts["7"].topic_code == "SwafS-01-2014"


def test_import_rolls_back_on_a_bad_names_row(database: Database,
                                              history_slice: tuple[Path, Path],
                                              write_csv: object) -> None:
    path, parts = history_slice
    before = snapshot(database)
    names = Path(str(write_csv("o.csv", [["pic", "name"], ["999873188", "Graz"],  # type: ignore[operator]
                                         ["nope", "Bad"]])))
    with pytest.raises(RowError, match=r"o.csv:3: pic: 'nope' is not a PIC"):
        import_into(database, "history", path, programme_parts=parts, organisations=names)
    assert snapshot(database) == before


def test_an_oth_organisation_is_refined_from_its_legal_form(database: Database,
                                                           write_csv: object) -> None:
    """CORDIS files a Dutch stichting under OTH: named, it becomes a network (a foundation),
    while a company (PRC) keeps its type whatever its name says."""
    history = Path(str(write_csv("h.csv", [  # type: ignore[operator]
        ["rcn", "role", "pic", "type", "country", "start_year"],
        ["220353", "participant", "906744264", "OTH", "NL", "2019"],
        ["220353", "coordinator", "999997930", "REC", "FR", "2019"],
        ["220353", "participant", "999999999", "PRC", "DE", "2019"]])))
    names = Path(str(write_csv("o.csv", [  # type: ignore[operator]
        ["pic", "name"],
        ["906744264", "STICHTING INTERNATIONAL WORKING GROUP ON TAXONOMIC DATABASE"],
        ["999999999", "STIFTUNG TEST GMBH"]])))
    import_into(database, "history", history, organisations=names)
    with database.sessions() as s:
        found = dict(s.execute(sa.select(Organisation.pic, Organisation.category)).all())
    assert found == {"906744264": "network", "999997930": "research", "999999999": "company"}
