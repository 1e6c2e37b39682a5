"""Refresh the search index after an import, or rebuild it whole: time, memory, agreement.

The default registry (built from the bundled data on first use, in a private folder) with
its index, then an Erasmus+ export in the real layout (:mod:`bench.eplus_export`, ``--projects``
projects) imported into it. Then, ``--runs`` times each, in a child process (so its peak
resident memory, ``VmHWM``, is the step's alone), from the same saved index of the default
registry:

- ``refresh``: :func:`matcher.ranking.index.refresh` (what ``matcher index`` and the first
  search after an import do);
- ``rebuild``: :func:`matcher.ranking.index.build` (``matcher index --rebuild``).

Medians of the wall times and peaks; then the agreement of the two indexes' answers: the
share of the rebuilt index's top 10 that the refreshed index's top 10 holds too (and
whether the lists are the same, in order), over README's example ideas, other idea texts,
queries by organisations of the default registry, and queries by organisations the import
added.

Usage::

    python -m bench.bench_refresh [--projects 2000] [--runs 3] [--home /tmp/bench-refresh]
    python -m bench.bench_refresh --registry /tmp/reg-100k.sqlite --export FILE ...

``--registry``: a registry (SQLite file) to use instead of the default one (its index is
built first when missing); ``--export``: the export to import (written when missing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

IDEAS = (
    "science education in schools, inquiry-based learning",
    "kestävän matkailun yhteinen maisteriohjelma",
    "digital skills in teacher education",
    "guidance and counselling for first-year students",
    "digital skills of teachers in vocational education and training",
    "inclusion of migrants through sport and youth work",
    "joint master degree programme in sustainable tourism",
    "virtual mobility and online intercultural exchange for engineering students",
    "key competences for adult learners",
    "employability of young people and career guidance",
    "battery recycling and circular economy",
    "ammatillinen koulutus ja työelämäyhteistyö",
)


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")) / 1024


def child(step: str, url: str, cache: str) -> None:
    """Refresh or build the index of ``url`` in ``cache``; print JSON."""
    from matcher.ranking import index
    from matcher.registry.store import Store
    from models.db import open_database

    db = open_database(url)
    start = time.perf_counter()
    with db.sessions.begin() as session:
        if step == "refresh":
            # beyond the threshold too: the figures are what it is chosen by
            found = index.refresh(Store(session), cache_dir=Path(cache), max_drift=1.0)
            if isinstance(found, str):
                raise SystemExit(f"not refreshed: {found}")
            info = found[1]
        else:
            info = index.build(Store(session), cache_dir=Path(cache))[1]
    took = time.perf_counter() - start
    db.dispose()
    print(json.dumps({"seconds": took, "peak_mb": _peak_mb(), "orgs": info.n_orgs,
                      "projects": info.n_projects, "bytes": info.bytes, "drift": info.drift,
                      "change": info.change}))


def _run(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_refresh", *args], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _default_registry(home: Path) -> Path:
    """The default registry, set up from the bundled data in ``home`` (first use)."""
    env = {"XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "xdg-cache"),
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "cli.main", "-q", "stats"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return home / "data" / "erasmus-partner-matcher" / "registry.sqlite"


def _import(url: str, export: Path) -> None:
    from data.importers import import_file
    from models.db import open_database

    db = open_database(url)
    with db.sessions.begin() as session:
        import_file(session, "eplus", export)
    db.dispose()


def _index_dir(url: str, cache: Path) -> Path:
    from matcher.ranking.index import index_dir
    from matcher.registry.store import Store
    from models.db import open_database

    db = open_database(url)
    with db.sessions.begin() as session:
        found = index_dir(Store(session), cache)
    db.dispose()
    return found


def _queries(base: Any, new: Any) -> dict[str, list[Any]]:
    """Idea texts, queries by old organisations (one and two, by activity) and by
    organisations new in ``new`` (a registry holding ``base``'s organisations first)."""
    import numpy as np

    from matcher.values import Query

    rng = np.random.default_rng(0)
    active = np.flatnonzero(np.diff(base.incidence.indptr) >= 2)
    old = [int(base.orgs[int(i)].id) for i in rng.choice(active, 60, replace=False)]
    fresh_rows = np.arange(base.n_orgs, new.n_orgs)
    fresh_rows = fresh_rows[np.diff(new.incidence.indptr)[fresh_rows] >= 1]
    fresh = [int(new.orgs[int(i)].id)
             for i in rng.choice(fresh_rows, min(60, fresh_rows.size), replace=False)]
    return {
        "ideas": [Query(text=t) for t in IDEAS],
        "old organisations": ([Query(org_ids=(i,)) for i in old[:40]]
                              + [Query(org_ids=(a, b)) for a, b in zip(old[40::2],
                                                                         old[41::2],
                                                                         strict=True)]),
        "new organisations": [Query(org_ids=(i,)) for i in fresh],
    }


def _overlap(a: Any, b: Any, queries: list[Any], filters: Any) -> tuple[float, float]:
    """Mean share of ``b``'s top 10 in ``a``'s, and the share of equal lists."""
    ra = a.rank(queries, n=10, filters=filters, explain=False)
    rb = b.rank(queries, n=10, filters=filters, explain=False)
    overlaps, same = [], []
    for x, y in zip(ra, rb, strict=True):
        ids_x, ids_y = [m.org.id for m in x], [m.org.id for m in y]
        overlaps.append(len(set(ids_x) & set(ids_y)) / max(len(ids_y), 1))
        same.append(ids_x == ids_y)
    return statistics.mean(overlaps), statistics.mean(same)


def agreement(refreshed: Path, rebuilt: Path, base: Path) -> dict[str, list[float]]:
    """For each kind of query: the mean share of the rebuilt index's top 10 in the
    refreshed index's, and the share of queries whose top 10 are the same list; then the
    same among the organisations the base index knew, for the refreshed index and for the
    base index itself (how far a whole fit moves the answers of the base's organisations:
    what a refresh cannot be held closer than)."""
    from matcher.ranking.ranker import Ranker
    from matcher.values import Filters

    a, b = Ranker.load(refreshed), Ranker.load(rebuilt)
    old = Ranker.load(base)
    known = Filters(only_ids=frozenset(int(i) for i in old.ids_))
    out = {}
    for kind, queries in _queries(old.registry_, a.registry_).items():
        row = [*_overlap(a, b, queries, Filters()), *_overlap(a, b, queries, known)]
        if kind != "new organisations":
            row.extend(_overlap(old, b, queries, known))
        out[f"{kind} ({len(queries)})"] = row
    return out


def _one_size(home: Path, source: Path, export: Path, runs: int) -> None:
    """Import ``export`` into a copy of ``source``; refresh and rebuild ``runs`` times each
    from the saved index of ``source``; print the figures and the agreement."""
    db, base_cache, cache = home / "imported.sqlite", home / "cache-base", home / "cache"
    shutil.copyfile(source, db)
    url = f"sqlite:///{db.resolve()}"
    started = time.perf_counter()
    _import(url, export)
    print(f"import of {export.name}: {time.perf_counter() - started:.1f} s")
    folder = _index_dir(url, cache)
    figures: dict[str, list[dict[str, Any]]] = {"refresh": [], "rebuild": []}
    for _ in range(runs):
        for step in ("refresh", "rebuild"):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(base_cache, cache)
            figures[step].append(_run("--child", "build" if step == "rebuild" else step,
                                      url, str(cache)))
            shutil.rmtree(home / step, ignore_errors=True)
            shutil.copytree(folder, home / step)
    first = figures["refresh"][0]
    print(f"registry after import: {first['orgs']:,} organisations, "
          f"{first['projects']:,} projects; change {first['change']}")
    for step, done in figures.items():
        each = ", ".join(f"{r['seconds']:.1f}" for r in done)
        print(f"{step:8s} median of {len(done)}: "
              f"{statistics.median(r['seconds'] for r in done):6.1f} s, peak "
              f"{statistics.median(r['peak_mb'] for r in done):6.0f} MB, index "
              f"{statistics.median(r['bytes'] for r in done) / 1e6:.0f} MB "
              f"(runs: {each} s)")
    print("agreement of the top 10 with the rebuilt index's (mean overlap, same list): "
          "refreshed; refreshed and base among the base's organisations")
    base_folder = next(base_cache.iterdir())
    for kind, row in agreement(home / "refresh", home / "rebuild", base_folder).items():
        print(f"  {kind:28s} " + "  ".join(f"{v:.3f}" for v in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[2000],
                        help="the export's size (several: one after the other, each "
                        "imported into the registry as it was)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--registry", type=Path, default=None)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--child", nargs=3, metavar=("STEP", "URL", "CACHE"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench.common import machine
    from bench.eplus_export import write_export

    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp:
        home = args.home or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        source = args.registry or _default_registry(home)
        db, base_cache = home / "imported.sqlite", home / "cache-base"
        if not base_cache.is_dir():
            shutil.copyfile(source, db)
            print("base index:", _run("--child", "build", f"sqlite:///{db.resolve()}",
                                      str(base_cache)))
        for n in args.projects:
            export = args.export or home / f"export-{n}.csv"
            if not export.exists():
                write_export(export, n)
            _one_size(home, source, export, args.runs)
            print(machine())


if __name__ == "__main__":
    main()
