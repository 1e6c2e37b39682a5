"""Benchmark finding organisations by name (``matcher.names``).

On the bundled default registry (36,899 organisations, 22,899 named, 14.7k aliases) and on
synthetic registries (:mod:`bench.synth`), this script times

1. ``OrgIndex.of(registry)``: the identifier dictionary; the name index is not built yet,
2. the first name lookup, which builds the name index,
3. warm name lookups: exact names, misspelt names (one letter dropped), single words and
   unknown names; p50 and p95,
4. on the default registry only, the session path of ``show``: an exact name (answered from
   SQL) and a misspelt one (every name read from the database, then the index built).

Target: a warm lookup under 50 ms at 37k organisations.

    python -m bench.bench_names --sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.common import machine
from bench.synth import make_registry
from data.bootstrap import load_bundled
from data.reference import seed_reference
from matcher.registry.catalogue import find_organisation
from matcher.registry.snapshot import Registry
from matcher.registry.store import load_registry
from matcher.vocabulary import OrgIndex
from models.db import open_database
from models.errors import QueryError


def _queries(registry: Registry, n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    names = [o.name for o in registry.orgs if o.name]
    out: list[str] = []
    for name in rng.sample(names, min(n, len(names))):
        words = name.split()
        longest = max(words, key=len)
        cut = rng.randrange(1, len(longest)) if len(longest) > 2 else 0
        kind = len(out) % 4
        out.append(name if kind == 0
                   else name.replace(longest, longest[:cut] + longest[cut + 1:], 1) if kind == 1
                   else rng.choice(words) if kind == 2
                   else f"{longest}zq {rng.choice(words)}x")
    return out


def _time(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    try:
        call()
    except QueryError:
        pass
    return time.perf_counter() - started


def bench(label: str, registry: Registry, n_queries: int) -> None:
    started = time.perf_counter()
    index = OrgIndex.of(registry)
    identifiers = time.perf_counter() - started
    queries = _queries(registry, n_queries)
    first = _time(lambda: index.get(queries[1]))
    times = sorted(_time(partial(index.get, q)) for q in queries)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{label}: {registry.n_orgs:,} organisations; identifiers {identifiers:.2f} s; "
          f"first name lookup (builds the index) {first:.2f} s; warm lookup p50 "
          f"{statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
          f"({len(times)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000",
                        help="Synthetic registry sizes, comma-separated (empty: none).")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'registry.sqlite'}")
        with db.sessions.begin() as session:
            seed_reference(session)
        load_bundled(db)
        with db.sessions() as session:
            registry = load_registry(session)
            bench("default registry", registry, args.queries)
            for ref in ("Max-Planck-Gesellschaft zur Forderung der Wissenschaften eV",
                        "helsingin yliopsto"):
                print(f"  session path ({ref!r}): "
                      f"{_time(partial(find_organisation, session, ref)):.3f} s")
        db.dispose()
    for size in filter(None, args.sizes.split(",")):
        bench(f"synthetic {int(size):,}", make_registry(int(size)), args.queries)


if __name__ == "__main__":
    main()
