from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from data.reference import seed_reference
from models.db import open_database, resolve_url
from models.errors import DatabaseError
from models.schema import Country, Organisation, Project, Theme


def test_resolve_url_prefers_explicit_then_env_then_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MATCHER_DB", "sqlite:///from-env.sqlite")
    assert resolve_url("sqlite:///explicit.sqlite") == ("sqlite:///explicit.sqlite", False)
    assert resolve_url(None) == ("sqlite:///from-env.sqlite", False)
    monkeypatch.delenv("MATCHER_DB")
    url, is_default = resolve_url(None)
    assert is_default and url.endswith("erasmus-partner-matcher/registry.sqlite")
    assert resolve_url(str(tmp_path / "x.db"))[0] == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://h/db")[0] == "postgresql+psycopg://h/db"


def test_migrations_create_schema_and_keep_data(db_url: str) -> None:
    db = open_database(db_url)
    assert db.created
    with db.sessions.begin() as s:
        seed_reference(s)
        s.add(Organisation(legal_name="Kept", country="FI", category="ngo"))
    db.dispose()
    again = open_database(db_url)  # second open: migrations are a no-op, data survives
    assert not again.created
    with again.sessions() as s:
        assert s.scalar(sa.select(Organisation.legal_name)) == "Kept"
        assert s.get(Country, "EL") is not None
        assert s.scalar(sa.select(sa.func.count()).select_from(Theme)) >= 70
    again.dispose()


def test_unusable_url_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="cannot use database URL"):
        open_database("nosuchdialect://x/y")


def test_schema_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from models.db import _MIGRATIONS, SCHEMA_HEAD

    script = ScriptDirectory(str(_MIGRATIONS))
    assert script.get_current_head() == SCHEMA_HEAD


def test_upgrade_to_project_digest_keeps_projects(db_url: str) -> None:
    """0004 adds ``project.source_digest`` to a registry of 0003, its projects kept (their
    digest unknown: the next import compares their rows once); and it goes back down."""
    from alembic import command

    from models.db import _alembic_config

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0003")
        conn.execute(sa.text("INSERT INTO project (programme, identifier, title) "
                             "VALUES ('Erasmus+', '2019-1-EL01-KA201-000001', 'Kept')"))
    engine.dispose()
    db = open_database(db_url)
    assert not db.created
    with db.sessions() as s:
        assert s.execute(sa.select(Project.title, Project.source_digest)).one() == ("Kept", None)
    with db.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
        assert "source_digest" not in {c["name"] for c in sa.inspect(conn).get_columns("project")}
        assert conn.execute(sa.text("SELECT title FROM project")).scalar() == "Kept"
    db.dispose()
