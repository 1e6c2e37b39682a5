"""Learn the consortium objective and write ``matcher/consortium/objective_weights.json``.

    .venv/bin/python scripts/train_objective.py [--data ../shared/data/cordis-h2020] [--until 2019]

The weights are learned by :func:`matcher.evaluation.objective_fit.learn_objective` on the
real H2020 consortia of ``until`` (completion queries: coordinator and one seeded member
given, the real size asked, capped at 6), with the ranker's shipped weights
(``model_weights.json``, themselves learned with labels from ``until``) and the ranker fitted
on the projects started up to ``until - 1``. The file records what they were learned from and
the figures of the held-out consortia of that year beside the hand-set weights. Test-split
figures come from ``matcher evaluate --task complete``, which relearns both inside each
split's training years.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import train  # scripts/ is sys.path[0] when run as a file

from matcher.consortium.objective import OBJECTIVE_FILE
from matcher.evaluation.objective_fit import learn_objective
from matcher.ranking.weights import load_weights
from matcher.registry.snapshot import Registry


def learn(registry: Registry, until: int, seed: int) -> dict[str, Any]:
    learned = learn_objective(registry, until_year=until, weights=load_weights(), seed=seed,
                              say=lambda line: print(line, file=sys.stderr, flush=True))
    return {**learned.to_json(),
            "ranker_weights": "matcher/ranking/model_weights.json (shipped)"}


if __name__ == "__main__":
    train(__doc__, OBJECTIVE_FILE, learn)
