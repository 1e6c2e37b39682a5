"""The batch engine with trivial handlers: parsing, ordering, errors, resume, processes, Dask.

The real search / complete handlers are tested in ``tests/cli/test_batch_cli.py``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.batch.engine import BatchSummary, answer, run
from matcher.batch.resume import prepare_resume
from matcher.batch.rows import (
    CONSORTIUM_ONLY,
    FIELDS,
    BatchQuery,
    ErrorWriter,
    ResultWriter,
    RowOutcome,
    count_rows,
    format_of,
    read_queries,
)
from matcher.batch.tasks import CompleteHandler
from matcher.batch.work import Handler, answer_chunk, answer_row, chunked, ordered_window
from matcher.fields import kinds
from matcher.requests import ConsortiumRequest
from models.errors import MatcherError, QueryError


@dataclass(frozen=True, slots=True)
class Upper:
    """k results per row; rows whose text contains 'bad' fail like an unknown organisation;
    the row ``interrupt_at`` raises KeyboardInterrupt (Ctrl-C while answering it)."""

    interrupt_at: int = 0
    nap: float = 0.0

    def __call__(self) -> Handler:
        def handle(q: BatchQuery) -> Sequence[dict[str, Any]]:
            if q.row == self.interrupt_at:
                raise KeyboardInterrupt
            if "bad" in q.text:
                raise QueryError(f"unknown organisation {q.text!r}")
            if self.nap:
                time.sleep(self.nap * (q.row % 3))  # later rows finish first
            return [{"rank": r, "name": q.text.upper(), "why": ["a", "b"], "score": 1 / r}
                    for r in range(1, (q.k or 2) + 1)]
        return handle


@dataclass(frozen=True, slots=True)
class Broken:
    def __call__(self) -> Handler:
        raise FileNotFoundError("no ranker at /nowhere")


def _csv(texts: Sequence[str]) -> str:
    return "id,text,k\n" + "".join(f"q{i},{t},2\n" for i, t in enumerate(texts, start=1))


def _run(source: str, fmt: str = "csv", out_fmt: str = "jsonl", factory: Any = None,
         start_row: int = 1, **options: Any) -> tuple[BatchSummary, str, str]:
    out, err = io.StringIO(), io.StringIO()
    items = read_queries(io.StringIO(source), fmt, "search", start_row=start_row)
    summary = run(answer(items, factory or Upper(), **options), ResultWriter(out, out_fmt),
                  ErrorWriter(err), start_row=start_row)
    return summary, out.getvalue(), err.getvalue()


# --- reading ------------------------------------------------------------------------------

def test_csv_cells_are_parsed_per_column() -> None:
    source = ("ID,Text,Themes,Exclude-Country,eche,k,programme_countries_only\n"
              'a,"open, flexible learning", key competences ; virtual mobility ,UK,yes,3,0\n'
              "\n,,,,,,\n"
              ",idea,,,,,\n")
    first, second = read_queries(io.StringIO(source), "csv", "search")
    assert first == BatchQuery(row=1, id="a", text="open, flexible learning",
                               themes=("key competences", "virtual mobility"),
                               exclude_countries=("UK",), eche=True, k=3)
    # blank lines are not rows; an empty id is the row number
    assert second == BatchQuery(row=2, id="2", text="idea")


def test_complete_columns() -> None:
    source = '{"id": "c1", "members": ["999873188", "E10208741"], "size": "3..5", "n": 4}\n'
    (query,) = read_queries(io.StringIO(source), "jsonl", "complete")
    assert query == BatchQuery(row=1, id="c1", members=("999873188", "E10208741"),
                               size=(3, 5), k=4)


def test_complete_columns_are_the_consortium_request_fields() -> None:
    """A field added to ConsortiumRequest is a column of complete rows (``n`` is ``k``) and
    reaches the request the row asks for."""
    assert set(FIELDS["complete"]) == {"id", "k"} | set(kinds(ConsortiumRequest)) - {"n"}
    assert set(CONSORTIUM_ONLY) <= {f.name for f in fields(BatchQuery)}
    source = ('{"members": "999873188", "coordinator": "E10208741", "idea_weight": "0.25", '
              '"call_year": 2021, "n": 2, "text": "mobility"}\n')
    (query,) = read_queries(io.StringIO(source), "jsonl", "complete")
    asked: list[ConsortiumRequest] = []

    class Asked:
        def complete(self, request: ConsortiumRequest) -> Any:
            asked.append(request)
            return SimpleNamespace(consortia=[])

    CompleteHandler(Asked(), "KA220-HED", 5)(query)  # type: ignore[arg-type]
    assert asked == [ConsortiumRequest(action="KA220-HED", members=("999873188",),
                                       coordinator="E10208741", idea_weight=0.25,
                                       call_year=2021, n=2, text="mobility")]


def test_unknown_complete_column_names_it_and_the_valid_ones() -> None:
    with pytest.raises(QueryError) as caught:
        list(read_queries(io.StringIO("members,coordinater\n1,2\n"), "csv", "complete",
                          source="c.csv"))
    assert str(caught.value) == (
        "c.csv: header: unknown column 'coordinater'; valid columns: id, text, themes, "
        "topics, countries, exclude_countries, types, eche, include_unnamed, k, action, "
        "members, coordinator, size, call_year, idea_weight")
    (got,) = read_queries(io.StringIO('{"org": "x"}\n'), "jsonl", "complete")
    assert isinstance(got, RowOutcome)
    assert got.error == "column 'org' is for --mode search, not --mode complete"


def test_bad_cells_fail_only_their_row() -> None:
    source = "id,text,k,eche\na,x,many,\nb,y,2,perhaps\nc,z,0,\nd,w,1,1\ne,v,1,1,extra\n"
    got = list(read_queries(io.StringIO(source), "csv", "search"))
    assert [type(g).__name__ for g in got] == ["RowOutcome", "RowOutcome", "RowOutcome",
                                               "BatchQuery", "RowOutcome"]
    assert [g.error for g in got if isinstance(g, RowOutcome)] == [
        "k: 'many' is not a whole number",
        "eche: 'perhaps' is not a yes/no value; use 1/0, true/false, yes/no",
        "k: 0 is out of range; use 1 to 1000",
        "5 cells but the header has 4 columns (quote cells that contain commas)",
    ]
    assert [g.query_id if isinstance(g, RowOutcome) else g.id for g in got] == list("abcde")


def test_jsonl_rows_lists_and_bad_lines() -> None:
    source = ('{"id": 7, "themes": "a; b", "countries": ["FI", "SE"]}\n\n'
              "not json\n[1, 2]\n"
              '{"id": "x", "members": ["1"]}\n'
              '{"countries": [1]}\n')
    got = list(read_queries(io.StringIO(source), "jsonl", "search"))
    assert got[0] == BatchQuery(row=1, id="7", themes=("a", "b"), countries=("FI", "SE"))
    assert [(g.row, g.query_id, g.error) for g in got[1:] if isinstance(g, RowOutcome)] == [
        (2, "2", "not valid JSON: Expecting value (column 1)"),
        (3, "3", 'expected a JSON object {"id": ..., ...}'),
        (4, "x", "column 'members' is for --mode complete, not --mode search"),
        (5, "5", "countries: expected text or a list of text, got 1"),
    ]


def test_unknown_csv_column_stops_before_any_row() -> None:
    with pytest.raises(QueryError, match=r"^q.csv: header: unknown column 'contry'; valid "
                                         r"columns: id, text, themes, topics, countries"):
        list(read_queries(io.StringIO("id,contry\n1,FI\n"), "csv", "search", source="q.csv"))


def test_format_from_extension_or_option() -> None:
    assert format_of("a/q.CSV", None, what="input") == "csv"
    assert format_of("q.ndjson", None, what="output") == "jsonl"
    assert format_of("-", "csv", what="input") == "csv"
    with pytest.raises(QueryError, match=r"--input-format csv\|jsonl"):
        format_of("-", None, what="input")


def test_count_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"two\nlines"\n\n2,b\n', encoding="utf-8")
    assert count_rows(path, "csv") == 2


# --- writing ------------------------------------------------------------------------------

def test_csv_output_is_one_line_per_result() -> None:
    out = io.StringIO()
    writer = ResultWriter(out, "csv")
    writer.write(RowOutcome(3, "q3", ({"rank": 1, "name": "A\nB", "why": ["x", "y"],
                                       "members": [{"id": 1}], "added": True},)))
    writer.close()
    assert out.getvalue() == ("query_id,query_row,rank,name,why,members,added\n"
                              'q3,3,1,A B,x; y,"[{""id"":1}]",true\n')


def test_empty_csv_output_still_has_a_header() -> None:
    out = io.StringIO()
    ResultWriter(out, "csv", fallback=("rank", "id")).close()
    assert out.getvalue() == "query_id,query_row,rank,id\n"


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", "row 2 (id b): unknown organisation 'x'\n"),
    ("jsonl", '{"row": 2, "id": "b", "error": "unknown organisation \'x\'"}\n'),
    ("csv", "row,id,error\n2,b,unknown organisation 'x'\n"),
])
def test_errors_report_formats(fmt: str, expected: str) -> None:
    err = io.StringIO()
    ErrorWriter(err, fmt).write(RowOutcome(2, "b", error="unknown organisation 'x'"))
    assert err.getvalue() == expected


# --- running ------------------------------------------------------------------------------

def test_bad_rows_mixed_with_good_ones() -> None:
    summary, out, err = _run(_csv(["one", "bad one", "two", "bad two", "three"]))
    assert summary == BatchSummary(rows=5, failed=2)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["query_id"], r["query_row"], r["rank"]) for r in lines] == [
        ("q1", 1, 1), ("q1", 1, 2), ("q3", 3, 1), ("q3", 3, 2), ("q5", 5, 1), ("q5", 5, 2)]
    assert lines[0] == {"query_id": "q1", "query_row": 1, "rank": 1, "name": "ONE",
                        "why": ["a", "b"], "score": 1.0}
    assert err == ("row 2 (id q2): unknown organisation 'bad one'\n"
                   "row 4 (id q4): unknown organisation 'bad two'\n")


def test_unexpected_exceptions_fail_the_row_not_the_run() -> None:
    def handler(q: BatchQuery) -> list[dict[str, Any]]:
        raise ZeroDivisionError("division by zero")
    outcome = answer_row(handler, BatchQuery(4, "d"))
    assert outcome.error == "internal error (please report): ZeroDivisionError: division by zero"


@given(sizes=st.lists(st.integers(1, 5), min_size=0, max_size=30),
       chunk=st.integers(1, 7), window=st.integers(1, 5), order=st.randoms())
def test_ordered_window_keeps_input_order(sizes: list[int], chunk: int, window: int,
                                          order: Any) -> None:
    """Whatever order chunks finish in, outcomes come out in input order."""
    items = [RowOutcome(i, str(i), error="x") for i in range(1, len(sizes) + 1)]
    finished: list[list[RowOutcome]] = []

    def result(pending: list[RowOutcome]) -> list[RowOutcome]:
        finished.append(pending)
        return pending
    got = list(ordered_window(chunked(items, chunk), lambda c: list(c), result, window))
    assert [o.row for o in got] == [o.row for o in items]


def test_processes_answer_like_one_process() -> None:
    texts = [f"text {i}" if i % 5 else f"bad {i}" for i in range(1, 41)]
    serial = _run(_csv(texts))
    parallel = _run(_csv(texts), factory=Upper(nap=0.002), jobs=2, chunk_size=3)
    assert parallel == serial


@dataclass(frozen=True)
class Unhashable:
    """Like a task pickled by older code: the worker cannot even look it up."""

    parts: list[int]

    def __call__(self) -> Handler:
        return Upper()()


def test_a_worker_that_cannot_start_stops_the_run() -> None:
    """Not a pool that starts new workers forever: the first chunk reports the error."""
    with pytest.raises(MatcherError, match=r"^a batch worker could not start: TypeError: "
                                           r"unhashable type: 'list'$"):
        _run(_csv(["a", "b"]), factory=Unhashable([1]), jobs=2)


def test_a_handler_that_cannot_be_built_fails_every_chunk_the_same() -> None:
    """As on a Dask worker: the handler is built on the first chunk, its failure kept."""
    for _ in range(2):
        with pytest.raises(MatcherError, match=r"^a batch worker could not start: "
                                               r"FileNotFoundError: no ranker at /nowhere$"):
            answer_chunk(Broken(), [BatchQuery(1, "a", text="x")])


def test_dask_local_cluster_answers_like_one_process() -> None:
    distributed = pytest.importorskip("distributed")
    texts = [f"text {i}" if i % 4 else f"bad {i}" for i in range(1, 30)]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = _run(_csv(texts), factory=Upper(nap=0.001), engine="dask", client=client,
                   chunk_size=4)
    assert got == _run(_csv(texts))


# --- interruption and resume --------------------------------------------------------------

@pytest.mark.parametrize(("in_fmt", "out_fmt"), [("csv", "csv"), ("csv", "jsonl"),
                                                 ("jsonl", "csv")])
@settings(max_examples=15, deadline=None)
@given(stop=st.integers(1, 8))
def test_interrupted_then_resumed_equals_one_run(tmp_path_factory: pytest.TempPathFactory,
                                                 in_fmt: str, out_fmt: str, stop: int) -> None:
    """Ctrl-C at row k leaves rows < k whole; --resume then completes exactly the full run."""
    texts = ["a", "bad b", "c", "d", "bad e", "f", "g", "h"]
    source = _csv(texts) if in_fmt == "csv" else "".join(
        json.dumps({"id": f"q{i}", "text": t, "k": 2}) + "\n" for i, t in enumerate(texts, 1))
    directory = tmp_path_factory.mktemp("resume")
    output, errors = directory / f"out.{out_fmt}", directory / "errors.txt"

    def go(factory: Upper, resume: bool) -> BatchSummary:
        start = prepare_resume(output, out_fmt, errors) if resume else None
        with output.open("a" if resume else "w", encoding="utf-8", newline="") as out, \
                errors.open("a" if resume else "w", encoding="utf-8") as err:
            items = read_queries(io.StringIO(source), in_fmt, "search",
                                 start_row=start.row if start else 1)
            return run(answer(items, factory),
                       ResultWriter(out, out_fmt, columns=start.columns if start else None),
                       ErrorWriter(err), start_row=start.row if start else 1)

    assert go(Upper(), resume=False) == BatchSummary(rows=8, failed=2)
    full_output, full_errors = output.read_text(), errors.read_text()

    interrupted = go(Upper(interrupt_at=stop), resume=False)
    assert interrupted.resume_row == stop
    assert full_output.startswith(output.read_text())
    go(Upper(), resume=True)
    assert (output.read_text(), errors.read_text()) == (full_output, full_errors)


def test_resume_cuts_a_row_left_half_written_by_a_hard_kill(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    lines = [json.dumps({"query_id": q, "query_row": r, "rank": k})
             for q, r, k in [("a", 1, 1), ("a", 1, 2), ("c", 3, 1), ("c", 3, 2)]]
    output.write_text("\n".join(lines[:3]) + "\n" + lines[3][:9], encoding="utf-8")
    errors = tmp_path / "errors.txt"
    errors.write_text("row 2 (id b): no\nrow 3 (id c): no\n", encoding="utf-8")
    assert prepare_resume(output, "jsonl", errors).row == 3
    assert output.read_text() == lines[0] + "\n" + lines[1] + "\n"
    assert errors.read_text() == "row 2 (id b): no\n"


def test_resume_an_empty_or_missing_output_starts_at_row_1(tmp_path: Path) -> None:
    assert prepare_resume(tmp_path / "none.csv", "csv").row == 1
    half = tmp_path / "half.csv"
    half.write_text("query_id,que", encoding="utf-8")
    assert prepare_resume(half, "csv").row == 1
    assert half.read_text() == ""


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """Ctrl-C as in a terminal: a suite started in the background inherits an ignored
    SIGINT, which the batch engine rightly leaves ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class _SigintOnWrite(io.StringIO):
    """An output whose first write is hit by a real Ctrl-C (SIGINT) halfway through."""

    def write(self, text: str) -> int:
        if not self.getvalue():
            os.kill(os.getpid(), signal.SIGINT)
        return super().write(text)


def test_a_real_sigint_while_writing_waits_for_the_row_to_be_whole(ctrl_c: None) -> None:
    out, err = _SigintOnWrite(), io.StringIO()
    items = read_queries(io.StringIO(_csv(["a", "b", "c"])), "csv", "search")
    summary = run(answer(items, Upper()), ResultWriter(out, "jsonl"), ErrorWriter(err))
    assert summary == BatchSummary(rows=1, failed=0, resume_row=2)
    assert [json.loads(line)["query_row"] for line in out.getvalue().splitlines()] == [1, 1]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@dataclass(frozen=True, slots=True)
class SigintAt:
    row: int

    def __call__(self) -> Handler:
        def handle(q: BatchQuery) -> Sequence[dict[str, Any]]:
            if q.row == self.row:
                os.kill(os.getpid(), signal.SIGINT)
            return [{"rank": 1}]
        return handle


def test_a_real_sigint_while_answering_stops_before_that_row(ctrl_c: None) -> None:
    summary, out, _ = _run(_csv(["a", "b", "c", "d"]), factory=SigintAt(3))
    assert summary == BatchSummary(rows=2, failed=0, resume_row=3)
    assert [json.loads(line)["query_row"] for line in out.splitlines()] == [1, 2]


def test_rows_are_read_only_a_bounded_window_ahead() -> None:
    """Memory does not grow with the input: an endless input still streams."""
    pulled = 0

    def endless() -> Iterator[RowOutcome]:
        nonlocal pulled
        while True:
            pulled += 1
            yield RowOutcome(pulled, str(pulled), error="x")
    outcomes = ordered_window(chunked(endless(), 4), lambda c: list(c), lambda c: c, window=3)
    assert [o.row for o in islice(outcomes, 10)] == list(range(1, 11))
    assert pulled <= 10 + 3 * 4
    assert [o.row for o in islice(answer(endless(), Upper()), 3)] == [pulled - 2, pulled - 1,
                                                                     pulled]
