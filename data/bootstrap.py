"""First-use set-up: reference rows always; the bundled registry into the default database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from data.reference import seed_reference
from models.db import Database
from models.locks import lock_registry, read_snapshot
from models.schema import Organisation

BUNDLED_DIR = Path(__file__).with_name("bundled")

#: The bundled default registry: (importer kind, file, extra options). Built from
#: ``../shared/data`` by ``scripts/build_registry.py``.
BUNDLED_FILES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("eche", "eche-holders-2021-2027.csv", {}),
    ("history", "participations.csv.gz", {"programme_parts": "programme_parts.csv.gz",
                                          "organisations": "organisations.csv.gz",
                                          "projects": "projects.csv.gz"}),
)


def ensure_registry(db: Database, *, announce: Callable[[str], None]) -> None:
    """Seed reference data; fill an empty *default* database from the bundled files.

    Reads first and writes only when something is missing, under the registry's write lock, so
    commands running beside a long import do not wait for it; a read-only registry is used as
    it is.
    """
    with db.sessions() as session:
        read_snapshot(session)
        stale = seed_reference(session, apply=False) > 0
        empty = session.scalar(select(func.count()).select_from(Organisation)) == 0
    if stale and not db.read_only:
        with db.sessions.begin() as session:
            lock_registry(session, on_wait=announce)
            seed_reference(session)
    if db.is_default and empty and not db.read_only:
        announce(f"First use: building the default registry at {db.engine.url.database} "
                 "from the bundled data (ECHE holders 2021-27 and H2020 consortia 2014-19)...")
        load_bundled(db)
        with db.sessions() as session:
            n = session.scalar(select(func.count()).select_from(Organisation))
        announce(f"Default registry ready: {n} organisations.")


def load_bundled(db: Database) -> None:
    """Import every bundled file, each in its own transaction."""
    from data.importers import import_file

    for kind, name, extra in BUNDLED_FILES:
        options = {k: BUNDLED_DIR / v for k, v in extra.items()}
        with db.sessions.begin() as session:
            import_file(session, kind, BUNDLED_DIR / name, **options)  # type: ignore[arg-type]
