"""Hidden-partner evaluation on the full real data: the development split and a second one.

    .venv/bin/python bench/bench_evaluate.py [--data ../shared/data/cordis-h2020]

Prints, per split, Recall@10, MRR and nDCG@10 of the tool's model and every baseline, the
number of queries and the wall time of each phase. Not a test: it reads the whole data set.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.scratch import history_database
from matcher.evaluation.baselines import baselines
from matcher.evaluation.harness import evaluate, partner_split
from matcher.evaluation.training import RankerScorer
from matcher.registry.snapshot import Registry, load_registry

SPLITS = ((2017, 2018, 2019), (2016, 2017, 2017))


def load(data: Path) -> Registry:
    with history_database([data / "participations.csv.gz"],
                          [data / "programme_parts.csv.gz"]) as db, db.sessions() as session:
        return load_registry(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/cordis-h2020")
    args = parser.parse_args()
    t0 = time.perf_counter()
    registry = load(args.data)
    print(f"load: {time.perf_counter() - t0:.1f} s")
    for train_until, test_from, test_to in SPLITS:
        t1 = time.perf_counter()
        data = partner_split(registry, train_until=train_until, test_from=test_from, test_to=test_to)
        result = evaluate(data, {"matcher": RankerScorer(), **baselines()})
        print(f"\ntrain <= {train_until}, test {test_from}-{test_to}: {result.queries:,} "
              f"queries, {result.candidates:,} candidates, "
              f"{time.perf_counter() - t1:.0f} s")
        print(f"{'model':<18} {'R@10':>7} {'MRR':>7} {'nDCG@10':>8}")
        for name, m in result.models.items():
            print(f"{name:<18} {m.recall:7.4f} {m.mrr:7.4f} {m.ndcg:8.4f}")


if __name__ == "__main__":
    main()
