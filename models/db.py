"""Engine and session set-up, and where the database lives.

One URL selects the backend: an explicit URL (the CLI's ``--db``), else the ``MATCHER_DB``
environment variable, else the embedded default SQLite file in the user's data directory.
The schema is brought up to date by Alembic migrations on open, so an upgrade keeps data;
migrating holds the registry's write lock (``models.locks``), so two processes opening a new
database at once create its schema once.

Readers never create: ``open_database(url, create=False)`` refuses a database that does not
exist (a mistyped ``--db``) with :class:`~models.errors.NoRegistry`, and
``for_reading=True`` opens an SQLite file the user cannot write (a registry an administrator
installed in a read-only folder) read-only instead of failing.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.errors import DatabaseError, NoRegistry
from models.locks import lock_registry

__all__ = [
    "DEFAULT_DB_ENV",
    "Database",
    "default_database_path",
    "failure",
    "open_database",
    "open_registry",
    "resolve_url",
]

DEFAULT_DB_ENV = "MATCHER_DB"
#: The entry-point group of the registry's set-up (``data.bootstrap.ensure_registry``, declared
#: in pyproject.toml): called on every opened registry, it seeds reference rows and fills the
#: empty default registry from the bundled data. Found by name, so ``models`` imports no layer
#: above it.
SETUP_GROUP = "matcher.registry_setup"
APP_NAME = "erasmus-partner-matcher"
_MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration. A database already there skips Alembic (0.1 s on every command);
#: tests/models/test_db.py checks that this is Alembic's head.
SCHEMA_HEAD = "0004"


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


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other backends and in-memory databases."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///:memory:", "sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def _writable(path: Path) -> bool:
    """SQLite writes the file and, for its journal, the folder."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_connector(path: Path) -> Callable[[], sqlite3.Connection]:
    """Connections that open ``path`` read-only. When the folder is read-only and holds no
    WAL files, SQLite cannot create them: the file is then opened as immutable (nobody can be
    writing it)."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    immutable = not os.access(path.parent, os.W_OK) and not (wal.exists() and shm.exists())
    uri = (f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
           + ("&immutable=1" if immutable else ""))
    return lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)  # as SQLAlchemy does


def _shown(url: str) -> str:
    """A URL fit for messages: a file's path, or the URL without its password."""
    path = _sqlite_path(url)
    if path is not None:
        return str(path)
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def failure(exc: sa.exc.DBAPIError, url: str | None) -> DatabaseError:
    """What to tell a user when the database fails under a command: one sentence, without
    the statement or its parameters (SQLAlchemy's message has both: SQL and row data).

    A lost or refused connection (the server stopped, a disk failed) is "stopped answering",
    with the driver's first line; anything else is named by its kind only. Either way the
    command's transaction was rolled back.
    """
    where = _shown(resolve_url(url)[0])
    lines = str(exc.orig).strip().splitlines()
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) \
            or exc.connection_invalidated:
        reason = lines[0].strip() if lines else type(exc.orig).__name__
        return DatabaseError(f"the database at {where} stopped answering ({reason}): nothing "
                             "was written; try again when it is back")
    return DatabaseError(f"the database at {where} refused a statement "
                         f"({type(exc.orig).__name__}): nothing was written; if it happens "
                         "again, report it with the command you ran")


def _no_registry(explicit: str | None, resolved: str) -> NoRegistry:
    where = _shown(resolved)
    if explicit:
        arg = shlex.quote(explicit if sa.engine.make_url(resolved).password is None else where)
        return NoRegistry(f"no registry at {where}; create it with `matcher --db {arg} import "
                          f"KIND FILE` or `matcher --db {arg} init`, or drop --db for the default")
    return NoRegistry(f"no registry at {where} (from ${DEFAULT_DB_ENV}); create it with "
                      f"`matcher import KIND FILE` or `matcher init`, or unset {DEFAULT_DB_ENV} "
                      "for the default")


@dataclass(slots=True)
class Database:
    """An open, migrated database: the engine and a session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    is_default: bool = False
    created: bool = False
    #: Opened read-only: an SQLite file the user may read but not write.
    read_only: bool = False

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
    with engine.connect() as conn:  # the common case, at head already: no lock needed
        if _schema_state(conn) == "head":
            return False
    with engine.begin() as conn:
        lock_registry(conn)
        was_empty = not sa.inspect(conn).has_table("organisation")
        if not was_empty and _current_revision(conn) == SCHEMA_HEAD:
            return False  # another process migrated it while we waited for the lock
        from alembic import command

        command.upgrade(_alembic_config(conn), "head")
    return was_empty


def _schema_state(conn: sa.Connection) -> str:
    """``empty`` (no registry tables), ``head`` or ``old`` (migrations pending)."""
    if not sa.inspect(conn).has_table("organisation"):
        return "empty"
    return "head" if _current_revision(conn) == SCHEMA_HEAD else "old"


def _current_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def open_database(url: str | None = None, *, migrate: bool = True, create: bool = True,
                  for_reading: bool = False) -> Database:
    """Open (and create or migrate) the database that ``url`` selects, see :func:`resolve_url`.

    ``create=False``: a database that does not exist (an SQLite file, or a database without the
    registry's tables) raises :class:`~models.errors.NoRegistry` and nothing is created.
    ``for_reading=True``: an SQLite file the user cannot write is opened read-only.
    """
    resolved, is_default = resolve_url(url)
    path = _sqlite_path(resolved)
    read_only = False
    if path is not None:
        if not path.exists():
            if not create:
                raise _no_registry(url, resolved)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the folder for {path}: {exc}") from exc
        elif not _writable(path):
            if not for_reading:
                raise DatabaseError(f"the registry at {path} is read-only for you (no write "
                                    "permission on the file or its folder): import into a copy "
                                    "you own, or ask its owner to import")
            read_only = True
    if read_only and path:
        options: dict[str, Any] = {"creator": _read_only_connector(path)}
    elif path:
        # wait for a writer (an import, or another process creating this registry) for up to
        # a minute rather than sqlite3's 5 s: creating a registry can take longer on a busy
        # machine, and a second command then failed with "database is locked"
        options = {"connect_args": {"timeout": 60}}
    else:
        options = {}
    try:
        engine = sa.create_engine(resolved, **options)
    except (sa.exc.ArgumentError, ModuleNotFoundError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseError(
            f"cannot use database URL {resolved!r}: {exc}. Use sqlite:///PATH or "
            "postgresql://HOST/DB (install the 'postgres' extra for PostgreSQL)"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
    created = False
    if migrate:
        try:
            with engine.connect() as conn:
                state = _schema_state(conn)
            if state == "empty" and not create:
                engine.dispose()
                raise _no_registry(url, resolved)
            if state != "head" and read_only:
                raise DatabaseError(f"the registry at {_shown(resolved)} is read-only and needs "
                                    "a schema upgrade: ask its owner to run `matcher --db "
                                    f"{_shown(resolved)} init` once with this version")
            created = upgrade(engine) if state != "head" else False
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise DatabaseError(f"cannot open database {_shown(resolved)}: {exc.orig}") from exc
    return Database(
        url=resolved,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        is_default=is_default,
        created=created,
        read_only=read_only,
    )


def open_registry(url: str | None = None, *, write: bool = False,
                  announce: Callable[[str], None] | None = None) -> Database:
    """The one way a registry is opened, by the CLI, the web server and ``Matcher.open``.

    ``url``: explicit URL, else ``$MATCHER_DB``, else the default registry, which is created
    and filled from the bundled data on first use (``announce`` gets the note, by default on
    stderr). A named registry that does not exist is an error unless ``write`` (imports,
    ``init``); a read-only SQLite file is opened read-only for reading.
    """
    import sys
    from importlib.metadata import entry_points

    def to_stderr(message: str) -> None:
        print(message, file=sys.stderr)

    is_default = resolve_url(url)[1]
    db = open_database(url, create=write or is_default, for_reading=not write)
    hooks = [point.load() for point in entry_points(group=SETUP_GROUP)]
    if not hooks and is_default and db.created:
        db.dispose()
        raise NoRegistry("the default registry is empty and this installation cannot fill it "
                         "(its set-up entry point is missing): reinstall the package with "
                         "`pip install -e .`, or import data with `matcher import KIND FILE`")
    for setup in hooks:
        setup(db, announce=announce or to_stderr)
    return db
