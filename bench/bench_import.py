"""Import all of ``../shared/data`` into SQLite and PostgreSQL; print timings and counts.

The ECHE list as CSV, then as ``.xlsx`` (which repairs the characters cp1252 lost), then the
H2020 history with its programme parts, organisation names and project titles, then each
file again (must change nothing). The PostgreSQL run uses a fresh schema that is dropped
afterwards.

Usage::

    python -m bench.bench_import [POSTGRES_URL]   # default: $MATCHER_TEST_POSTGRES_URL
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import SHARED, machine, postgres_schema
from data.importers import import_file
from data.reference import seed_reference
from models.db import open_database
from models.schema import Organisation, Participation, Project, Theme

DATA = SHARED
STEPS: list[tuple[str, Path, dict[str, Any]]] = [
    ("eche", DATA / "eche" / "eche-holders-2021-2027.csv", {}),
    ("eche", DATA / "eche" / "eche-holders-2021-2027.xlsx", {}),
    ("history", DATA / "cordis-h2020" / "participations.csv.gz",
     {"programme_parts": DATA / "cordis-h2020" / "programme_parts.csv.gz",
      "organisations": DATA / "cordis-h2020" / "organisations.csv.gz",
      "projects": DATA / "cordis-h2020" / "projects.csv.gz"}),
]


def run(url: str, label: str) -> dict[str, int]:
    db = open_database(url)
    with db.sessions.begin() as session:
        seed_reference(session)
    total = 0.0
    for rnd in ("first", "again"):
        for kind, path, options in STEPS:
            start = time.perf_counter()
            with db.sessions.begin() as session:
                report = import_file(session, kind, path, **options)
            took = time.perf_counter() - start
            total += took
            print(f"  {label:<10} {rnd:<5} {kind:<7} {took:6.1f} s  {report.summary()}")
    with db.sessions() as s:
        counts = {t.__tablename__: int(s.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
                  for t in (Organisation, Project, Participation, Theme)}
        counts["named organisations"] = int(s.scalar(
            sa.select(sa.func.count()).select_from(Organisation)
            .where(Organisation.legal_name.is_not(None))) or 0)
    db.dispose()
    print(f"  {label:<10} total {total:.1f} s; counts {counts}")
    return counts


def main() -> None:
    pg = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MATCHER_TEST_POSTGRES_URL")
    print(machine())
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "sqlite")
    if pg:
        with postgres_schema(pg) as url:
            results["postgres"] = run(url, "postgres")
    else:
        print("  (no PostgreSQL URL: pass one or set MATCHER_TEST_POSTGRES_URL)")
    if len(results) == 2:
        same = results["sqlite"] == results["postgres"]
        print(f"SQLite and PostgreSQL counts equal: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
