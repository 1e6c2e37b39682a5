"""A running ``matcher serve`` following its registry: what checking costs, and how long after
an import the server answers with the new organisation.

1. The registry's fingerprint (what each worker reads every 5 s): median of ``--calls`` reads
   on the default registry (SQLite) and, with ``--postgres URL``, on the same bundled data in
   a schema of that PostgreSQL database made for the run and dropped after it.
2. ``--runs`` times: import one new organisation into the default registry (a ``matcher
   import orgs`` process) while ``matcher serve --workers N`` runs, and time from the end of
   the import (committed) to the first ``200`` of ``/api/search?org=<its PIC>``, polled every
   0.1 s; meanwhile that search answers ``503`` (being indexed). The median and each run,
   and the server's resident memory (its processes summed) after start-up, at its peak
   while it brought the new indexes in (sampled every 0.2 s) and after the last one; the
   latency of an idea search from one client, idle and during the imports and refreshes.

The default registry lives in ``--home`` (built there on first use, then reused). Only
127.0.0.1 is ever asked.

    python -m bench.bench_live [--runs 5] [--workers 1] [--postgres postgresql://HOST/DB]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.common import ROOT, Sampler, machine, percentiles_ms, postgres_schema

HOST = "127.0.0.1"  # never anything else


def _fingerprint_ms(url: str | None, calls: int) -> float:
    from matcher import Matcher

    with Matcher.open(url, build=False) as matcher:
        matcher.fingerprint()  # connected, warm
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            matcher.fingerprint()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _postgres_fingerprint_ms(base: str, calls: int) -> tuple[float, int]:
    """The fingerprint's cost on the bundled data in a throwaway schema of ``base``."""
    from data.bootstrap import ensure_registry, load_bundled
    from models.db import open_database

    with postgres_schema(base, "bench_live") as url:
        db = open_database(url, create=True)
        ensure_registry(db, announce=lambda _: None)
        load_bundled(db)
        with db.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one()
        db.dispose()
        return _fingerprint_ms(url, calls), int(n)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _timed(url: str) -> float:
    """Seconds to a ``200`` answer from ``url`` (anything else stops the benchmark)."""
    started = time.perf_counter()
    if (status := _status(url)) != 200:
        raise SystemExit(f"{url} answered {status}")
    return time.perf_counter() - started


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _import_to_answer(env: dict[str, str], base: str, folder: Path, i: int) -> tuple[float, int]:
    """Seconds from the end of an import of one new organisation to the server's first
    answer with it, and how many 503 answers came before."""
    pic = f"9990{uuid.uuid4().int % 10**5:05d}"
    source = folder / f"new-{i}.csv"
    source.write_text(f"name,country,type,pic\nBench Live Institute {pic},FI,NGO,{pic}\n",
                      encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cli.main", "-q", "import", "orgs", str(source)],
                   env=env, cwd=ROOT, check=True)
    done = time.perf_counter()
    waits = 0
    while (status := _status(f"{base}/api/search?org={pic}&k=1")) != 200:
        if status != 503:
            raise SystemExit(f"unexpected answer {status} while the index was refreshed")
        waits += 1
        time.sleep(0.1)
    return time.perf_counter() - done, waits


class _Resident(Sampler):
    """Samples the resident memory of process ``pid`` and its children, summed."""

    def __init__(self, pid: int) -> None:
        super().__init__()
        self.pid, self.peak = pid, 0

    def now(self) -> int:
        import psutil

        total = 0
        process = psutil.Process(self.pid)
        for one in [process, *process.children(recursive=True)]:
            try:
                total += one.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", help="also the fingerprint on PostgreSQL at this URL")
    parser.add_argument("--home", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench-live-home")
    args = parser.parse_args()
    env = {**os.environ, "XDG_DATA_HOME": str(args.home / "data"),
           "XDG_CACHE_HOME": str(args.home / "cache")}
    env.pop("MATCHER_DB", None)
    os.environ.update(XDG_DATA_HOME=env["XDG_DATA_HOME"], XDG_CACHE_HOME=env["XDG_CACHE_HOME"])
    os.environ.pop("MATCHER_DB", None)
    print(f"machine: {machine()}")
    print(f"fingerprint, default registry (SQLite): {_fingerprint_ms(None, args.calls):.1f} ms "
          f"(median of {args.calls})")
    if args.postgres:
        ms, n = _postgres_fingerprint_ms(args.postgres, args.calls)
        print(f"fingerprint, the same {n:,} organisations on PostgreSQL: {ms:.1f} ms "
              f"(median of {args.calls})")

    port = _free_port()
    base = f"http://{HOST}:{port}"
    log = args.home / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers",
             str(args.workers)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        while _status(f"{base}/health") != 200:
            if server.poll() is not None:
                raise SystemExit(f"matcher serve stopped:\n{log.read_text()}")
            time.sleep(0.2)
        seconds = []
        idea = f"{base}/api/search?text=virtual+mobility+for+engineering+students&k=10"
        _status(idea)  # the first search's pages touched
        quiet = [_timed(idea) for _ in range(50)]
        busy: list[float] = []
        stop = threading.Event()

        def keep_searching() -> None:
            while not stop.is_set():
                busy.append(_timed(idea))

        searcher = threading.Thread(target=keep_searching)
        with tempfile.TemporaryDirectory() as folder, _Resident(server.pid) as memory:
            started = memory.now()
            searcher.start()
            for i in range(args.runs):
                took, waits = _import_to_answer(env, base, Path(folder), i)
                seconds.append(took)
                print(f"run {i + 1}: answered with the new organisation {took:.1f} s after "
                      f"its import ({waits} answers 503 meanwhile); {machine()}")
            stop.set()
            searcher.join()
            time.sleep(5)  # the old index's last references dropped
            ended = memory.now()
        for name, times in (("idle", quiet), ("during the imports and refreshes", busy)):
            p50, p95, worst = percentiles_ms(times, 50, 95, 100)
            print(f"an idea search, one client, {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                  f"max {worst:.0f} ms ({len(times)} searches)")
        print(f"server resident memory: {started / 2**20:,.0f} MB after start-up, peak "
              f"{memory.peak / 2**20:,.0f} MB while bringing new indexes in, "
              f"{ended / 2**20:,.0f} MB after the last one")
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"import -> searchable on a running server ({args.workers} worker(s)): median "
          f"{statistics.median(seconds):.1f} s of {len(seconds)} runs "
          f"(min {min(seconds):.1f}, max {max(seconds):.1f}); {machine()}")


if __name__ == "__main__":
    main()
