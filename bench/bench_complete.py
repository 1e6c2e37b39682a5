"""Benchmark ``matcher.consortium.builder.complete`` on a synthetic 100k-organisation registry.

Prints the p50 / p90 latency of ``complete`` (2 given members, a text query, n=5, the shipped
objective) for consortium sizes 3..6, the part of it spent outside ``Ranker.rank`` (the
builder: filters, candidate pool, beam search, explanations of consortia), and the time to
build the registry (:mod:`bench.common`) and fit the ranker (not counted). Target: p50
under 300 ms at 100k organisations.

    python -m bench.bench_complete [--orgs 100000] [--queries 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import numpy as np

from bench.common import fitted_registry, machine
from data.reference import action_rules, countries, country_status
from matcher.consortium.builder import complete
from matcher.consortium.objective import load_objective
from matcher.consortium.rules import RuleBook
from matcher.values import Query
from models.errors import ConstraintError

TOPICS = ["digital", "education", "virtual", "mobility", "employability", "curriculum", "energy",
          "climate", "health", "water", "sustainable", "guidance", "counselling", "inclusion",
          "skills", "teacher", "training", "data", "research", "innovation", "entrepreneurship",
          "tourism", "agriculture", "language"]
ACTION = "KA220-HED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    fitted = fitted_registry(args.orgs)
    registry, ranker = fitted.registry, fitted.ranker
    print(f"{fitted.summary()}; objective {dict(load_objective().weights)}, "
          f"reuse {load_objective().reuse}")
    book = RuleBook.from_mapping(action_rules(), country_status(),
                                 regions={c.code: c.part_of for c in countries() if c.part_of})
    call = book.call(ACTION)
    rnd = random.Random(1)
    active = np.flatnonzero(np.diff(registry.incidence.indptr) > 0)
    eligible = [int(r) for r in active
                if call.admissible(registry.orgs[int(r)]) and call.counts(registry.orgs[int(r)])]
    queries = []
    for _ in range(args.queries):
        a, b = rnd.sample(eligible, 2)
        queries.append(([registry.orgs[a], registry.orgs[b]], " ".join(rnd.sample(TOPICS, 2))))
    # warm-up: per-registry caches and numpy/scipy first calls
    complete(ranker, call, members=queries[0][0], text=queries[0][1])
    rank_ms = []
    for members, text in queries:
        query = Query(org_ids=tuple(o.id for o in members), text=text)
        start = time.perf_counter()
        ranker.rank(query, n=200, explain=False)
        rank_ms.append((time.perf_counter() - start) * 1000)
    print(f"of which the ranker alone (rank, n=200, no filters): p50 "
          f"{statistics.median(rank_ms):.1f} ms")
    in_rank = [0.0]
    plain_rank = ranker.rank

    def timed_rank(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        try:
            return plain_rank(*a, **k)
        finally:
            in_rank[0] += time.perf_counter() - start

    ranker.rank = timed_rank  # type: ignore[method-assign]
    print(f"{'size':>6}  {'p50 ms':>8}  {'p90 ms':>8}  {'max ms':>8}  {'builder p50':>11}  "
          f"consortia")
    for size in ((3, 3), (3, 4), (3, 5), (3, 6), (6, 6)):
        times, own, found = [], [], 0
        for members, text in queries:
            in_rank[0] = 0.0
            start = time.perf_counter()
            try:
                out = complete(ranker, call, members=members, text=text, size=size, n=5)
            except ConstraintError:
                out = []
            times.append((time.perf_counter() - start) * 1000)
            own.append(times[-1] - in_rank[0] * 1000)
            found += len(out)
        times.sort()
        print(f"{size[0]}..{size[1]:<3}  {statistics.median(times):8.1f}  "
              f"{times[int(0.9 * (len(times) - 1))]:8.1f}  {times[-1]:8.1f}  "
              f"{statistics.median(own):11.1f}  "
              f"{found / len(queries):.1f} per query", flush=True)
    print(machine())


if __name__ == "__main__":
    main()
