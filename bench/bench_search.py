"""Benchmark partner search: index build, query latency, memory, against brute force.

For each size, in a fresh process (so that peak memory is that size's own), this script

1. generates a synthetic registry shaped like the real one (:mod:`bench.common`),
2. fits the :class:`~matcher.ranking.ranker.Ranker` (the index build) and saves and reloads it,
3. times warm in-process queries of mixed types (40% organisation, 30% text, 15% themes,
   15% organisation + text; k = 10) through :meth:`matcher.Matcher.search` on the saved
   index (:meth:`~matcher.Matcher.from_index`),
4. times the brute-force baseline on the same vectors and the same scorer: every
   organisation's full feature row (``Ranker.score`` over all rows), then a full sort, and
   reports how many of the ranker's top 10 the exhaustive top 10 shares,

then times ``matcher search`` end to end (a subprocess per call, index already built) on the
default registry. Targets (2-core machine): 100k p50 < 20 ms and build < 60 s; 1M p50 < 150 ms
and peak < 4 GB; CLI < 1.5 s.

    python -m bench.bench_search --sizes 10000,100000,1000000

Latencies are percentiles of ``--queries`` queries; the CLI times are medians of
``--cli-runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from bench.common import machine, peak_mb, percentiles_ms, synthetic_registry
from matcher import Matcher
from matcher.ranking.ranker import Ranker
from matcher.values import Query

TEXTS = (
    "guidance and counselling for first-year students",
    "virtual mobility and digital teaching",
    "opintojen ohjaus ja neuvonta",
    "työelämärelevanssi ja työllistyminen",
    "Digitalisierung der Hochschullehre",
    "formation des enseignants et compétences clés",
    "renewable energy research network",
    "entrepreneurship training for students",
)
CLI_QUERIES = (
    ("search", "--text", "guidance and counselling for first-year students", "--country", "FI"),
    ("search", "--org", "999994535"),
)


def _queries(registry: Any, n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(np.diff(registry.incidence.indptr) > 0)
    codes = sorted(registry.themes)
    out: list[dict[str, Any]] = []
    for kind in rng.choice(4, size=n, p=[0.4, 0.3, 0.15, 0.15]).tolist():
        org = registry.orgs[int(rng.choice(active))].pic
        text = TEXTS[int(rng.integers(len(TEXTS)))]
        themes = [codes[int(i)] for i in rng.choice(len(codes), size=int(rng.integers(1, 3)),
                                                    replace=False)]
        out.append([{"org": org}, {"text": text}, {"themes": themes},
                    {"org": org, "text": text}][kind])
    return out


def serve(directory: Path) -> dict[str, float]:
    """Load a saved index in this fresh process, answer its queries: peak memory and p50."""
    threadpool_limits(limits=1, user_api="blas")
    matcher = Matcher.from_index(directory)
    queries = json.loads((directory / "queries.json").read_text(encoding="utf-8"))
    seconds = []
    for q in queries:
        t = time.perf_counter()
        matcher.search(**q)
        seconds.append(time.perf_counter() - t)
    return {"serve_p50_ms": percentiles_ms(seconds)[0], "serve_peak_mb": peak_mb()}


def one_size(n_orgs: int, n_queries: int, n_baseline: int) -> dict[str, Any]:
    """Every figure for one size (run in its own process)."""
    out: dict[str, Any] = {"orgs": n_orgs}
    t = time.perf_counter()
    registry = synthetic_registry(n_orgs)
    out["generate_s"] = time.perf_counter() - t
    out["projects"] = len(registry.projects)
    out["peak_after_generate_mb"] = peak_mb()
    t, cpu = time.perf_counter(), time.process_time()
    ranker = Ranker().fit(registry)
    out["build_s"] = time.perf_counter() - t
    out["build_cpu_s"] = time.process_time() - cpu
    directory = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        t = time.perf_counter()
        ranker.save(directory)
        out["save_s"] = time.perf_counter() - t
        out["disk_mb"] = sum(p.stat().st_size for p in directory.iterdir()) / 1e6
        t = time.perf_counter()
        Ranker.load(directory)
        out["load_s"] = time.perf_counter() - t
        # What a user's search process holds: the saved index loaded in a fresh process,
        # queried; without the generator, the fit and the brute-force baseline of this one.
        query_file = directory / "queries.json"
        query_file.write_text(json.dumps(_queries(registry, 50)), encoding="utf-8")
        served = subprocess.run([sys.executable, "-m", "bench.bench_search", "--serve",
                                 str(directory)], check=True, capture_output=True, text=True)
        out.update(json.loads(served.stdout.splitlines()[-1]))
        matcher = Matcher.from_index(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    # one BLAS thread for queries: a 100k x 64 float32 mat-vec takes ~1.4 ms CPU on one
    # thread and ~8 ms CPU (30 ms wall) with OpenBLAS's two spinning threads on this box
    limits = threadpool_limits(limits=1, user_api="blas")
    queries = _queries(registry, n_queries)
    for q in queries[:10]:  # warm-up
        matcher.search(**q)
    seconds, cpu_seconds, tops = [], [], []
    for q in queries:
        t, cpu = time.perf_counter(), time.process_time()
        result = matcher.search(**q)
        seconds.append(time.perf_counter() - t)
        cpu_seconds.append(time.process_time() - cpu)
        tops.append([m.org.id for m in result.matches])
    out["p50_ms"], out["p99_ms"] = percentiles_ms(seconds)
    out["cpu_p50_ms"], = percentiles_ms(cpu_seconds, 50)

    every = np.arange(registry.n_orgs, dtype=np.int64)
    by_pic = {o.pic: o.id for o in registry.orgs}
    base_seconds, overlap = [], []
    for q, top in zip(queries[:n_baseline], tops, strict=False):
        ids = (by_pic[q["org"]],) if "org" in q else ()
        query = Query(org_ids=ids, text=q.get("text", ""), themes=tuple(q.get("themes", ())))
        t = time.perf_counter()
        scores = ranker.score(query, every)
        scores[[registry.row_of[i] for i in ids]] = -1.0
        best = np.lexsort((ranker.ids_, -scores))[:10]
        base_seconds.append(time.perf_counter() - t)
        overlap.append(len(set(ranker.ids_[best].tolist()) & set(top)) / max(1, len(top)))
    out["brute_p50_ms"], out["brute_p99_ms"] = percentiles_ms(base_seconds)
    out["top10_overlap"] = float(np.mean(overlap))
    limits.restore_original_limits()
    out["peak_mb"] = peak_mb()
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_times(db: str | None, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds of each CLI query."""
    matcher = str(Path(sys.executable).with_name("matcher"))
    base = [matcher, *(["--db", db] if db else []), "-q"]
    subprocess.run([*base, "index"], check=True, capture_output=True)  # warm the cache
    out = {}
    for args in CLI_QUERIES:
        subprocess.run([*base, *args], check=True, capture_output=True)
        seconds, cpu_seconds = [], []
        for _ in range(runs):
            t, cpu = time.perf_counter(), _children_cpu()
            subprocess.run([*base, *args], check=True, capture_output=True)
            seconds.append(time.perf_counter() - t)
            cpu_seconds.append(_children_cpu() - cpu)
        out[" ".join(args)] = (statistics.median(seconds), statistics.median(cpu_seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size")
    parser.add_argument("--baseline", type=int, default=30, help="brute-force queries per size")
    parser.add_argument("--db", help="database for the CLI timing (default: the default one)")
    parser.add_argument("--cli-runs", type=int, default=5)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve)))
        return
    if args.one:
        n_queries = args.queries if args.one < 1_000_000 else max(50, args.queries // 4)
        print(json.dumps(one_size(args.one, n_queries, args.baseline)))
        return
    head = ("orgs", "projects", "gen s", "build s (cpu)", "save s", "load s", "disk MB",
            "p50 ms (cpu)", "p99 ms", "brute p50", "brute p99", "top10 =",
            "peak MB (registry alone)", "search process: peak MB, p50 ms")
    print(f"{machine()}; wall-clock figures, CPU seconds of the process in brackets")
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_search", "--one", str(size), "--queries", str(args.queries),
             "--baseline", str(args.baseline)],
            check=False, capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"})
        if done.returncode:
            print(f"{size}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        r = json.loads(done.stdout.splitlines()[-1])
        print(" | ".join([
            f"{r['orgs']:,}", f"{r['projects']:,}", f"{r['generate_s']:.1f}",
            f"{r['build_s']:.1f} ({r['build_cpu_s']:.1f})", f"{r['save_s']:.1f}",
            f"{r['load_s']:.1f}", f"{r['disk_mb']:.0f}",
            f"{r['p50_ms']:.1f} ({r['cpu_p50_ms']:.1f})", f"{r['p99_ms']:.1f}",
            f"{r['brute_p50_ms']:.1f}", f"{r['brute_p99_ms']:.1f}",
            f"{r['top10_overlap']:.0%}",
            f"{r['peak_mb']:.0f} ({r['peak_after_generate_mb']:.0f})",
            f"{r['serve_peak_mb']:.0f}, {r['serve_p50_ms']:.1f}"]), flush=True)
    if args.cli_runs:
        print("\n`matcher search` end to end (subprocess, warm index), median of "
              f"{args.cli_runs}:")
        for command, (seconds, cpu) in cli_times(args.db, args.cli_runs).items():
            print(f"  {seconds:.2f} s ({cpu:.2f} s CPU)  matcher {command}")


if __name__ == "__main__":
    main()
