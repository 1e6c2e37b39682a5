"""Build the search index of a registry of real Erasmus+ size; time warm CLI searches on it.

An export in the real layout (:mod:`bench.eplus_export`, as :mod:`bench.bench_eplus` writes
it) is imported once into a fresh SQLite registry (kept with ``--registry``, so that later
runs reuse it), then:

- ``build``: :func:`matcher.ranking.index.build` of that registry in a child process, so that
  its peak resident memory (``VmHWM``) is the build's alone: wall time and peak, ``--builds``
  runs, median;
- ``warm search``: the ``matcher search`` command as a user runs it (a new process, the index
  already built and cached on disk), ``--runs`` times after one untimed run, median wall
  time, on that registry and on the default (bundled) registry, and their ratio.

The index cache and the default registry live in a private folder (``--home``, given to the
children as ``$XDG_CACHE_HOME`` and ``$XDG_DATA_HOME``), never in the user's own.

Usage::

    python -m bench.bench_index --projects 100000 --registry /tmp/reg-100k.sqlite \\
        [--export /tmp/export-100k.csv] [--home /tmp/bench-index-home] [--builds 1] [--runs 5]
    python -m bench.bench_index --registry /tmp/reg-100k.sqlite --skip-build   # searches only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: An idea and a partner search, as a user types them.
SEARCHES = (
    ["--text", "digital skills of teachers in vocational education and training", "-k", "10"],
    ["--text", "inclusion of migrants through sport and youth work", "--country", "DE",
     "-k", "10"],
)


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")) / 1024


def child_build(url: str) -> None:
    """Build the index of ``url`` (into ``$XDG_CACHE_HOME``); print JSON."""
    from matcher.ranking.index import build
    from matcher.registry.store import Store
    from models.db import open_database

    db = open_database(url)
    start = time.perf_counter()
    with db.sessions.begin() as session:
        _ranker, info = build(Store(session))
    took = time.perf_counter() - start
    db.dispose()
    print(json.dumps({"seconds": took, "peak_mb": _peak_mb(), "orgs": info.n_orgs,
                      "projects": info.n_projects, "bytes": info.bytes}))


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(home / "cache")
    env["XDG_DATA_HOME"] = str(home / "data")
    env.pop("MATCHER_DB", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _import(url: str, export: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_eplus", "--child", url, str(export)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _build(url: str, home: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_index", "--child-build", url],
                         cwd=ROOT, env=_env(home), check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _search_seconds(db: str | None, args: list[str], home: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one ``matcher search`` process."""
    command = [sys.executable, "-m", "cli.main", "-q"]
    if db is not None:
        command += ["--db", db]
    command += ["search", "--format", "json", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=_env(home), check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_search(db: str | None, home: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` rounds of :data:`SEARCHES` (one untimed
    round first: it builds what is missing), each search a new process; per search. The
    CPU time says the same on a machine shared with other work, where the wall time
    does not."""
    for args in SEARCHES:
        _search_seconds(db, args, home)
    times = [_search_seconds(db, args, home) for _ in range(runs) for args in SEARCHES]
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--export", type=Path, default=None,
                        help="an export to import (written first when missing)")
    parser.add_argument("--registry", type=Path, default=None,
                        help="the SQLite registry file; imported only when missing")
    parser.add_argument("--home", type=Path, default=None,
                        help="private cache and data folder (default: a temporary one)")
    parser.add_argument("--builds", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timed rounds of searches")
    parser.add_argument("--skip-build", action="store_true",
                        help="time the searches only (the index is built when missing)")
    parser.add_argument("--child-build", metavar="URL")
    args = parser.parse_args()
    if args.child_build:
        child_build(args.child_build)
        return
    from bench.common import machine

    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        folder = Path(tmp)
        home = args.home or folder / "home"
        registry = args.registry or folder / "registry.sqlite"
        url = f"sqlite:///{registry.resolve()}"
        if not registry.exists():
            export = args.export or folder / f"export-{args.projects}.csv"
            if not export.exists():
                from bench.eplus_export import write_export

                write_export(export, args.projects)
            done = _import(url, export)
            print(f"import: {done['seconds']:.0f} s, {done['peak_mb']:.0f} MB, "
                  f"{done['summary']}", file=sys.stderr, flush=True)
        if not args.skip_build:
            builds = []
            for run in range(args.builds):
                builds.append(_build(url, home))
                print(f"  build {run + 1}: {builds[-1]}", file=sys.stderr, flush=True)
            b = builds[0]
            print(f"| organisations | projects | build (median of {len(builds)}) "
                  "| peak memory | index size |")
            print("|---|---|---|---|---|")
            print(f"| {int(b['orgs']):,} | {int(b['projects']):,} "
                  f"| {statistics.median(x['seconds'] for x in builds):.1f} s "
                  f"| {statistics.median(x['peak_mb'] for x in builds):.0f} MB "
                  f"| {b['bytes'] / 1e6:.0f} MB |", flush=True)
        big = warm_search(url, home, args.runs)
        default = warm_search(None, home, args.runs)
        n = args.runs * len(SEARCHES)
        print(f"\nwarm `matcher search`, median of {n} (a new process each):")
        print("| registry | wall | ratio | CPU (user + system) | ratio |")
        print("|---|---|---|---|---|")
        print(f"| default | {default[0] * 1000:.0f} ms | 1.00x | {default[1] * 1000:.0f} ms "
              "| 1.00x |")
        print(f"| {registry.name} | {big[0] * 1000:.0f} ms | {big[0] / default[0]:.2f}x "
              f"| {big[1] * 1000:.0f} ms | {big[1] / default[1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
