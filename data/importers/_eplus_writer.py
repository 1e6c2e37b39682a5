"""Writing an Erasmus+ export's projects, a batch at a time: their organisations matched
(:class:`data.importers._orgmatch.OrgIndex`), then new organisations, merged spellings,
projects, topics and participants written with bulk statements. A project already in the
registry is updated by its identifier: its values, topics and participants become the
export's, and it keeps the digest of the row it was written from (``source_digest``), by
which the next import skips the row if it is unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import Column as SqlColumn
from sqlalchemy import Table as SqlTable
from sqlalchemy.orm import Session

from data.importers._orgmatch import Merge, OrgIndex
from data.importers._store import ThemeBook
from models.schema import Organisation, OrganisationAlias, Participation, Project, project_theme

if TYPE_CHECKING:
    from data.importers.eplus import _Project

__all__ = ["PROGRAMME", "Prepared", "Writer"]

PROGRAMME = "Erasmus+"


@dataclass(slots=True)
class Counts:
    orgs: int = 0
    org_updates: int = 0
    created: int = 0
    updated: int = 0
    links: int = 0
    link_changes: int = 0
    unchanged_orgs: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Prepared:
    """A batch matched and ready to write (:meth:`Writer.prepare`): its projects, each
    one's members (organisation id -> role) and topic codes, and what the matching left
    to write: themes staged, organisations created (by temporary id), filled in, and new
    spellings."""

    batch: list[_Project]
    members: list[dict[int, str]]
    codes: list[tuple[str, ...]]
    themes: dict[str, tuple[str, str]]
    pending: dict[int, dict[str, Any]]
    filled: dict[int, dict[str, Any]]
    aliases: list[tuple[int, str, str]]


class Writer:
    """Matches a batch's organisations and writes the batch with bulk statements. The
    registry's organisations are read (``index``, an :class:`OrgIndex`) at the first batch
    that needs them: none when every row is skipped as unchanged."""

    def __init__(self, session: Session, path: Path, index: Callable[[], OrgIndex],
                 themes: ThemeBook) -> None:
        self.session, self.path, self.themes = session, path, themes
        self._make_index = index
        self._index: OrgIndex | None = None
        #: Rows skipped because their project holds their digest.
        self.skipped = 0
        self.real: dict[int, int] = {}
        self.created_ids: set[int] = set()
        self.counts = Counts()
        self.new_themes = 0
        #: Projects created when the tables' statistics were last refreshed (PostgreSQL).
        self._analysed = 0
        self.topics: dict[str, str] = {}
        #: Whether the registry held no project of the programme when the import began:
        #: then a batch's projects are all new (one row a project), and nothing is looked up.
        self._fresh: bool | None = None

    @property
    def fresh(self) -> bool:
        if self._fresh is None:
            table: SqlTable = Project.__table__  # type: ignore[assignment]
            self._fresh = not self.session.scalar(
                select(exists().where(table.c.programme == PROGRAMME)))
        return self._fresh

    def _among(self, column: SqlColumn[Any], values: list[Any]) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter: the
        driver parsed a statement of 500 placeholders a batch's lookup, a tenth of an
        import there."""
        if self.session.connection().dialect.name == "postgresql":
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    @property
    def index(self) -> OrgIndex:
        if self._index is None:
            self._index = self._make_index()
        return self._index

    def merges(self) -> Iterator[Merge]:
        """The merges and near misses of the organisations matched."""
        return iter(self._index.merged(self.real) if self._index is not None else ())

    def digests(self, identifiers: list[str]) -> dict[str, str | None]:
        """The row digests the projects of ``identifiers`` hold (those in the registry)."""
        if self.fresh:
            return {}
        table: SqlTable = Project.__table__  # type: ignore[assignment]
        return dict(self.session.execute(select(table.c.identifier, table.c.source_digest).where(
            (table.c.programme == PROGRAMME) & self._among(table.c.identifier, identifiers)
        )).all())

    @property
    def pipelined(self) -> bool:
        """Whether a batch may be prepared while the one before is written (from another
        thread): on PostgreSQL, whose server works on a batch's statements while this
        process matches the next (on SQLite both are this process's work), and when the
        registry held none of the programme's projects, so that reading the export never
        asks the database (no stored digests)."""
        return self.session.connection().dialect.name == "postgresql" and self.fresh

    def write(self, batch: list[_Project]) -> None:
        self.commit(self.prepare(batch))

    def prepare(self, batch: list[_Project]) -> Prepared:
        """Match the batch's organisations and topics, and take what they leave to write:
        no statement (the registry's organisations are read at the first batch)."""
        members = [self._members(p) for p in batch]
        codes = [tuple(dict.fromkeys(self._topic(t) for t in p.topics)) for p in batch]
        index = self.index
        pending, index.pending = index.pending, {}
        filled = {k: v for k, v in index.filled.items() if v}
        index.filled = {}
        aliases, index.new_aliases = index.new_aliases, []
        for org_id in filled:
            # an organisation the registry held (an id of its own, not one this import
            # gave) filled in: updated, not unchanged
            if org_id > 0:
                self.counts.org_updates += 1
                self.counts.unchanged_orgs.discard(org_id)
        return Prepared(batch, members, codes, self.themes.take(), pending, filled, aliases)

    def commit(self, job: Prepared) -> None:
        """Write a prepared batch: its new themes and organisations, the organisations it
        filled in, its projects and participants. Batches are committed in order."""
        self.new_themes += self.themes.write(job.themes)
        self._organisations(job)
        ids, existing = self._projects(job.batch, job.codes)
        self._participations(job.batch, ids, job.members, existing)
        self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """On PostgreSQL, ``ANALYZE`` the tables an import writes each time it has doubled
        the projects it created: the planner keeps the statistics of the tables as the
        transaction found them (a new registry's: empty), and scanned whole tables for each
        batch's lookups by identifier and organisation (30,000 projects: 82 s, against 9 s
        for 10,000)."""
        created = self.counts.created
        connection = self.session.connection()
        if connection.dialect.name != "postgresql" or created < max(1000, 2 * self._analysed):
            return
        self._analysed = created
        quote = connection.dialect.identifier_preparer.quote
        tables = (Project.__table__, Organisation.__table__, OrganisationAlias.__table__,
                  Participation.__table__, project_theme)
        connection.exec_driver_sql(
            f"ANALYZE {', '.join(quote(t.name) for t in tables)}")  # type: ignore[attr-defined]

    def _topic(self, label: str) -> str:
        code = self.topics.get(label)
        if code is None:
            code = self.topics[label] = (self.themes.resolve(label)
                                         or self.themes.add(label, "topic"))
        return code

    def _members(self, project: _Project) -> dict[int, str]:
        out: dict[int, str] = {}
        for org, role in project.orgs:
            org_id, created = self.index.resolve(org, project.line)
            if not created and org_id > 0:
                self.counts.unchanged_orgs.add(org_id)
            if out.get(org_id) != "coordinator":
                out[org_id] = role
        return out

    def _insert(self, table: SqlTable, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (of the same keys). On SQLite with the driver's own statement:
        SQLAlchemy's processing of each row's parameters, which these plain values do not
        need, was a tenth of an import; on PostgreSQL SQLAlchemy's statements of many rows
        each are faster than the driver's ``executemany``, and ``COPY`` (psycopg's) is
        faster still."""
        if not rows:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        if dialect.name not in ("sqlite", "postgresql") or (
                dialect.name == "postgresql" and dialect.driver != "psycopg"):
            self.session.execute(insert(table), rows)
            return
        columns = list(rows[0])
        get = itemgetter(*columns)
        values = [get(r) if len(columns) > 1 else (get(r),) for r in rows]
        quote = dialect.identifier_preparer.quote
        names = f"{quote(table.name)} ({', '.join(map(quote, columns))})"
        if dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"INSERT INTO {names} VALUES ({', '.join(['?'] * len(columns))})", values)
            return
        raw = connection.connection.driver_connection
        assert raw is not None  # an open session's connection
        with raw.cursor().copy(f"COPY {names} FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)

    def _insert_organisations(self, params: list[dict[str, Any]]) -> list[int]:
        """Insert organisations; their ids, in order. (RETURNING in parameter order makes
        SQLAlchemy insert one row at a time on SQLite, a third of the import.) The rows are
        inserted in one go and read back above the largest id before them, each found by
        its name, country and row: the registry's write lock keeps other writers out."""
        table: SqlTable = Organisation.__table__  # type: ignore[assignment]
        before = self.session.scalar(select(func.max(table.c.id))) or 0
        self._insert(table, params)
        found: dict[tuple[Any, ...], list[int]] = {}
        for row in self.session.execute(
                select(table.c.id, table.c.normalised_name, table.c.country, table.c.source_row)
                .where((table.c.id > before) & (table.c.source_file == self.path.name))
                .order_by(table.c.id)):
            found.setdefault((row.normalised_name, row.country, row.source_row), []).append(row.id)
        return [found[(p["normalised_name"], p["country"], p["source_row"])].pop(0)
                for p in params]

    def _organisations(self, job: Prepared) -> None:
        table: SqlTable = Organisation.__table__  # type: ignore[assignment]
        if job.pending:
            temps = list(job.pending)
            params = [{**job.pending[t], "source_file": self.path.name} for t in temps]
            ids = self._insert_organisations(params)
            self.real.update(zip(temps, ids, strict=True))
            self.created_ids.update(ids)
            self.counts.orgs += len(temps)
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for org_id, values in job.filled.items():
            by_keys.setdefault(tuple(sorted(values)), []).append(
                {"_id": self.real.get(org_id, org_id), **values})
        for keys, rows in by_keys.items():
            self.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {k: bindparam(k) for k in keys}), rows)
        if job.aliases:
            alias: SqlTable = OrganisationAlias.__table__  # type: ignore[assignment]
            self.session.execute(insert(alias), [
                {"organisation_id": self.real.get(i, i), "name": name, "normalised": key,
                 "kind": "spelling", "source_file": self.path.name}
                for i, name, key in job.aliases])

    def _projects(self, batch: list[_Project], codes: list[tuple[str, ...]],
                  ) -> tuple[list[int], list[int]]:
        """Write the batch's projects and their themes; the projects' ids, and those of the
        ones the registry held before."""
        table: SqlTable = Project.__table__  # type: ignore[assignment]
        idents = [p.identifier for p in batch]
        existing = {} if self.fresh else {r.identifier: r for r in self.session.execute(
            select(table.c.id, table.c.identifier, table.c.action, table.c.start_year,
                   table.c.title, table.c.summary, table.c.source_digest).where(
                (table.c.programme == PROGRAMME) & self._among(table.c.identifier, idents)))}
        have_themes = self._themes_of([r.id for r in existing.values()])
        new = [{"programme": PROGRAMME, "identifier": p.identifier, "action": p.action,
                "start_year": p.year, "title": p.title, "summary": p.summary,
                "source_file": self.path.name, "source_row": p.line, "source_digest": p.digest}
               for p in batch if p.identifier not in existing]
        if new:
            self._insert(table, new)
            self.counts.created += len(new)
        ids = dict(self.session.execute(select(table.c.identifier, table.c.id).where(
            (table.c.programme == PROGRAMME) & self._among(table.c.identifier, idents))).all())
        changed: list[dict[str, Any]] = []
        digests: list[dict[str, Any]] = []  # only the digest is new (rows of the same values)
        add: list[dict[str, int]] = []
        drop: list[tuple[int, int]] = []
        for project, project_codes in zip(batch, codes, strict=True):
            pid = ids[project.identifier]
            want = {self.themes.ids[c] for c in project_codes}
            have = have_themes.get(pid, set())
            old = existing.get(project.identifier)
            values = (project.action, project.year, project.title, project.summary)
            if old is not None and ((old.action, old.start_year, old.title, old.summary)
                                    != values or have != want):
                changed.append({"_id": pid, "action": project.action,
                                "start_year": project.year, "title": project.title,
                                "summary": project.summary, "source_file": self.path.name,
                                "source_row": project.line, "source_digest": project.digest})
            elif old is not None and old.source_digest != project.digest:
                digests.append({"_id": pid, "source_digest": project.digest})
            add += [{"project_id": pid, "theme_id": t} for t in sorted(want - have)]
            drop += [(pid, t) for t in sorted(have - want)]
        self._write_changes(table, changed, add, drop)
        if digests:
            self.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                source_digest=bindparam("source_digest")), digests)
        return [ids[p.identifier] for p in batch], [r.id for r in existing.values()]

    def _themes_of(self, project_ids: list[int]) -> dict[int, set[int]]:
        """The stored theme ids of each of ``project_ids``."""
        have: dict[int, set[int]] = {}
        if not project_ids:
            return have
        for pid, tid in self.session.execute(select(
                project_theme.c.project_id, project_theme.c.theme_id).where(
                self._among(project_theme.c.project_id, project_ids))):
            have.setdefault(pid, set()).add(tid)
        return have

    def _write_changes(self, table: SqlTable, changed: list[dict[str, Any]],
                       add: list[dict[str, int]], drop: list[tuple[int, int]]) -> None:
        """Update the ``changed`` projects, add and drop their themes."""
        if changed:
            self.session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                {k: bindparam(k) for k in changed[0] if k != "_id"}), changed)
            self.counts.updated += len(changed)
        if add:
            self._insert(project_theme, add)
        for pid, tid in drop:
            self.session.execute(delete(project_theme).where(
                (project_theme.c.project_id == pid) & (project_theme.c.theme_id == tid)))

    def _participations(self, batch: list[_Project], ids: list[int],
                        members: list[dict[int, str]], existing: list[int]) -> None:
        """A project's participants become the export's: added, role changed, and those
        the export no longer lists removed (the project is updated by its identifier).
        Only the projects the registry held before (``existing``) can have any yet."""
        table: SqlTable = Participation.__table__  # type: ignore[assignment]
        have: dict[int, dict[int, str]] = {}
        for pid, oid, role in self.session.execute(select(
                table.c.project_id, table.c.organisation_id, table.c.role).where(
                self._among(table.c.project_id, existing))) if existing else ():
            have.setdefault(pid, {})[oid] = role
        add: list[dict[str, Any]] = []
        change: list[dict[str, Any]] = []
        drop: list[tuple[int, int]] = []
        for project, pid, roles in zip(batch, ids, members, strict=True):
            old = have.get(pid, {})
            want = {self.real.get(o, o): role for o, role in roles.items()}
            for oid, role in want.items():
                values = {"role": role, "source_file": self.path.name,
                          "source_row": project.line}
                if oid not in old:
                    add.append({"project_id": pid, "organisation_id": oid, **values})
                elif old[oid] != role:
                    change.append({"_pid": pid, "_oid": oid, **values})
            drop += [(pid, oid) for oid in old if oid not in want]
        if add:
            self._insert(table, add)
        if change:
            self.session.execute(update(table).where(
                (table.c.project_id == bindparam("_pid"))
                & (table.c.organisation_id == bindparam("_oid"))).values(
                role=bindparam("role"), source_file=bindparam("source_file"),
                source_row=bindparam("source_row")), change)
        for pid, oid in drop:
            self.session.execute(delete(table).where(
                (table.c.project_id == pid) & (table.c.organisation_id == oid)))
        self.counts.links += len(add)
        self.counts.link_changes += len(change) + len(drop)
