"""The reliability tests at full strength; prints the figures of the README's Reliability
section.

The suite runs each reliability test a few times; ``MATCHER_STRESS=1`` (set here) runs many:
hundreds of generated files per importer and backend, hundreds of kills, more processes at
once. PostgreSQL runs too when a URL is given.

Usage::

    python -m bench.bench_reliability [POSTGRES_URL]   # default: $MATCHER_TEST_POSTGRES_URL
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/data/test_import_properties.py", "tests/data/test_import_faults.py",
         "tests/data/test_import_concurrency.py", "tests/models/test_locks.py",
         "tests/data/test_import_limits.py"]


def main() -> int:
    env = {**os.environ, "MATCHER_STRESS": "1"}
    if len(sys.argv) > 1:
        env["MATCHER_TEST_POSTGRES_URL"] = sys.argv[1]
    os.environ["MATCHER_STRESS"] = "1"
    from tests.data.test_import_concurrency import SAME_FILE, SEARCHES
    from tests.data.test_import_faults import STATEMENT_KILLS, TIMED_KILLS
    from tests.data.test_import_properties import EXAMPLES

    runs = {"test_import_properties": "{n} generated files (each imported up to 4 times)",
            "test_import_faults": f"{STATEMENT_KILLS} kills at SQL statements + "
                                  f"{TIMED_KILLS} at random times",
            "test_import_concurrency": f"{SAME_FILE} imports of one file, 1 of another and "
                                       f"{SEARCHES} searches at once"}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--junitxml={report}", *TESTS], cwd=ROOT, env=env, check=False)
        wall = time.perf_counter() - started
        cases = ET.parse(report).getroot().iter("testcase")
        print("\n| test | backend | runs | result | time |\n|---|---|---|---|---|")
        for case in cases:
            module = case.get("classname", "").rsplit(".", 1)[-1]
            name = case.get("name", "")
            backend = "PostgreSQL" if "postgres" in name else "SQLite"
            result = ("skipped" if case.find("skipped") is not None else "FAILED"
                      if case.find("failure") is not None or case.find("error") is not None
                      else "passed")
            what = runs.get(module, "").format(
                n=EXAMPLES["postgresql" if backend == "PostgreSQL" else "sqlite"])
            print(f"| {module}::{name} | {backend} | {what} | {result} | "
                  f"{float(case.get('time', 0)):.1f} s |")
        print(f"\nwall time {wall:.0f} s")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
