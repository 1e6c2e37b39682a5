"""Cells for spreadsheets: text that a spreadsheet would run as a formula is written as text.

Every CSV the tool writes (``--format csv``, ``matcher batch``, the web exports) goes through
:func:`csv_writer`, and every XLSX row through :func:`append_text_row`. Names, reasons and
websites come from imported files, so any of them may be ``=HYPERLINK(...)``.

- CSV (OWASP's rule for CSV injection): a cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return gets a leading single quote, which spreadsheets show as text; so
  does one that starts so once read as a spreadsheet may read it (fullwidth ``＝``, leading
  spaces: Unicode's NFKC form, stripped).
- XLSX: text is written as a text cell (``data_type`` ``s``), never as a formula.
- Numbers stay numbers: ``-3`` or ``-0.125`` is no formula, and is left as it is.
- Control characters (ESC, BEL, backspace, C1; not tab and line breaks) are written as their
  escape (``\\x1b``) in CSV and XLSX cells: XLSX cannot hold them, and a CSV shown in a
  terminal would run them (clear the screen, retitle the window).

Text for a terminal (tables and plain text of the command line) goes through
:func:`visible`, which also escapes line breaks inside a cell and the bidirectional controls
that reorder what is shown (U+202A-202E, U+2066-2069); JSON through :func:`json_text`.

>>> csv_cell('=HYPERLINK("http://evil.example")')
'\\'=HYPERLINK("http://evil.example")'
>>> csv_cell("-0.125"), csv_cell("e-learning")
('-0.125', 'e-learning')
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "CsvWriter", "append_text_row", "csv_cell", "csv_writer",
           "json_text", "page_text", "visible"]

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: What no cell should hold as it is: C0 controls but tab and line breaks, DEL, C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: What a terminal would run or reorder: every control character but the line break (in a
#: cell, that too), and the bidirectional embeddings, overrides and isolates.
_UNSEEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSEEN_IN_CELL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: What JSON may hold raw but a terminal would run or reorder, or UTF-8 cannot encode.
_JSON_UNSEEN = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                          "\ud800-\udfff]")


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _controls_escaped(value: str) -> str:
    """``value`` with the control characters no cell should hold (:data:`_CONTROL`) as
    their escapes."""
    return _CONTROL.sub(_escape, value) if _CONTROL.search(value) else value


def _starts_formula(value: str) -> bool:
    if value[:1] in FORMULA_STARTS:
        return True
    read = unicodedata.normalize("NFKC", value[:8]).lstrip() if not value.isascii() else (
        value.lstrip())
    return read[:1] in FORMULA_STARTS


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell that no spreadsheet runs and no terminal obeys."""
    value = _controls_escaped(value)
    if _starts_formula(value) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def visible(text: str, *, cell: bool = False) -> str:
    """``text`` as a terminal may show it: control characters and bidirectional overrides
    as escapes (a line break kept, unless ``text`` is one ``cell`` of a table).

    >>> visible("\\x1b[2JX\\u202eY")
    '\\\\x1b[2JX\\\\u202eY'
    """
    unseen = _UNSEEN_IN_CELL if cell else _UNSEEN
    return unseen.sub(_escape, text) if unseen.search(text) else text


#: The bidirectional overrides and isolates: what a page would let a name reorder with.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def page_text(value: Any) -> Any:
    """A value as a web page shows it: a text's bidirectional overrides and isolates as
    escapes (``\\u202e``), so that a name cannot reverse what follows it on the page;
    markup the page made itself, and other values, as they are (HTML escaping is the
    templates')."""
    if isinstance(value, str) and not hasattr(value, "__html__") and _BIDI.search(value):
        return _BIDI.sub(_escape, value)
    return value


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)``, with the characters a terminal
    would run or reorder (C1 controls, bidirectional overrides) and lone surrogates written
    as ``\\uXXXX`` escapes: the same JSON value, safe to print (JSON escapes C0 itself)."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSEEN.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


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
    values = [_controls_escaped(v) if isinstance(v, str) else v for v in values]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
