"""The registry's write lock, and consistent snapshots for readers.

Every transaction that writes to the registry (an import, the schema migrations, the reference
seeding) first takes one lock that the *database* holds, so two processes never interleave:

- SQLite: the write lock taken up front (``BEGIN IMMEDIATE``) instead of at the first
  ``INSERT``; polled in short waits so that Ctrl-C still works while another import runs.
- PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``), keyed by
  :data:`REGISTRY_LOCK_KEY` and the registry's schema (registries in other schemas of the same
  database do not wait for each other), released by the server at commit, rollback or
  disconnect.

A writer takes the lock before it reads what it will change; a second import of the same file
therefore waits, then reads the first one's committed rows and finds everything up to date.
A process killed while holding the lock loses it with its connection.

Readers do not lock: :func:`read_snapshot` makes the several queries of one command (a search
reads six tables) see one committed state, even while an import commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

__all__ = ["REGISTRY_LOCK_KEY", "WAIT_NOTE", "lock_registry", "read_snapshot"]

#: The first advisory lock key of every matcher process on PostgreSQL ("EPMW"); the second
#: is the schema's.
REGISTRY_LOCK_KEY = 0x45504D57
#: Said once (through ``on_wait``) when another writer holds the lock.
WAIT_NOTE = ("Another import is writing to the registry: waiting for it to finish "
             "(Ctrl-C stops).")
#: Each SQLite attempt waits this long inside SQLite before Python regains control.
_POLL_MS = 200


def _connection(bind: Session | sa.Connection) -> sa.Connection:
    return bind.connection() if isinstance(bind, Session) else bind


def lock_registry(bind: Session | sa.Connection, *,
                  on_wait: Callable[[str], None] | None = None) -> None:
    """Hold the registry's write lock until the current transaction ends.

    Call it before the transaction's first statement. ``on_wait`` hears :data:`WAIT_NOTE`
    once when the lock is held by another process; the call then waits for it.
    """
    conn = _connection(bind)
    if conn.dialect.name == "sqlite":
        _lock_sqlite(conn.connection.dbapi_connection, on_wait)
    elif conn.dialect.name == "postgresql":
        key = {"key": REGISTRY_LOCK_KEY}
        schema = "hashtext(current_schema())"
        if not conn.execute(sa.text(f"SELECT pg_try_advisory_xact_lock(:key, {schema})"),
                            key).scalar():
            if on_wait is not None:
                on_wait(WAIT_NOTE)
            conn.execute(sa.text(f"SELECT pg_advisory_xact_lock(:key, {schema})"), key)


def _lock_sqlite(dbapi: Any, on_wait: Callable[[str], None] | None) -> None:
    if dbapi.in_transaction:  # pysqlite began at an earlier write: the lock is already held
        return
    (old_timeout,) = dbapi.execute("PRAGMA busy_timeout").fetchone()
    dbapi.execute(f"PRAGMA busy_timeout = {_POLL_MS}")
    said = False
    try:
        while True:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            if not said and on_wait is not None:
                on_wait(WAIT_NOTE)
            said = True
    finally:
        dbapi.execute(f"PRAGMA busy_timeout = {int(old_timeout)}")


def read_snapshot(session: Session) -> None:
    """Make every later read of the session's transaction see one committed state.

    SQLite: an explicit (deferred) ``BEGIN``, so the reads share one WAL snapshot instead of
    one each; PostgreSQL: ``REPEATABLE READ`` instead of one snapshot per statement. Call it
    before the transaction's first statement; a transaction that will write takes
    :func:`lock_registry` instead.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            dbapi.execute("BEGIN")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
