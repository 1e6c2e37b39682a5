"""What the benchmarks share: registries to run on, timing and memory, the machine's state.

Run a benchmark from the repository root as a module, e.g. ``python -m bench.bench_batch``;
``matcher`` and ``bench`` are then importable without touching ``sys.path``.

- :func:`synthetic_registry`: a registry of any size shaped like the real one
  (:mod:`bench.synth`), carrying the reference data of ``data/reference`` so that a
  :class:`~matcher.Matcher` can answer from its saved index;
- :func:`fitted_registry`: such a registry with a ranker fitted on it, both timed;
- :func:`reference`: that reference data, seeded into a throwaway SQLite registry and read
  back, the path a real registry takes;
- :func:`median_runs`, :func:`percentiles_ms`: every figure a benchmark prints is a median
  of several runs; latencies are percentiles of many queries;
- :func:`peak_mb` and :class:`ChildMemory`: peak resident memory of this process and of its
  worker processes;
- :func:`machine`: cores and load average, printed with every table (figures taken on a busy
  machine are not comparable);
- :func:`postgres_schema`: a throwaway schema of a PostgreSQL server, for a run on it.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Self, TypeVar

import numpy as np

from bench.synth import make_registry
from data.reference import seed_reference
from matcher.ranking.ranker import Ranker
from matcher.registry.reference import Reference
from matcher.registry.snapshot import Registry
from matcher.registry.store import load_reference
from models.db import open_database

__all__ = [
    "ROOT",
    "SHARED",
    "ChildMemory",
    "Fitted",
    "Sampler",
    "fitted_registry",
    "machine",
    "median_runs",
    "peak_mb",
    "percentiles_ms",
    "reference",
    "synthetic_registry",
]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

T = TypeVar("T")


@cache
def reference() -> Reference:
    """The reference data of ``data/reference`` as a registry holds it."""
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as folder:
        db = open_database(f"sqlite:///{folder}/reference.sqlite", create=True)
        try:
            with db.sessions.begin() as session:
                seed_reference(session)
            with db.sessions() as session:
                return load_reference(session)
        finally:
            db.dispose()


def synthetic_registry(n_orgs: int, seed: int = 0) -> Registry:
    """A synthetic registry of ``n_orgs`` organisations with the reference data attached."""
    return dataclasses.replace(make_registry(n_orgs, seed), reference=reference())


@dataclasses.dataclass(frozen=True)
class Fitted:
    """A synthetic registry, the ranker fitted on it, and what each cost (seconds)."""

    registry: Registry
    ranker: Ranker
    generate_s: float
    fit_s: float

    def summary(self) -> str:
        return (f"registry: {self.registry.n_orgs:,} organisations, "
                f"{len(self.registry.projects):,} projects (generated {self.generate_s:.1f} s); "
                f"index fit {self.fit_s:.1f} s")


def fitted_registry(n_orgs: int) -> Fitted:
    """:func:`synthetic_registry` of ``n_orgs`` and a :class:`Ranker` fitted on it, timed."""
    t0 = time.perf_counter()
    registry = synthetic_registry(n_orgs)
    t1 = time.perf_counter()
    ranker = Ranker().fit(registry)
    return Fitted(registry, ranker, t1 - t0, time.perf_counter() - t1)


def median_runs(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Call ``measure`` ``runs`` times; the median of each figure it returns."""
    results = [measure() for _ in range(max(1, runs))]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def percentiles_ms(seconds: Sequence[float], *qs: float) -> tuple[float, ...]:
    """Percentiles ``qs`` (default p50, p99) of ``seconds``, in milliseconds."""
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return tuple(float(np.percentile(ms, q)) for q in (qs or (50, 99)))


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` would carry a parent's peak
    over ``exec``)."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    kb = next(int(line.split()[1]) for line in status.splitlines()
              if line.startswith("VmHWM:"))
    return kb / 1024


@contextmanager
def postgres_schema(server: str, prefix: str = "bench") -> Iterator[str]:
    """The URL of a new schema of the PostgreSQL ``server`` (``postgresql://HOST/DB``), the
    only one its connections see; the schema is dropped when the block ends."""
    import uuid

    import sqlalchemy as sa

    base = "postgresql+psycopg://" + server.split("://", 1)[1]
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


class Sampler:
    """A thread that calls :meth:`_sample` (a loop until ``_stop`` is set) while the ``with``
    block runs."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class ChildMemory(Sampler):
    """Samples, twice a second, the resident memory of the children of process ``pid``
    (default: this one; a pool's worker processes), those whose command line ``only``
    accepts when given; ``peak`` holds the largest seen per child, ``peak_mb`` the largest."""

    def __init__(self, pid: int | None = None,
                 only: Callable[[list[str]], bool] | None = None) -> None:
        super().__init__()
        self._pid = pid
        self._only = only
        self.peak: dict[int, int] = {}

    @property
    def peak_mb(self) -> float:
        return max(self.peak.values(), default=0) / 2**20

    def now(self) -> dict[int, int]:
        """The resident bytes of each child sampled."""
        import psutil

        found = {}
        for child in psutil.Process(self._pid).children(recursive=True):
            try:
                if self._only is None or self._only(child.cmdline()):
                    found[child.pid] = child.memory_info().rss
            except psutil.Error:  # the child ended between listing and reading
                continue
        return found

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid, rss in self.now().items():
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
