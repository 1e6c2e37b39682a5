"""Organisations by name in every command that takes one, on a registry cut from the real data
with the CORDIS names and short names (``import history --organisations``): six University of
Helsinki projects, one project each of four other organisations with a Helsinki in their name
and one of the CNRS, and the Finnish ECHE holders."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.real_slices import real_registry

HELSINKI, FORUM_VIRIUM, HELSINKI_CITY = "999994535", "997534324", "997664207"
CHAMBER, FOUNDATION, CNRS = "938364227", "968188429", "999997930"
#: One real project of Forum Virium, the city, the chamber, the foundation, the CNRS.
KEEP = {"193389", "206242", "198744", "210254", "198338"}
AMBIGUOUS = (
    "Error: organisation 'helsinki' is ambiguous: HELSINGIN YLIOPISTO (999994535, FI); FORUM "
    "VIRIUM HELSINKI OY (997534324, FI); HELSINGIN KAUPUNKI (997664207, FI); HELSINGIN SEUDUN "
    "KAUPPAKAMARI - HELSINGFORSREGIONENS HANDELSKAMMARE RY (938364227, FI); HELSINSKA "
    "FUNDACJA PRAW CZLOWIEKA (968188429, PL); give the PIC of the one you mean.\n")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return real_registry(tmp_path_factory.mktemp("names-cli"), n_projects=6, keep=KEEP,
                         eche_countries=("FI",), names=True)


def run(runner: CliRunner, url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--db", url, "-q", *args])
    return result.exit_code, result.stdout, result.stderr


def show_pic(runner: CliRunner, url: str, ref: str) -> str:
    code, out, err = run(runner, url, "show", ref, "--format", "json")
    assert code == 0, err
    return str(json.loads(out)["pic"])


@pytest.mark.parametrize(("ref", "pic"), [
    ("helsingin yliopisto", HELSINKI),  # the legal name
    ("HELSINGIN YLIOPSTO", HELSINKI),  # misspelt
    ("CNRS", CNRS),  # its short name
    ("Forum Virium Helsinki", FORUM_VIRIUM),  # without the company form
])
def test_show_by_name(runner: CliRunner, url: str, ref: str, pic: str) -> None:
    assert show_pic(runner, url, ref) == pic


def test_show_ambiguous_name_exits_2_listing_pics(runner: CliRunner, url: str) -> None:
    assert run(runner, url, "show", "helsinki") == (2, "", AMBIGUOUS)


def test_show_unknown_name_exits_2_with_close_names(runner: CliRunner, url: str) -> None:
    assert run(runner, url, "show", "Helsingin kauppakorkeakoulu") == (2, "", (
        "Error: unknown organisation 'Helsingin kauppakorkeakoulu': give a 9-digit PIC, an OID "
        "(E + 8 digits), an Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; "
        "names close to it: HELSINGIN YLIOPISTO (999994535, FI); HELSINGIN KAUPUNKI "
        "(997664207, FI); HELSINGIN SEUDUN KAUPPAKAMARI - HELSINGFORSREGIONENS HANDELSKAMMARE "
        "RY (938364227, FI); FORUM VIRIUM HELSINKI OY (997534324, FI); HELSINSKA FUNDACJA PRAW "
        "CZLOWIEKA (968188429, PL). Find one with `matcher orgs --name ...`.\n"))


def test_orgs_name_finds_inflected_forms_and_aliases(runner: CliRunner, url: str) -> None:
    code, out, err = run(runner, url, "orgs", "--name", "helsinki", "--format", "json")
    assert (code, err) == (0, "")
    assert [(o["pic"], o["projects"]) for o in json.loads(out)] == [
        (HELSINKI, 7), (FORUM_VIRIUM, 2), (HELSINKI_CITY, 1), (CHAMBER, 1), (FOUNDATION, 1)]
    code, out, _ = run(runner, url, "orgs", "--name", "cnrs", "--country", "FR", "--format",
                       "json")
    assert [o["pic"] for o in json.loads(out)] == [CNRS]


def test_one_answer_in_every_command(runner: CliRunner, url: str) -> None:
    """``search --org``, ``complete -m``, ``propose --lead``, ``show`` and ``orgs --name``
    read the same name the same way."""
    ref = "helsingin yliopsto"
    code, out, err = run(runner, url, "search", "--org", ref, "-k", "1", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["query"]["org"]["id"] == int(
        json.loads(run(runner, url, "show", ref, "--format", "json")[1])["id"])
    code, out, err = run(runner, url, "complete", "--action", "KA220-HED", "-m", ref, "-m",
                         "CNRS", "-n", "1", "--format", "json")
    assert code == 0, err
    members = json.loads(out)["consortia"][0]["members"]
    assert {m["pic"] for m in members if not m["added"]} == {HELSINKI, CNRS}
    code, out, _ = run(runner, url, "orgs", "--name", ref, "--format", "json")
    assert [o["pic"] for o in json.loads(out)] == [HELSINKI]
    for args in (("search", "--org", "helsinki"),
                 ("complete", "--action", "KA220-HED", "-m", "helsinki", "-m", CNRS),
                 ("propose", "--action", "KA220-HED", "--lead", "helsinki", "--text", "x"),
                 ("show", "helsinki")):
        assert run(runner, url, *args) == (2, "", AMBIGUOUS), args
