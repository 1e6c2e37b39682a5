"""An import killed (``kill -9``) at any point leaves the registry as it was, on SQLite (which
then passes ``PRAGMA integrity_check``) and on PostgreSQL.

The import runs in a forked child. Kill points are chosen by seed among the child's SQL
statements (each statement and the commit is a point; the child sends itself SIGKILL just
before the chosen one) and at random times (which can also land inside the commit).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from data.importers import import_file
from data.reference import seed_reference
from models.db import Database, open_database
from tests.data.conftest import cut_history_slice, import_into, snapshot
from tests.stress import scale

#: Kill points per backend, chosen among the SQL statements, and at random times.
STATEMENT_KILLS = scale(6, 300)
TIMED_KILLS = scale(2, 100)


def _child(url: str, history: tuple[Path, Path], kill_at: int | None, count_file: Path | None
           ) -> None:
    """Import the history slice; die by SIGKILL before SQL statement ``kill_at`` (the commit
    counts as one), or stop just before the commit and write how many statements ran."""
    seen = 0

    def point(*_args: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_commit(*_args: Any) -> None:
        point()
        if count_file is not None:
            count_file.write_text(str(seen))
            os._exit(0)  # nothing committed

    db = open_database(url)  # the points are those of the import's transaction
    event.listen(db.engine, "before_cursor_execute", point)
    event.listen(db.engine, "commit", before_commit)
    with db.sessions.begin() as session:
        import_file(session, "history", history[0], programme_parts=history[1])


def _run(target: Callable[[], None], *, kill_after: float | None = None) -> int:
    """Run ``target`` in a forked child; return its wait status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            target()
            code = 0
        finally:
            os._exit(code)
    if kill_after is not None:
        time.sleep(kill_after)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return os.waitpid(pid, 0)[1]


def _healthy(db: Database) -> None:
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


@pytest.fixture(scope="module")
def history(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The history slice, cut once for both backends."""
    return cut_history_slice(shared_data, tmp_path_factory.mktemp("history"))


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A registry holding the University of Graz, whose projects are then imported."""
    profiles = tmp_path / "graz.csv"
    profiles.write_text("name,country,type,pic\nUNIVERSITAET GRAZ,AT,higher education,"
                        "999873188\n", encoding="utf-8")
    db = open_database(db_url)
    with db.sessions.begin() as s:
        seed_reference(s)
    import_into(db, "orgs", profiles)
    db.dispose()
    yield db_url


def test_an_import_killed_anywhere_leaves_the_registry_unchanged(
        registry: str, history: tuple[Path, Path], tmp_path: Path) -> None:
    db = open_database(registry)
    before = snapshot(db)
    db.dispose()  # no connection is open across a fork
    counted = tmp_path / "statements"
    status = _run(lambda: _child(registry, history, None, counted))
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    points = int(counted.read_text())
    assert points > 10
    rng = random.Random(12)
    kills = sorted(rng.randint(1, points) for _ in range(STATEMENT_KILLS))
    for kill_at in kills:
        status = _run(lambda k=kill_at: _child(registry, history, k, None))
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, kill_at
        db = open_database(registry)
        _healthy(db)
        assert snapshot(db) == before, f"changed by an import killed at statement {kill_at}"
        db.dispose()

    started = time.perf_counter()
    assert _run(lambda: _child(registry, history, None, None)) == 0
    duration = time.perf_counter() - started
    db = open_database(registry)
    after = snapshot(db)
    assert after["participations"] > before["participations"]
    with db.sessions.begin() as s:  # back to the state before, for the timed kills
        for table in ("participation", "project_theme", "project"):
            s.execute(sa.text(f"DELETE FROM {table}"))
        s.execute(sa.text("DELETE FROM import_record WHERE kind = 'history'"))
        s.execute(sa.text("DELETE FROM organisation WHERE legal_name IS NULL"))
    assert snapshot(db) == before
    db.dispose()
    for _ in range(TIMED_KILLS):
        status = _run(lambda: _child(registry, history, None, None),
                      kill_after=rng.uniform(0, duration))
        db = open_database(registry)
        _healthy(db)
        state = snapshot(db)
        assert state in (before, after)
        assert state == before or status == 0 or os.WIFSIGNALED(status)
        db.dispose()
