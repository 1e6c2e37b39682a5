"""The bundled default registry: what ships, and what first use builds from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.bootstrap import BUNDLED_DIR, ensure_registry
from models.db import open_database
from models.schema import Organisation, Participation, Project
from tests.conftest import DefaultHome

ROOT = Path(__file__).resolve().parents[2]


def _build_script() -> object:
    spec = importlib.util.spec_from_file_location("build_registry",
                                                  ROOT / "scripts" / "build_registry.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_is_the_published_data(shared_data: Path) -> None:
    """``scripts/build_registry.py`` copies exactly the files bootstrap lists, unchanged."""
    script = _build_script()
    names = script.bundled_names()  # type: ignore[attr-defined]
    assert names == ["eche-holders-2021-2027.csv", "participations.csv.gz",
                     "programme_parts.csv.gz", "organisations.csv.gz", "projects.csv.gz"]
    for name in names:
        source = shared_data / script.SOURCES[name]  # type: ignore[attr-defined]
        assert (BUNDLED_DIR / name).read_bytes() == source.read_bytes(), name


def test_first_use_builds_the_default_registry_once(default_home: DefaultHome,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    said = default_home.said  # first use happened in the session fixture
    default_home.use(monkeypatch)
    db = open_database()
    assert db.is_default
    assert len(said) == 2 and said[0].startswith("First use: building the default registry")
    with db.sessions() as s:
        named = s.scalar(sa.select(sa.func.count()).select_from(Organisation)
                         .where(Organisation.legal_name.is_not(None)))
        assert named is not None and named >= 18000
        titled = s.scalar(sa.select(sa.func.count()).select_from(Project)
                          .where(Project.title.is_not(None), Project.topic_title.is_not(None)))
        assert titled is not None and titled >= 16000
        helsinki = s.scalar(sa.select(Organisation).where(Organisation.pic == "999994535"))
        assert helsinki is not None and helsinki.legal_name == "HELSINGIN YLIOPISTO"
        cnrs = s.scalar(sa.select(Organisation).where(Organisation.pic == "999997930"))
        assert cnrs is not None and "CNRS" in {a.name for a in cnrs.aliases}
        assert s.scalar(sa.select(sa.func.count()).select_from(Participation)) == 116241
        # real consortia: most H2020 projects have 3+ partners
        sizes = s.execute(sa.select(sa.func.count()).select_from(Participation)
                          .group_by(Participation.project_id)).scalars().all()
        assert len(sizes) == s.scalar(sa.select(sa.func.count()).select_from(Project))
        assert sum(n >= 3 for n in sizes) > 7000
    db.dispose()
    again = open_database()
    ensure_registry(again, announce=said.append)
    assert len(said) == 2  # said once
    again.dispose()
