"""``matcher import``: exit codes, exact messages, stdout left for machines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from tests.data.conftest import EPLUS_FIXTURE

HEADER = ["name", "country", "type"]


def test_import_says_what_it_did_on_stderr(runner: CliRunner, sqlite_url: str) -> None:
    result = runner.invoke(cli, ["--db", sqlite_url, "import", "eplus", str(EPLUS_FIXTURE)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.endswith(
        "4 rows read; created 13 organisations, 3 themes (new topics), 4 projects, "
        "16 participations.\n")
    again = runner.invoke(cli, ["--db", sqlite_url, "import", "eplus", str(EPLUS_FIXTURE)])
    assert again.exit_code == 0
    assert again.stderr == (f"{EPLUS_FIXTURE.name}: 4 rows read; already up to date "
                            "(nothing changed).\n")


def test_bad_row_exits_1_with_file_line_field(runner: CliRunner, sqlite_url: str,
                                              write_csv: Callable[..., Path]) -> None:
    path = write_csv("mine.csv", [HEADER, ["Innokas ry", "FI", "NGO"],
                                  ["Bad", "Atlantis", "NGO"]])
    result = runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}:3: country: 'Atlantis' is not a country; valid: "
                             "Erasmus or ISO codes (FI, EL, UK) or English names (Finland)\n")
    listing = runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(path),
                                  "--skip-invalid"])
    assert listing.exit_code == 0
    assert listing.stderr == (
        f"Skipped {path}:3: country: 'Atlantis' is not a country; valid: Erasmus or ISO codes "
        "(FI, EL, UK) or English names (Finland)\n"
        "mine.csv: 2 rows read; created 1 organisation; 1 invalid row skipped.\n")


def test_file_errors_and_usage_errors(runner: CliRunner, sqlite_url: str,
                                      tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(missing)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {missing}: no such file\n")
    wrong = runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(EPLUS_FIXTURE),
                                "--programme-parts", str(EPLUS_FIXTURE)])
    assert wrong.exit_code == 2
    assert ("Error: --programme-parts, --organisations and --projects only go with KIND "
            "history") in wrong.stderr
    kind = runner.invoke(cli, ["--db", sqlite_url, "import", "people", str(EPLUS_FIXTURE)])
    assert kind.exit_code == 2
    assert "'people' is not one of 'eche', 'history', 'eplus', 'orgs'" in kind.stderr


def test_history_with_programme_parts(runner: CliRunner, sqlite_url: str,
                                      history_slice: tuple[Path, Path]) -> None:
    path, parts = history_slice
    result = runner.invoke(cli, ["--db", sqlite_url, "-q", "import", "history", str(path),
                                 "--programme-parts", str(parts)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_help_text(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["import", "-h"])
    assert result.exit_code == 0
    assert "Import FILE of the given KIND into the registry" in result.stdout


def test_merges_file_lists_merges_and_near_misses(runner: CliRunner, sqlite_url: str,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "merges.csv"
    result = runner.invoke(cli, ["--db", sqlite_url, "import", "eplus", str(EPLUS_FIXTURE),
                                 "--merges", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out}: 1 names merged into another spelling, 0 near misses kept apart." in (
        result.stderr)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("decision,line,name,country,city,website,into_id,into_name,into_city,"
                        "into_website,score,evidence")
    assert lines[1].startswith("merged,3,Jyväskylän ammattikorkeakoulu,FI,,www.jamk.fi,")
    assert lines[1].endswith(",JYVASKYLAN AMMATTIKORKEAKOULU OY,Jyväskylä,http://www.jamk.fi,"
                             "100.0,same website (jamk.fi)")
    wrong = runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(EPLUS_FIXTURE),
                                "--merges", str(out)])
    assert wrong.exit_code == 2 and "--merges only goes with KIND eplus" in wrong.stderr


def test_rows_counted_for_the_progress_bar() -> None:
    from data.importers import count_lines, count_rows

    # the fixture's summaries hold line breaks: 4 rows on more lines
    assert count_rows(EPLUS_FIXTURE) == 4
    assert (count_lines(EPLUS_FIXTURE) or 0) > 4


def test_orgs_merged_from_says_where_a_record_came_from(runner: CliRunner,
                                                        sqlite_url: str) -> None:
    import json

    assert runner.invoke(cli, ["--db", sqlite_url, "import", "eplus",
                               str(EPLUS_FIXTURE)]).exit_code == 0
    result = runner.invoke(cli, ["--db", sqlite_url, "orgs", "--merged-from", "--format",
                                 "json"])
    assert result.exit_code == 0, result.output
    [org] = json.loads(result.stdout)
    assert (org["name"], org["merged_from"]) == ("JYVASKYLAN AMMATTIKORKEAKOULU OY", [
        f"{EPLUS_FIXTURE.name}:2", f"Jyväskylän ammattikorkeakoulu ({EPLUS_FIXTURE.name})"])
    table = runner.invoke(cli, ["--db", sqlite_url, "orgs", "--merged-from", "--format", "csv"])
    assert table.stdout.splitlines()[0].endswith(",projects,merged_from")
    assert table.stdout.splitlines()[1].endswith(
        f"{EPLUS_FIXTURE.name}:2; Jyväskylän ammattikorkeakoulu ({EPLUS_FIXTURE.name})")
    plain = runner.invoke(cli, ["--db", sqlite_url, "orgs", "--format", "json"])
    assert all("merged_from" not in o for o in json.loads(plain.stdout))
