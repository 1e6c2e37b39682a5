"""Benchmark ``matcher batch``: 10,000 search queries against a 100k-organisation registry.

Builds a synthetic registry (``bench/synth.py``, engineer D's generator, when it is there;
else the generator of ``bench/bench_complete.py``), fits and saves the Ranker, writes a query
file (a mix of organisation, text, theme and filtered queries, like a National Agency's list),
then answers it with the batch engine as ``matcher batch`` does, once per ``--jobs`` value,
and prints rows/s, wall time, speed-up over 1 job and peak memory. Target on the 2-core
machine: under 60 s with 2 jobs.

    .venv/bin/python bench/bench_batch.py [--orgs 100000] [--queries 10000] [--jobs 1,2]

Measured 2026-11-29 on the 2-core machine while it was shared (load average 7-8), 100k orgs
(bench/synth.py), Ranker with 64 SVD text dimensions: 1,000 queries: 1 job 126 s (7.9 rows/s),
2 jobs 87 s (11.5 rows/s, 1.45x; first row after 15.5 s of worker start-up); 10,000 queries,
2 jobs: 535 s (18.7 rows/s), 342 MB per worker. The engine's own cost is under 1% of a row;
a row is one ``search`` call (~135 ms here: PPR graph features, explanations, text scores).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matcher.batch.engine import answer, run
from matcher.batch.rows import ErrorWriter, ResultWriter, read_queries
from matcher.batch.tasks import SearchTask
from matcher.ranking.ranker import Ranker
from matcher.registry.snapshot import Registry

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


class _WorkerMemory:
    """Samples the resident memory of this process's children (the pool's workers)."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.5):
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def batch(source: str, task: SearchTask, jobs: int,
          handler: Any) -> tuple[float, float, int, int, int]:
    out, err = io.StringIO(), io.StringIO()
    first: list[float] = []
    start = time.perf_counter()

    def progress(_n: int) -> None:
        if not first:
            first.append(time.perf_counter() - start)
    with _WorkerMemory() as memory:
        summary = run(answer(read_queries(io.StringIO(source), "jsonl", "search"), task,
                             jobs=jobs, handler=handler if jobs == 1 else None, chunk_size=32),
                      ResultWriter(out, "jsonl"), ErrorWriter(err), progress=progress)
    wall = time.perf_counter() - start
    worker_mb = max(memory.peak.values(), default=0) // 2**20
    if summary.failed:
        print(f"  {summary.failed} rows failed, first: {err.getvalue().splitlines()[0]}")
    return wall, first[0] if first else wall, summary.rows, out.getvalue().count("\n"), worker_mb


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
        print(f"{'jobs':>4}  {'rows':>6}  {'results':>7}  {'wall s':>7}  {'1st row s':>9}  "
              f"{'rows/s':>7}  {'speed-up':>8}  worker MB")
        base = None
        for jobs in (int(j) for j in args.jobs.split(",")):
            wall, first, rows, results, worker_mb = batch(text, task, jobs, handler)
            base = base or wall
            print(f"{jobs:>4}  {rows:>6}  {results:>7}  {wall:7.1f}  {first:9.1f}  "
                  f"{rows / wall:7.1f}  {base / wall:7.2f}x  {worker_mb or '-':>9}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (registry, fit, in-process handler): {own:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
