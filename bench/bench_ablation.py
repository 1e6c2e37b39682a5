"""What each feature group adds to the partner task: the learned ranker re-learned without it.

    python -m bench.bench_ablation [--data ../shared/data/cordis-h2020] [--split 2017,2018,2019]

For each group of :data:`GROUPS` the ranker's weights are learned again inside the training
years with that group's features left out (zero in every example, so weight 0:
``learn_weights(without=...)``) and measured on the split's partner queries, every training
organisation ranked, as ``matcher evaluate --task partner`` does. The first row is the whole
model. The metrics are deterministic (seed 0). Not a test: about 5 minutes a row on the
2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.common import SHARED, machine
from matcher.ranking.features import CONTENT, GRAPH, STATIC, TYPE_COUNTRY

#: Feature groups, in the order of the README's table.
GROUPS: dict[str, tuple[str, ...]] = {
    "content (texts, themes, call topics)": CONTENT,
    "graph (direct, common neighbours, Adamic-Adar, PageRank)": tuple(
        n for n in GRAPH if n != "latent"),
    "latent collaboration (ALS)": ("latent",),
    "static (activity, coordinations, recency)": STATIC,
    "type and country": TYPE_COUNTRY,
}


def main() -> None:
    from data.scratch import history_database
    from matcher.evaluation.harness import evaluate, partner_split
    from matcher.evaluation.training import RankerScorer
    from matcher.registry.store import load_registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "cordis-h2020")
    parser.add_argument("--split", default="2017,2018,2019",
                        help="train until, test from, test to (default: the dev split)")
    args = parser.parse_args()
    train_until, test_from, test_to = (int(y) for y in args.split.split(","))
    print(machine())
    d = args.data
    with history_database([d / "participations.csv.gz"], [d / "programme_parts.csv.gz"],
                          projects=[d / "projects.csv.gz"],
                          organisations=[d / "organisations.csv.gz"]) as db, \
            db.sessions() as session:
        registry = load_registry(session)
    data = partner_split(registry, train_until=train_until, test_from=test_from,
                         test_to=test_to)
    print(f"--task partner, train <= {train_until}, test {test_from}-{test_to}: "
          f"{len(data.queries):,} queries")
    print(f"{'model':<62} {'R@10':>7} {'MRR':>7} {'nDCG@10':>8} {'time':>6}")
    base = None
    for label, without in (("whole model", ()), *((f"without {g}", f) for g, f in
                                                  GROUPS.items())):
        start = time.perf_counter()
        m = evaluate(data, {"m": RankerScorer(task="partner", without=without)}).models["m"]
        if base is None:
            base = m
        change = "" if not without else f"  ({m.recall - base.recall:+.4f} R@10)"
        print(f"{label:<62} {m.recall:>7.4f} {m.mrr:>7.4f} {m.ndcg:>8.4f} "
              f"{time.perf_counter() - start:>5.0f}s{change}", flush=True)


if __name__ == "__main__":
    main()
