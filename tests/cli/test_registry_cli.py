"""``matcher orgs / show / stats / themes`` on a registry cut from the real data: the Finnish
and Austrian ECHE holders and the H2020 consortia of 15 University of Helsinki projects."""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import app as cli_app
from cli.main import cli
from models.db import Database, open_registry
from tests.real_slices import real_registry

HELSINKI, GRAZ = "999994535", "999873188"


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return real_registry(tmp_path_factory.mktemp("registry-cli"), n_projects=15,
                         eche_of_members=False, eche_countries=("FI", "AT"),
                         programme_parts=True)


def run(runner: CliRunner, url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_orgs_table(runner: CliRunner, registry_url: str) -> None:
    code, out, err = run(runner, registry_url, "orgs", "--country", "FI", "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].split() == ["id", "pic", "erasmus_code", "name", "country", "city",
                                "category", "eche", "projects"]
    assert len(lines) == 5 and "AALTO KORKEAKOULUSAATIO SR" in lines[2]


def test_orgs_without_filters_lists_the_first_page(runner: CliRunner, registry_url: str) -> None:
    """No filter is no WHERE clause (an empty ``and_()`` is deprecated in SQLAlchemy 2)."""
    code, out, err = run(runner, registry_url, "orgs", "--limit", "2", "--format", "csv")
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 3


def test_orgs_json_on_stdout_only(runner: CliRunner, registry_url: str) -> None:
    code, out, err = run(runner, registry_url, "orgs", "--name", "helsingin yliopisto",
                         "--format", "json")
    assert code == 0 and err == ""
    found = json.loads(out)
    assert [(o["pic"], o["erasmus_code"], o["eche"]) for o in found] == [
        (HELSINKI, "SF HELSINK01", True)]
    assert found[0]["projects"] == 15


def test_orgs_filters_combined_csv_parses(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "orgs", "--country", "Finland", "--type", "HES",
                       "--eche", "--theme", "h2020-msca", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["country"] for r in rows} == {"FI"}
    assert {r["category"] for r in rows} == {"higher-education"}
    assert HELSINKI in {r["pic"] for r in rows}
    assert all(int(r["projects"]) >= 1 and r["eche"] == "True" for r in rows)
    _, out_any, _ = run(runner, registry_url, "orgs", "--type", "company", "--type", "REC",
                        "--format", "csv", "--limit", "500")
    assert {r["category"] for r in csv.DictReader(io.StringIO(out_any))} == {
        "company", "research"}


def test_orgs_nothing_found(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "orgs", "--country", "FI", "--type", "ngo")
    assert (code, out) == (0, "(no results)\n")
    code, out, _ = run(runner, registry_url, "orgs", "--name", "zzzz", "--format", "json")
    assert (code, json.loads(out)) == (0, [])


@pytest.mark.parametrize(("args", "message"), [
    (("--country", "Atlantis"), ("Error: unknown country 'Atlantis': use an Erasmus code (FI, "
                                "DE, EL for Greece, UK), an ISO code or a name (Finland, "
                                "Suomi); nearest: ")),
    (("--type", "church"), ("Error: unknown organisation type 'church'; valid types: "
                           "higher-education, school, research, company, ngo, public-body, "
                           "network, other (or an EPLUS-* / CORDIS type code such as HES, "
                           "PRC); nearest: ")),
    (("--theme", "quantum"), "Error: unknown theme 'quantum'; nearest: "),
])
def test_orgs_unknown_values_exit_2(runner: CliRunner, registry_url: str,
                                    args: tuple[str, ...], message: str) -> None:
    code, out, err = run(runner, registry_url, "orgs", *args)
    assert (code, out) == (2, "")
    assert err.startswith(message)


@pytest.mark.parametrize("ref", [GRAZ, "E10208908", "A GRAZ01", "A\xa0 GRAZ01", "a\u2009graz01"])
def test_show_by_any_identifier(runner: CliRunner, registry_url: str, ref: str) -> None:
    code, out, err = run(runner, registry_url, "show", ref, "--format", "json")
    assert code == 0 and err == ""
    detail = json.loads(out)
    assert (detail["pic"], detail["name"], detail["country_name"]) == (
        GRAZ, "UNIVERSITAET GRAZ", "Austria")
    _, by_id, _ = run(runner, registry_url, "show", f"#{detail['id']}", "--format", "json")
    assert json.loads(by_id) == detail


def test_show_table_has_projects_and_partners(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "show", "SF HELSINK01", "--projects", "3")
    assert code == 0
    assert out.startswith("HELSINGIN YLIOPISTO  (#")
    assert "Erasmus code SF HELSINK01" in out and "Projects: 15" in out
    assert "... and 12 more (all in --format json)" in out
    assert "Past partners (top 20, by shared projects):" in out
    detail = json.loads(run(runner, registry_url, "show", HELSINKI, "--format", "json")[1])
    shared = [p["shared"] for p in detail["partners"]]
    assert len(shared) == 20 and shared == sorted(shared, reverse=True)
    assert len(detail["projects"]) == 15 and detail["project_themes"]


def test_show_unknown_exit_2(runner: CliRunner, registry_url: str) -> None:
    code, out, err = run(runner, registry_url, "show", "helsingin kauppakorkeakoulu")
    assert (code, out) == (2, "")
    assert err == (
        "Error: unknown organisation 'helsingin kauppakorkeakoulu': give a 9-digit PIC, an OID "
        "(E + 8 digits), an Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; "
        "names close to it: HELSINGIN YLIOPISTO (999994535, FI). Find one with "
        "`matcher orgs --name ...`.\n")


def test_stats(runner: CliRunner, registry_url: str) -> None:
    code, out, err = run(runner, registry_url, "stats", "--format", "json")
    assert code == 0 and err == ""
    stats = json.loads(out)
    assert {"organisations", "projects", "participations", "themes"} <= set(stats)
    assert stats["projects"] == 15 and stats["projects_by_programme"] == {"H2020": 15}
    assert stats["organisations"] > stats["named_organisations"] == stats["eche_holders"] > 40
    code, out, _ = run(runner, registry_url, "stats")
    assert code == 0 and "projects by year:" in out and "backend                      sqlite" in out


def test_themes(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "themes", "--kind", "seed", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["kind"] for r in rows} == {"seed"}
    guidance = next(r for r in rows if r["code"] == "guidance-counselling")
    assert guidance["label_fi"] == "Opintojen ohjaus ja neuvonta"
    code, out, err = run(runner, registry_url, "themes", "--kind", "seeds")
    assert (code, err) == (2, ("Error: unknown theme kind 'seeds'; valid kinds: priority, "
                              "programme-part, seed, topic\n"))


@pytest.fixture
def closing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dispose the engines the CLI opens: ``App`` leaves that to process exit, which a test
    never reaches, and PostgreSQL connections left open fail the test (ResourceWarning)."""
    opened: list[Database] = []

    def open_and_remember(url: str | None = None, **options: Any) -> Database:
        db = open_registry(url, **options)
        opened.append(db)
        return db

    monkeypatch.setattr(cli_app, "open_registry", open_and_remember)
    yield
    for db in opened:
        db.dispose()
    gc.collect()  # the CLI's App objects sit in reference cycles: free them here, not later


@pytest.mark.usefixtures("closing")
def test_own_profiles_on_both_backends(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    """A user's own profiles (``matcher import orgs``) listed, shown and counted, on SQLite and
    PostgreSQL alike."""
    profiles = tmp_path / "partners.csv"
    profiles.write_text(
        "name,country,type,pic,erasmus_code,city,themes\n"
        "Ohjaamo Oulu ry,Finland,NGO,,,Oulu,guidance-counselling\n"
        "Universität Graz,AT,HES,999873188,A\xa0 GRAZ01,Graz,\n"
        "Taitotalo Oy,FI,EPLUS-ENT-SME,,,Helsinki,key-competences\n", encoding="utf-8")
    assert run(runner, db_url, "import", "orgs", str(profiles))[0] == 0
    code, out, _ = run(runner, db_url, "orgs", "--country", "FI", "--format", "json")
    assert code == 0 and [o["name"] for o in json.loads(out)] == [
        "Ohjaamo Oulu ry", "Taitotalo Oy"]
    code, out, _ = run(runner, db_url, "orgs", "--name", "universitat", "--format", "csv")
    assert [r["pic"] for r in csv.DictReader(io.StringIO(out))] == [GRAZ]
    code, out, _ = run(runner, db_url, "orgs", "--theme", "opintojen ohjaus ja neuvonta",
                       "--type", "ngo", "--format", "json")
    assert [o["city"] for o in json.loads(out)] == ["Oulu"]
    code, out, _ = run(runner, db_url, "show", "a graz01", "--format", "json")
    assert code == 0 and json.loads(out)["pic"] == GRAZ
    stats = json.loads(run(runner, db_url, "stats", "--format", "json")[1])
    assert {k: stats[k] for k in ("organisations", "projects", "participations")} == {
        "organisations": 3, "projects": 0, "participations": 0}


def test_import_says_its_slow_steps_once_the_rows_are_read(
        runner: CliRunner, sqlite_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress bar covers the reading; the writing and the commit that follow it are
    said, so a big import is never silent at 100%."""
    monkeypatch.setattr("cli.commands.imports.BAR_FROM", 0)
    path = tmp_path / "partners.csv"
    path.write_text("name,country,type\nInnokas ry,FI,NGO\nVerso ry,FI,NGO\n",
                    encoding="utf-8")
    code, _, err = run(runner, sqlite_url, "import", "orgs", str(path))
    assert code == 0
    lines = err.replace("\r", "\n").splitlines()
    said = [line for line in lines if line.startswith("import orgs: ") and "|" not in line]
    assert said[:2] == ["import orgs: writing 2 organisations...",
                        "import orgs: saving (committing the transaction)..."]
    assert said[2].startswith("import orgs: done in ") and said[2].endswith(" s")
