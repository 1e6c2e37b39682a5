"""The web's parameters come from the request types' field lists: every field of a partner
search is a parameter of ``/api/search`` and of the search form, every field of a consortium
request a member of the consortium bodies, and nothing else; a field added to a request is
one more parameter with no other edit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cli.web.app import create_app
from cli.web.fields import model_of, request_values
from cli.web.i18n import translator
from matcher.fields import kinds
from matcher.requests import ConsortiumRequest, SearchRequest

GRAZ, CSIC = "999873188", "999991722"
SEARCH = set(kinds(SearchRequest))
CONSORTIUM = set(kinds(ConsortiumRequest))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    # the schema is made without opening a registry: the factory is never called
    spec: dict[str, Any] = create_app(lambda: None).openapi()  # type: ignore[arg-type,return-value]
    return spec


def _body(spec: dict[str, Any], path: str) -> dict[str, Any]:
    ref = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    found: dict[str, Any] = spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return found


def test_search_parameters_are_the_search_request_fields(spec: dict[str, Any]) -> None:
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params == SEARCH | {"lang"}
    kinds_of = {p["name"]: p["schema"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert kinds_of["themes"]["type"] == "array" and kinds_of["eche"]["type"] == "boolean"
    assert kinds_of["k"]["maximum"] == 1000


def test_consortium_bodies_are_the_consortium_request_fields(spec: dict[str, Any]) -> None:
    complete = _body(spec, "/api/complete")
    assert set(complete["properties"]) == CONSORTIUM
    assert set(complete["required"]) == {"action", "members"}
    assert complete["properties"]["size"]["description"].startswith("Organisations in the")
    assert set(_body(spec, "/api/propose")["properties"]) == (
        CONSORTIUM - {"members", "coordinator"} | {"lead"})
    assert set(_body(spec, "/api/check")["properties"]) == {"action", "members",
                                                            "coordinator", "call_year"}


def test_a_field_added_to_a_request_is_a_parameter() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Wider(SearchRequest):
        only_coordinators: bool = field(default=False, metadata={"help": "Only leads."})
        regions: tuple[str, ...] = ()

    made = model_of(Wider, "Wider")
    assert set(made.model_fields) == SEARCH | {"only_coordinators", "regions"}
    assert made.model_fields["only_coordinators"].description == "Only leads."
    given = made.model_validate({"text": "x", "regions": ["FI1", " ", "FI2"],
                                 "only_coordinators": ""})
    assert request_values(Wider, given) == {**request_values(SearchRequest, given),
                                            "only_coordinators": False,
                                            "regions": ("FI1", "FI2")}


def test_the_search_form_has_every_field_and_nothing_else(client: TestClient) -> None:
    page = client.get("/", params={"text": "virtual mobility", "include_unnamed": "true",
                                   "exclude_countries": ["SE", "Norway"]})
    assert page.status_code == 200
    form = re.search(r'<form method="get" action="/" class="search">.*?</form>', page.text,
                     re.DOTALL)
    assert form is not None
    names = set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', form.group(0)))
    assert names == SEARCH | {"lang"}
    # a list field without a widget of its own: a box for each value and an empty one
    assert re.findall(r'name="exclude_countries" value="([^"]*)"', form.group(0)) == [
        "SE", "Norway", ""]
    assert re.search(r'name="include_unnamed" value="true" checked', form.group(0))


def _forms(html: str, action: str) -> list[str]:
    return re.findall(rf'<form method="get" action="{action}"[^>]*>.*?</form>', html, re.DOTALL)


def _names(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', html))


def test_the_consortium_forms_have_every_field_and_nothing_else(client: TestClient) -> None:
    page = client.get("/consortium", params={"members": [GRAZ, CSIC]})
    assert page.status_code == 200
    forms = _forms(page.text, "/consortium")
    assert set().union(*map(_names, forms)) == CONSORTIUM | {"lang"}
    # the idea's form draws every field without a widget of its own, by its kind
    idea = next(f for f in forms if 'id="complete"' in f)
    assert _names(idea) == CONSORTIUM - {"action", "call_year"} | {"lang"}
    assert re.search(r'<input type="checkbox" id="include_unnamed" name="include_unnamed"',
                     idea)
    assert 'id="size" name="size" value=""' in idea and 'id="n" name="n" value="3"' in idea


def test_the_consortium_page_reads_and_keeps_every_field(client: TestClient,
                                                         default_matcher: Any) -> None:
    asked = {"members": [GRAZ, CSIC], "do": "complete", "n": "2",
             "exclude_countries": ["DE", "FR"],
             "size": "3", "call_year": ""}
    page = client.get("/consortium", params=asked)
    assert page.status_code == 200
    found = default_matcher.complete("KA220-HED", [GRAZ, CSIC], n=2,
                                     exclude_countries=["DE", "FR"],
                                     size=(3, 3))
    alternatives = page.text.split('<li class="alternative">')[1:]
    assert len(alternatives) == len(found.consortia) == 2
    for html, consortium in zip(alternatives, found.consortia, strict=True):
        assert [m.org.ref for m in consortium.members] == re.findall(
            r'<a href="/orgs/([^"?]+)\?lang=en">', html.split('<ul class="why">')[0])
        # taking an alternative keeps the fields that differ from the page's defaults
        use = re.search(r'<a class="button" href="([^"]+)"', html)
        assert use is not None
        assert use.group(1).endswith("&amp;exclude_countries=DE&amp;exclude_countries=FR&amp;size=3"
                                     "&amp;n=2&amp;lang=en")
    # the forms carry them on, each field once: drawn, or hidden where a form does not draw it
    for form in _forms(page.text, "/consortium"):
        assert re.findall(r'name="size" value="([^"]*)"', form) == ["3"]
        assert re.findall(r'name="exclude_countries" value="([^"]*)"', form)[:2] == ["DE",
                                                                                     "FR"]


def test_the_consortium_page_shows_bad_input_on_the_field(client: TestClient) -> None:
    page = client.get("/consortium", params={"members": [GRAZ, CSIC], "size": "many"})
    assert page.status_code == 422
    assert "&#39;many&#39; is not MIN..MAX or N" in page.text
    assert re.search(r'id="size" name="size" value="many" aria-invalid="true"', page.text)


def test_a_sentence_with_dots_is_shown_whole() -> None:
    """A message is shown as said: ``t`` took any text with a dot for a catalogue key and
    showed what follows its first dot (``.MAX or N (e.g. 3..5)``)."""
    t = translator("en")
    assert t("'many' is not MIN..MAX or N (e.g. 3..5)") == (
        "'many' is not MIN..MAX or N (e.g. 3..5)")
    assert t("type.some_new_category") == "some_new_category"
