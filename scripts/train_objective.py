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

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import DEFAULT_DATA, load  # scripts/ is sys.path[0] when run as a file

from matcher.consortium.objective import OBJECTIVE_FILE
from matcher.evaluation.objective_fit import learn_objective
from matcher.ranking.weights import load_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--until", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    registry = load(args.data)
    learned = learn_objective(registry, until_year=args.until, weights=load_weights(),
                              seed=args.seed,
                              say=lambda line: print(line, file=sys.stderr, flush=True))
    payload = learned.to_json()
    payload["ranker_weights"] = "matcher/ranking/model_weights.json (shipped)"
    payload["command"] = "python scripts/train_objective.py " + " ".join(sys.argv[1:])
    OBJECTIVE_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2))
    print(f"wrote {OBJECTIVE_FILE} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
