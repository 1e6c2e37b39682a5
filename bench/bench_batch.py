"""Benchmark ``matcher batch``: search queries against a synthetic 100k-organisation registry.

Fits and saves the index of a synthetic registry (:mod:`bench.common`), writes a query file
(a mix of organisation, text, theme and filtered queries, like a National Agency's list) and
answers it as ``matcher batch`` does, through the batch engine, in three ways:

- ``loop``: one query at a time (chunks of one row), what a loop of single searches costs;
- ``batch``: chunks of ``--chunk`` rows, each ranked as one batch (the default), 1 job;
- ``batch`` with more ``--jobs``: the same on a pool of worker processes.

Each line is the median of ``--runs`` runs. It prints rows/s, wall time, the speed-up over
the loop, the time to the first answered row (worker start-up included) and each worker's
peak memory, and checks that the loop and the batch wrote the same results.

    python -m bench.bench_batch [--orgs 100000] [--queries 10000] [--jobs 1,2] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ChildMemory, fitted_registry, machine, median_runs, peak_mb
from matcher.batch.engine import answer, run
from matcher.batch.rows import ErrorWriter, ResultWriter, read_queries
from matcher.batch.tasks import SearchTask
from matcher.registry.snapshot import Registry

COUNTRIES = ("FI", "DE", "FR", "ES", "IT", "PL", "NL", "SE", "AT", "PT")


def queries(registry: Registry, n: int, seed: int = 7) -> str:
    """JSON Lines: 40% organisation, 30% text, 15% theme (+ text), 15% organisation + text,
    a third of them with a country filter."""
    rnd = random.Random(seed)
    words = sorted({w for o in registry.orgs[:2000] for w in (o.name or "").lower().split()
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
        elif kind < 0.85:
            row["themes"] = rnd.sample(themes, 2)
            row["text"] = " ".join(rnd.sample(words, 2))
        else:
            row["org"] = ref
            row["text"] = " ".join(rnd.sample(words, 3))
        if rnd.random() < 1 / 3:
            row["countries"] = rnd.sample(COUNTRIES, 2)
        lines.append(json.dumps(row) + "\n")
    return "".join(lines)


def one_run(source: str, task: SearchTask, jobs: int, chunk: int,
            handler: Any) -> tuple[dict[str, float], str]:
    """One pass over the query file; its figures and what it wrote."""
    out, err = io.StringIO(), io.StringIO()
    first: list[float] = []
    start = time.perf_counter()

    def progress(_n: int) -> None:
        if not first:
            first.append(time.perf_counter() - start)

    with ChildMemory() as memory:
        summary = run(answer(read_queries(io.StringIO(source), "jsonl", "search"), task,
                             jobs=jobs, handler=handler if jobs == 1 else None,
                             chunk_size=chunk),
                      ResultWriter(out, "jsonl"), ErrorWriter(err), progress=progress)
    wall = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"{summary.failed} rows failed, first: "
                         f"{err.getvalue().splitlines()[0]}")
    return ({"wall": wall, "first": first[0] if first else wall, "rows": summary.rows,
             "worker_mb": memory.peak_mb}, out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated job counts (batch)")
    parser.add_argument("--chunk", type=int, default=32, help="rows ranked as one batch")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    print(machine())
    fitted = fitted_registry(args.orgs)
    registry, ranker = fitted.registry, fitted.ranker
    print(f"{fitted.summary()}; {args.queries:,} queries, median of {args.runs} runs")
    source = queries(registry, args.queries)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as directory:
        ranker.save(Path(directory))
        task = SearchTask(directory)
        handler = task()  # in-process runs share one loaded index, as `matcher batch -j 1`
        plans = [("loop", 1, 1)] + [("batch", int(j), args.chunk)
                                    for j in args.jobs.split(",")]
        print(f"{'mode':<6} {'jobs':>4} {'chunk':>5} {'rows/s':>8} {'wall s':>7} "
              f"{'x loop':>7} {'1st row s':>9} {'worker MB':>9}")
        written: dict[str, str] = {}
        loop_wall = None
        for mode, jobs, chunk in plans:
            outputs: list[str] = []

            def measure(jobs: int = jobs, chunk: int = chunk,
                        outputs: list[str] = outputs) -> dict[str, float]:
                figures, text = one_run(source, task, jobs, chunk, handler)
                outputs.append(text)
                return figures

            f = median_runs(args.runs, measure)
            loop_wall = loop_wall or f["wall"]
            written[f"{mode}/{jobs}"] = outputs[0]
            print(f"{mode:<6} {jobs:>4} {chunk:>5} {f['rows'] / f['wall']:8.1f} "
                  f"{f['wall']:7.1f} {loop_wall / f['wall']:6.2f}x {f['first']:9.1f} "
                  f"{f['worker_mb'] or float('nan'):9.0f}", flush=True)
        same = len(set(written.values())) == 1
        print(f"every mode wrote the same results: {'yes' if same else 'NO'}")
    print(f"peak memory of this process (registry, fit, in-process index): {peak_mb():.0f} MB; "
          f"{machine()}")


if __name__ == "__main__":
    main()
