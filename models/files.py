"""What every reader of a user's file shares (the importers in ``data``, ``matcher batch``):
the checks that turn a malformed file into one sentence naming the line, instead of rows
silently lost, a misleading message or a traceback.

- :func:`csv_records`: CSV records with the line each starts on, read in the ``csv`` module's
  strict mode. A quote that opens a value and is never closed would swallow every line after
  it into that value (a file of five rows read as two, without a word): it is an error naming
  the line where the quote opens.
- :func:`wide_encoding`: UTF-16 and UTF-32 text (with a byte-order mark, or ASCII text with a
  NUL byte beside each letter) is named as such, not called binary.
- :func:`parse_json`: ``json.loads`` that refuses values nested more than
  :data:`MAX_JSON_DEPTH` levels (deeper ones raised ``RecursionError``, in the parser or later)
  and numbers too long to read (over 4,300 digits: Python's ``ValueError``).
- :func:`regular_file`: a path that is a device (``/dev/zero``, ``/dev/urandom``: read without
  end), a named pipe (waits for a writer for ever) or a socket is refused before it is opened.

They live in ``models`` because it is the one package that both ``data`` and ``matcher`` import.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from models.errors import DataFileError

__all__ = [
    "MAX_JSON_DEPTH",
    "TooDeep",
    "csv_records",
    "json_lines",
    "parse_json",
    "quote_left_open",
    "read_trained",
    "regular_file",
    "wide_encoding",
]

#: How deeply lists and objects may nest in a JSON row (a row's values are text, numbers or
#: lists of text: 2 levels; the rest is room).
MAX_JSON_DEPTH = 32
UNCLOSED_QUOTE = ("a quote opens here and is never closed, so the lines after it would be read "
                  'as one value: close the quote (a quote inside a value is written twice: "") '
                  "and try again")
_BREAK = re.compile(r"\r\n|\r|\n")


class _Lines:
    """The lines handed to the csv reader, kept since the current record began."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line


def csv_records(lines: Iterable[str], *, source: object, delimiter: str = ","
                ) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` for each record of a CSV, ``line`` being the 1-based line it starts on.

    ``lines`` is a text stream opened with ``newline=""`` (or its lines). A malformed record is
    a :class:`~models.errors.DataFileError` about ``source``: an unclosed quote names the line
    where it opens.
    """
    # a whole text at hand is read as it is (a third faster); a stream keeps its record's lines
    whole = lines.getvalue() if isinstance(lines, io.StringIO) else None
    kept = _Lines(lines) if whole is None else None
    reader = csv.reader(kept if kept is not None else lines, delimiter=delimiter, strict=True)
    start = 1
    while True:
        if kept is not None:
            kept.record = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            text = "".join(kept.record) if kept is not None else _from_line(whole or "", start)
            opened = quote_left_open(text, delimiter)
            if opened is not None:
                line = start + len(_BREAK.findall(text, 0, opened))
                raise DataFileError(source, f"line {line}: {UNCLOSED_QUOTE}") from exc
            hint = ('; a quote inside a value is written twice ("")' if '"' in str(exc)
                    else "; no value of a registry's file is that long: check that the file "
                    "is CSV and that its values are split by the delimiter"
                    if "field larger than field limit" in str(exc) else "")
            raise DataFileError(source, f"line {start}: not valid CSV: {exc}{hint}") from exc
        yield start, cells
        start = reader.line_num + 1


def _from_line(text: str, line: int) -> str:
    """``text`` from the start of its 1-based ``line`` on."""
    if line <= 1:
        return text
    for n, found in enumerate(_BREAK.finditer(text), start=2):
        if n == line:
            return text[found.end():]
    return ""


def quote_left_open(text: str, delimiter: str = ",") -> int | None:
    """Where in ``text`` (one or more CSV records) a quote opens a value that never closes;
    None when every quoted value closes. Reads as the csv module does: a quote opens a value
    only at the start of a cell, and a doubled quote inside it is a quote."""
    separator = re.compile(f"{re.escape(delimiter)}|\r\n|\r|\n")
    at = 0
    while at < len(text):
        if text[at] == '"':
            opened, at = at, at + 1
            while True:
                close = text.find('"', at)
                if close < 0:
                    return opened
                if text.startswith('"', close + 1):
                    at = close + 2
                    continue
                at = close + 1
                break
        found = separator.search(text, at)
        if found is None:
            return None
        at = found.end()
    return None


def wide_encoding(raw: bytes) -> str | None:
    """``"UTF-16"`` or ``"UTF-32"`` when ``raw`` looks like text in that encoding (a byte-order
    mark, or NUL bytes beside the letters of mostly ASCII text); None otherwise."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = raw[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    for width in (4, 2):
        size = len(head) - len(head) % width
        units = [head[i:i + width] for i in range(0, size, width)]
        # ASCII letters with their NUL bytes before (big-endian) or after (little-endian)
        if sum(u.count(0) == width - 1 and any(u) for u in units) > 0.9 * len(units):
            return f"UTF-{8 * width}"
    return None


class TooDeep(ValueError):
    """Lists or objects nested more deeply than a row can mean."""

    def __init__(self) -> None:
        super().__init__(f"nested too deeply: lists or objects inside each other more than "
                         f"{MAX_JSON_DEPTH} levels; a value is text, a number or a list of text")


def parse_json(text: str) -> Any:
    """``json.loads(text)``; :class:`TooDeep` for nesting over :data:`MAX_JSON_DEPTH` (also
    where the parser itself would run out of stack), ``json.JSONDecodeError`` as usual."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of more digits than Python converts
        raise json.JSONDecodeError("a number too long to read (over 4,300 digits)", text,
                                   0) from exc
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = (item.values() if isinstance(item, dict)
                    else item if isinstance(item, list) else ())
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_JSON_DEPTH:
                    raise TooDeep()
                pending.append((child, depth + 1))
    return value


def regular_file(path: Path) -> None:
    """Raise a :class:`DataFileError` unless ``path`` is a regular file (or a link to one):
    a missing path, a folder, a device, a named pipe or a socket is named as such."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataFileError(path, "no such file") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file: {exc.strerror}") from exc
    if stat.S_ISDIR(mode):
        raise DataFileError(path, "is a folder, not a file")
    if not stat.S_ISREG(mode):
        what = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device")
        raise DataFileError(path, f"is {what}, not a file: save what it holds to a file and "
                            "give that file")


T = TypeVar("T")


def read_trained(path: Path, parse: Callable[[Any], T], *, what: str, train: str,
                 errors: tuple[type[Exception], ...] = (ValueError,)) -> T:
    """The learned values of a JSON file, ``parse``-d; a ``DataFileError`` for a file that
    cannot be read or is not such a file (one of ``errors``), saying how to ``train`` them
    again (``"train them with `python scripts/...`"``)."""
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise DataFileError(path, f"cannot read the {what}: {exc.strerror}; {train}") from exc
    except errors as exc:
        raise DataFileError(path, f"not a {what} file ({exc}); {train}") from exc


def json_lines(path: Path) -> Iterator[Any]:
    """The values of a JSON Lines file of our own (blank lines skipped): for files the
    project writes and reads back, where a bad line is a bug, not a user's mistake (a user's
    file is read with the line-by-line errors of :func:`parse_json`)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)
