"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured), a
click runner, and paths to the real data in ``../shared/data``."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session

from data.reference import seed_reference
from models.db import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
POSTGRES_ENV = "MATCHER_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real default database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("MATCHER_DB", raising=False)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    base = _postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}=postgresql://HOST/DB")
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.sqlite'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once per backend."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    url = request.getfixturevalue("sqlite_url")
    return url


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    """A migrated SQLite database with the reference rows (countries, themes) seeded."""
    db = open_database(sqlite_url)
    with db.sessions.begin() as s:
        seed_reference(s)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.sessions() as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@dataclass
class DefaultHome:
    """XDG folders whose default registry was built by first use, with its search index,
    once per test run."""

    data: Path
    cache: Path
    #: What first use announced.
    said: list[str] = field(default_factory=list)

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("XDG_DATA_HOME", str(self.data))
        monkeypatch.setenv("XDG_CACHE_HOME", str(self.cache))

    def build(self) -> None:
        """First use, as a user of the library meets it (``Matcher.open()`` in empty XDG
        folders, as the README's library example starts), then the search index."""
        from matcher import Matcher

        with pytest.MonkeyPatch.context() as mp:
            self.use(mp)
            mp.delenv("MATCHER_DB", raising=False)
            Matcher.open(progress=self.said.append, build=False).close()
            with Matcher.open() as matcher:
                matcher.ranker()

    def copy(self, root: Path) -> DefaultHome:
        """The same registry and index under ``root`` (the index folder is named after the
        database's path, so the copied index is moved to the copy's name)."""
        from matcher import Matcher

        home = DefaultHome(root / "data", root / "cache", list(self.said))
        shutil.copytree(self.data, home.data)
        shutil.copytree(self.cache, home.cache)
        with pytest.MonkeyPatch.context() as mp:
            home.use(mp)
            with Matcher.open() as matcher:
                (index,) = [d for d in (home.cache / "erasmus-partner-matcher").iterdir()
                            if d.name.startswith("index-")]
                index.rename(matcher.index_directory())
                assert matcher.index_status().fresh
        return home


def _shared_default_home(tmp_path_factory: pytest.TempPathFactory, run: str) -> DefaultHome:
    """The run's one default registry and index, built by the first worker that asks."""
    shared = tmp_path_factory.getbasetemp().parent / f"default-home-{run}"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        said = shared / "said.json"
        if not said.exists():
            built = DefaultHome(shared / "data", shared / "cache")
            built.build()
            said.write_text(json.dumps(built.said), encoding="utf-8")
    return DefaultHome(shared / "data", shared / "cache",
                       json.loads(said.read_text(encoding="utf-8")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need the default registry run last (the order is otherwise kept):
    under pytest-xdist the other workers then run the rest while the first one builds it,
    instead of waiting for it on their first tests."""
    items.sort(key=lambda item: "default_home" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session", autouse=True)
def _build_default_home_first(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under pytest-xdist the first worker builds the default registry before its first test,
    so that the other workers find it ready (or nearly) instead of waiting idle for it."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is not None and os.environ.get("PYTEST_XDIST_WORKER") == "gw0":
        _shared_default_home(tmp_path_factory, run)


@pytest.fixture(scope="session")
def default_home(tmp_path_factory: pytest.TempPathFactory) -> DefaultHome:
    """The default registry built from the bundled data, with its index (about 20 s), shared
    by the tests that need it. Under pytest-xdist the first worker builds it and the others
    copy it."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        root = tmp_path_factory.mktemp("default-home")
        home = DefaultHome(root / "data", root / "cache")
        home.build()
        return home
    return _shared_default_home(tmp_path_factory, run).copy(
        tmp_path_factory.mktemp("default-home"))


@pytest.fixture(scope="session")
def default_matcher(default_home: DefaultHome) -> Iterator[Any]:
    """A :class:`matcher.Matcher` on the default registry with its search index; the CLI
    finds the same index under ``default_home``."""
    from matcher import Matcher

    with pytest.MonkeyPatch.context() as mp:
        default_home.use(mp)
        matcher = Matcher.open(cache_dir=default_home.cache / "erasmus-partner-matcher")
        matcher.ranker()
    yield matcher
    matcher.close()


def reference_from_files() -> Any:
    """The reference data of ``data/reference`` as a registry would hold it (no database)."""
    from data import reference as files
    from matcher.registry.reference import (
        CountryInfo,
        Reference,
        StatusRow,
        ThemeInfo,
    )

    names = files.country_names()
    return Reference(
        countries=tuple(CountryInfo(c.code, c.iso2, c.name, c.part_of, names.get(c.code, ()))
                        for c in files.countries()),
        org_types=files.org_types(),  # the same values (models.reference)
        statuses=tuple(StatusRow(r["country"], r["status"], r["from_call"], r["to_call"],
                                 r["source"]) for r in files.country_status()),
        actions=files.action_rules(),
        themes={t.code: ThemeInfo(t.code, t.kind, t.label_en, t.label_fi)
                for t in files.themes()},
    )


@pytest.fixture(scope="session")
def reference() -> Any:
    return reference_from_files()
