"""Train the ranker's two models and write ``matcher/ranking/model_weights.json``.

    .venv/bin/python scripts/train_model.py [--data ../shared/data/cordis-h2020] [--until 2019]

The weights are learned by :func:`matcher.evaluation.training.learn_weights` on the real H2020
consortia, with their names, titles and call topics: ranker features from the projects
started up to ``until - 1``, labels from the consortia of ``until`` (hidden partners for the
partner model, whole consortia for the idea model). The file also records validation figures
inside that period: the queries of the label-year consortia left out of training, every
candidate ranked, next to a baseline (Adamic-Adar for partners, the blend for ideas).
Test-split figures come from ``matcher evaluate``, which relearns the weights inside each
split's training years.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import train  # scripts/ is sys.path[0] when run as a file

from matcher.evaluation.training import learn_weights
from matcher.registry.snapshot import Registry

OUT = ROOT / "matcher" / "ranking" / "model_weights.json"


def learn(registry: Registry, until: int, seed: int) -> dict[str, Any]:
    return learn_weights(registry, until_year=until, seed=seed, validate=3000).to_json()


if __name__ == "__main__":
    train(__doc__, OUT, learn)
