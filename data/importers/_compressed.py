"""Compressed inputs (``.gz`` files and ``.xlsx`` workbooks, which are zip files) read within
stated bounds, so that a small file cannot expand to gigabytes before anything checks it.

A 4 MB ``.gz`` can hold 2 GiB of text, a 6 MB ``.xlsx`` a 1.5 GiB sheet (a decompression
bomb). Reading stops, with a message naming the file and the limit, when what comes out

- exceeds :func:`max_uncompressed` bytes in all (2 GiB; ``$MATCHER_MAX_UNCOMPRESSED_MB``
  changes it), or
- once past :data:`RATIO_FROM` bytes (10 MiB), is more than :data:`MAX_RATIO` (100) times
  what went in. Real data compresses far less: the CORDIS files 2.6-5.6 times, the sheets
  of the ECHE workbook 8.4 times.

A ``.gz`` is inflated piece by piece and counted as it comes out; a workbook's zip members
are checked by the sizes they declare before openpyxl opens it (Python's zip reader never
gives more than a member declares, and checks its CRC).
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from models.errors import DataFileError

__all__ = ["LIMIT_ENV", "MAX_RATIO", "RATIO_FROM", "check_workbook", "gunzip", "gunzip_chunks",
           "max_uncompressed"]

LIMIT_ENV = "MATCHER_MAX_UNCOMPRESSED_MB"
#: The default bound on what one compressed file may expand to.
MAX_UNCOMPRESSED = 2 * 1024**3
#: Expansion beyond this ratio (once past :data:`RATIO_FROM` bytes) is a bomb, not data.
MAX_RATIO = 100
RATIO_FROM = 10 * 1024**2
_PIECE = 1024**2  # inflated at most this much at a time
_DAMAGED = "a damaged or truncated gzip file{why}: download or compress it again"


def max_uncompressed() -> int:
    """The bound in bytes: ``$MATCHER_MAX_UNCOMPRESSED_MB`` megabytes, else 2 GiB."""
    given = os.environ.get(LIMIT_ENV, "").strip()
    if not given:
        return MAX_UNCOMPRESSED
    try:
        megabytes = float(given)
    except ValueError:
        raise DataFileError(LIMIT_ENV, f"{given!r} is not a number of megabytes") from None
    return int(megabytes * 1024**2)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _check(path: Path, out: int, taken: int, limit: int, member: str = "") -> None:
    """Stop when ``out`` bytes from ``taken`` compressed ones break a bound."""
    what = f"its member {member}" if member else "it"
    if out > limit:
        raise DataFileError(path, f"stopped reading: {what} expands to more than "
                            f"{_size(limit)}, the limit for a compressed file (set {LIMIT_ENV} "
                            "to raise it)")
    if out > RATIO_FROM and out > MAX_RATIO * max(taken, 1):
        raise DataFileError(path, f"stopped reading: {what} expands more than {MAX_RATIO} "
                            f"times ({_size(out)} from {_size(taken)}), as a decompression bomb "
                            "does; real data compresses far less")


def gunzip_chunks(path: Path, raw: bytes) -> Iterator[bytes]:
    """The content of the gzip file ``raw`` (read from ``path``), piece by piece, within the
    bounds; several members one after the other (as ``gzip.decompress`` reads) are read on."""
    limit = max_uncompressed()
    out = taken = 0
    data = raw
    while data:
        inflater = zlib.decompressobj(wbits=31)
        pending = data
        while True:
            try:
                piece = inflater.decompress(pending, _PIECE)
            except zlib.error:
                raise DataFileError(path, _DAMAGED.format(why="")) from None
            out += len(piece)
            left = len(inflater.unconsumed_tail) + len(inflater.unused_data)
            _check(path, out, taken + len(data) - left, limit)
            if piece:
                yield piece
            if inflater.eof:
                break
            pending = inflater.unconsumed_tail
            if not pending and not piece:
                raise DataFileError(path, _DAMAGED.format(why=" (it is cut short)"))
        taken += len(data) - len(inflater.unused_data)
        data = inflater.unused_data.lstrip(b"\x00")  # padding after the last member
        if data and not data.startswith(b"\x1f\x8b"):
            raise DataFileError(path, _DAMAGED.format(why=""))


def gunzip(path: Path, raw: bytes) -> bytes:
    """:func:`gunzip_chunks`, joined."""
    return b"".join(gunzip_chunks(path, raw))


def check_workbook(path: Path, raw: bytes) -> None:
    """Refuse a workbook whose zip members declare more than the bounds allow, before it is
    opened; a file that is no zip at all is left for openpyxl to say so."""
    try:
        members = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    limit = max_uncompressed()
    total = 0
    for member in members:
        total += member.file_size
        _check(path, member.file_size, member.compress_size, limit, member.filename)
        _check(path, total, len(raw), limit)
