"""Batch queries in, batch results out: CSV or JSON Lines, streamed one row at a time.

Input: one query a row. Row ``N`` is the N-th query of the input (the CSV header is not a
row; blank lines are not rows). Columns (CSV header or JSON keys; ``-`` and ``_`` alike):

- ``id`` (both modes): the query's id in the output; default: the row number.
- ``text``, ``themes`` (codes or English/Finnish labels), ``countries``,
  ``exclude_countries``, ``types`` (categories), ``eche`` (only ECHE holders), ``k`` (how many
  results; ``n`` also accepted): both modes, as the ``search`` / ``complete`` options.
- search only: ``org`` (PIC, OID, Erasmus code or ``#id``), ``programme_countries_only``
  (only countries that count for the batch's ``--action``).
- complete only: the other fields of a consortium request
  (:class:`~matcher.requests.ConsortiumRequest`): ``members`` (the consortium so far),
  ``action`` (default: ``--action``), ``coordinator``, ``size`` (``MIN..MAX`` or ``N``),
  ``call_year``, ``idea_weight``.

Yes/no cells take ``1/0``, ``true/false``, ``yes/no`` (empty is no). Multi-valued cells are
``;``-separated in CSV; in JSON Lines they are lists (or one ``;``-separated string).

Output: one line per result, ``query_id`` and ``query_row`` first, then the fields of one
result of ``search`` / ``complete`` in JSON. In CSV, lists of plain values are joined with
``"; "``, nested values are JSON, and line breaks inside cells become spaces, so every record
is exactly one line: that is what makes ``--resume`` simple (``matcher.batch.resume``). A cell
a spreadsheet would run as a formula gets a leading quote (:mod:`matcher.cells`).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from matcher.cells import csv_writer, json_text, visible
from matcher.errors import DataFileError, QueryError
from matcher.fields import FieldError, kinds, parse_value
from matcher.files import TooDeep, csv_records, parse_json, wide_encoding
from matcher.partners import IdeaFields, SearchFields, SearchRequest
from matcher.requests import ConsortiumRequest

__all__ = [
    "CONSORTIUM_ONLY",
    "FORMATS",
    "BatchQuery",
    "ErrorWriter",
    "ResultWriter",
    "RowOutcome",
    "count_rows",
    "format_of",
    "read_queries",
]

Mode = Literal["search", "complete"]
FORMATS = ("csv", "jsonl")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

#: The columns of a row in each mode, from the request types: the shared fields of an idea and
#: its filters, ``k`` (a consortium's ``n``), then the search's own (its ``action`` is the
#: batch's) or the consortium request's.
_IDEA = kinds(IdeaFields)
_COMMON = {"id": "str", **_IDEA, "k": "int"}
FIELDS: dict[str, dict[str, str]] = {
    "search": {**_COMMON, **{name: kind for name, kind in kinds(SearchRequest).items()
                             if name not in _COMMON and name != "action"}},
    "complete": {**_COMMON, **{name: kind for name, kind in kinds(ConsortiumRequest).items()
                               if name not in _COMMON and name != "n"}},
}
#: The columns of ``complete`` rows that are a consortium request's own fields (what
#: :class:`BatchQuery` holds beside the search fields).
CONSORTIUM_ONLY = tuple(name for name in FIELDS["complete"] if name not in _COMMON)
_ALIASES = {"theme": "themes", "topic": "topics", "country": "countries",
            "exclude_country": "exclude_countries", "type": "types", "member": "members",
            "n": "k", "query_id": "id"}


@dataclass(frozen=True, slots=True)
class BatchQuery(SearchFields):
    """One parsed row: the same fields as the ``search`` / ``complete`` options (the search
    fields by keyword). A ``complete`` row's own fields are those of
    :data:`CONSORTIUM_ONLY`, each a field here (a test keeps them so)."""

    row: int
    id: str
    k: int | None = None
    members: tuple[str, ...] = ()
    action: str | None = None
    coordinator: str | None = None
    size: tuple[int, int] | None = None
    call_year: int | None = None
    idea_weight: float | None = None

    def consortium_fields(self) -> dict[str, Any]:
        """The row's fields of a consortium request besides the idea's, by name."""
        return {name: getattr(self, name) for name in CONSORTIUM_ONLY}


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """The answer to one row: its results, or why it failed."""

    row: int
    query_id: str
    results: tuple[dict[str, Any], ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def format_of(path: str, given: str | None, *, what: str) -> str:
    """``csv`` or ``jsonl``: ``given``, else from the file extension."""
    if given:
        return given
    found = _EXTENSIONS.get(Path(path).suffix.lower()) if path != "-" else None
    if found is None:
        raise QueryError(
            f"cannot tell the {what} format of {path!r}: name it *.csv or *.jsonl, "
            f"or give --{what}-format csv|jsonl"
        )
    return found


def _key(name: str) -> str:
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


def _unknown(name: str, mode: str) -> str:
    other = "complete" if mode == "search" else "search"
    if _key(name) in FIELDS[other]:
        return f"column {name!r} is for --mode {other}, not --mode {mode}"
    return f"unknown column {name!r}; valid columns: {', '.join(FIELDS[mode])}"


def _query(row: int, values: Mapping[str, Any], mode: str) -> BatchQuery:
    """A ``BatchQuery`` from one row's cells; ``ValueError`` naming the bad field."""
    kinds = FIELDS[mode]
    parsed: dict[str, Any] = {}
    for name, value in values.items():
        key = _key(name)
        if key not in kinds:
            raise FieldError(_unknown(name, mode))
        got = parse_value(key, kinds[key], value)
        if got is not None:
            parsed[key] = got
    parsed["id"] = parsed.get("id") or str(row)
    return BatchQuery(row=row, **parsed)


def _query_or_error(row: int, values: Mapping[str, Any], mode: str) -> BatchQuery | RowOutcome:
    """The row's query, or its failed outcome naming the bad field."""
    try:
        return _query(row, values, mode)
    except FieldError as exc:
        return RowOutcome(row, _row_id(values, row), error=str(exc))


def _row_id(values: Mapping[str, Any], row: int) -> str:
    for name, value in values.items():
        if _key(str(name)) == "id" and isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    return str(row)


def read_queries(stream: IO[str], fmt: str, mode: Mode, *, source: str = "input",
                 start_row: int = 1) -> Iterator[BatchQuery | RowOutcome]:
    """Parse rows lazily: a ``BatchQuery`` per good row, a failed ``RowOutcome`` per bad one.

    Rows before ``start_row`` are skipped unread (``--resume``). A CSV header with an unknown
    column is a ``QueryError``: nothing could be answered. An input without a single query (an
    empty file, a header alone) is a ``DataFileError``, as it is for ``matcher import``; so is
    a file that is not UTF-8 text.
    """
    try:
        yield from (_read_csv(stream, mode, source, start_row) if fmt == "csv"
                    else _read_jsonl(stream, mode, source, start_row))
    except UnicodeDecodeError as exc:
        wide = wide_encoding(bytes(exc.object[:4096]))
        if wide is not None:
            raise DataFileError(source, f"{wide} text: save it as UTF-8 and run again") from exc
        raise DataFileError(source, f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}): "
                            "save the file as UTF-8 and run again") from exc


def _text_only(line: str, source: str) -> None:
    """A first line with NUL characters: UTF-16/32 text without a byte-order mark (which
    decodes as UTF-8, a NUL beside each letter), or a binary file."""
    if "\x00" in line:
        wide = wide_encoding(line.encode("utf-8", "replace"))
        raise DataFileError(source, f"{wide} text: save it as UTF-8 and run again" if wide
                            else "binary file (contains NUL bytes): expected CSV or JSON Lines "
                                 "text")


def _read_jsonl(stream: IO[str], mode: str, source: str,
                start_row: int) -> Iterator[BatchQuery | RowOutcome]:
    row = 0
    for line in stream:
        if not line.strip():
            continue
        row += 1
        if row == 1:
            _text_only(line, source)
        if row < start_row:
            continue
        try:
            values = parse_json(line)
        except json.JSONDecodeError as exc:
            yield RowOutcome(row, str(row), error=f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except TooDeep as exc:
            yield RowOutcome(row, str(row), error=str(exc))
            continue
        if not isinstance(values, dict):
            yield RowOutcome(row, str(row), error="expected a JSON object {\"id\": ..., ...}")
            continue
        if _has_surrogates(line, values):
            yield RowOutcome(row, str(row), error="not valid text: a lone surrogate escape "
                             "(such as \\ud800) that no UTF-8 file can hold")
            continue
        yield _query_or_error(row, values, mode)
    if row == 0:
        raise DataFileError(source, "the file is empty")


def _has_surrogates(line: str, values: dict[str, Any]) -> bool:
    if "\\u" not in line.lower():  # only JSON escapes can make them
        return False
    try:
        json.dumps(values, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _csv_records(stream: IO[str], source: str) -> Iterator[list[str]]:
    """CSV rows; a malformed file (an unclosed quote, a field over the csv module's limit) is
    a file error naming the line (:func:`models.files.csv_records`)."""
    for _line, cells in csv_records(stream, source=source):
        yield cells


def _read_csv(stream: IO[str], mode: str, source: str,
              start_row: int) -> Iterator[BatchQuery | RowOutcome]:
    reader = _csv_records(stream, source)
    header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if header is None:
        raise DataFileError(source, "the file is empty")
    _text_only(",".join(header), source)
    bad = [_unknown(name, mode) for name in header if _key(name) not in FIELDS[mode]]
    if bad:
        raise QueryError(f"{source}: header: {bad[0]}")
    row = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row += 1
        if row < start_row:
            continue
        if len(cells) > len(header):
            yield RowOutcome(row, _row_id(dict(zip(header, cells)), row),
                             error=f"{len(cells)} cells but the header has {len(header)} "
                                   "columns (quote cells that contain commas)")
            continue
        yield _query_or_error(row, dict(zip(header, cells)), mode)
    if row == 0:
        raise DataFileError(source, "a header but no data rows")


def count_rows(path: Path, fmt: str) -> int:
    """How many rows a query file holds (for the progress bar's ETA); one streaming pass,
    which also finds a quote that is never closed before any row is answered (a
    ``DataFileError`` naming the line where it opens)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        if fmt == "csv":
            rows = sum(1 for _, cells in csv_records(stream, source=str(path))
                       if any(c.strip() for c in cells))
            return max(rows - 1, 0)
        return sum(1 for line in stream if line.strip())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return "; ".join(_cell(v) for v in value)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub(r"[\r\n]+", " ", str(value))


class ResultWriter:
    """Writes whole rows: every result line of one row in a single ``write`` call."""

    def __init__(self, stream: IO[str], fmt: str, *, columns: Sequence[str] | None = None,
                 fallback: Sequence[str] = ()) -> None:
        self.stream = stream
        self.fmt = fmt
        self.columns = list(columns) if columns else None
        self.fallback = ["query_id", "query_row", *fallback]

    def _header(self, first: Mapping[str, Any]) -> str:
        self.columns = ["query_id", "query_row", *(k for k in first if k not in
                                                    ("query_id", "query_row"))]
        return self._csv_line(self.columns)

    @staticmethod
    def _csv_line(cells: Sequence[str]) -> str:
        buffer = io.StringIO()
        csv_writer(buffer).writerow(cells)
        return buffer.getvalue()

    def write(self, outcome: RowOutcome) -> None:
        if not outcome.results:
            return
        parts: list[str] = []
        for result in outcome.results:
            record = {"query_id": outcome.query_id, "query_row": outcome.row, **result}
            if self.fmt == "jsonl":
                parts.append(json_text(record) + "\n")
                continue
            if self.columns is None:
                parts.append(self._header(record))
            assert self.columns is not None
            parts.append(self._csv_line([_cell(record.get(c)) for c in self.columns]))
        self.stream.write("".join(parts))

    def close(self) -> None:
        """A CSV that got no result at all still gets its header."""
        if self.fmt == "csv" and self.columns is None:
            self.columns = self.fallback
            self.stream.write(self._csv_line(self.columns))
        self.stream.flush()


class ErrorWriter:
    """The errors report: ``row N (id X): message`` lines, or JSON Lines / CSV by extension."""

    def __init__(self, stream: IO[str], fmt: str = "text", *, header: bool = True) -> None:
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        if fmt == "csv" and header:
            stream.write("row,id,error\n")

    def write(self, outcome: RowOutcome) -> None:
        self.count += 1
        message = re.sub(r"[\r\n]+", " ", outcome.error or "")
        if self.fmt == "jsonl":
            line = json_text({"row": outcome.row, "id": outcome.query_id,
                              "error": message}) + "\n"
        elif self.fmt == "csv":
            line = ResultWriter._csv_line([str(outcome.row), outcome.query_id, message])
        else:
            line = visible(f"row {outcome.row} (id {outcome.query_id}): {message}") + "\n"
        self.stream.write(line)
        self.stream.flush()
