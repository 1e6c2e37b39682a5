"""The server-rendered pages and the exports, through the test client."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from matcher.export import COLUMNS

GRAZ, CSIC = "999873188", "999991722"


def test_search_page_keeps_every_field_in_the_url(client: TestClient,
                                                  default_matcher: Any) -> None:
    params = {"text": "virtual mobility", "countries": ["FI", "SE"], "types": "ngo",
              "themes": "employability", "eche": "", "action": "KA220-HED", "k": "10"}
    page = client.get("/", params=params)
    assert page.status_code == 200
    found = default_matcher.search(text="virtual mobility", countries=["FI", "SE"],
                                   types=["ngo"], themes=["employability"])
    for m in found.matches:
        assert m.org.display_name.replace("&", "&amp;") in page.text
        assert m.why[0].replace("'", "&#39;").replace('"', "&#34;") in page.text
    assert re.search(r'<option value="FI" [^>]*selected>', page.text)
    assert 'value="ngo" data-search="ngo" selected' in page.text
    assert re.search(r'<option value="employability" [^>]*selected>', page.text)
    assert "/export/search.xlsx?" in page.text


def test_search_page_in_finnish(client: TestClient, default_matcher: Any) -> None:
    page = client.get("/", params={"lang": "fi", "text": "opintojen ohjaus"})
    assert page.status_code == 200
    assert '<html lang="fi">' in page.text and "Hankeidea" in page.text
    label = default_matcher.reference.themes["employability"].label_fi
    assert re.search(rf'<option value="employability" [^>]*>{label}</option>', page.text)
    assert re.search(r'<option value="FI" data-search="FI Finland Suomi"[^>]*>'
                     r'Suomi \(FI\)</option>', page.text)
    assert "In English" in page.text


def test_search_page_shows_bad_input_on_the_field(client: TestClient) -> None:
    page = client.get("/", params={"text": "x", "countries": "Narnia"})
    assert page.status_code == 422
    assert "unknown country &#39;Narnia&#39;" in page.text
    assert 'aria-invalid="true"' in page.text and 'role="alert"' in page.text


def test_organisation_page(client: TestClient, default_matcher: Any) -> None:
    detail = default_matcher.show(GRAZ)
    page = client.get(f"/orgs/{GRAZ}")
    assert page.status_code == 200
    assert detail.name in page.text
    assert any(p.title and p.title.replace("&", "&amp;") in page.text
               for p in detail.projects)
    # every link keeps the language, so a shared link opens in it
    assert (f'href="/orgs/{detail.partners[0].ref.replace("#", "%23")}?lang=en"'
            in page.text)
    missing = client.get("/orgs/000000001")
    assert missing.status_code == 404 and "unknown organisation" in missing.text


def test_consortium_page_violations_completion_and_eligible(client: TestClient,
                                                            default_matcher: Any) -> None:
    verdict = default_matcher.check("KA220-HED", [GRAZ, CSIC])
    page = client.get("/consortium", params={"members": [GRAZ, CSIC]})
    assert page.status_code == 200
    for v in verdict.violations:
        assert v.message.replace("'", "&#39;") in page.text
    page = client.get("/consortium", params={"members": [GRAZ, CSIC], "do": "complete"})
    found = default_matcher.complete("KA220-HED", [GRAZ, CSIC], n=3)
    best = found.consortia[0]
    assert all(m.org.display_name.replace("&", "&amp;") in page.text for m in best.members)
    refs = [m.org.ref for m in best.members]
    eligible = client.get("/consortium", params={"members": refs})
    assert 'class="badge">eligible' in eligible.text
    fi = client.get("/consortium", params={"members": refs, "lang": "fi"})
    assert "kelpoinen" in fi.text


def test_exports_have_the_partner_list_columns(client: TestClient,
                                               default_matcher: Any) -> None:
    got = client.get("/export/search.csv", params={"text": "virtual mobility", "k": 4})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.text)))
    found = default_matcher.search(text="virtual mobility", k=4)
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == [m.org.display_name for m in found.matches]
    assert rows[1][7] == "; ".join(found.matches[0].why)
    got = client.get("/export/consortium.xlsx", params={"members": [GRAZ, CSIC]})
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert tuple(values[0]) == COLUMNS
    assert [v[1] for v in values[1:]] == [GRAZ, CSIC]
    # each member's reasons say why it belongs with the other
    assert all("worked with" in str(v[-1]) for v in values[1:])
    assert client.get("/export/search.pdf", params={"text": "x"}).status_code == 422


def test_builder_says_each_added_members_reasons_once(client: TestClient) -> None:
    """An added member's reasons are listed under it, not again under its consortium."""
    page = client.get("/consortium", params={"members": [GRAZ, CSIC], "do": "complete"})
    assert page.status_code == 200
    alternatives = page.text.split('<li class="alternative">')[1:]
    assert alternatives
    for html in alternatives:
        lists = html.split('<ul class="why">')[1:]
        reasons = [r.split("</li>")[0].strip() for m in lists
                   for r in m.split("</ul>")[0].split("<li>")[1:]]
        assert reasons
        for i, reason in enumerate(reasons):
            assert not any(reason in other for other in reasons[:i] + reasons[i + 1:]), reason


def test_a_member_without_a_pic_says_so(default_matcher: Any) -> None:
    from cli.web.pages import pic_of
    from matcher.registry.snapshot import OrgProfile

    org = OrgProfile(36900, None, None, None, "SOME NGO", "FI", None, "ngo", None, False)
    assert pic_of(org, "en") == "no PIC" and pic_of(org, "fi") == "ei PIC-tunnusta"
    graz = default_matcher.show(GRAZ)
    assert graz.pic == GRAZ
