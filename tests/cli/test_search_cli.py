"""``matcher search`` and ``matcher index`` end to end on a registry cut from the real data
(see ``tests/matcher/test_search.py``): exit codes, exact messages, the three formats."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.matcher.test_partners import GRAZ, HELSINKI, build_slice
from tests.real_slices import SHARED


@pytest.fixture(scope="module")
def slice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("search-cli")
    build_slice(directory, n_projects=15)
    return directory


@pytest.fixture
def url(slice_dir: Path, tmp_path: Path) -> str:
    """A private copy of the slice, so that tests that import rows do not leak."""
    shutil.copy(slice_dir / "registry.sqlite", tmp_path / "registry.sqlite")
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


def run(runner: CliRunner, url: str, *args: str, quiet: bool = True) -> Result:
    return runner.invoke(cli, ["--db", url, *(["-q"] if quiet else []), *args])


def search_json(runner: CliRunner, url: str, *args: str) -> dict[str, Any]:
    result = run(runner, url, "search", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_org_search_json(runner: CliRunner, url: str) -> None:
    payload = search_json(runner, url, "--org", HELSINKI, "-k", "4")
    assert payload["query"]["org"]["name"] == "HELSINGIN YLIOPISTO"
    assert [r["rank"] for r in payload["results"]] == [1, 2, 3, 4]
    assert HELSINKI not in {r["pic"] for r in payload["results"]}
    assert all(list(r) == ["rank", "id", "pic", "name", "country", "type", "score", "closest",
                           "why"] for r in payload["results"])
    assert payload["results"][0]["why"][0].startswith("worked with HELSINGIN YLIOPISTO on ")


def test_table_shows_reasons_under_each_row(runner: CliRunner, url: str) -> None:
    result = run(runner, url, "search", "--org", HELSINKI, "-k", "2")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["#", "score", "name", "country", "type", "PIC"]
    assert lines[2].startswith("1 ")
    assert lines[3].startswith("     - worked with HELSINGIN YLIOPISTO on ")


def test_csv(runner: CliRunner, url: str) -> None:
    result = run(runner, url, "search", "--org", HELSINKI, "-k", "3", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 0 and len(rows) == 3
    assert list(rows[0]) == ["rank", "id", "pic", "name", "country", "type", "score",
                             "closest", "why"]
    assert all(r["closest"] == "False" and r["why"] for r in rows)


def test_filters(runner: CliRunner, url: str) -> None:
    assert {r["country"] for r in search_json(runner, url, "--org", HELSINKI, "--country",
                                              "gr", "--country", "Finland")["results"]} \
        <= {"EL", "FI"}
    excluded = search_json(runner, url, "--org", HELSINKI, "--exclude-country", "DE", "-k",
                           "30")["results"]
    assert excluded and "DE" not in {r["country"] for r in excluded}
    companies = search_json(runner, url, "--org", HELSINKI, "--type", "EPLUS-ENT-SME")
    assert companies["query"]["types"] == ["company"]
    assert {r["type"] for r in companies["results"]} == {"company"}
    eche = search_json(runner, url, "--org", HELSINKI, "--eche", "--type", "HES")
    assert eche["results"] and all(r["type"] == "higher-education" for r in eche["results"])
    counting = search_json(runner, url, "--org", HELSINKI, "--programme-countries-only",
                           "-k", "40")
    assert counting["query"]["programme_countries_only"] is True
    assert not {"UK", "US", "CH", "IL"} & {r["country"] for r in counting["results"]}
    ka203 = search_json(runner, url, "--org", HELSINKI, "--programme-countries-only",
                        "--action", "ka203", "--country", "UK")
    assert {r["country"] for r in ka203["results"]} == {"UK"}  # UK counted until the 2020 call


def test_theme_labels_in_finnish(runner: CliRunner, url: str) -> None:
    by_label = search_json(runner, url, "--theme", "Opintojen ohjaus ja neuvonta", "-k", "3")
    assert by_label["query"]["themes"] == ["guidance-counselling"]
    assert by_label == search_json(runner, url, "--theme", "guidance-counselling", "-k", "3")


def test_same_input_same_output(runner: CliRunner, url: str) -> None:
    args = ("search", "--org", GRAZ, "--text", "university", "-k", "7")
    assert run(runner, url, *args).stdout == run(runner, url, *args).stdout


@pytest.mark.parametrize(("args", "message"), [
    ((), ("empty query: give an organisation (--org), a project idea (--text), a theme "
         "(--theme) or a call topic (--topic)")),
    (("--org", "123456789"), ("unknown organisation '123456789': give a 9-digit PIC, an OID "
                             "(E + 8 digits), an Erasmus code (e.g. 'SF HELSINK01'), an "
                             "internal id (#12) or a name. Find one with `matcher orgs --name "
                             "...`.")),
    (("--theme", "robotics"), "unknown theme 'robotics'; nearest: "),
    (("--text", "x", "--country", "XX"), ("unknown country 'XX': use an Erasmus code (FI, DE, "
                                         "EL for Greece, UK), an ISO code or a name (Finland, "
                                         "Suomi); nearest: ")),
    (("--text", "x", "--type", "church"), "unknown organisation type 'church'; valid types: "),
    (("--text", "x", "--action", "KA999"),
     "unknown action 'KA999'; valid actions: KA200, KA203, KA210, KA220-HED"),
    (("--text", "x", "--programme-countries-only", "--country", "US"),
     "no country left: US is not among the countries that count for KA220-HED ("),
])
def test_bad_input_exits_2(runner: CliRunner, url: str, args: tuple[str, ...],
                           message: str) -> None:
    result = run(runner, url, "search", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_k_must_be_positive(runner: CliRunner, url: str) -> None:
    result = run(runner, url, "search", "--text", "x", "-k", "0")
    assert result.exit_code == 2
    assert "Invalid value for '-k': 0 is not in the range 1<=x<=1000." in result.stderr


def test_index_then_stale_refresh_on_search(runner: CliRunner, url: str,
                                            tmp_path: Path) -> None:
    built = run(runner, url, "index")
    assert built.exit_code == 0
    assert built.stdout.startswith("Built the search index: ")
    assert " organisations and " in built.stdout and " MB in " in built.stdout
    fresh = run(runner, url, "index", "--format", "json")
    info = json.loads(fresh.stdout)
    assert info["built"] is False and info["n_orgs"] > 100
    assert run(runner, url, "index", "--rebuild").stdout.startswith("Built the search index: ")

    # a new organisation: the next search notices and refreshes it, with a note on stderr
    rows = (SHARED / "eche" / "eche-holders-2021-2027.csv").read_bytes().decode("cp1252")
    table = list(csv.reader(io.StringIO(rows, newline=""), delimiter=";"))
    known = {r["pic"] for r in search_json(runner, url, "--text", "x", "-k", "1000")["results"]}
    new = next(r for r in table[2:] if len(r) > 8 and r[8] == "SE" and r[2] not in known)
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([table[0], table[1], new])
    (tmp_path / "one.csv").write_bytes(buf.getvalue().encode("cp1252"))
    assert run(runner, url, "import", "eche", str(tmp_path / "one.csv")).exit_code == 0
    result = run(runner, url, "search", "--org", new[2], "--format", "json", quiet=False)
    assert result.exit_code == 0, result.output
    assert ("The registry changed since the search index was built: refreshing it (1 new "
            "and 0 changed organisations" in result.stderr)
    assert json.loads(result.stdout)["query"]["org"]["pic"] == new[2]
    after = json.loads(run(runner, url, "index", "--format", "json").stdout)
    assert after["built"] is False and after["n_orgs"] == info["n_orgs"] + 1
    assert after["refreshed_from"] == info["fingerprint"] and after["drift"] > 0


def test_the_table_says_no_pic_rather_than_an_internal_id() -> None:
    from cli.commands.search import render_table

    shown = render_table([{"rank": 1, "score": 0.5, "name": "SOME NGO", "country": "FI",
                           "type": "ngo", "pic": None, "id": 36900, "why": []}])
    assert "#36900" not in shown and "no PIC" in shown
