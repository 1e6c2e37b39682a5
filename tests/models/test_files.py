"""The checks every reader of a user's file shares (``models/files.py``)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import DataFileError
from models.files import (
    MAX_JSON_DEPTH,
    TooDeep,
    csv_records,
    parse_json,
    quote_left_open,
    wide_encoding,
)

CELLS = st.lists(st.lists(st.text(alphabet='ab,;"\n x', max_size=6), min_size=1,
                          max_size=4), min_size=1, max_size=5)


def _record(cells: list[str], **options: str | int) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", **options).writerow(cells)  # type: ignore[arg-type]
    return out.getvalue()


@given(CELLS, st.sampled_from([",", ";"]), st.sampled_from(["\n", "\r\n"]))
def test_what_csv_writes_reads_back_with_its_lines(rows: list[list[str]], delimiter: str,
                                                   ending: str) -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows(rows)
    text = out.getvalue()
    assert quote_left_open(text, delimiter) is None
    records = list(csv_records(io.StringIO(text, newline=""), source="f.csv",
                               delimiter=delimiter))
    assert [cells for _, cells in records] == rows
    starts = [1]
    for row in rows[:-1]:
        starts.append(starts[-1] + _record(row, delimiter=delimiter).count("\n"))
    assert [line for line, _ in records] == starts


@given(CELLS, st.integers(min_value=0, max_value=4))
def test_an_unclosed_quote_names_the_line_where_it_opens(rows: list[list[str]],
                                                         at: int) -> None:
    records = [_record(row, quoting=csv.QUOTE_ALL) for row in rows]
    at = min(at, len(records))
    # an unquoted first cell, then a quote that is never closed: no quote may follow it
    broken = "".join(records[:at]) + 'x,"open\n' + "plain,row\n" * 3
    first_line = "".join(records[:at]).count("\n") + 1
    # a whole text, and a stream of lines (stdin)
    for lines in (io.StringIO(broken, newline=""), iter(broken.splitlines(keepends=True))):
        with pytest.raises(DataFileError) as found:
            list(csv_records(lines, source="f.csv"))
        assert str(found.value).startswith(f"f.csv: line {first_line}: a quote opens here and "
                                           "is never closed")


def test_text_after_a_closing_quote_is_not_valid_csv() -> None:
    with pytest.raises(DataFileError, match=r'^f.csv: line 2: not valid CSV: .*written twice'):
        list(csv_records(io.StringIO('a,b\n"x"y,z\n', newline=""), source="f.csv"))


def test_a_value_over_the_csv_limit_says_what_to_check() -> None:
    text = "name,country\n" + "x" * 200_000 + ",FI\n"
    with pytest.raises(DataFileError, match=r"line 2: not valid CSV: field larger than field "
                       r"limit \(131072\); no value of a registry's file is that long: check "
                       r"that the file is CSV"):
        list(csv_records(io.StringIO(text, newline=""), source="big.csv"))


def test_wide_encodings_are_named() -> None:
    text = "name,country\nInnokas ry,FI\n"
    assert [wide_encoding(text.encode(e)) for e in
            ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-8", "cp1252")
            ] == ["UTF-16", "UTF-16", "UTF-16", "UTF-32", "UTF-32", None, None]
    assert wide_encoding(b"\x00\x01\x02\x03binary\x00\xff" * 10) is None


def test_json_nested_too_deeply_is_refused() -> None:
    assert parse_json('{"a": [["b"]]}') == {"a": [["b"]]}
    fits = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(fits)
    for deep in (MAX_JSON_DEPTH + 1, 100_000):
        with pytest.raises(TooDeep):
            parse_json("[" * deep + "]" * deep)
