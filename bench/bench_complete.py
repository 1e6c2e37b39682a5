"""Benchmark ``matcher.consortium.builder.complete`` on a synthetic 100k-organisation registry.

Prints the p50 / p90 latency of ``complete`` (2 given members, a text query, n=5) for
consortium sizes 3..6, the part of it spent outside ``Ranker.rank`` (the builder: filters,
candidate pool, beam search, explanations of consortia), and the time to build the registry
and fit the ranker (not counted).
Uses ``bench/synth.py`` (engineer D's generator) when it is there, else a small generator
of its own.

    .venv/bin/python bench/bench_complete.py [--orgs 100000] [--queries 30]
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data.reference import action_rules, countries, country_status
from matcher.consortium.builder import complete
from matcher.consortium.rules import RuleBook
from matcher.ranking.ranker import Ranker
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from matcher.values import Query
from models.errors import ConstraintError

EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "EL", "HU", "IE", "IT",
      "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "NO", "TR",
      "MK", "RS"]
OTHER = ["UK", "US", "CH", "UA", "IL", "CN", "BR", "ZA", "AU", "CA", "JP", "IN"]
CATEGORIES = ("higher-education", "research", "company", "ngo", "public-body", "school",
              "network", "other")
TOPICS = ["digital", "education", "virtual", "mobility", "employability", "curriculum", "energy",
          "climate", "health", "water", "sustainable", "guidance", "counselling", "inclusion",
          "skills", "teacher", "training", "data", "research", "innovation", "entrepreneurship",
          "tourism", "agriculture", "language"]
#: A Zipf-like vocabulary, so that the text matrix is as sparse as real names and titles are.
WORDS = TOPICS + [f"w{i}x" for i in range(3000)]
_WORD_P = 1.0 / np.arange(1, len(WORDS) + 1)
_WORD_P /= _WORD_P.sum()


def _texts(rng: np.random.Generator, n: int, k: int) -> list[str]:
    """``n`` texts of ``k`` words each, drawn at once (one draw per text is slow)."""
    picks = rng.choice(len(WORDS), size=(n, k), p=_WORD_P)
    return [" ".join(WORDS[i] for i in row) for row in picks.tolist()]


def own_registry(n_orgs: int, seed: int = 0) -> Registry:
    """Organisations with skewed countries and types, projects of 3-10 with repeat partners."""
    rnd = random.Random(seed)
    country_w = [5 if c in ("DE", "ES", "IT", "FR") else 1 for c in EU] + [0.3] * len(OTHER)
    cat_w = (30, 15, 25, 12, 8, 5, 3, 2)
    rng = np.random.default_rng(seed)
    org_words = _texts(rng, n_orgs, 3)
    orgs = []
    for i in range(n_orgs):
        cat = rnd.choices(CATEGORIES, cat_w)[0]
        words = org_words[i]
        orgs.append(OrgProfile(
            id=i + 1, pic=str(900000000 + i), oid=None, erasmus_code=None,
            name=f"Organisation {i} {words}", country=rnd.choices(EU + OTHER, country_w)[0],
            city=None, category=cat, type_code=None,
            eche=cat == "higher-education" and rnd.random() < 0.7,
            description=f"Work on {words}."))
    n_projects = n_orgs // 2
    popularity = rng.zipf(1.6, n_orgs).astype(float)
    p = popularity / popularity.sum()
    sizes = rng.integers(3, 11, size=n_projects)
    drawn = np.split(rng.choice(n_orgs, size=int(sizes.sum()), p=p), np.cumsum(sizes)[:-1])
    rows, cols, vals = [], [], []
    for j, members in enumerate(drawn):
        members = np.unique(members)
        rows.extend(members.tolist())
        cols.extend([j] * members.size)
        vals.extend([2.0] + [1.0] * (members.size - 1))
    inc = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                        shape=(n_orgs, n_projects))
    titles = _texts(rng, n_projects, 4)
    projects = tuple(ProjectInfo(j, f"P{j}", "H2020", None, 2014 + j % 6, titles[j], None)
                     for j in range(n_projects))
    return Registry(tuple(orgs), projects, inc, {}, {}, f"synth-{n_orgs}-{seed}")


def make_registry(n_orgs: int) -> tuple[Registry, str]:
    """D's ``bench/synth.py`` when it offers ``make_registry(n_orgs)``, else our own."""
    try:
        synth = importlib.import_module("bench.synth")
        registry: Registry = synth.make_registry(n_orgs)
        return registry, "bench/synth.py"
    except (ImportError, AttributeError, TypeError):
        return own_registry(n_orgs), "own generator"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()

    t0 = time.perf_counter()
    registry, source = make_registry(args.orgs)
    t1 = time.perf_counter()
    ranker = Ranker().fit(registry)
    t2 = time.perf_counter()
    print(f"registry: {registry.n_orgs} organisations, {len(registry.projects)} projects "
          f"({source}, {t1 - t0:.1f} s); ranker fit {t2 - t1:.1f} s")
    book = RuleBook.from_mapping(action_rules(), country_status(),
                                 regions={c.code: c.part_of for c in countries() if c.part_of})
    rnd = random.Random(1)
    active = np.flatnonzero(np.diff(registry.incidence.indptr) > 0)
    eligible = [int(r) for r in active
                if book.admissible("KA220-HED", registry.orgs[int(r)])
                and book.counts("KA220-HED", registry.orgs[int(r)])]
    queries = []
    for _ in range(args.queries):
        a, b = rnd.sample(eligible, 2)
        queries.append(([registry.orgs[a], registry.orgs[b]], " ".join(rnd.sample(TOPICS, 2))))
    # warm-up: per-registry caches (inadmissible ids) and numpy/scipy first calls
    complete(ranker, book, action="KA220-HED", members=queries[0][0], text=queries[0][1])
    rank_ms = []
    for members, text in queries:
        query = Query(org_ids=tuple(o.id for o in members), text=text)
        start = time.perf_counter()
        ranker.rank(query, n=200)
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
                out = complete(ranker, book, action="KA220-HED", members=members, text=text,
                               size=size, n=5)
            except ConstraintError:
                out = []
            times.append((time.perf_counter() - start) * 1000)
            own.append(times[-1] - in_rank[0] * 1000)
            found += len(out)
        times.sort()
        print(f"{size[0]}..{size[1]:<3}  {statistics.median(times):8.1f}  "
              f"{times[int(0.9 * (len(times) - 1))]:8.1f}  {times[-1]:8.1f}  "
              f"{statistics.median(own):11.1f}  "
              f"{found / len(queries):.1f} per query")


if __name__ == "__main__":
    main()
