"""Reading the files users hand us: CSV (plain or gzipped), ``.xlsx`` and JSON Lines.

Every reader yields ``(line, record)`` pairs, ``line`` being the 1-based line (or sheet row)
where the record starts, so that every error can say ``file:line: field: ...``. Files are read
whole: the largest real input (116k CORDIS rows) is a few MB. Compressed files are read within
bounds (:mod:`data.importers._compressed`); an unclosed quote, UTF-16 text and JSON nested
too deeply are errors that say so (:mod:`models.files`).
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from data.importers._compressed import check_workbook, gunzip, gunzip_chunks
from models.errors import DataFileError, RowError
from models.files import TooDeep, csv_records, parse_json, regular_file, wide_encoding
from models.text import fold

__all__ = ["Stream", "Table", "count_lines", "count_rows", "read_jsonl", "read_table",
           "stream_table"]

_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True, slots=True)
class Table:
    """The header (as written in the file) and the records, keyed by canonical column name."""

    path: Path
    header: tuple[str, ...]
    records: tuple[tuple[int, dict[str, str]], ...]
    #: Rows that could not even be split into fields (reported like any bad row).
    errors: tuple[RowError, ...] = ()
    #: The line (or sheet row) of the header.
    header_line: int = 1


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped; missing, unreadable, empty and special files (a device,
    a pipe) are errors."""
    regular_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file: {exc.strerror}") from exc
    if raw.startswith(_GZIP_MAGIC):
        raw = gunzip(path, raw)
    if not raw.removeprefix(_UTF8_BOM).strip():  # a BOM alone: an empty file saved as UTF-8
        raise DataFileError(path, "the file is empty")
    return raw


def count_lines(path: Path) -> int | None:
    """Lines of a text file (un-gzipped, within the bounds), less the header: the rows to
    expect, for a progress bar. None for a workbook, and for a file that cannot be read: the
    importer says why."""
    try:
        regular_file(path)
        raw = path.read_bytes()
        if raw.startswith(_ZIP_MAGIC):
            return None
        chunks = gunzip_chunks(path, raw) if raw.startswith(_GZIP_MAGIC) else iter([raw])
        return max(sum(chunk.count(b"\n") for chunk in chunks) - 1, 0)
    except (OSError, DataFileError):
        return None


def count_rows(path: Path) -> int | None:
    """Records of a plain CSV file, less the header (a value may hold line breaks, so lines
    are not rows): the rows to expect, for a progress bar. None when it cannot be told
    cheaply (compressed files, workbooks) or read: the importer says why."""
    import csv

    try:
        regular_file(path)
        with path.open("rb") as f:
            head = f.read(4)
        if head.startswith((_ZIP_MAGIC, _GZIP_MAGIC)):
            return None
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            first = f.readline()
            f.seek(0)
            rows = sum(1 for _ in csv.reader(f, delimiter=_sniff_delimiter(first)))
        return max(rows - 1, 0)
    except (OSError, csv.Error, DataFileError):
        return None


def decode(path: Path, raw: bytes, *, fallback: str | None = None) -> str:
    """UTF-8 (with or without BOM), else ``fallback`` (cp1252 for the ECHE list), else an error."""
    wide = wide_encoding(raw)
    if wide is not None:
        raise DataFileError(path, f"{wide} text: save it as UTF-8 and import it again")
    if b"\x00" in raw[:65536]:
        raise DataFileError(path, "binary file (contains NUL bytes): expected a text CSV file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback is not None:
            try:
                return raw.decode(fallback)
            except UnicodeDecodeError:
                pass
        line = raw[: exc.start].count(b"\n") + 1
        hint = ("it looks like Windows-1252/Latin-1 text" if _looks_single_byte(raw)
                else "it does not look like text")
        raise DataFileError(
            path,
            f"line {line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); {hint}. "
            "Save the file as UTF-8 and import it again",
        ) from exc


def _looks_single_byte(raw: bytes) -> bool:
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in text) > 0.99 * len(text)


def _sniff_delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip(" ;,\t")), text)
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def _match_header(path: Path, header: Sequence[str], required: Sequence[str],
                  optional: Sequence[str], line: int) -> dict[int, str]:
    """Map column positions to canonical names (matched case/space-insensitively)."""
    wanted = {fold(name): name for name in (*required, *optional)}
    columns: dict[int, str] = {}
    for i, cell in enumerate(header):
        name = wanted.get(fold(cell))
        if name is not None and name in columns.values():
            first = next(j for j, kept in columns.items() if kept == name)
            raise DataFileError(
                path, f"line {line}: column {name!r} appears twice (columns {first + 1} and "
                f"{i + 1}): which one holds the {name} cannot be told; keep one and try again")
        if name is not None:
            columns[i] = name
    missing = [c for c in required if c not in columns.values()]
    if missing:
        found = ", ".join(repr(h) for h in header if h.strip()) or "nothing"
        if len(missing) == len(required):
            raise DataFileError(
                path, f"line {line}: no header row with the expected columns; expected "
                f"{', '.join(required)}; found {found}")
        raise DataFileError(
            path, f"line {line}: missing column(s) {', '.join(missing)}; found {found}")
    return columns


def read_table(path: Path, *, required: Sequence[str], optional: Sequence[str] = (),
               extra: re.Pattern[str] | None = None, fallback_encoding: str | None = None,
               ) -> Table:
    """Read a CSV (any of ``,``/``;``/tab, gzipped or not) or ``.xlsx`` file.

    Leading empty rows are skipped (the ECHE list starts with one); the first non-empty row is
    the header. Columns whose header matches ``extra`` (e.g. ``Partner 7 name``) are kept
    under their own header text.
    """
    raw = read_bytes(path)
    if raw.startswith(_ZIP_MAGIC):
        check_workbook(path, raw)
        rows = _xlsx_rows(path, raw)
    else:
        text = decode(path, raw, fallback=fallback_encoding)
        rows = _csv_rows(path, text)
    header_line, header = next(((n, r) for n, r in rows if any(c.strip() for c in r)), (0, []))
    if not header:
        raise DataFileError(path, "the file is empty")
    columns = _match_header(path, header, required, optional, header_line)
    _keep_extra(columns, header, extra)
    records = []
    errors = []
    for line, row in rows:
        if line <= header_line or not any(c.strip() for c in row):
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            errors.append(RowError(path, line, "-", f"{len(row)} fields where the header has "
                                   f"{len(header)}: an unquoted separator inside a value?"))
            continue
        records.append((line, {name: (row[i].strip() if i < len(row) else "")
                               for i, name in columns.items()}))
    if not records and not errors:
        raise DataFileError(path, f"line {header_line}: a header but no data rows")
    return Table(path, tuple(header), tuple(records), tuple(errors), header_line)


@dataclass(frozen=True, slots=True)
class Stream:
    """A table read row by row: the header, the canonical name of each column kept
    (``columns[position]``), and ``rows``, an iterator of ``(line, cells)``: every record
    after the header that is not blank, cells as written (strip the ones you use). ``cut_off`` tells, once ``rows`` is
    exhausted, whether the file's last record ended without a line break."""

    path: Path
    header: tuple[str, ...]
    header_line: int
    columns: dict[int, str]
    rows: Iterator[tuple[int, list[str] | RowError]]
    ends: list[bool]
    #: Closes the file (also when ``rows`` was never read to its end).
    close: Callable[[], None] = lambda: None

    @property
    def cut_off(self) -> bool:
        return not self.ends[0]


def _keep_extra(columns: dict[int, str], header: Sequence[str],
                extra: re.Pattern[str] | None) -> None:
    """Keep, under their own header text, the columns whose header matches ``extra``."""
    if extra is None:
        return
    for i, cell in enumerate(header):
        if i not in columns and extra.fullmatch(cell.strip()):
            columns[i] = cell.strip()


def _probe(path: Path) -> tuple[bytes, list[bool]]:
    """The first 64 KiB of ``path``, and whether it ends with a line break (or is empty)."""
    regular_file(path)
    try:
        with path.open("rb") as f:
            head = f.read(65536)
            f.seek(0, 2)
            size = f.tell()
            if size:
                f.seek(size - 1)
            return head, [size == 0 or f.read(1) in (b"\n", b"\r")]
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file: {exc.strerror}") from exc


def _whole_stream(table: Table) -> Stream:
    """A table read whole, as a :class:`Stream` of its known columns."""
    kept = sorted({c for _, cells in table.records for c in cells})
    by_line: list[tuple[int, list[str] | RowError]] = [
        (line, [cells.get(c, "") for c in kept]) for line, cells in table.records]
    by_line += [(e.line, e) for e in table.errors]
    by_line.sort(key=lambda item: item[0])
    return Stream(table.path, tuple(kept), table.header_line, dict(enumerate(kept)),
                  iter(by_line), [True])


def _check_text_head(path: Path, head: bytes) -> None:
    """Refuse an empty file, UTF-16/32 text and binary files from their first bytes."""
    if not head.removeprefix(_UTF8_BOM).strip():
        raise DataFileError(path, "the file is empty")
    wide = wide_encoding(head)
    if wide is not None:
        raise DataFileError(path, f"{wide} text: save it as UTF-8 and import it again")
    if b"\x00" in head:
        raise DataFileError(path, "binary file (contains NUL bytes): expected a text CSV file")


def stream_table(path: Path, *, required: Sequence[str], optional: Sequence[str] = (),
                 extra: re.Pattern[str] | None = None) -> Stream:
    """:func:`read_table`, one record at a time: a plain UTF-8 CSV file is never held whole
    in memory (compressed files and workbooks are read whole, as by :func:`read_table`, and
    keep only their known columns). The same checks, the same messages; a record with more
    fields than the header comes as a :class:`RowError` in place of its cells."""
    head, ends = _probe(path)
    if head.startswith((_ZIP_MAGIC, _GZIP_MAGIC)):
        return _whole_stream(read_table(path, required=required, optional=optional,
                                        extra=extra))
    _check_text_head(path, head)
    text = path.open(encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
        text.seek(0)
        records = _records(path, text, _sniff_delimiter(first))
        header_line, header = 0, []
        for n, row in records:
            if any(c.strip() for c in row):
                header_line, header = n, row
                break
    except UnicodeDecodeError:
        text.close()
        decode(path, path.read_bytes())  # raises, naming the line of the first bad byte
        raise
    except BaseException:
        text.close()
        raise
    if not header:
        text.close()
        raise DataFileError(path, "the file is empty")
    try:
        columns = _match_header(path, header, required, optional, header_line)
    except DataFileError:
        text.close()
        raise
    _keep_extra(columns, header, extra)
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str] | RowError]]:
        any_row = False
        try:
            for line, row in records:
                if not any(c.strip() for c in row):
                    continue
                any_row = True
                if len(row) > width and any(c.strip() for c in row[width:]):
                    yield line, RowError(path, line, "-", f"{len(row)} fields where the "
                                         f"header has {width}: an unquoted separator inside "
                                         "a value?")
                    continue
                yield line, row
        except UnicodeDecodeError:
            decode(path, path.read_bytes())
            raise
        finally:
            text.close()
        if not any_row:
            raise DataFileError(path, f"line {header_line}: a header but no data rows")
    return Stream(path, tuple(header), header_line, columns, rows(), ends, text.close)


def _records(path: Path, text: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """:func:`models.files.csv_records` without keeping each record's lines (a tenth of
    reading a big export): a malformed record is read again by it, for its exact message
    (where an unclosed quote opens)."""
    import csv

    reader = csv.reader(text, delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        with path.open(encoding="utf-8-sig", newline="") as again:
            for _ in csv_records(io.StringIO(again.read(), newline=""), source=path,
                                 delimiter=delimiter):
                pass
        raise DataFileError(path, f"line {start}: not valid CSV: {exc}") from exc


def _csv_rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    return list(csv_records(io.StringIO(text, newline=""), source=path,
                            delimiter=_sniff_delimiter(text)))


def _xlsx_rows(path: Path, raw: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Commission's file: "Unknown extension ..."
        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [(n, [_xlsx_cell(v) for v in row])
                    for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
            book.close()
        except Exception as exc:  # openpyxl raises many types for damaged workbooks
            raise DataFileError(path, f"not a readable .xlsx workbook: {exc}") from exc
    return rows


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]  # datetime -> YYYY-MM-DD
    text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value))
    return text.replace("\r\n", "\n")


def read_jsonl(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """``(line, object)`` for each non-blank line of a JSON Lines file, and the bad lines.

    A file holding one JSON array of objects is read too (``line`` is then the item number).
    """
    text = decode(path, read_bytes(path))
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    if text.lstrip().startswith("["):  # a JSON array of objects is fine too
        try:
            items = parse_json(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(path, f"line {exc.lineno}: not valid JSON: {exc.msg}") from exc
        except TooDeep as exc:
            raise DataFileError(path, f"line 1: {exc}") from exc
        for n, item in enumerate(items, start=1):
            if isinstance(item, dict):
                records.append((n, item))
            else:
                errors.append(RowError(path, n, "-", f"item {n} is not an object"))
        return records, errors
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = parse_json(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(path, n, "-", f"not valid JSON: {exc.msg} at column "
                                   f"{exc.colno}; each line must be one JSON object"))
            continue
        except TooDeep as exc:
            errors.append(RowError(path, n, "-", str(exc)))
            continue
        if not isinstance(value, dict):
            errors.append(RowError(path, n, "-", f"a JSON {type(value).__name__}, not an "
                                   'object; each line must be one object like {"name": ...}'))
            continue
        records.append((n, value))
    return records, errors
