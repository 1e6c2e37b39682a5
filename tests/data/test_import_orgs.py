from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.db import Database
from models.errors import DataFileError, RowError
from models.schema import Organisation
from models.text import fold
from tests.data.conftest import import_into, snapshot

HEADER = ["name", "country", "type", "pic", "city", "themes", "description"]


def _org(db: Database, name: str) -> Organisation:
    with db.sessions() as s:
        org = s.scalar(sa.select(Organisation).where(Organisation.legal_name == name))
        assert org is not None
        _ = org.themes
        return org


def test_csv_profiles_with_every_spelling(database: Database,
                                          write_csv: Callable[..., Path]) -> None:
    path = write_csv("mine.csv", [
        HEADER,
        ["Jyväskylän kaupunki", "Finland", "Local Public body", "", "Jyväskylä",
         "Opintojen ohjaus ja neuvonta | employability", "City services"],
        ["Innokas ry", "fi", "NGO", "", "", "key-competences; Avaintaidot", ""],
        ["Athens Tech SME", "GR", "EPLUS-ENT-SME", "", "", "", ""],
        ["London Skills Ltd", "GB", "prc", "", "", "", ""],
        ["Kauno kolegija", "Lithuania", "higher education", "949576844", "", "", ""],
    ], delimiter=";")
    report = import_into(database, "orgs", path)
    assert report.summary() == "mine.csv: 5 rows read; created 5 organisations."
    city = _org(database, "Jyväskylän kaupunki")
    assert (city.country, city.category, city.type_code, city.city) == (
        "FI", "public-body", "EPLUS-BODY-PUB-LOC", "Jyväskylä")
    assert sorted(t.code for t in city.themes) == ["employability", "guidance-counselling"]
    assert [t.code for t in _org(database, "Innokas ry").themes] == ["key-competences"]
    assert _org(database, "Athens Tech SME").country == "EL"
    london = _org(database, "London Skills Ltd")
    assert (london.country, london.category, london.type_code) == ("UK", "company", "PRC")
    assert _org(database, "Kauno kolegija").pic == "949576844"


def test_jsonl_and_matching_existing_profiles(database: Database, tmp_path: Path,
                                              write_csv: Callable[..., Path]) -> None:
    import_into(database, "orgs", write_csv("a.csv", [
        HEADER, ["Innokas ry", "FI", "NGO", "", "", "", ""],
        ["Kauno kolegija", "LT", "HEI", "949576844", "", "", ""]]))
    path = tmp_path / "update.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"name": "INNOKAS RY.", "country": "Finland", "type": "ngo",
         "themes": ["guidance-counselling", "Key competences"], "website": "innokas.fi"},
        {"name": "Kauno kolegija / Higher Education Institution", "country": "LT",
         "type": "EPLUS-EDU-HEI", "pic": 949576844, "city": "Kaunas"},
    ]) + "\n\n", encoding="utf-8")
    report = import_into(database, "orgs", path)
    assert (report.created, report.updated) == (0, 2)
    innokas = _org(database, "INNOKAS RY.")  # matched by normalised name and country
    assert innokas.website == "innokas.fi"
    assert sorted(t.code for t in innokas.themes) == ["guidance-counselling", "key-competences"]
    kauno = _org(database, "Kauno kolegija / Higher Education Institution")  # matched by PIC
    assert (kauno.city, kauno.type_code) == ("Kaunas", "EPLUS-EDU-HEI")
    again = import_into(database, "orgs", path)
    assert not again.changed and "already up to date" in again.summary()
    clash = tmp_path / "clash.json"  # a JSON array works too
    clash.write_text(json.dumps([{"name": "Kauno kolegija / Higher Education Institution",
                                  "country": "LT", "type": "HEI", "pic": "999999999"}]))
    with pytest.raises(RowError) as info:
        import_into(database, "orgs", clash)
    assert str(info.value) == (
        f"{clash}:1: pic: 999999999 does not match 'Kauno kolegija / Higher Education "
        "Institution' (LT) of the same name, which has pic 949576844; use its pic or leave "
        "the cell empty")


@pytest.mark.parametrize(("row", "message"), [
    (["Innokas ry", "Fnland", "NGO"], ("country: 'Fnland' is not a country (did you mean "
     "Finland?); valid: Erasmus or ISO codes (FI, EL, UK) or English names (Finland)")),
    (["Innokas ry", "FI", "charity shop"], ("type: 'charity shop' is not an organisation type; "
     "valid: a category (higher education, school, research, company, NGO, public body, "
     "network, other), an Erasmus+ label or EPLUS-* code, or a CORDIS code (HES, PRC, REC, "
     "PUB, OTH)")),
    (["", "FI", "NGO"], "name: missing; name, country, type are required"),
    (["Innokas ry", "FI", "NGO", "12"], "pic: '12' is not a PIC; valid: 9 digits (0-9)"),
])
def test_bad_rows(database: Database, write_csv: Callable[..., Path], row: list[str],
                  message: str) -> None:
    before = snapshot(database)
    path = write_csv("bad.csv", [HEADER[:4], ["Good ry", "FI", "NGO", ""], row])
    with pytest.raises(RowError) as info:
        import_into(database, "orgs", path)
    assert str(info.value) == f"{path}:3: {message}"
    assert snapshot(database) == before


def test_unknown_theme_names_the_nearest(database: Database,
                                         write_csv: Callable[..., Path]) -> None:
    path = write_csv("t.csv", [["name", "country", "type", "themes"],
                               ["Innokas ry", "FI", "NGO", "guidance and counseling"]])
    with pytest.raises(RowError, match=r"t.csv:2: themes: unknown theme 'guidance and "
                                       r"counseling'; nearest valid themes: "
                                       r"guidance-counselling \(Study guidance and counselling\)"):
        import_into(database, "orgs", path)


def test_duplicates_missing_header_and_encoding(database: Database, tmp_path: Path,
                                                write_csv: Callable[..., Path]) -> None:
    dup = write_csv("dup.csv", [["name", "country", "type"], ["Innokas ry", "FI", "NGO"],
                                ["INNOKAS RY", "Finland", "ngo"]])
    with pytest.raises(RowError) as info:
        import_into(database, "orgs", dup)
    assert str(info.value) == (f"{dup}:3: name: the same organisation as line 2 ('Innokas ry' "
                               "(FI)); one row per organisation")
    no_type = write_csv("notype.csv", [["name", "country"], ["Innokas ry", "FI"]])
    with pytest.raises(DataFileError) as file_info:
        import_into(database, "orgs", no_type)
    assert str(file_info.value) == (f"{no_type}: line 1: missing column(s) type; found 'name', "
                                    "'country'")
    latin = write_csv("latin.csv", [["name", "country", "type"], ["Jyväskylä", "FI", "NGO"]],
                      encoding="cp1252")
    with pytest.raises(DataFileError, match="line 2: not valid UTF-8 .* Windows-1252"):
        import_into(database, "orgs", latin)
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"name": "A", "country": "FI", "type": "NGO"}\n{"name": \n',
                        encoding="utf-8")
    with pytest.raises(RowError, match=r"bad.jsonl:2: -: not valid JSON"):
        import_into(database, "orgs", bad_json)
    report = import_into(database, "orgs", bad_json, skip_invalid=True)
    assert (report.created, len(report.skipped)) == (1, 1)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="abcdefgh ÄÖ-", min_size=1, max_size=12)
                .filter(lambda s: any(c.isalpha() for c in s)), min_size=1, max_size=5,
                unique_by=fold))
def test_import_twice_is_idempotent(database: Database, tmp_path: Path,
                                    names: list[str]) -> None:
    """Law: whatever the profiles, a second import of the same file changes nothing."""
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps({"name": n, "country": "FI", "type": "ngo"})
                              for n in names), encoding="utf-8")
    import_into(database, "orgs", path)
    before = snapshot(database)
    assert not import_into(database, "orgs", path).changed
    assert snapshot(database) == before
