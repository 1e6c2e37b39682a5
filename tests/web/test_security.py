"""What a hostile registry or request cannot do through the web app: run a formula in an
exported spreadsheet, run a script from an organisation's website, frame the pages, or tie up
a worker. On the registry of hostile profiles of ``tests/hostile.py``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cli.web.app import create_app
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
