"""``matcher batch`` end to end on a registry cut from the real data: H2020 projects of the
University of Helsinki and their partners, with their real ECHE rows.

Every answered row must equal what ``matcher search`` / ``matcher complete`` print for the
same options, whatever the engine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from matcher.batch.rows import BatchQuery
from matcher.batch.tasks import SearchHandler
from tests.real_slices import real_registry

HELSINKI, CYPRUS, SAPIENZA, GRAZ = "999994535", "965934440", "999987745", "999873188"
KEEP = {"224209", "220541", "221198"}


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return real_registry(tmp_path_factory.mktemp("batch-cli"), n_projects=20, keep=KEEP,
                         projects=True, names=True)


SEARCH_ROWS: list[dict[str, Any]] = [
    {"id": "helsinki", "org": HELSINKI, "k": 3},
    {"id": "idea", "text": "science education and training", "countries": ["FI", "DE"]},
    {"id": "nobody", "org": "123456789"},
    {"id": "both", "org": SAPIENZA, "text": "health", "exclude_countries": ["IT"], "k": 4},
    {"id": "theme", "themes": ["no such theme"]},
    {"id": "heis", "text": "health", "types": ["higher-education"], "eche": True, "k": 2},
    {"id": "counting", "text": "health", "programme_countries_only": True, "k": 3,
     "types": ["HES"]},
]
COMPLETE_ROWS: list[dict[str, Any]] = [
    {"id": "two", "members": [HELSINKI, CYPRUS], "k": 2},
    {"id": "one", "members": [SAPIENZA], "size": "3..4", "text": "health", "k": 2},
    {"id": "small", "members": [HELSINKI], "size": "2"},
    {"id": "ghost", "members": ["123456789"]},
]


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([";".join(v) if isinstance(v, list) else
                             "" if v is None else str(v) for v in (r.get(c) for c in columns)])
    return path


def _records(path_or_text: Path | str, fmt: str) -> list[dict[str, Any]]:
    text = path_or_text.read_text("utf-8") if isinstance(path_or_text, Path) else path_or_text
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def _invoke(runner: CliRunner, url: str, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(cli, ["--db", url, "-q", "batch", *args], input=stdin)


def _one_by_one(runner: CliRunner, url: str, rows: Sequence[dict[str, Any]],
                mode: str) -> dict[str, list[dict[str, Any]]]:
    """What ``matcher search`` / ``complete --format json`` answer for each row, by id."""
    flags = {"org": "--org", "text": "--text", "themes": "--theme", "countries": "--country",
             "exclude_countries": "--exclude-country", "types": "--type", "members": "--member",
             "size": "--size", "k": "-k" if mode == "search" else "-n"}
    answers = {}
    for row in rows:
        args = [mode, "--format", "json"] + (["--action", "KA220-HED"] if mode == "complete"
                                             else [])
        for key, value in row.items():
            if key in ("eche", "programme_countries_only") and value:
                args.append("--" + key.replace("_", "-"))
            elif key in flags:
                for v in value if isinstance(value, list) else [value]:
                    args += [flags[key], str(v)]
        result = runner.invoke(cli, ["--db", url, "-q", *args])
        if result.exit_code == 0:
            payload = json.loads(result.stdout)
            answers[row["id"]] = payload["results" if mode == "search" else "consortia"]
    return answers


def _group(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(r["query_id"], []).append(
            {k: v for k, v in r.items() if k not in ("query_id", "query_row")})
    return out


# --- search ------------------------------------------------------------------------------

def test_search_rows_equal_single_searches(runner: CliRunner, registry_url: str,
                                           tmp_path: Path) -> None:
    source = _write(tmp_path / "queries.jsonl", SEARCH_ROWS)
    result = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "2 of 7 rows failed."
    errors = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [e.split(":")[0] for e in errors] == ["row 3 (id nobody)", "row 5 (id theme)"]
    assert "unknown organisation '123456789'" in errors[0]
    assert "unknown theme 'no such theme'" in errors[1]
    records = _records(tmp_path / "out.jsonl", "jsonl")
    assert [r["query_row"] for r in records] == sorted(r["query_row"] for r in records)
    got = _group(records)
    assert list(got) == ["helsinki", "idea", "both", "heis", "counting"]
    # the idea row: only the organisations with past projects on its topic (1 in FI and DE)
    assert [len(v) for v in got.values()] == [3, 1, 4, 2, 3]
    assert got == _one_by_one(runner, registry_url, SEARCH_ROWS, "search")


def test_csv_in_csv_out(runner: CliRunner, registry_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "queries.csv", SEARCH_ROWS)
    errors = tmp_path / "errors.csv"
    result = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "out.csv"),
                     "--errors", str(errors))
    assert result.exit_code == 1
    assert result.stderr == f"2 of 7 rows failed; see {errors}.\n"
    assert [(r["row"], r["id"]) for r in _records(errors, "csv")] == [("3", "nobody"),
                                                                      ("5", "theme")]
    records = _records(tmp_path / "out.csv", "csv")
    assert list(records[0])[:4] == ["query_id", "query_row", "rank", "id"]
    jsonl = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "out.jsonl"))
    expected = _records(tmp_path / "out.jsonl", "jsonl")
    assert [(r["query_id"], r["name"], r["why"]) for r in records] == [
        (e["query_id"], e["name"], "; ".join(e["why"])) for e in expected]
    assert jsonl.exit_code == 1


def test_stdin_to_stdout(runner: CliRunner, registry_url: str) -> None:
    stdin = "".join(json.dumps(r) + "\n" for r in SEARCH_ROWS[:2])
    result = _invoke(runner, registry_url, "-", "--input-format", "jsonl", "-o", "-",
                     stdin=stdin)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    records = _records(result.stdout, "jsonl")
    assert [r["query_id"] for r in records] == ["helsinki"] * 3 + ["idea"]


@pytest.mark.parametrize("engine", ["jobs", "dask"])
def test_processes_and_dask_answer_like_one_process(runner: CliRunner, registry_url: str,
                                                    tmp_path: Path, engine: str) -> None:
    source = _write(tmp_path / "queries.csv", SEARCH_ROWS)
    _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "one.jsonl"))
    if engine == "jobs":
        result = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "two.jsonl"),
                         "--jobs", "2", "--chunk-size", "2")
    else:
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      dashboard_address=None) as cluster:
            result = _invoke(runner, registry_url, str(source), "-o",
                             str(tmp_path / "two.jsonl"), "--engine", "dask",
                             "--scheduler", cluster.scheduler_address, "--chunk-size", "2")
    assert result.exit_code == 1
    assert (tmp_path / "two.jsonl").read_text() == (tmp_path / "one.jsonl").read_text()


# --- complete ----------------------------------------------------------------------------

def test_complete_rows_equal_single_completions(runner: CliRunner, registry_url: str,
                                                tmp_path: Path) -> None:
    source = _write(tmp_path / "partial.jsonl", COMPLETE_ROWS)
    result = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "out.jsonl"),
                     "--mode", "complete", "--action", "KA220-HED")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [e.split(":")[0] for e in errors] == ["row 3 (id small)", "row 4 (id ghost)"]
    assert "size 2..2 is below KA220-HED's minimum of 3 organisations" in errors[0]
    got = _group(_records(tmp_path / "out.jsonl", "jsonl"))
    assert list(got) == ["two", "one"]
    assert got == _one_by_one(runner, registry_url, COMPLETE_ROWS, "complete")
    assert all(c["eligible"] for cs in got.values() for c in cs)


def test_a_row_with_a_coordinator_and_an_idea_is_a_proposal(runner: CliRunner,
                                                            registry_url: str,
                                                            tmp_path: Path) -> None:
    """``propose`` is ``complete`` from a coordinator alone: a batch row says it the same way,
    and gets what ``matcher propose`` answers."""
    source = _write(tmp_path / "ideas.jsonl", [
        {"id": "p", "coordinator": HELSINKI, "text": "health and mental health services",
         "k": 2},
        {"id": "none", "text": "health"}])
    result = _invoke(runner, registry_url, str(source), "-o", str(tmp_path / "out.jsonl"),
                     "--mode", "complete", "--action", "KA220-HED")
    assert result.exit_code == 1
    assert "row 2 (id none): no members: give this row `members`" in result.stderr
    got = _group(_records(tmp_path / "out.jsonl", "jsonl"))
    proposed = runner.invoke(cli, ["--db", registry_url, "-q", "propose", "-a", "KA220-HED",
                                   "--lead", HELSINKI, "--text",
                                   "health and mental health services", "-n", "2",
                                   "--format", "json"])
    assert proposed.exit_code == 0, proposed.output
    assert got["p"] == json.loads(proposed.stdout)["consortia"]


def test_complete_needs_an_action(runner: CliRunner, registry_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "partial.csv", COMPLETE_ROWS[:1])
    result = _invoke(runner, registry_url, str(source), "-o", "-", "--mode", "complete")
    assert result.exit_code == 1
    assert result.stderr == ("row 1 (id two): no action: give this row an `action` "
                             "(e.g. KA220-HED) or the batch an --action\n"
                             "1 of 1 rows failed.\n")


# --- usage errors -------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["q.csv", "-o", "out.txt"], ("Error: cannot tell the output format of 'out.txt': name "
                                  "it *.csv or *.jsonl, or give --output-format csv|jsonl")),
    (["-", "-o", "out.csv"], ("Error: cannot tell the input format of '-': name it *.csv or "
                              "*.jsonl, or give --input-format csv|jsonl")),
    (["q.csv", "-o", "-", "--resume"], "Error: --resume needs an OUTPUT file, not stdout"),
    (["q.csv", "-o", "-", "--scheduler", "tcp://x:1"], "Error: --scheduler needs --engine dask"),
    (["missing.csv", "-o", "-"], "Error: no such input file: missing.csv"),
    (["bad.csv", "-o", "-"], ("Error: bad.csv: header: column 'members' is for --mode "
                              "complete, not --mode search")),
])
def test_usage_errors_exit_2(runner: CliRunner, registry_url: str, args: list[str],
                             message: str, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("q.csv").write_text("id,text\n1,x\n", encoding="utf-8")
    Path("bad.csv").write_text("id,members\n1,x\n", encoding="utf-8")
    result = _invoke(runner, registry_url, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message


# --- interruption ---------------------------------------------------------------------------

@pytest.fixture
def ctrl_c_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Make the search handler raise KeyboardInterrupt (Ctrl-C) when it reaches a row: the
    rows are answered a chunk at a time, so the chunk holding that row is lost."""
    at: list[int] = []
    original = SearchHandler.many

    def many(self: SearchHandler, rows: Sequence[BatchQuery]) -> Any:
        if at and any(q.row == at[0] for q in rows):
            raise KeyboardInterrupt
        return original(self, rows)
    monkeypatch.setattr(SearchHandler, "many", many)
    yield at


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_ctrl_c_then_resume_gives_the_full_output(runner: CliRunner, registry_url: str,
                                                  tmp_path: Path, fmt: str,
                                                  ctrl_c_at: list[int]) -> None:
    source = _write(tmp_path / "queries.csv", SEARCH_ROWS)
    full, part = tmp_path / f"full.{fmt}", tmp_path / f"part.{fmt}"
    errors = tmp_path / "errors.txt"
    _invoke(runner, registry_url, str(source), "-o", str(full), "--errors", str(errors))
    full_errors = errors.read_text()

    ctrl_c_at.append(4)
    result = _invoke(runner, registry_url, str(source), "-o", str(part), "--errors", str(errors),
                     "--chunk-size", "2")
    assert result.exit_code == 130
    assert result.stderr == ("Interrupted at row 3: the output holds whole rows only. To "
                             "finish, run the same command with --resume; it resumes from "
                             "the last row in the output.\n")
    assert [r["query_id"] for r in _records(part, fmt)] == ["helsinki"] * 3 + ["idea"]
    ctrl_c_at.clear()
    result = _invoke(runner, registry_url, str(source), "-o", str(part), "--errors", str(errors),
                     "--resume")
    assert result.exit_code == 1
    assert part.read_text() == full.read_text()
    assert errors.read_text() == full_errors


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.csv", "", "the file is empty"),
    ("blank.jsonl", "\n\n", "the file is empty"),
    ("header.csv", "id,text\n", "a header but no data rows"),
])
def test_an_input_without_queries_is_an_error_as_for_import(
        runner: CliRunner, registry_url: str, tmp_path: Path, name: str, content: str,
        problem: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["--db", registry_url, "batch", str(path), "-o",
                                 str(tmp_path / "out.csv")])
    assert (result.exit_code, result.stderr) == (1, f"Error: {path}: {problem}\n")
    if name == "empty.csv":
        imported = runner.invoke(cli, ["--db", registry_url, "import", "orgs", str(path)])
        assert (imported.exit_code, imported.stderr) == (1, f"Error: {path}: {problem}\n")
    piped = runner.invoke(cli, ["--db", registry_url, "batch", "-", "--input-format", "csv",
                                "-o", "-"], input="")
    assert (piped.exit_code, piped.stderr) == (1, "Error: stdin: the file is empty\n")


# --- hostile inputs --------------------------------------------------------------------------

UNCLOSED = 'id,text\na,health\nb,"health\nc,health\nd,health\n'
QUOTE_OPEN = ("line 3: a quote opens here and is never closed, so the lines after it would be "
              'read as one value: close the quote (a quote inside a value is written twice: "") '
              "and try again")


def test_an_unclosed_quote_refuses_the_file_before_any_row(
        runner: CliRunner, registry_url: str, tmp_path: Path) -> None:
    """The rows after an unclosed quote would be read as one cell of the row where it opens:
    the file is refused, naming that line, before anything is answered."""
    path = tmp_path / "queries.csv"
    path.write_text(UNCLOSED, encoding="utf-8")
    out = tmp_path / "results.csv"
    result = _invoke(runner, registry_url, str(path), "-o", str(out))
    assert (result.exit_code, result.stderr) == (1, f"Error: {path}: {QUOTE_OPEN}\n")
    assert not out.exists()
    # a stream is checked as it is read: the rows of chunks answered before are kept
    piped = _invoke(runner, registry_url, "-", "--input-format", "csv", "-o", "-",
                    stdin=UNCLOSED)
    assert (piped.exit_code, piped.stderr) == (1, f"Error: stdin: {QUOTE_OPEN}\n")
    assert {r["query_id"] for r in _records(piped.stdout, "jsonl")} <= {"a"}


def test_hostile_rows_fail_alone_with_what_to_do(runner: CliRunner, registry_url: str,
                                                 tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "queries.jsonl"
    path.write_text('{"id": "fine", "text": "health", "k": 1}\n'
                    f'{{"id": "deep", "text": {deep}}}\n'
                    '{"id": "negative", "text": "health", "k": -3}\n'
                    '{"id": "zero", "text": "health", "k": "0"}\n', encoding="utf-8")
    result = _invoke(runner, registry_url, str(path), "-o", "-")
    assert result.exit_code == 1
    assert result.stderr == (
        "row 2 (id 2): nested too deeply: lists or objects inside each other more than 32 "
        "levels; a value is text, a number or a list of text\n"
        "row 3 (id negative): k: -3 is out of range; use 1 to 1000\n"
        "row 4 (id zero): k: 0 is out of range; use 1 to 1000\n"
        "3 of 4 rows failed.\n")
    assert {r["query_id"] for r in _records(result.stdout, "jsonl")} == {"fine"}


@pytest.mark.parametrize(("encoding", "name"), [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                                ("utf-32", "UTF-32")])
def test_wide_text_is_named(runner: CliRunner, registry_url: str, tmp_path: Path,
                            encoding: str, name: str) -> None:
    path = tmp_path / "queries.csv"
    path.write_bytes("id,text\na,health\n".encode(encoding))
    result = _invoke(runner, registry_url, str(path), "-o", "-")
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {path}: {name} text: save it as UTF-8 and run again\n")
