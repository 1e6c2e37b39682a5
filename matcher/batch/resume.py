"""``--resume``: cut an interrupted run's output back to whole rows, and say where to go on.

Both the output (CSV or JSON Lines) and the errors report hold one record a line, each naming
its row (``query_row``; ``row``), in input order: the last row in the output is all that is
needed to resume (see ``matcher.batch.rows``).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.errors import QueryError

__all__ = ["ResumePoint", "prepare_resume"]


def _row_of_line(line: bytes, fmt: str, *, column: int = 1, key: str = "query_row") -> int | None:
    """The row number a complete output or errors line belongs to (None if unreadable)."""
    try:
        text = line.decode("utf-8")
        value: Any
        if fmt == "jsonl":
            value = json.loads(text)[key]
        elif fmt == "csv":
            value = next(csv.reader([text]))[column]
        else:
            found = re.match(r"row ([0-9]+) ", text)
            value = found[1] if found else None
        return int(value) if value is not None else None
    except (ValueError, KeyError, IndexError, TypeError, StopIteration):
        return None


def _not_ours(output: Path) -> QueryError:
    return QueryError(f"{output} does not look like the output of `matcher batch` (its first "
                      "line names no query_row): --resume would cut it; give the output of the "
                      "interrupted run, or drop --resume to write a new one")


def _header(output: Path, line: bytes) -> tuple[str, ...]:
    """The columns of a CSV output's header line; a file that is no batch output is refused
    before anything is cut from it."""
    try:
        columns = tuple(next(csv.reader([line.decode("utf-8-sig")])))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise _not_ours(output) from None
    if "query_row" not in columns:
        raise _not_ours(output)
    return columns


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where an interrupted run continues: the first row to answer, and the CSV header."""

    row: int
    columns: tuple[str, ...] | None


def prepare_resume(output: Path, fmt: str, errors: Path | None = None,
                   errors_fmt: str = "text") -> ResumePoint:
    """Cut an interrupted output back to whole rows and say which row to answer next.

    The output is read line by line (its memory does not grow with its size). The last row
    that has lines in it is answered again: its lines are removed first, so a row cut short by
    a hard kill (``kill -9``, power loss) is never half there. Rows after it that had no result
    or failed are answered again too; their lines in the ``errors`` file are removed, so the
    errors report holds each failed row once.
    """
    row, cut, columns = 1, 0, None
    if output.exists():
        with output.open("rb") as stream:
            offset = 0
            row_column = 1
            if fmt == "csv":
                first = stream.readline()
                if first.endswith(b"\n"):
                    columns = _header(output, first)
                    row_column = columns.index("query_row")
                    offset = cut = len(first)
                else:
                    columns = None
            else:
                first = stream.readline()
                if first.endswith(b"\n") and _row_of_line(first, fmt) is None:
                    raise _not_ours(output)
                stream.seek(0)
            last = None
            for line in stream:
                found = (_row_of_line(line, fmt, column=row_column) if line.endswith(b"\n")
                         else None)
                if found is not None and found != last:
                    last, cut = found, offset
                offset += len(line)
            if last is not None:
                row = last
            elif columns is None:
                cut = 0
        with output.open("r+b") as stream:
            stream.truncate(cut)
    if errors is not None and errors.exists():
        _cut_errors(errors, errors_fmt, row)
    return ResumePoint(row, columns)


def _cut_errors(errors: Path, fmt: str, row: int) -> None:
    with errors.open("r+b") as stream:
        offset = 0
        for n, line in enumerate(stream):
            if fmt == "csv" and n == 0:
                offset += len(line)
                continue
            found = _row_of_line(line, fmt, column=0, key="row")
            if found is None or found >= row:
                break
            offset += len(line)
        stream.truncate(offset)
