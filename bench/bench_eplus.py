"""Import generated Erasmus+ exports of real size; print time, memory and what was merged.

For each size, an export in the real layout (:mod:`bench.eplus_export`) is written, then:

- ``csv read``: reading it with Python's ``csv`` module (the floor an import is held to),
  median of three reads, in the same run;
- ``import``: ``import_file(session, "eplus", ...)`` into a fresh registry (the reference data
  only), in a child process, so its peak resident memory is the import's;
- ``again``: the same file imported a second time (must change nothing);
- ``organisations`` in the registry against the truth, and the pairwise precision and recall
  of merging: the distinct spellings of the file, each put in the registry organisation its
  project holds under that name; a pair of spellings in one registry organisation is a
  right merge when the truth says they are one organisation.

Usage::

    python -m bench.bench_eplus --sizes 2000 10000 [--runs 3] [--db postgresql://...]

``--db``: a PostgreSQL server URL (a fresh schema per run, dropped after) instead of SQLite.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")) / 1024


def child(url: str, path: Path) -> None:
    """Import ``path`` into ``url`` (created with the reference data when new); print JSON."""
    from data.importers import import_file
    from data.reference import seed_reference
    from models.db import open_database

    db = open_database(url)
    with db.sessions.begin() as session:
        seed_reference(session)
    start = time.perf_counter()
    with db.sessions.begin() as session:
        report = import_file(session, "eplus", path)
    took = time.perf_counter() - start
    db.dispose()
    print(json.dumps({"seconds": took, "peak_mb": _peak_mb(), "created": report.created,
                      "updated": report.updated, "summary": report.summary()}))


def _import(url: str, path: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_eplus", "--child", url, str(path)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def csv_read_seconds(path: Path) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as f:
            for _row in csv.reader(f):
                pass
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def merging(url: str, truth_path: Path) -> dict[str, float]:
    """Organisations in the registry, and the pairwise precision and recall of merging."""
    import sqlalchemy as sa

    from bench.eplus_export import Truth
    from models.db import open_database
    from models.schema import Organisation, OrganisationAlias, Participation, Project
    from models.text import fold

    truth = Truth.load(truth_path)
    db = open_database(url)
    with db.sessions() as s:
        names: dict[int, set[str]] = defaultdict(set)
        country: dict[int, str] = {}
        for oid, name, where in s.execute(sa.select(Organisation.id, Organisation.normalised_name,
                                                    Organisation.country)):
            names[oid].add(name or "")
            country[oid] = where
        for oid, name in s.execute(sa.select(OrganisationAlias.organisation_id,
                                             OrganisationAlias.normalised)):
            names[oid].add(name)
        members: dict[str, list[int]] = defaultdict(list)
        for ident, oid in s.execute(sa.select(Project.identifier, Participation.organisation_id)
                                    .join(Participation)):
            members[ident].append(oid)
        n_orgs = int(s.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0)
    db.dispose()
    unit_org: dict[tuple[int, str], int] = {}
    lost = 0
    for ident, listed in truth.members.items():
        for true_id, name, where in listed:
            key = fold(name)
            found = [o for o in members.get(ident, []) if key in names[o] and country[o] == where]
            if not found:
                lost += 1
                continue
            unit_org.setdefault((true_id, key), found[0])
    clusters: dict[int, Counter[int]] = defaultdict(Counter)
    per_truth: Counter[int] = Counter()
    for (true_id, _), org in unit_org.items():
        clusters[org][true_id] += 1
        per_truth[true_id] += 1
    pairs = sum(n * (n - 1) // 2 for c in clusters.values() for n in [sum(c.values())])
    right = sum(n * (n - 1) // 2 for c in clusters.values() for n in c.values())
    wanted = sum(n * (n - 1) // 2 for n in per_truth.values())
    wrong_orgs = sum(len(c) - 1 for c in clusters.values())
    return {"organisations": n_orgs, "truth": truth.organisations, "lost": lost,
            "precision": right / pairs if pairs else 1.0,
            "recall": right / wanted if wanted else 1.0,
            "distinct merged": wrong_orgs, "spellings": len(unit_org)}


@contextmanager
def _registry_url(base: str | None, folder: Path, label: str) -> Iterator[str]:
    """A new registry's URL: an SQLite file in ``folder``, or a throwaway schema of the
    PostgreSQL server ``base``."""
    if base is None:
        yield f"sqlite:///{folder / (label + '.sqlite')}"
        return
    from bench.common import postgres_schema  # not at the top: the import's child reads this module

    with postgres_schema(base) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--db", default=None, help="PostgreSQL server URL; default SQLite")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    from bench.common import machine
    from bench.eplus_export import write_export

    print(machine())
    print("| projects | file | csv read | import | import / csv | peak memory | again "
          "| again changed | organisations (truth) | merge precision | merge recall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-eplus-") as tmp:
        folder = Path(tmp)
        for n in args.sizes:
            path = folder / f"export-{n}.csv"
            truth_path = path.with_suffix(".truth.json")
            write_export(path, n, truth_path=truth_path)
            rows = []
            for run in range(args.runs):
                with _registry_url(args.db, folder, f"r{n}-{run}") as url:
                    read = csv_read_seconds(path)
                    first = _import(url, path)
                    again = _import(url, path)
                    merged = merging(url, truth_path)
                rows.append((read, first, again, merged))
                print(f"  run {run + 1}: csv {read:.2f} s, import {first['seconds']:.1f} s "
                      f"({first['peak_mb']:.0f} MB), again {again['seconds']:.1f} s "
                      f"({again['summary']}), {merged}", file=sys.stderr, flush=True)
            med = statistics.median
            read = med(r[0] for r in rows)
            took = med(float(r[1]["seconds"]) for r in rows)  # type: ignore[arg-type]
            peak = med(float(r[1]["peak_mb"]) for r in rows)  # type: ignore[arg-type]
            again_s = med(float(r[2]["seconds"]) for r in rows)  # type: ignore[arg-type]
            changed = max(int(r[2]["created"]) + int(r[2]["updated"])  # type: ignore[call-overload]
                          for r in rows)
            m = rows[0][3]
            print(f"| {n:,} | {path.stat().st_size / 1e6:.0f} MB | {read:.2f} s | {took:.1f} s "
                  f"| {took / read:.0f}x | {peak:.0f} MB | {again_s:.1f} s | {changed} "
                  f"| {m['organisations']:,} ({m['truth']:,}) | {m['precision']:.4f} "
                  f"| {m['recall']:.4f} |", flush=True)


if __name__ == "__main__":
    main()
