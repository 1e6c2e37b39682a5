"""Every page and API message in Finnish: no English sentence, word or phrase of the
catalogue is left once proper names (organisations, countries' codes) and project titles are
taken out. The English the check looks for is the catalogue's own, so a sentence added to it
is checked too; and the Accept-Language header chooses the language of a page."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.english import english_left as _left
from tests.web.english import proper_names
from tests.web.english import visible as _visible

GRAZ, CSIC = "999873188", "999991722"


@pytest.fixture(scope="module")
def proper(default_matcher: Any) -> list[str]:
    return proper_names(default_matcher)
PAGES = [
    ("/", {}),
    ("/", {"text": "virtual mobility for engineering students", "countries": ["FI", "SE"]}),
    ("/", {"text": "kestävän matkailun yhteinen maisteriohjelma", "types": "ngo"}),
    ("/", {"org": GRAZ, "themes": "employability", "k": "20"}),
    ("/", {"text": "quantum error correction for clinical trials", "types": "school",
           "countries": "MT"}),
    ("/", {"text": "x", "countries": "Narnia"}),
    ("/", {"text": "opintojen ohjaus " * 120}),
    ("/", {"text": "x", "countries": ["FI"] * 101}),
    ("/", {"text": "x", "k": "abc"}),
    ("/", {"text": "x", "k": "500"}),
    (f"/orgs/{GRAZ}", {}),
    ("/orgs/000000001", {}),
    ("/consortium", {}),
    ("/consortium", {"members": [GRAZ, CSIC]}),
    ("/consortium", {"members": [GRAZ, CSIC], "do": "complete", "text": "virtual mobility"}),
    ("/consortium", {"members": [GRAZ], "do": "propose"}),
    ("/consortium", {"members": [GRAZ, "Narnia University of Nowhere"]}),
]


@pytest.mark.parametrize(("path", "params"), PAGES)
def test_every_page_in_finnish_has_no_english_left(client: TestClient, proper: list[str],
                                                   path: str, params: dict[str, Any]) -> None:
    page = client.get(path, params={**params, "lang": "fi"})
    assert '<html lang="fi">' in page.text
    own = [v for k, v in params.items() if k in ("text", "org", "members")]
    mine = sorted({v for v in own for v in ([v] if isinstance(v, str) else v)}, key=len)
    assert _left(_visible(page.text), mine[::-1] + proper) == []


def test_every_api_message_in_finnish_has_no_english_left(client: TestClient,
                                                          proper: list[str]) -> None:
    answers = [
        client.get("/api/search", params={"text": "virtual mobility", "lang": "fi"}),
        client.get("/api/search", params={"org": GRAZ, "lang": "fi", "k": 5}),
        client.get("/api/search", params={"text": "x", "countries": "Narnia", "lang": "fi"}),
        client.get("/api/orgs/000000001", params={"lang": "fi"}),
        client.get("/api/search", params={"text": "x", "k": "5000", "lang": "fi"}),
        client.post("/api/check", params={"lang": "fi"},
                    json={"action": "KA220-HED", "members": [GRAZ, CSIC]}),
        client.post("/api/complete", params={"lang": "fi"},
                    json={"action": "KA220-HED", "members": [GRAZ, CSIC], "n": 2}),
    ]
    sentences: list[str] = []
    for answer in answers:
        body = answer.json()
        sentences += [body.get("message", "")] if "message" in body else []
        sentences += body.get("notes", [])
        sentences += [w for r in body.get("results", []) for w in r["why"]]
        sentences += [v["message"] for v in body.get("violations", [])]
        sentences += [w for c in body.get("consortia", []) for w in c["why"]]
    assert len(sentences) > 20
    assert _left("\n".join(sentences), proper) == []


def test_the_check_finds_english(client: TestClient, proper: list[str]) -> None:
    page = client.get("/consortium", params={"members": [GRAZ, CSIC], "lang": "en"})
    assert {"needs at least", "organisations"} <= {w.casefold() for w in
                                                   _left(_visible(page.text), proper)}


def test_the_browsers_language_chooses_and_the_link_keeps_it(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.8"})
    assert '<html lang="fi">' in page.text and "Hankeidea" in page.text
    assert 'href="/consortium?lang=fi"' in page.text
    english = client.get("/", params={"lang": "en"}, headers={"Accept-Language": "fi"})
    assert '<html lang="en">' in english.text
    assert 'href="/?lang=fi"' in english.text  # the visible switch


def test_the_exports_in_finnish_have_no_english_left(client: TestClient,
                                                     proper: list[str]) -> None:
    shortlist = client.get("/export/search.csv", params={"text": "virtual mobility", "k": 5,
                                                         "lang": "fi"})
    team = client.get("/export/consortium.csv", params={"members": [GRAZ, CSIC], "lang": "fi"})
    reasons = [row[-1] for answer in (shortlist, team)
               for row in list(csv.reader(io.StringIO(answer.text)))[1:]]
    assert reasons and any(r.startswith("jäsen 1/2; ei vielä kelpoinen") for r in reasons)
    assert _left("\n".join(reasons), proper) == []  # the other columns are codes
