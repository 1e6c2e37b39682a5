"""The database stopping in the middle of a command (PostgreSQL restarted, a disk failing) is
one ``Error:`` line saying so, exit 1, never a traceback with SQL or row data; the registry
is as it was. On SQLite (a failing disk, simulated) and PostgreSQL (our own connection
terminated by the server, for real)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cli.main import cli
from models.db import open_database
from models.schema import Organisation

PROFILES = "name,country,type,description\n" + "".join(
    f"Secret Robotics {i} ry,FI,NGO,private row data {i}\n" for i in range(30))


@pytest.fixture
def stop_database(db_url: str) -> Iterator[Callable[[str], None]]:
    """``stop(sql)``: the database stops answering at the first statement that holds ``sql``."""
    admin = sa.create_engine(db_url) if db_url.startswith("postgresql") else None
    armed: list[str] = []

    def before(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not armed or armed[0] not in " ".join(statement.upper().split()):
            return
        armed.clear()
        if admin is None:
            raise sqlite3.OperationalError("disk I/O error")
        pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        with admin.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield armed.append
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        if admin is not None:
            admin.dispose()


def _count(db_url: str) -> int:
    db = open_database(db_url)
    with db.sessions() as s:
        n = int(s.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0)
    db.dispose()
    return n


def _where(db_url: str) -> str:
    if db_url.startswith("sqlite:///"):
        return db_url.removeprefix("sqlite:///")
    return sa.engine.make_url(db_url).render_as_string(hide_password=True)


def _reason(db_url: str) -> str:
    return ("disk I/O error" if db_url.startswith("sqlite")
            else "terminating connection due to administrator command")


def test_the_database_stopping_during_an_import_is_one_line(
        runner: CliRunner, db_url: str, tmp_path: Path,
        stop_database: Callable[[str], None]) -> None:
    first = tmp_path / "first.csv"
    first.write_text("name,country,type\nInnokas ry,FI,NGO\n", encoding="utf-8")
    assert runner.invoke(cli, ["--db", db_url, "import", "orgs", str(first)]).exit_code == 0
    path = tmp_path / "partners.csv"
    path.write_text(PROFILES, encoding="utf-8")
    stop_database("INSERT INTO ORGANISATION")
    result = runner.invoke(cli, ["--db", db_url, "import", "orgs", str(path)])
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: the database at {_where(db_url)} stopped answering ({_reason(db_url)}): "
        "nothing was written; try again when it is back\n"))
    assert _count(db_url) == 1


def test_the_database_stopping_during_an_index_rebuild_is_one_line(
        runner: CliRunner, db_url: str, tmp_path: Path,
        stop_database: Callable[[str], None]) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(PROFILES, encoding="utf-8")
    assert runner.invoke(cli, ["--db", db_url, "import", "orgs", str(path)]).exit_code == 0
    stop_database("FROM PARTICIPATION")
    result = runner.invoke(cli, ["--db", db_url, "index", "--rebuild"])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (1, (
        f"Error: the database at {_where(db_url)} stopped answering ({_reason(db_url)}): "
        "nothing was written; try again when it is back"))
    assert "SELECT" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("option", "bounds"), [("--offset", "0<=x<=1000000000"),
                                                ("--limit", "1<=x<=1000000000")])
def test_a_number_too_large_for_the_database_is_a_usage_error(
        runner: CliRunner, db_url: str, option: str, bounds: str) -> None:
    assert runner.invoke(cli, ["--db", db_url, "init"]).exit_code == 0
    result = runner.invoke(cli, ["--db", db_url, "orgs", option, "99999999999999999999"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '{option}': 99999999999999999999 is not in the range "
        f"{bounds}.")
