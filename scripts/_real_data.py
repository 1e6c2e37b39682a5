"""The real H2020 data the training scripts learn from, as a registry snapshot."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data.scratch import history_database
from matcher.registry.snapshot import Registry
from matcher.registry.store import load_registry

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/data/cordis-h2020"


def split_parser(doc: str) -> argparse.ArgumentParser:
    """The command line of an analysis script: ``--data`` and the split's years (the
    development split by default)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--train-until", type=int, default=2017)
    parser.add_argument("--test-from", type=int, default=2018)
    parser.add_argument("--test-to", type=int, default=2019)
    return parser


def load(data: Path) -> Registry:
    """Participations, programme parts, project texts and organisation names of ``data``."""
    with history_database([data / "participations.csv.gz"], [data / "programme_parts.csv.gz"],
                          projects=[data / "projects.csv.gz"],
                          organisations=[data / "organisations.csv.gz"]) as db, \
            db.sessions() as session:
        return load_registry(session)


def train(doc: str, out: Path, learn: Callable[[Registry, int, int], dict[str, Any]]) -> None:
    """The command line of a training script: read ``--data``, learn with ``learn(registry,
    until, seed)``, write the JSON it gives to ``out`` with the command that made it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--until", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    payload = learn(load(args.data), args.until, args.seed)
    payload["command"] = " ".join(["python", f"scripts/{Path(sys.argv[0]).name}",
                                   *sys.argv[1:]])
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2))
    print(f"wrote {out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
