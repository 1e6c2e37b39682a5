"""``matcher evaluate`` end to end on a small real slice of the CORDIS files."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.fixture(scope="module")
def history(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every row of every 80th project started 2015-2019 (about 320 projects)."""
    source = shared_data / "cordis-h2020" / "participations.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = [r for r in reader if r["start_year"] >= "2015"]
    keep = set(sorted({r["rcn"] for r in rows}, key=int)[::80])
    path = tmp_path_factory.mktemp("evaluate") / "slice.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for r in rows if r["rcn"] in keep)
    return path


def _args(history: Path, shared_data: Path, *extra: str) -> list[str]:
    parts = shared_data / "cordis-h2020" / "programme_parts.csv.gz"
    return ["-q", "evaluate", "--history", str(history), "--programme-parts", str(parts),
            "--train-until", "2017", "--test-from", "2018", *extra]


def test_json_report(runner: CliRunner, history: Path, shared_data: Path) -> None:
    result = runner.invoke(cli, _args(history, shared_data, "--format", "json", "-k", "5"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["k"] == 5 and report["queries"] > 0
    assert list(report["models"]) == ["matcher", "random", "popularity", "part_popularity",
                                      "common_neighbours", "adamic_adar", "implicit_als",
                                      "pagerank"]
    # the peers' hyper-parameters come from inside the training years, and say so
    tuned = report["tuned_on_training_years"]
    assert set(tuned) == {"implicit_als", "pagerank"}
    assert tuned["pagerank"]["chosen_on"].startswith("consortia of 2017 (features up to 2016)")
    for figures in report["models"].values():
        assert set(figures) == {"recall", "hit", "mrr", "ndcg"}
        assert all(0.0 <= v <= 1.0 for v in figures.values())
    assert report["matcher_weights"]["training"]["labels_from_consortia_of"] == 2017


def test_table(runner: CliRunner, history: Path, shared_data: Path) -> None:
    result = runner.invoke(cli, _args(history, shared_data))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "recall@k", "hit@k", "mrr", "ndcg@k", "queries"]
    assert [line.split()[0] for line in lines[2:]][:2] == ["matcher", "random"]


def test_idea_task_on_titled_consortia(runner: CliRunner, history: Path,
                                       shared_data: Path) -> None:
    projects = shared_data / "cordis-h2020" / "projects.csv.gz"
    result = runner.invoke(cli, _args(history, shared_data, "--task", "idea", "--projects",
                                      str(projects), "--format", "json"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "idea" and report["queries"] > 0
    assert list(report["models"]) == ["matcher", "popularity", "part_popularity",
                                      "topic_family", "text", "blend"]
    assert report["matcher_weights"]["models"]["idea"]["training"]["objective"] == "recall"


def test_idea_task_needs_titles(runner: CliRunner, history: Path, shared_data: Path) -> None:
    result = runner.invoke(cli, _args(history, shared_data, "--task", "idea"))
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "Error: --task idea needs project titles: give --projects FILE (CORDIS "
        "projects.csv.gz)")


def test_test_years_must_follow_training(runner: CliRunner, history: Path,
                                         shared_data: Path) -> None:
    args = _args(history, shared_data)
    args[args.index("--test-from") + 1] = "2017"
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "Error: --test-from 2017 must be after --train-until 2017: test consortia must start "
        "after everything the model learns from")


def test_missing_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["evaluate", "--history", str(tmp_path / "nope.csv"),
                                 "--train-until", "2017", "--test-from", "2018"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.fixture(scope="module")
def consortia_history(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve real 2018 consortia of 4-6 organisations from 3+ countries, one coordinator,
    every member known before; and the last two projects of 2015-2017 of each member."""
    source = shared_data / "cordis-h2020" / "participations.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = [r for r in reader if r["start_year"] >= "2015"]
    by_project: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_project.setdefault(r["rcn"], []).append(r)
    ordered = sorted(by_project.items(), key=lambda t: int(t[0]))
    past: dict[str, list[str]] = {}
    for rcn, members in ordered:
        if members[0]["start_year"] <= "2017":
            for r in members:
                past.setdefault(r["pic"], []).append(rcn)
    tests = [rcn for rcn, m in ordered
             if m[0]["start_year"] == "2018" and 4 <= len(m) <= 6
             and len({r["country"] for r in m}) >= 3 and all(r["pic"] in past for r in m)
             and sum(r["role"] == "coordinator" for r in m) == 1][:12]
    keep = set(tests) | {p for rcn in tests for r in by_project[rcn] for p in past[r["pic"]][-2:]}
    path = tmp_path_factory.mktemp("evaluate") / "consortia.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for rcn in sorted(keep, key=int) for r in by_project[rcn])
    return path


def test_complete_task_on_real_consortia(runner: CliRunner, consortia_history: Path,
                                         shared_data: Path) -> None:
    projects = shared_data / "cordis-h2020" / "projects.csv.gz"
    result = runner.invoke(cli, _args(consortia_history, shared_data, "--task", "complete",
                                      "--projects", str(projects), "--max-queries", "8",
                                      "--format", "json"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "complete" and report["queries"] == 8
    assert report["test_projects"] == 12
    assert list(report["models"]) == ["matcher", "hand_set", "greedy", "adamic_adar_greedy",
                                      "random_eligible"]
    for figures in report["models"].values():
        assert set(figures) == {"precision_at_1", "best_of_5_recall", "any_hit_at_5",
                                "distinct_additions"}
        assert 0 <= figures["precision_at_1"] <= 1 and figures["distinct_additions"] > 0
    assert report["matcher_objective"]["training"]["labels_from_consortia_of"] == [2016, 2017]
    assert report["ranker_weights_training"]["labels_from_consortia_of"] == 2017


def test_max_queries_is_for_the_complete_task(runner: CliRunner, history: Path,
                                              shared_data: Path) -> None:
    result = runner.invoke(cli, _args(history, shared_data, "--max-queries", "5"))
    assert result.exit_code == 2
    assert "--max-queries applies to --task complete only" in result.output


def test_files_merged_for_the_evaluation_are_read_within_bounds(
        runner: CliRunner, history: Path, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Several files of one kind are merged into one before the import: read as every import
    reads a file, a decompression bomb among them stops with the import's message."""
    monkeypatch.setattr("data.importers._compressed.RATIO_FROM", 512 * 1024)
    bomb = tmp_path / "parts.csv.gz"
    bomb.write_bytes(gzip.compress(b"rcn,programme_part\n" + b"1,ERC\n" * 500_000))
    result = runner.invoke(cli, [*_args(history, shared_data), "--programme-parts", str(bomb)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bomb}: stopped reading: it expands more than "
                                    "100 times (")
