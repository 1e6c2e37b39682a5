"""Real ``matcher serve`` workers answering searches while imports run and while each brings
the new index in: no answer is a 5xx, and the imported organisations are found without a
restart. Two workers on one registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import _free_port
from tests.web.live import BASE, NEW, eventually, import_orgs

ROOT = Path(__file__).resolve().parents[2]
#: Imported one after the other while the server answers (the last one is :data:`NEW`).
BATCHES = [[(f"Turku Robotics Institute {i}", "FI", f"99900020{i}")] for i in range(2)] + [[NEW]]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``matcher --db URL serve --workers 2`` on the robotics registry: (registry URL, base
    URL of the server, its log)."""
    import_orgs(db_url, tmp_path, BASE, "base")
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")]))}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "--db", db_url, "serve", "--port", str(port),
             "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool | None:
            assert process.poll() is None, log.read_text()
            try:
                return _get(base + "/health")[0] == 200 or None
            except OSError:
                return None

        eventually(up, "matcher serve to start")
        yield db_url, base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_searches_answer_while_imports_run_and_new_organisations_are_found(
        served: tuple[str, str, Path], tmp_path: Path) -> None:
    registry, base, log = served
    statuses: Counter[int] = Counter()
    stop = threading.Event()
    asked = [f"{base}/api/search?text=robotics+education&k=5",
             f"{base}/api/search?org={BASE[0][2]}&k=3",
             f"{base}/orgs/{BASE[1][2]}", f"{base}/health"]

    def keep_asking() -> None:
        while not stop.is_set():
            for url in asked:
                statuses[_get(url)[0]] += 1

    askers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        for i, rows in enumerate(BATCHES):
            import_orgs(registry, tmp_path, rows, f"batch-{i}")

        def found_by_both_workers() -> bool | None:
            # the two workers share the port: ten answers in a row reach both of them
            for _ in range(10):
                status, body = _get(f"{base}/api/search?org={urllib.parse.quote(NEW[0])}")
                if status != 200:
                    assert status == 503 and b"NotYetIndexed" in body, body
                    return None
            return True

        eventually(found_by_both_workers, "both workers to find the new organisation")
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert statuses[200] >= len(asked) and set(statuses) == {200}, (statuses, log.read_text())
    status, body = _get(f"{base}/api/search?org={NEW[2]}")
    assert status == 200 and json.loads(body)["query"]["org"]["pic"] == NEW[2]
    for rows in BATCHES[:-1]:
        assert _get(f"{base}/api/search?org={rows[0][2]}")[0] == 200
    said = log.read_text()
    assert "Traceback" not in said and "Now answering from the new search index" in said
