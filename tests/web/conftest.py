"""The web app on the default registry: a test client on the session's matcher, the CLI's
JSON for the same query, and one real ``matcher serve`` for the browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import DefaultHome

pytest.importorskip("fastapi", reason="the web tests need the web extra")
from fastapi.testclient import TestClient

from cli.web.app import create_app


@pytest.fixture(scope="session")
def client(default_matcher: Any) -> Iterator[TestClient]:
    """The app on the session's matcher (its index built once)."""
    with TestClient(create_app(lambda: default_matcher)) as test_client:
        yield test_client


@pytest.fixture
def cli_json(default_home: DefaultHome, default_matcher: Any, runner: CliRunner,
             monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, Any, str]]:
    """``matcher ARGS --format json`` on the default registry: (exit code, the JSON, stderr).
    The CLI answers from the session's matcher, so no test loads the index again."""
    default_home.use(monkeypatch)
    monkeypatch.setattr("cli.app.App.matcher", lambda self: default_matcher)

    def run(*args: str) -> tuple[int, Any, str]:
        result = runner.invoke(cli, ["-q", *args, "--format", "json"])
        out = json.loads(result.stdout) if result.stdout.strip() else None
        return result.exit_code, out, result.stderr

    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(default_home: DefaultHome, default_matcher: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``matcher serve`` on a free port of 127.0.0.1, on the default registry whose
    index the session built; its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "XDG_DATA_HOME": str(default_home.data),
           "XDG_CACHE_HOME": str(default_home.cache),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root),
                                                        os.environ.get("PYTHONPATH")]))}
    env.pop("MATCHER_DB", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"matcher serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
