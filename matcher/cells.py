"""Cells for spreadsheets: text that a spreadsheet would run as a formula is written as text.

Every CSV the tool writes (``--format csv``, ``matcher batch``, the web exports) goes through
:func:`csv_writer`, and every XLSX row through :func:`append_text_row`. Names, reasons and
websites come from imported files, so any of them may be ``=HYPERLINK(...)``.

- CSV (OWASP's rule for CSV injection): a cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return gets a leading single quote, which spreadsheets show as text.
- XLSX: text is written as a text cell (``data_type`` ``s``), never as a formula.
- Numbers stay numbers: ``-3`` or ``-0.125`` is no formula, and is left as it is.

>>> csv_cell('=HYPERLINK("http://evil.example")')
'\\'=HYPERLINK("http://evil.example")'
>>> csv_cell("-0.125"), csv_cell("e-learning")
('-0.125', 'e-learning')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "CsvWriter", "append_text_row", "csv_cell", "csv_writer"]

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell that no spreadsheet runs."""
    if value[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """:func:`csv.writer` whose text cells pass through :func:`csv_cell`.

    Rows are written with ``\r\n`` and the line end then replaced: Python's writer quotes
    only the cells that hold a character of its line terminator, so with ``\n`` a cell with a
    lone carriage return would end the row early for every reader.
    """

    def __init__(self, stream: IO[str], *, lineterminator: str = "\n", **options: Any) -> None:
        self._stream = stream
        self._end = lineterminator
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", **options)

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(c) if isinstance(c, str) else c for c in cells])
        line = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._stream.write(line[:-2] + self._end)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: IO[str], **options: Any) -> CsvWriter:
    """A CSV writer on ``stream`` (``\\n`` line ends unless told) that quotes formulas."""
    return CsvWriter(stream, **options)


def append_text_row(sheet: Any, values: Iterable[object]) -> None:
    """Append ``values`` to an openpyxl worksheet, text as text cells: openpyxl stores a
    string that starts with ``=`` as a formula unless told otherwise."""
    values = list(values)
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
