"""What a hostile registry or request cannot do through the web app: run a formula in an
exported spreadsheet, run a script from an organisation's website, frame the pages, or tie up
a worker. On the registry of hostile profiles of ``tests/hostile.py``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from openpyxl import load_workbook

from cli.web.app import create_app
from cli.web.pages import TEMPLATES
from matcher import Matcher
from tests.hostile import FORMULAS, PROFILES, hostile_registry

IDEA = {"text": "robotics education", "k": "20"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    folder = tmp_path_factory.mktemp("web-hostile")
    with Matcher.open(hostile_registry(folder), cache_dir=folder / "cache") as matcher:
        matcher.ranker()
        yield matcher


@pytest.fixture(scope="module")
def web(hostile: Matcher) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: hostile)) as client:
        yield client


def _refs(matcher: Matcher) -> list[str]:
    return [f"#{o.id}" for o in matcher.orgs(limit=100)]


def _quoted() -> set[str]:
    plain = {name for name, _, _ in PROFILES} - set(FORMULAS)
    return plain | {"'" + name for name in FORMULAS}


def test_csv_exports_quote_formulas(web: TestClient, hostile: Matcher) -> None:
    got = web.get("/export/search.csv", params=IDEA)
    assert got.status_code == 200
    assert {r["name"] for r in csv.DictReader(io.StringIO(got.text))} == _quoted()
    got = web.get("/export/consortium.csv", params={"members": _refs(hostile)})
    assert got.status_code == 200
    assert {r["name"] for r in csv.DictReader(io.StringIO(got.text))} == _quoted()


@pytest.mark.parametrize("path", ["/export/search.xlsx", "/export/consortium.xlsx"])
def test_xlsx_exports_write_formulas_as_text(web: TestClient, hostile: Matcher,
                                             path: str) -> None:
    params = IDEA if "search" in path else {"members": _refs(hostile)}
    got = web.get(path, params=params)
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert {c.value for c in cells} >= set(FORMULAS)
    assert {c.data_type for c in cells} == {"s"}


def _org_page(web: TestClient, hostile: Matcher, name: str) -> str:
    (org,) = [o for o in hostile.orgs(limit=100) if o.name == " ".join(name.split())]
    page = web.get(f"/orgs/%23{org.id}")
    assert page.status_code == 200
    return page.text


#: Each profile's website, and the link its page must show (None: text, not a link).
LINKS = {
    "javascript:alert(1)": None, "JaVaScRiPt:alert(2)": None, " javascript:alert(3)": None,
    "data:text/html,<script>alert(4)</script>": None, "vbscript:msgbox(5)": None,
    '"><script>alert(6)</script>': None,
    "www.example.org": "https://www.example.org",
    "HTTPS://Example.org/path?a=1&b=2": "https://Example.org/path?a=1&amp;b=2",
    "http://old.example": "http://old.example",
    "http://reversed.example": "http://reversed.example",
}


@pytest.mark.parametrize(("name", "website"), [(n, w) for n, _, w in PROFILES])
def test_a_website_is_a_link_only_for_http_and_https(web: TestClient, hostile: Matcher,
                                                     name: str, website: str) -> None:
    page = _org_page(web, hostile, name)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith(("/", "#", "http://", "https://")) for h in hrefs), hrefs
    assert "<script" not in page.split("<main", 1)[1]
    want = LINKS[website]
    if want is None:
        assert str(escape(website.strip())) in page
        assert 'rel="noopener' not in page
    else:
        assert f'<a href="{want}" rel="noopener noreferrer">' in page


def test_a_name_cannot_reverse_the_page(web: TestClient, hostile: Matcher) -> None:
    """A bidirectional override in a name is shown as an escape on its page and in the
    results, never sent raw (it would reverse the text after it)."""
    name = "Reversed \u202eyr scitobor\u202c robotics"
    for page in (_org_page(web, hostile, name), web.get("/", params=IDEA).text):
        assert "Reversed \\u202eyr scitobor\\u202c robotics" in page
        assert "\u202e" not in page and "\u202c" not in page


PAGES = ["/", "/?text=robotics+education", "/consortium", "/orgs/%231", "/orgs/nobody",
         "/docs", "/api/search?text=robotics", "/api/orgs?limit=1", "/health",
         "/static/style.css", "/openapi.json", "/no/such/page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_sends_the_security_headers(web: TestClient, path: str) -> None:
    got = web.get(path)
    policy = got.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["x-frame-options"] == "DENY"
    assert got.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/?text=robotics+education", "/consortium?members=%231",
                                  "/orgs/%231", "/orgs/nobody", "/docs"])
def test_no_page_holds_inline_script_or_style(web: TestClient, path: str) -> None:
    page = web.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline <script>"
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", page), "inline style or handler"
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page):
        assert web.get(src).status_code == 200


def test_every_template_escapes() -> None:
    env = TEMPLATES.env
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


@pytest.mark.parametrize(("params", "message"), [
    ({"offset": "99999999999999999999"},
     "offset: Input should be less than or equal to 1000000000"),
    ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
])
def test_numbers_out_of_range_are_422(web: TestClient, params: dict[str, str],
                                      message: str) -> None:
    got = web.get("/api/orgs", params=params)
    assert (got.status_code, got.json()["message"]) == (422, message)


# --- request limits ------------------------------------------------------------------------

CHECK = {"action": "KA220-HED"}


def test_a_body_over_a_megabyte_is_413_and_not_echoed(web: TestClient) -> None:
    big = {**CHECK, "members": ["x" * 20_000_000]}
    got = web.post("/api/check", json=big)
    assert got.status_code == 413
    assert got.json() == {"error": "TooLarge", "field": None, "message": (
        "the request body is 20,000,037 bytes; at most 1,048,576 (1 MB) are taken: send less")}
    chunks = (b" " * 65_536 for _ in range(20))  # no Content-Length: counted as it comes
    got = web.post("/api/check", content=chunks, headers={"content-type": "application/json"})
    assert got.status_code == 413
    assert got.json()["message"] == ("the request body is over 1,048,576 bytes (1 MB), the "
                                     "most taken: send less")


def test_a_long_text_is_refused_before_any_work(web: TestClient) -> None:
    got = web.post("/api/complete", json={**CHECK, "members": ["#1"], "text": "x" * 5000})
    assert got.status_code == 422
    assert got.json() == {"error": "QueryError", "field": "text", "message": (
        "text: 5,000 characters; at most 2,000 may be given: shorten it")}
    got = web.get("/api/search", params={"text": "robotics " * 300})
    assert (got.status_code, got.json()["field"]) == (422, "text")


def test_too_many_or_too_long_values_are_422_without_the_value(web: TestClient) -> None:
    got = web.post("/api/check", json={**CHECK, "members": [f"#{i}" for i in range(1000)]})
    assert got.status_code == 422
    assert got.json() == {"error": "QueryError", "field": "members", "message": (
        "members: 1,000 values; at most 50 may be given: ask for fewer")}
    got = web.post("/api/check", json={**CHECK, "members": ["#1", "y" * 100_000]})
    assert (got.status_code, got.json()["field"]) == (422, "members")
    assert got.json()["message"] == (
        f"members: '{'y' * 79}…' (100,000 characters) is longer than 300 characters; no "
        "organisation, theme, country or type is named so long")
    got = web.get("/api/search", params={"text": "robotics", "countries": ["FI"] * 101})
    assert (got.status_code, got.json()["message"]) == (
        422, "countries: 101 values; at most 100 may be given: ask for fewer")


def test_an_unknown_organisation_is_not_echoed_in_full(web: TestClient) -> None:
    got = web.post("/api/check", json={**CHECK, "members": ["no such place " * 20]})
    assert got.status_code == 404
    assert got.json()["message"].startswith(
        f"unknown organisation {('no such place ' * 20)[:79] + '…'!r} (280 characters): ")
    assert len(got.text) < 600


def test_the_pages_have_the_same_limits(web: TestClient) -> None:
    page = web.get("/", params={"text": "x" * 3000})
    assert page.status_code == 422
    assert "text: 3,000 characters; at most 2,000 may be given: shorten it" in page.text
    page = web.get("/consortium", params={"members": [f"#{i}" for i in range(51)]})
    assert page.status_code == 422
    assert "members: 51 values; at most 50 may be given: ask for fewer" in page.text


def test_a_request_over_its_time_is_503(web: TestClient, hostile: Matcher,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr("matcher.limits.SECONDS", 0.2)
    monkeypatch.setattr(hostile, "complete", lambda *a, **k: time.sleep(2))
    started = time.monotonic()
    got = web.post("/api/complete", json={**CHECK, "members": ["#1"]})
    assert time.monotonic() - started < 1.5
    assert got.status_code == 503 and got.headers["retry-after"] == "30"
    assert got.json() == {"error": "TimedOut", "field": None, "message": (
        "the request took over 0.2 s, the most one may take: ask for less (fewer members, "
        "a shorter text), or try again later")}
