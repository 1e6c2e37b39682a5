"""``models.locks``: a second writer waits for the first and then reads its rows; readers see
one snapshot while a writer commits. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.importers import ImportReport, import_file
from data.reference import seed_reference
from models.db import Database, open_database
from models.locks import WAIT_NOTE, lock_registry, read_snapshot
from models.schema import Country, Organisation


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    with database.sessions.begin() as s:
        seed_reference(s)
    yield database
    database.dispose()


def _profiles(path: Path, n: int) -> Path:
    """Organisations without identifiers: matched by name only, the case that duplicated."""
    rows = [f"Kansalaisopisto {i:03d},FI,NGO" for i in range(n)]
    path.write_text("name,country,type\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _count(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0)


def test_a_second_import_of_the_same_file_waits_then_finds_it_up_to_date(
        db: Database, tmp_path: Path) -> None:
    path = _profiles(tmp_path / "orgs.csv", 30)
    waited: list[str] = []
    second: list[ImportReport] = []

    def import_again() -> None:
        with db.sessions.begin() as session:
            second.append(import_file(session, "orgs", path, on_wait=waited.append))

    with db.sessions.begin() as session:
        first = import_file(session, "orgs", path)
        thread = threading.Thread(target=import_again)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second import did not wait for the first one's lock"
    thread.join(30)
    assert first.created == 30
    assert second[0].summary() == "orgs.csv: 30 rows read; already up to date (nothing changed)."
    assert waited == [WAIT_NOTE]
    assert _count(db) == 30


def test_a_reader_sees_one_snapshot_while_a_writer_commits(db: Database,
                                                           tmp_path: Path) -> None:
    with db.sessions.begin() as reader:
        read_snapshot(reader)
        assert reader.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
        with db.sessions.begin() as writer:
            import_file(writer, "orgs", _profiles(tmp_path / "orgs.csv", 5))
        assert _count(db) == 5  # committed, and not blocked by the open reader
        assert reader.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    with db.sessions.begin() as reader:
        read_snapshot(reader)
        assert reader.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 5


def test_the_lock_is_released_by_a_rollback(db: Database) -> None:
    with db.sessions() as session:
        lock_registry(session)
        session.rollback()
    with db.sessions.begin() as session:
        said: list[str] = []
        lock_registry(session, on_wait=said.append)
    assert said == []


def test_two_processes_creating_one_registry_create_it_once(db_url: str) -> None:
    """Migrations and seeding hold the lock too: a new registry opened twice at once."""
    opened: list[Database] = []
    errors: list[BaseException] = []

    def open_and_seed() -> None:
        try:
            database = open_database(db_url)
            from data.bootstrap import ensure_registry

            ensure_registry(database, announce=lambda _note: None)
            opened.append(database)
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_seed) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == [] and len(opened) == 3
        assert sum(db.created for db in opened) == 1
        with opened[0].sessions() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(Country)) > 40
    finally:
        for database in opened:
            database.dispose()
