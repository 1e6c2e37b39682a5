"""A running server follows its registry: an organisation imported while it runs is said to be
being indexed (never offered as a member, never called unknown) until the new index is in,
then found by every search without a restart; a failed refresh keeps the old index and says
so. On SQLite and PostgreSQL, through a test client whose worker checks its registry every
0.1 s; ``test_serve_under_import.py`` does it with real ``matcher serve`` workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import matcher.facade
from cli.web.app import create_app
from matcher import Matcher
from matcher.i18n.catalogue import MESSAGES
from tests.web.live import BASE, NEW, eventually, import_orgs

ADD_EN, ADD_FI = MESSAGES["add"]
INDEXING_EN, INDEXING_FI = MESSAGES["org.indexing"]
NAME, _, PIC = NEW
COMPLETE = {"action": "KA203", "members": [PIC], "n": 1}  # ECHE not checked


class Gate:
    """Holds every call of the facade's ``load_or_build`` (the refresh's build) until
    ``open`` is set; while ``error`` is set, a call raises it instead of building."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *,
                 error: Exception | None = None) -> None:
        self.open = threading.Event()
        self.error, self.calls = error, 0
        real = matcher.facade.load_or_build

        def held(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.open.wait(120)
            if self.error is not None:
                raise self.error
            return real(*args, **kwargs)

        monkeypatch.setattr(matcher.facade, "load_or_build", held)


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> str:
    import_orgs(db_url, tmp_path, BASE, "base")
    return db_url


def _serve(url: str, tmp_path: Path) -> tuple[Matcher, TestClient]:
    """A matcher on ``url`` with its index built (as ``matcher serve`` starts), and a test
    client on an app that checks the registry every 0.1 s."""
    opened = Matcher.open(url, cache_dir=tmp_path / "cache")
    opened.ranker()
    opened.build = False  # as a server's: a request never builds
    return opened, TestClient(create_app(lambda: opened, check_every=0.1))


def _health(client: TestClient, status: str) -> dict[str, Any] | None:
    body: dict[str, Any] = client.get("/health").json()
    return body if body["status"] == status else None


def test_an_organisation_imported_while_serving_is_being_indexed_then_found(
        registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened, app = _serve(registry, tmp_path)
    gate = Gate(monkeypatch)
    with app as client:
        assert client.get("/health").json()["status"] == "ok"
        import_orgs(registry, tmp_path, [NEW], "new")

        # before the new index is in: said to be indexed, never offered, never "unknown"
        page = client.get(f"/orgs/{PIC}")
        assert page.status_code == 200 and NAME in page.text
        assert INDEXING_EN in page.text and ADD_EN not in page.text
        finnish = client.get(f"/orgs/{PIC}", params={"lang": "fi"})
        assert INDEXING_FI in finnish.text and ADD_FI not in finnish.text
        for got in (client.get("/api/search", params={"org": PIC}),
                    client.get("/api/search", params={"org": NAME}),
                    client.post("/api/complete", json=COMPLETE)):
            assert got.status_code == 503, got.text
            assert got.headers["retry-after"] == "5"
            body = got.json()
            assert body["error"] == "NotYetIndexed" and "unknown" not in body["message"]
            assert "the index is being refreshed" in body["message"], body
            assert body["field"] in ("org", "members")
        fi = client.get("/api/search", params={"org": PIC, "lang": "fi"}).json()["message"]
        assert "indeksiä päivitetään" in fi
        health = eventually(lambda: _health(client, "refreshing"), "/health: refreshing")
        assert health["loaded_fingerprint"] != health["registry_fingerprint"]
        # the old index answers meanwhile
        assert client.get("/api/search", params={"org": BASE[0][2]}).status_code == 200

        gate.open.set()
        health = eventually(lambda: _health(client, "ok"), "/health: ok after the refresh")
        assert health["refreshes"] == 1 and health["fresh"]

        page = client.get(f"/orgs/{PIC}")
        assert ADD_EN in page.text and INDEXING_EN not in page.text
        by_pic = client.get("/api/search", params={"org": PIC})
        by_name = client.get("/api/search", params={"org": NAME})
        assert by_pic.status_code == by_name.status_code == 200
        assert by_pic.json()["query"]["org"]["pic"] == by_name.json()["query"]["org"]["pic"] == PIC
        idea = client.get("/api/search", params={"text": "Tampere robotics", "k": 10}).json()
        assert PIC in [m["pic"] for m in idea["results"]]
        completed = client.post("/api/complete", json=COMPLETE)
        assert completed.status_code == 200, completed.text
        members = completed.json()["consortia"][0]["members"]
        assert PIC in [m["pic"] for m in members]
    opened.close()


def test_the_swap_is_whole(registry: str, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that took the matcher before the swap answers from the old index to its
    end; the next one from the new index, ranker and vocabulary together."""
    opened, app = _serve(registry, tmp_path)
    gate = Gate(monkeypatch)
    with app as client:
        live = client.app.state.matcher.live  # type: ignore[attr-defined]
        before = live.current
        import_orgs(registry, tmp_path, [NEW], "new")
        eventually(lambda: _health(client, "refreshing"), "/health: refreshing")
        assert live.current is before
        gate.open.set()
        eventually(lambda: _health(client, "ok"), "/health: ok after the refresh")
        after = live.current
        assert after is not before
        assert before.vocabulary.organisations([BASE[0][2]])  # the old one still answers
        new_ids = set(after.ranker().registry_.row_of)
        old_ids = set(before.ranker().registry_.row_of)
        assert len(new_ids - old_ids) == 1
        assert after.vocabulary.organisation(PIC).id in new_ids - old_ids
    opened.close()


def _database_failed() -> Exception:
    return sa.exc.OperationalError("SELECT * FROM organisation WHERE secret", {},
                                   Exception("server closed the connection unexpectedly"))


@pytest.mark.parametrize(("error", "said"), [
    (OSError(28, "No space left on device", "/cache/index-x.tmp-1"),
     "No space left on device: /cache/index-x.tmp-1"),
    (_database_failed(), "the database failed: server closed the connection unexpectedly"),
], ids=["disk-full", "database-down"])
def test_a_failed_refresh_keeps_the_old_index_and_says_so(
        registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, error: Exception, said: str) -> None:
    opened, app = _serve(registry, tmp_path)
    gate = Gate(monkeypatch, error=error)
    gate.open.set()
    with caplog.at_level(logging.WARNING, logger="matcher.live"), app as client:
        import_orgs(registry, tmp_path, [NEW], "new")
        health = eventually(lambda: _health(client, "refresh_failed"),
                            "/health: refresh_failed")
        assert health["error"] == said and "SELECT" not in health["error"]
        assert client.get("/api/search", params={"text": "robotics"}).status_code == 200
        assert client.get("/api/search", params={"org": BASE[1][2]}).status_code == 200
        assert INDEXING_EN in client.get(f"/orgs/{PIC}").text
        gate.error = None  # the disk has room again, the database is back
        eventually(lambda: _health(client, "ok"), "/health: ok after a retry")
        assert client.get("/api/search", params={"org": PIC}).status_code == 200
    assert gate.calls >= 2
    failed = [r.getMessage() for r in caplog.records if r.name == "matcher.live"]
    assert any(said in line and "answering from the index loaded before" in line
               for line in failed), failed
    opened.close()


@pytest.fixture
def running(registry: str, tmp_path: Path) -> Iterator[TestClient]:
    opened, app = _serve(registry, tmp_path)
    with app as client:
        yield client
    opened.close()


def test_an_unknown_organisation_is_still_unknown(running: TestClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an organisation the registry has is "being indexed"; while the index is current,
    a reference that names nothing is not looked up in the database again (a name would be
    read against every name of the registry)."""
    looked_up: list[str] = []
    real = matcher.facade.find_organisation
    monkeypatch.setattr(matcher.facade, "find_organisation",
                        lambda s, ref: looked_up.append(ref) or real(s, ref))
    for ref in ("999999998", "Nowhere Robotics Nonexistent"):
        got = running.get("/api/search", params={"org": ref})
        assert got.status_code == 404 and got.json()["error"] == "UnknownOrganisation"
    assert looked_up == []
    assert running.get("/health").json()["status"] == "ok"
