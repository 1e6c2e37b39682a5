"""The command line and batch rows have the web's bounds (``matcher/limits.py``): a request
over them is refused before any work, naming the field and the bound, never echoing a huge
input back; on the registry of hostile profiles (``tests/hostile.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.hostile import hostile_registry


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return hostile_registry(tmp_path_factory.mktemp("limits-cli"))


@pytest.mark.parametrize(("args", "message"), [
    (["search", "--text", "x" * 2001],
     "text: 2,001 characters; at most 2,000 may be given: shorten it"),
    (["search", "--text", "robotics", *["--country", "FI"] * 101],
     "countries: 101 values; at most 100 may be given: ask for fewer"),
    (["check", "--action", "KA220-HED", "-m", "#1", "-m", "z" * 301],
     (f"members: '{'z' * 79}…' (301 characters) is longer than 300 characters; no "
     "organisation, theme, country or type is named so long")),
    (["complete", "--action", "KA220-HED", *[a for i in range(51) for a in ("-m", f"#{i}")]],
     "members: 51 values; at most 50 may be given: ask for fewer"),
    (["show", "q" * 400], (f"org: '{'q' * 79}…' (400 characters) is longer than 300 "
                          "characters; no organisation, theme, country or type is named so "
                          "long")),
])
def test_a_request_over_the_bounds_exits_2(runner: CliRunner, url: str, args: list[str],
                                           message: str) -> None:
    result = runner.invoke(cli, ["--db", url, "-q", *args])
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


def test_an_unknown_organisation_is_quoted_short(runner: CliRunner, url: str) -> None:
    result = runner.invoke(cli, ["--db", url, "-q", "show", "nowhere " * 30])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: unknown organisation {('nowhere ' * 30)[:79] + '…'!r} (240 characters): ")


def test_a_batch_row_over_the_bounds_fails_alone(runner: CliRunner, url: str,
                                                 tmp_path: Path) -> None:
    path = tmp_path / "queries.csv"
    path.write_text(f"id,text\nlong,{'x' * 2001}\nfine,robotics education\n",
                    encoding="utf-8")
    result = runner.invoke(cli, ["--db", url, "-q", "batch", str(path), "-o", "-"])
    assert result.exit_code == 1
    assert result.stderr == ("row 1 (id long): text: 2,001 characters; at most 2,000 may be "
                             "given: shorten it\n1 of 2 rows failed.\n")
