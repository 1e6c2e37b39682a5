"""What every importer shares: the report, bad-row handling, and in-memory books of the
organisations and themes already in the registry.

Importers read and validate the whole file against these books first and write at the end with
bulk Core statements (``flush``), so a bad row raises before anything is written and a
116k-row history file needs no per-row ORM objects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import String, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from models.errors import RowError
from models.schema import Base, Country, ImportRecord, Organisation, Theme
from models.text import fold, normalise_erasmus_code

__all__ = ["ImportReport", "OrgBook", "RowLog", "ThemeBook", "check_text", "record_import"]

#: The organisation columns an importer may set (besides provenance).
ORG_FIELDS = ("pic", "oid", "erasmus_code", "legal_name", "normalised_name", "country", "city",
              "category", "type_code", "website", "eche_start", "eche_end", "description")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one import did. ``created``/``updated``/``unchanged`` count registry records
    (organisations, projects, participations, themes); ``details`` breaks them down."""

    kind: str
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: tuple[RowError, ...] = ()
    details: tuple[tuple[str, int, int], ...] = ()  # (records, created, updated)
    notes: tuple[str, ...] = ()
    #: Names merged into an organisation of another spelling, and near misses (``eplus``:
    #: :class:`data.importers._orgmatch.Merge`).
    merges: tuple[Any, ...] = ()

    @property
    def changed(self) -> bool:
        return self.created + self.updated > 0

    def summary(self) -> str:
        """One sentence for people, e.g. ``x.csv: 12 rows read; created 12 organisations.``"""
        head = f"{Path(self.file).name}: {_count(self.rows, 'rows')} read"
        if not self.changed:
            body = "already up to date (nothing changed)"
        else:
            created = [_count(c, what) for what, c, _ in self.details if c]
            updated = [_count(u, what) for what, _, u in self.details if u]
            parts = []
            if created:
                parts.append("created " + ", ".join(created))
            if updated:
                parts.append("updated " + ", ".join(updated))
            body = "; ".join(parts)
        tail = (f"; {_count(len(self.skipped), 'invalid rows')} skipped"
                if self.skipped else "")
        return f"{head}; {body}{tail}."


def _count(n: int, plural: str) -> str:
    """``1 organisation``, ``2 organisations``, ``1 theme (new topic)``."""
    if n != 1:
        return f"{n:,} {plural}"
    return "1 " + re.sub(r"s\b", "", plural, count=2 if "(" in plural else 1)


def _limits() -> dict[tuple[str, str], int]:
    """``(table, column) -> length`` of every bounded text column of the schema."""
    return {(table.name, column.name): column.type.length
            for table in Base.metadata.tables.values() for column in table.columns
            if isinstance(column.type, String) and column.type.length}


#: Column lengths, read from the schema: PostgreSQL enforces them and SQLite does not, so the
#: importers check them first and both backends accept and refuse the same rows.
LIMITS = _limits()


def check_text(path: Path, line: int, table: str,
               values: Mapping[str, tuple[str, str | None]]) -> None:
    """Raise a :class:`RowError` for a value no backend can store the same way.

    ``values``: ``{column: (field as the file names it, value)}`` for columns of ``table``.
    Refused: text longer than its column (PostgreSQL raises, SQLite keeps it), NUL
    characters (PostgreSQL refuses them) and lone surrogates (not encodable as UTF-8).
    """
    for column, (field, value) in values.items():
        if not value:
            continue
        limit = LIMITS.get((table, column))
        if ((limit is None or len(value) <= limit) and "\x00" not in value
                and value.isascii()):
            continue  # the common case, at once
        if "\x00" in value:
            raise RowError(path, line, field, f"contains a NUL character (0x00) at position "
                           f"{value.index(chr(0)) + 1}: remove it")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RowError(path, line, field, f"not valid text: a lone surrogate "
                           f"{value[exc.start]!r} at position {exc.start + 1}") from None
        if limit is not None and len(value) > limit:
            raise RowError(path, line, field, f"{len(value):,} characters long; the registry "
                           f"keeps at most {limit:,}: shorten it")


class RowLog:
    """Bad rows: raised at once, or (``skip_invalid``) collected and reported."""

    def __init__(self, skip_invalid: bool) -> None:
        self.skip_invalid = skip_invalid
        self.errors: list[RowError] = []
        self.notes: list[str] = []

    def bad(self, error: RowError) -> None:
        if not self.skip_invalid:
            raise error
        self.errors.append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.bad(error)

    def skipped(self) -> tuple[RowError, ...]:
        return tuple(sorted(self.errors, key=lambda e: e.line))


class OrgBook:
    """The registry's organisations as dicts, indexed by every identifier and by name.

    New organisations get negative ids until :meth:`flush` inserts them.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        cols = [getattr(Organisation, c) for c in ("id", *ORG_FIELDS)]
        self.rows: dict[int, dict[str, Any]] = {
            r["id"]: dict(r) for r in session.execute(select(*cols)).mappings()
        }
        self.by_pic: dict[str, int] = {}
        self.by_oid: dict[str, int] = {}
        self.by_code: dict[str, int] = {}
        self.by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        for oid_, row in self.rows.items():
            self._index(oid_, row)
        self.original = {k: dict(v) for k, v in self.rows.items()}
        self.created: list[int] = []
        self.touched: set[int] = set()
        self.source: dict[int, tuple[str, int]] = {}
        self.countries = set(session.scalars(select(Country.code)))

    def _index(self, org_id: int, row: Mapping[str, Any]) -> None:
        if row.get("pic"):
            self.by_pic[row["pic"]] = org_id
        if row.get("oid"):
            self.by_oid[row["oid"]] = org_id
        if row.get("erasmus_code"):
            self.by_code[normalise_erasmus_code(row["erasmus_code"])] = org_id
        if row.get("normalised_name"):
            key = (row["normalised_name"], row["country"])
            if org_id not in self.by_name[key]:
                self.by_name[key].append(org_id)

    def _unindex(self, org_id: int, row: Mapping[str, Any], diff: Mapping[str, Any]) -> None:
        """Forget the keys that ``diff`` is about to change."""
        for key, index in (("pic", self.by_pic), ("oid", self.by_oid)):
            if key in diff and row.get(key) and index.get(row[key]) == org_id:
                del index[row[key]]
        if "erasmus_code" in diff and row.get("erasmus_code"):
            code = normalise_erasmus_code(row["erasmus_code"])
            if self.by_code.get(code) == org_id:
                del self.by_code[code]
        if "normalised_name" in diff or "country" in diff:
            ids = self.by_name.get((row.get("normalised_name") or "", row["country"]), [])
            if org_id in ids:
                ids.remove(org_id)

    def label(self, org_id: int) -> str:
        row = self.rows[org_id]
        name = row.get("legal_name") or (f"PIC {row['pic']}" if row.get("pic") else "unnamed")
        return f"{name!r} ({row['country']})"

    def find(self, pic: str | None = None, oid: str | None = None,
             code: str | None = None) -> dict[str, int]:
        """The organisations each given identifier points to: ``{"pic": id, ...}``."""
        hits: dict[str, int] = {}
        if pic and pic in self.by_pic:
            hits["pic"] = self.by_pic[pic]
        if oid and oid in self.by_oid:
            hits["oid"] = self.by_oid[oid]
        if code and normalise_erasmus_code(code) in self.by_code:
            hits["erasmus_code"] = self.by_code[normalise_erasmus_code(code)]
        return hits

    def find_name(self, normalised: str, country: str) -> int | None:
        ids = self.by_name.get((normalised, country))
        return ids[0] if ids else None

    def create(self, fields: Mapping[str, Any], source: tuple[str, int]) -> int:
        org_id = -(len(self.created) + 1)
        row = {c: fields.get(c) for c in ORG_FIELDS}
        self.rows[org_id] = row
        self.created.append(org_id)
        self.source[org_id] = source
        self.touched.add(org_id)
        self._index(org_id, row)
        return org_id

    def update(self, org_id: int, fields: Mapping[str, Any], source: tuple[str, int]) -> bool:
        """Set ``fields`` on an organisation; True if any value changed."""
        self.touched.add(org_id)
        row = self.rows[org_id]
        diff = {k: v for k, v in fields.items() if row.get(k) != v}
        if not diff:
            return False
        self._unindex(org_id, row, diff)
        row.update(diff)
        self._index(org_id, row)
        self.source[org_id] = source
        return True

    @property
    def changed(self) -> list[int]:
        """Existing organisations whose values differ from the database's."""
        return sorted(i for i in self.touched if i > 0 and self.rows[i] != self.original[i])

    def flush(self, source_file: str) -> dict[int, int]:
        """Write new and changed organisations; return ``{temporary id: real id}``."""
        table: Table = Organisation.__table__  # type: ignore[assignment]
        real: dict[int, int] = {}
        if self.created:
            params = [{**self.rows[t], "source_file": source_file,
                       "source_row": self.source[t][1]} for t in self.created]
            if all(p["pic"] for p in params):  # big imports: RETURNING costs 3x on PostgreSQL
                self.session.execute(insert(table), params)
                by_pic = dict(self.session.execute(
                    select(table.c.pic, table.c.id).where(table.c.pic.is_not(None))).all())
                ids = [by_pic[p["pic"]] for p in params]
            else:
                ids = list(self.session.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), params
                ).scalars().all())
            real = dict(zip(self.created, ids, strict=True))
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for org_id in self.changed:
            values = {**self.rows[org_id], "source_file": source_file,
                      "source_row": self.source[org_id][1]}
            by_keys[tuple(values)].append({"_id": org_id, **values})
        for keys, params in by_keys.items():
            stmt = update(table).where(table.c.id == bindparam("_id")).values(
                {k: bindparam(k) for k in keys})
            self.session.execute(stmt, params)
        return real


class ThemeBook:
    """Themes by code and by folded English/Finnish label; new themes are staged."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self.by_key: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.new: dict[str, tuple[str, str]] = {}
        #: Codes taken to be written (:meth:`take`) and not written yet.
        self._writing: set[str] = set()
        for t in session.execute(select(Theme.id, Theme.code, Theme.label_en, Theme.label_fi)):
            self.ids[t.code] = t.id
            self.labels[t.code] = t.label_en
            for text in (t.code, t.label_en, t.label_fi):
                if text:
                    self.by_key.setdefault(fold(text), t.code)

    def resolve(self, text: str) -> str | None:
        return self.by_key.get(fold(text))

    def nearest(self, text: str, n: int = 3) -> list[str]:
        from rapidfuzz import fuzz, process

        choices = list(self.by_key)
        hits = process.extract(fold(text), choices, scorer=fuzz.WRatio, limit=n * 3)
        codes: list[str] = []
        for key, _score, _ in hits:
            code = self.by_key[key]
            if code not in codes:
                codes.append(code)
        return codes[:n]

    def add(self, label: str, kind: str) -> str:
        """Stage a new theme for an unknown label; returns its code."""
        code = "topic-" + fold(label).replace(" ", "-")[:70]
        if code not in self.ids and code not in self.new and code not in self._writing:
            self.new[code] = (kind, label)
            self.by_key[fold(label)] = code
            self.labels[code] = label
        return code

    def take(self) -> dict[str, tuple[str, str]]:
        """The staged themes, to be written by :meth:`write` (from another thread, while
        more are staged: a code taken is not staged again)."""
        staged, self.new = self.new, {}
        self._writing.update(staged)
        return staged

    def write(self, staged: dict[str, tuple[str, str]]) -> int:
        """Write themes :meth:`take` gave; how many."""
        if not staged:
            return 0
        table: Table = Theme.__table__  # type: ignore[assignment]
        codes = list(staged)
        ids = self.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [{"code": c, "kind": staged[c][0], "label_en": staged[c][1][:300],
              "label_fi": None} for c in codes],
        ).scalars().all()
        self.ids.update(zip(codes, ids, strict=True))  # before they leave _writing
        self._writing.difference_update(codes)
        return len(codes)


#: SQLite's page cache during a big import, in KiB: its default 2 MiB made the writing of
#: an export's organisations and participations spill pages to the journal again and again.
SQLITE_CACHE_KIB = 65536


def sqlite_cache(session: Session) -> None:
    """Give the session's SQLite connection a page cache of :data:`SQLITE_CACHE_KIB`."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_import(session: Session, report: ImportReport, path: Path) -> None:
    """Remember an import that changed the registry (part of the registry fingerprint)."""
    if not report.changed:
        return
    session.execute(insert(ImportRecord), [{
        "kind": report.kind, "file_name": path.name[:300], "sha256": file_digest(path),
        "rows": report.rows, "created": report.created, "updated": report.updated,
        "imported_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }])
