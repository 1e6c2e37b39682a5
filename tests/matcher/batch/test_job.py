"""A whole batch run as a library call: the same answers as the facade, a typed summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matcher.batch.job import BatchJob, run_batch
from matcher.partners import match_json
from models.errors import QueryError


def test_a_run_answers_rows_like_the_facade_and_says_how_it_ended(
        default_matcher: Any, tmp_path: Path) -> None:
    source = tmp_path / "q.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "virtual mobility", "k": 3}) + "\n"
                      + json.dumps({"id": "b", "org": "no such organisation"}) + "\n",
                      encoding="utf-8")
    output, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_batch(default_matcher, BatchJob(input=str(source), output=str(output),
                                                  errors=str(errors)))
    assert (summary.rows, summary.failed, summary.interrupted) == (2, 1, False)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    expected = default_matcher.search(text="virtual mobility", k=3)
    assert [{k: v for k, v in line.items() if k not in ("query_id", "query_row")}
            for line in lines] == [match_json(m) for m in expected.matches]
    assert [json.loads(line)["id"] for line in errors.read_text().splitlines()] == ["b"]


def test_an_input_that_is_not_there_is_refused_before_the_matcher_opens(
        tmp_path: Path) -> None:
    def never() -> Any:
        raise AssertionError("opened")

    with pytest.raises(QueryError, match="no such input file"):
        run_batch(never, BatchJob(input=str(tmp_path / "missing.csv"), output="-"))
