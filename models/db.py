"""Engine and session set-up, and where the database lives.

One URL selects the backend: an explicit URL (the CLI's ``--db``), else the ``MATCHER_DB``
environment variable, else the embedded default SQLite file in the user's data directory.
The schema is brought up to date by Alembic migrations on open, so an upgrade keeps data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.errors import DatabaseError

__all__ = [
    "DEFAULT_DB_ENV",
    "Database",
    "default_database_path",
    "open_database",
    "resolve_url",
]

DEFAULT_DB_ENV = "MATCHER_DB"
APP_NAME = "erasmus-partner-matcher"
_MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration. A database already there skips Alembic (0.1 s on every command);
#: tests/models/test_db.py checks that this is Alembic's head.
SCHEMA_HEAD = "0002"


def default_database_path() -> Path:
    """The embedded SQLite file: ``$XDG_DATA_HOME/erasmus-partner-matcher/registry.sqlite``."""
    return platformdirs.user_data_path(APP_NAME) / "registry.sqlite"


def resolve_url(explicit: str | None = None) -> tuple[str, bool]:
    """Return ``(url, is_default)``: explicit URL, else ``$MATCHER_DB``, else the default file."""
    if explicit:
        return _normalise(explicit), False
    env = os.environ.get(DEFAULT_DB_ENV)
    if env:
        return _normalise(env), False
    return f"sqlite:///{default_database_path()}", True


def _normalise(url: str) -> str:
    if "://" not in url:  # a bare path means an SQLite file
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass(slots=True)
class Database:
    """An open, migrated database: the engine and a session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    is_default: bool = False
    created: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest migration; return True if the database was empty."""
    with engine.begin() as conn:
        was_empty = not sa.inspect(conn).has_table("organisation")
        if not was_empty and _current_revision(conn) == SCHEMA_HEAD:
            return False
        from alembic import command

        command.upgrade(_alembic_config(conn), "head")
    return was_empty


def _current_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and create or migrate) the database that ``url`` selects, see :func:`resolve_url`."""
    resolved, is_default = resolve_url(url)
    if resolved.startswith("sqlite:///") and resolved != "sqlite:///:memory:":
        path = Path(resolved.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for {path}: {exc}") from exc
    try:
        engine = sa.create_engine(resolved)
    except (sa.exc.ArgumentError, ModuleNotFoundError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseError(
            f"cannot use database URL {resolved!r}: {exc}. Use sqlite:///PATH or "
            "postgresql://HOST/DB (install the 'postgres' extra for PostgreSQL)"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    created = False
    if migrate:
        try:
            created = upgrade(engine)
        except sa.exc.OperationalError as exc:
            raise DatabaseError(f"cannot open database {engine.url!r}: {exc.orig}") from exc
    return Database(
        url=resolved,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        is_default=is_default,
        created=created,
    )
