"""Every CSV the command line writes (``orgs``, ``search``, ``batch``) quotes the cells a
spreadsheet would run as formulas (OWASP's rule: a leading single quote), on a registry of
hostile profiles (``tests/hostile.py``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.hostile import FORMULAS, PROFILES, hostile_registry


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return hostile_registry(tmp_path_factory.mktemp("spreadsheet-cli"))


def _names(text: str, column: str = "name") -> set[str]:
    return {row[column] for row in csv.DictReader(io.StringIO(text, newline=""))}


def _quoted() -> set[str]:
    plain = {name for name, _, _ in PROFILES} - set(FORMULAS)
    return plain | {"'" + name for name in FORMULAS}


def test_orgs_csv_quotes_formulas(runner: CliRunner, url: str) -> None:
    result = runner.invoke(cli, ["--db", url, "-q", "orgs", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert _names(result.stdout) == _quoted()


def test_search_csv_quotes_formulas(runner: CliRunner, url: str) -> None:
    result = runner.invoke(cli, ["--db", url, "-q", "search", "--text", "robotics education",
                                 "-k", "20", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert _names(result.stdout) == _quoted()
    scores = [row["score"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert all(not s.startswith("'") for s in scores)  # numbers stay numbers


def test_batch_csv_quotes_formulas(runner: CliRunner, url: str, tmp_path: Path) -> None:
    queries = tmp_path / "queries.csv"
    queries.write_text("id,text,k\n=1+1,robotics education,20\n-7,robotics education,20\n",
                       encoding="utf-8")
    out = tmp_path / "results.csv"
    result = runner.invoke(cli, ["--db", url, "-q", "batch", str(queries), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"), newline="")))
    assert {r["query_id"] for r in rows} == {"'=1+1", "-7"}
    assert {r["query_row"] for r in rows} == {"1", "2"}
    assert {r["name"] for r in rows} == _quoted()
