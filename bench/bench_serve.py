"""Load on ``matcher serve --workers 2`` with the default registry, from 127.0.0.1 only.

Starts the server on a free port of 127.0.0.1, then runs two closed-loop phases (each client
sends its next request when the last one is answered, no pause between):

1. ``GET /api/search`` from ``--clients`` (20) clients for ``--seconds`` (60): p50, p95,
   p99, requests per second, errors;
2. ``POST /api/complete`` from ``--complete-clients`` (5) clients for the same time.

The load is bounded in time and in count (``--max-requests`` per phase) and only ever sent
to 127.0.0.1. Prints the resident memory of each worker (after start-up and its peak under
load) and the machine's cores and load: the load generator runs on the same cores.

    python -m bench.bench_serve [--seconds 60] [--workers 2] [--clients 20] [--distinct N]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import ROOT, ChildMemory, machine, percentiles_ms

HOST = "127.0.0.1"  # never anything else
IDEAS = (
    "virtual mobility for engineering students",
    "guidance and counselling for first-year students",
    "digital skills of teachers",
    "climate change adaptation in cities",
    "inclusion of students with disabilities",
    "joint master programme in data science",
    "entrepreneurship education",
    "micro-credentials for lifelong learning",
    "green transition of higher education campuses",
    "internationalisation at home",
    "artificial intelligence in teaching",
    "open science and research data",
    "language learning and intercultural skills",
    "sustainable tourism",
    "public health workforce training",
    "opintojen ohjaus ja neuvonta",
)
COUNTRIES = ((), ("FI",), ("DE", "FR"), ("ES",), ("PL", "CZ", "SK"))
MEMBERS = (("999873188", "999991722"), ("SF HELSINK01", "999997930"),
           ("999994535", "999989782"), ("999873188", "999997930"))


@dataclass
class Phase:
    """The latencies and errors of one phase."""

    seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wall: float = 0.0

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


Request = tuple[str, str, bytes | None]


def _search_requests(distinct: int = 0, seed: int = 0) -> list[Request]:
    """The 80 searches (16 ideas x 5 country filters); with ``distinct``, that many searches
    that are all different: ideas made of 3 to 6 words drawn from the ideas' words."""
    pairs: list[tuple[str, Sequence[str]]] = list(itertools.product(IDEAS, COUNTRIES))
    if distinct:
        rnd = random.Random(seed)
        words = sorted({w for idea in IDEAS for w in idea.split() if len(w) > 3})
        found: dict[str, Sequence[str]] = {}
        while len(found) < distinct:
            found.setdefault(" ".join(rnd.sample(words, rnd.randint(3, 6))),
                             rnd.choice(COUNTRIES))
        pairs = list(found.items())
    out: list[Request] = []
    for idea, countries in pairs:
        query = urlencode([("text", idea), ("k", "10"), *(("countries", c) for c in countries)])
        out.append(("GET", f"/api/search?{query}", None))
    return out


def _complete_requests() -> list[Request]:
    return [("POST", "/api/complete", json.dumps({"action": "KA220-HED", "members": list(m),
                                                  "text": idea, "n": 5}).encode())
            for m, idea in itertools.product(MEMBERS, IDEAS[:6])]


def run_phase(port: int, requests: Sequence[Request], clients: int, seconds: float,
              max_requests: int, *, once_each: bool = False) -> Phase:
    """``clients`` keep-alive connections sending ``requests`` in turn until ``seconds``
    have passed or ``max_requests`` were sent in all. ``once_each``: the clients share one
    walk through ``requests``, so none is sent twice before all were."""
    phase = Phase()
    deadline = time.monotonic() + seconds
    budget = itertools.count()

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        for i in itertools.count(offset):
            sent = next(budget)
            if time.monotonic() >= deadline or sent >= max_requests:
                break
            method, path, body = requests[(sent if once_each else i) % len(requests)]
            headers = {"Content-Type": "application/json"} if body else {}
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException) as exc:
                phase.error(type(exc).__name__)
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            took = time.perf_counter() - start
            if answer.status != 200:
                phase.error(f"HTTP {answer.status}")
            else:
                with phase.lock:
                    phase.seconds.append(took)
        connection.close()

    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.wall = time.monotonic() - started
    return phase


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("matcher serve stopped before answering")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"matcher serve did not answer /health within {timeout:.0f} s")


def _worker(cmdline: list[str]) -> bool:
    """uvicorn's spawned worker processes (not the supervisor nor multiprocessing's resource
    tracker)."""
    return any("spawn_main" in part for part in cmdline)


def _report(name: str, phase: Phase, say: Callable[[str], None]) -> None:
    n = len(phase.seconds)
    if not n:
        say(f"{name}: no answer; errors {phase.errors}")
        return
    p50, p95, p99 = percentiles_ms(phase.seconds, 50, 95, 99)
    say(f"{name:<34} {n:>7,} {n / phase.wall:>8.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
        f"{sum(phase.errors.values()):>7}" + (f"  {phase.errors}" if phase.errors else ""))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="per phase (default 60)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20, help="for /api/search")
    parser.add_argument("--complete-clients", type=int, default=5)
    parser.add_argument("--max-requests", type=int, default=200_000, help="per phase")
    parser.add_argument("--db", help="registry URL (default: the default registry)")
    parser.add_argument("--distinct", type=int, default=0,
                        help="send this many different searches, none repeated (default: the "
                             "80 searches in turn)")
    args = parser.parse_args(argv)

    port = _free_port()
    command = [sys.executable, "-m", "cli.main", "-q",
               *(["--db", args.db] if args.db else []),
               "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    server = subprocess.Popen(command, cwd=Path(ROOT), env=env)
    try:
        started = time.monotonic()
        _wait_ready(port, server)
        ready = time.monotonic() - started
        with ChildMemory(server.pid, only=_worker) as memory:
            idle = memory.now()
            warm = run_phase(port, _search_requests(), 2, 2, 200)  # first touches
            search = run_phase(port, _search_requests(args.distinct, seed=1), args.clients,
                               args.seconds, args.max_requests, once_each=bool(args.distinct))
            build = run_phase(port, _complete_requests(), args.complete_clients,
                              args.seconds, args.max_requests)
        del warm
        print(f"matcher serve --workers {args.workers} on the default registry, "
              f"{machine()}; ready in {ready:.1f} s")
        print(f"{'phase':<34} {'answers':>7} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p99 ms':>8} {'errors':>7}")
        _report(f"GET /api/search x{args.clients} clients", search, print)
        if args.distinct:
            print(f"  ({args.distinct:,} different searches, none sent twice unless all were)")
        _report(f"POST /api/complete x{args.complete_clients} clients", build, print)
        for n, pid in enumerate(sorted(memory.peak), 1):
            print(f"worker {n}: {idle.get(pid, 0) / 2**20:5.0f} MB resident after start-up, "
                  f"{memory.peak[pid] / 2**20:5.0f} MB peak under load")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
