"""The real H2020 data the training scripts learn from, as a registry snapshot."""

from __future__ import annotations

from pathlib import Path

from data.scratch import history_database
from matcher.registry.snapshot import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/data/cordis-h2020"


def load(data: Path) -> Registry:
    """Participations, programme parts, project texts and organisation names of ``data``."""
    with history_database([data / "participations.csv.gz"], [data / "programme_parts.csv.gz"],
                          projects=[data / "projects.csv.gz"],
                          organisations=[data / "organisations.csv.gz"]) as db, \
            db.sessions() as session:
        return load_registry(session)
