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

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import DEFAULT_DATA, load  # scripts/ is sys.path[0] when run as a file

from matcher.evaluation.training import learn_weights

OUT = ROOT / "matcher" / "ranking" / "model_weights.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--until", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    registry = load(args.data)
    learned = learn_weights(registry, until_year=args.until, seed=args.seed, validate=3000)
    payload = learned.to_json()
    payload["command"] = "python scripts/train_model.py " + " ".join(sys.argv[1:])
    OUT.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2))
    print(f"wrote {OUT} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
