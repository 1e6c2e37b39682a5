"""The saved ranker's JSON: text columns written a slice at a time read back the same."""

from __future__ import annotations

import io
import json

import pytest

from matcher.ranking.persistence import _SEP, _Column, _dump, _unpack


@pytest.mark.parametrize("values", [
    [],
    [None],
    ["Helsingin yliopisto", None, "Εθνικό Μετσόβιο", "İstanbul Üniversitesi", "",
     'quote " and \\ and \n and \x00'],
    ["has the separator \x1f inside", "plain"],
])
@pytest.mark.parametrize("step", [1, 2, 10_000])
def test_column_reads_back_as_written(values: list[str | None], step: int) -> None:
    fh = io.StringIO()
    _Column(values).write(fh, step=step)
    assert _unpack(json.loads(fh.getvalue()), len(values)) == values


def test_dump_is_json_dump_of_the_packed_columns() -> None:
    values = [f"name {i} ä" if i % 3 else None for i in range(25)]
    meta = {"format": 6, "orgs": {"name": _Column(values)}, "weights": None, "n": [1, 2.5]}
    fh = io.StringIO()
    _dump(meta, fh)
    packed = _SEP.join("\x1e" if v is None else v for v in values)
    expected = {"format": 6, "orgs": {"name": packed}, "weights": None, "n": [1, 2.5]}
    assert fh.getvalue() == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
