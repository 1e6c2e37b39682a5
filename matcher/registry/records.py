"""Records (organisations, projects) saved as columns and read back a value at a time.

A search shows ten organisations, yet the saved index holds every organisation's and every
project's texts (names, descriptions, summaries: 200 MB at 250,000 organisations). Parsing
them all at each load was most of a warm search; here they stay on disk and each value is
decoded when it is first read.

A table of ``n`` records and ``f`` text fields is three files:

- ``NAME.text``: each field's values one after another, each ended by ``\\x1f``, in UTF-8,
  memory-mapped;
- ``NAME.offsets.npy`` (``(f, n + 1)`` int64): where each value starts; value ``i`` of field
  ``j`` is ``text[offsets[j, i]:offsets[j, i + 1] - 1]``;
- ``NAME.nulls.npy`` (``(f, n)`` bool): which values are None.

A field of tuples (themes, aliases) holds its items joined by ``\\x1d``; when an item is
empty or holds ``\\x1d`` or ``\\x1f``, the whole field holds JSON lists instead. A whole
field is decoded at once (one ``split``) unless one of its values holds ``\\x1f``.

:class:`LazyRecords` is a sequence of records made from such a table and a few numeric
arrays (ids, years): ``records[i]`` decodes record ``i`` alone; :meth:`LazyRecords.column`
gives a whole field without making the records.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np

__all__ = ["LazyRecords", "TextTable", "array_of", "none_of", "values_of", "write_table"]

T = TypeVar("T")
_END = "\x1f"
_ITEM = "\x1d"
_STEP = 10_000


def _plain(items: Sequence[str]) -> bool:
    return all(item and _ITEM not in item and _END not in item for item in items)


def _as_text(values: list[Any], items: bool) -> tuple[str, list[str | None]]:
    """A field's kind (``text``, ``items`` or ``json``) and its values as text."""
    if not items:
        return "text", values
    if all(_plain(v) for v in values):
        return "items", [_ITEM.join(v) for v in values]
    return "json", [json.dumps(list(v)) for v in values]


def write_table(directory: Path, name: str, columns: dict[str, list[Any]],
                tuples: Sequence[str] = ()) -> dict[str, Any]:
    """Write ``columns`` (each a list of ``str | None``, or of tuples of ``str`` for the
    fields named in ``tuples``) as the table ``name`` in ``directory``; what
    :meth:`TextTable.open` needs besides the files (JSON)."""
    fields = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    offsets = np.zeros((len(fields), n + 1), dtype=np.int64)
    nulls = np.zeros((len(fields), n), dtype=bool)
    kinds: dict[str, str] = {}
    position = 0
    with (directory / f"{name}.text").open("wb") as fh:
        for j, field in enumerate(fields):
            if len(columns[field]) != n:
                raise ValueError(f"field {field!r} has {len(columns[field])} values for {n} "
                                 "records")
            kinds[field], values = _as_text(columns[field], field in tuples)
            nulls[j] = [v is None for v in values]
            offsets[j, 0] = position
            # a slice at a time: the joined text of 100,000 summaries is 100 MB
            for start in range(0, n, _STEP):
                encoded = [("" if v is None else v).encode("utf-8")
                           for v in values[start:start + _STEP]]
                ends = position + np.cumsum([len(b) + 1 for b in encoded], dtype=np.int64)
                offsets[j, start + 1:start + 1 + len(encoded)] = ends
                fh.write(b"".join(b + b"\x1f" for b in encoded))
                position = int(ends[-1])
    np.save(directory / f"{name}.offsets.npy", offsets, allow_pickle=False)
    np.save(directory / f"{name}.nulls.npy", nulls, allow_pickle=False)
    split = [f for f in fields if kinds[f] == "items" or (
        kinds[f] == "text" and not any(v is not None and _END in v for v in columns[f]))]
    return {"fields": fields, "n": n, "kinds": kinds, "split": split}


class TextTable:
    """The text fields of ``n`` records, as :func:`write_table` wrote them; read lazily."""

    def __init__(self, text: bytes | mmap.mmap, offsets: np.ndarray, nulls: np.ndarray,
                 meta: dict[str, Any]) -> None:
        self.fields: list[str] = list(meta["fields"])
        self.n = int(meta["n"])
        self.kinds: dict[str, str] = dict(meta["kinds"])
        self._split = frozenset(meta["split"])
        self._text = text
        self._offsets = offsets
        self._nulls = nulls
        self._field = {f: j for j, f in enumerate(self.fields)}
        if offsets.shape != (len(self.fields), self.n + 1) or nulls.shape != (
                len(self.fields), self.n):
            raise ValueError(f"table of {self.n} records: offsets {offsets.shape}, "
                             f"nulls {nulls.shape}")
        if self.fields and int(offsets[-1, -1]) != len(text):
            raise ValueError(f"the text ends at byte {len(text)}, its offsets at "
                             f"{int(offsets[-1, -1])}")

    @classmethod
    def open(cls, directory: Path, name: str, meta: dict[str, Any]) -> TextTable:
        """The table ``name`` of ``directory``, its text memory-mapped."""
        path = directory / f"{name}.text"
        with path.open("rb") as fh:
            size = path.stat().st_size
            text: bytes | mmap.mmap = (mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                                       if size else b"")
        offsets = np.load(directory / f"{name}.offsets.npy", mmap_mode="r", allow_pickle=False)
        nulls = np.load(directory / f"{name}.nulls.npy", mmap_mode="r", allow_pickle=False)
        return cls(text, offsets, nulls, meta)

    def _decode(self, field: str, raw: str) -> Any:
        kind = self.kinds[field]
        if kind == "items":
            return tuple(raw.split(_ITEM)) if raw else ()
        if kind == "json":
            return tuple(json.loads(raw))
        return raw

    def value(self, field: str, i: int) -> Any:
        """Value ``i`` of ``field``."""
        j = self._field[field]
        if self._nulls[j, i]:
            return None
        start, stop = int(self._offsets[j, i]), int(self._offsets[j, i + 1]) - 1
        return self._decode(field, self._text[start:stop].decode("utf-8"))

    def missing(self, field: str) -> np.ndarray:
        """Which values of ``field`` are None (nothing decoded)."""
        out: np.ndarray = np.array(self._nulls[self._field[field]], dtype=bool)
        return out

    def column(self, field: str) -> list[Any]:
        """Every value of ``field``, in order."""
        j = self._field[field]
        if self.n == 0:
            return []
        start, stop = int(self._offsets[j, 0]), int(self._offsets[j, self.n])
        if field in self._split:
            raw = self._text[start:stop - 1].decode("utf-8").split(_END)
        else:
            bounds = np.asarray(self._offsets[j]).tolist()
            raw = [self._text[a:b - 1].decode("utf-8") for a, b in pairwise(bounds)]
        nulls = np.asarray(self._nulls[j])
        kind = self.kinds[field]
        if kind == "items":  # few distinct sets: each split once, its tuple shared
            made: dict[str, tuple[str, ...]] = {"": ()}
            return [made[r] if r in made else made.setdefault(r, tuple(r.split(_ITEM)))
                    for r in raw]
        if kind == "json":
            return [tuple(json.loads(r)) for r in raw]
        if nulls.any():
            return [None if null else r for r, null in zip(raw, nulls.tolist())]
        return raw


class LazyRecords(Sequence[T], Generic[T]):
    """``n`` records of type ``make``, made from ``table``'s text fields and the numeric
    ``arrays`` (one value per record each, turned to Python values by ``convert``, e.g.
    ``-1`` to None), each made when first read and kept."""

    def __init__(self, make: Callable[..., T], table: TextTable,
                 arrays: dict[str, np.ndarray],
                 convert: dict[str, Callable[[Any], Any]] | None = None) -> None:
        self._make = make
        self._table = table
        self._arrays = arrays
        self._convert = convert or {}
        self._made: dict[int, T] = {}
        self._all: tuple[T, ...] | None = None
        self._columns: dict[str, list[Any]] = {}
        for name, values in arrays.items():
            if len(values) != table.n:
                raise ValueError(f"{name}: {len(values)} values for {table.n} records")

    def __len__(self) -> int:
        return self._table.n

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...

    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        i = int(i)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"record {i} of {n}")
        if self._all is not None:
            return self._all[i]
        made = self._made.get(i)
        if made is None:
            values = {name: self._convert.get(name, _same)(values[i].item())
                      for name, values in self._arrays.items()}
            values.update((f, self._table.value(f, i)) for f in self._table.fields)
            made = self._made[i] = self._make(**values)
        return made

    def __iter__(self) -> Iterator[T]:
        if self._all is None:
            names = [*self._arrays, *self._table.fields]
            columns = [self.column(name) for name in names]
            self._all = tuple(self._make(**dict(zip(names, row, strict=True)))
                              for row in zip(*columns, strict=True))
        return iter(self._all)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def raw(self, name: str) -> np.ndarray | None:
        """The saved array of the numeric field ``name`` (before ``convert``); None for a
        text field."""
        return self._arrays.get(name)

    def missing(self, name: str) -> np.ndarray:
        """Which records' text field ``name`` is None, without decoding any."""
        return self._table.missing(name)

    def column(self, name: str) -> list[Any]:
        """Every record's ``name``, without making the records (kept once read)."""
        found = self._columns.get(name)
        if found is None:
            if name in self._arrays:
                convert = self._convert.get(name)
                values = np.asarray(self._arrays[name]).tolist()
                found = values if convert is None else [convert(v) for v in values]
            else:
                found = self._table.column(name)
            self._columns[name] = found
        return found


def _same(value: Any) -> Any:
    return value


def array_of(records: Sequence[Any], name: str, dtype: type) -> np.ndarray:
    """Every record's numeric ``name`` as an array of ``dtype``: the saved array itself
    for :class:`LazyRecords`."""
    raw = records.raw(name) if isinstance(records, LazyRecords) else None
    out: np.ndarray = (np.asarray(raw, dtype=dtype) if raw is not None
                       else np.array(values_of(records, name), dtype=dtype))
    return out


def none_of(records: Sequence[Any], name: str) -> np.ndarray:
    """Which records' ``name`` is None, as booleans (:class:`LazyRecords`: no value
    decoded)."""
    if isinstance(records, LazyRecords):
        return records.missing(name)
    return np.array([getattr(r, name) is None for r in records], dtype=bool)


def values_of(records: Sequence[Any], name: str) -> list[Any]:
    """Every record's ``name``: read as a column when ``records`` have one
    (:class:`LazyRecords`: no record is made), else from each record."""
    column = getattr(records, "column", None)
    if column is not None:
        return list(column(name))
    return [getattr(r, name) for r in records]
