"""The registry's database stopping under a running server: every answer that needs it is
503 with a sentence and ``Retry-After`` (JSON for the API and ``/health``, a page for the
pages), never a 500; answers from the loaded index go on. On SQLite and PostgreSQL: the
database refuses every connection once the server has started."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import event

from cli.main import cli
from cli.web.app import create_app
from matcher import Matcher
from tests.hostile import profiles_csv

MESSAGE = "the registry's database is not answering: try again in a minute"


@pytest.fixture
def down(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A server on the hostile profiles, whose database then refuses every connection."""
    source = tmp_path / "profiles.csv"
    source.write_text(profiles_csv(), encoding="utf-8")
    assert CliRunner().invoke(cli, ["-q", "--db", db_url, "import", "orgs",
                                    str(source)]).exit_code == 0
    matcher = Matcher.open(db_url, cache_dir=tmp_path / "cache")
    engine = matcher.db.engine

    def refuse(*_args: Any) -> None:
        if engine.dialect.name == "sqlite":
            raise sqlite3.OperationalError("unable to open database file")
        import psycopg

        raise psycopg.OperationalError("connection refused")

    with TestClient(create_app(lambda: matcher)) as client:
        engine.dispose()  # the connections of the pool are gone with the server
        event.listen(engine, "do_connect", refuse)
        try:
            yield client
        finally:
            event.remove(engine, "do_connect", refuse)
    matcher.close()


@pytest.mark.parametrize("path", ["/health", "/api/orgs", "/api/orgs/%231",
                                  "/api/themes"])
def test_the_api_and_health_answer_503_in_json(down: TestClient, path: str) -> None:
    got = down.get(path)
    assert got.status_code == 503
    assert got.json() == {"error": "DatabaseError", "message": MESSAGE, "field": None}
    assert got.headers["retry-after"] == "30"


def test_a_post_answers_503(down: TestClient) -> None:
    got = down.post("/api/check", json={"action": "KA220-HED", "members": ["#1", "#2"]})
    assert (got.status_code, got.json()["message"]) == (503, MESSAGE)
    assert got.headers["retry-after"] == "30"


@pytest.mark.parametrize("path", ["/orgs/%231", "/consortium?members=%231"])
def test_the_pages_answer_503_with_a_page(down: TestClient, path: str) -> None:
    got = down.get(path)
    assert got.status_code == 503
    assert got.headers["content-type"].startswith("text/html")
    assert MESSAGE.replace("'", "&#39;") in got.text and 'role="alert"' in got.text
    assert got.headers["retry-after"] == "30"
    assert "Traceback" not in got.text and "SELECT" not in got.text


def test_in_finnish_the_page_and_the_api_say_it_in_finnish(down: TestClient) -> None:
    finnish = "rekisterin tietokanta ei vastaa: yritä uudelleen hetken kuluttua"
    page = down.get("/orgs/%231", params={"lang": "fi"})
    assert page.status_code == 503 and finnish in page.text and MESSAGE not in page.text
    assert down.get("/api/orgs", params={"lang": "fi"}).json()["message"] == finnish
    missing = down.get("/no/such/page", params={"lang": "fi"})
    assert missing.status_code == 404 and "sivua ei ole: /no/such/page" in missing.text


def test_what_the_index_answers_goes_on(down: TestClient) -> None:
    assert down.get("/api/search", params={"text": "robotics education"}).status_code == 200
