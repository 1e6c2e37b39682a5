"""Benchmark ``matcher batch``: 10,000 search queries against a 100k-organisation registry.

Builds a synthetic registry (``bench/synth.py``, engineer D's generator, when it is there;
else the generator of ``bench/bench_complete.py``), fits and saves the Ranker, writes a query
file (a mix of organisation, text, theme and filtered queries, like a National Agency's list),
then answers it with the batch engine as ``matcher batch`` does, once per ``--jobs`` value,
and prints rows/s, wall time, speed-up over 1 job and peak memory. Target on the 2-core
machine: under 60 s with 2 jobs.

    .venv/bin/python bench/bench_batch.py [--orgs 100000] [--queries 10000] [--jobs 1,2]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matcher.batch import answer, run
from matcher.batch_io import ErrorWriter, ResultWriter, read_queries
from matcher.batch_tasks import SearchTask
from matcher.ranker import Ranker
from matcher.registry import Registry

COUNTRIES = ("FI", "DE", "FR", "ES", "IT", "PL", "NL", "SE", "AT", "PT")


def make_registry(n_orgs: int) -> tuple[Registry, str]:
    try:
        import synth

        return synth.make_registry(n_orgs), "bench/synth.py"
    except (ImportError, AttributeError, TypeError):
        from bench_complete import own_registry

        return own_registry(n_orgs), "bench/bench_complete.py generator"


def queries(registry: Registry, n: int, seed: int = 7) -> str:
    """JSON Lines: 40% organisation, 30% text, 15% theme (+ text), 15% organisation + text,
    a third of them with a country filter."""
    rnd = random.Random(seed)
    words = sorted({w for o in registry.orgs[:2000] for w in o.name.lower().split()
                    if w.isalpha() and len(w) > 3})
    themes = sorted(registry.themes)
    lines = []
    for i in range(1, n + 1):
        row: dict[str, Any] = {"id": f"q{i}"}
        kind = rnd.random()
        org = registry.orgs[rnd.randrange(registry.n_orgs)]
        ref = org.pic or f"#{org.id}"
        if kind < 0.40:
            row["org"] = ref
        elif kind < 0.70:
            row["text"] = " ".join(rnd.sample(words, 4))
        elif kind < 0.85 and themes:
            row["themes"] = rnd.sample(themes, 2)
            row["text"] = " ".join(rnd.sample(words, 2))
        else:
            row["org"] = ref
            row["text"] = " ".join(rnd.sample(words, 3))
        if rnd.random() < 1 / 3:
            row["countries"] = rnd.sample(COUNTRIES, 2)
        lines.append(json.dumps(row) + "\n")
    return "".join(lines)


def batch(source: str, task: SearchTask, jobs: int, handler: Any) -> tuple[float, int, int]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    summary = run(answer(read_queries(io.StringIO(source), "jsonl", "search"), task,
                         jobs=jobs, handler=handler if jobs == 1 else None, chunk_size=32),
                  ResultWriter(out, "jsonl"), ErrorWriter(err))
    wall = time.perf_counter() - start
    if summary.failed:
        print(f"  {summary.failed} rows failed, first: {err.getvalue().splitlines()[0]}")
    return wall, summary.rows, out.getvalue().count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated job counts")
    args = parser.parse_args()

    t0 = time.perf_counter()
    registry, source = make_registry(args.orgs)
    t1 = time.perf_counter()
    ranker = Ranker().fit(registry)
    t2 = time.perf_counter()
    print(f"registry: {registry.n_orgs} organisations, {len(registry.projects)} projects "
          f"({source}, {t1 - t0:.1f} s); ranker fit {t2 - t1:.1f} s")
    text = queries(registry, args.queries)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as directory:
        t3 = time.perf_counter()
        ranker.save(Path(directory))
        t4 = time.perf_counter()
        Ranker.load(Path(directory))
        t5 = time.perf_counter()
        print(f"ranker save {t4 - t3:.1f} s, load {t5 - t4:.1f} s (each worker loads it once)")
        task = SearchTask(directory)
        handler = task.handler(ranker)
        print(f"{'jobs':>4}  {'rows':>6}  {'results':>7}  {'wall s':>7}  {'rows/s':>7}  speed-up")
        base = None
        for jobs in (int(j) for j in args.jobs.split(",")):
            wall, rows, results = batch(text, task, jobs, handler)
            base = base or wall
            print(f"{jobs:>4}  {rows:>6}  {results:>7}  {wall:7.1f}  {rows / wall:7.0f}  "
                  f"{base / wall:.2f}x")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest worker {kids:.0f} MB")


if __name__ == "__main__":
    main()
