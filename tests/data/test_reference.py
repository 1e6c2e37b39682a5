from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.reference import (
    CATEGORIES,
    country_status,
    org_types,
    resolve_category,
    resolve_country,
    seed_reference,
    themes,
)
from models.schema import Country, Theme


def test_every_eplus_type_of_the_vocabulary_maps_to_a_category(shared_data: Path) -> None:
    with (shared_data / "vocab" / "eplus_org_types_2014_2020_osis.csv").open(
        encoding="utf-8"
    ) as fh:
        codes = [row["code"] for row in csv.DictReader(fh)]
    assert len(codes) == 29
    for code in codes:
        resolved = resolve_category(code)
        assert resolved is not None, code
        assert resolved[0] in CATEGORIES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HES", ("higher-education", "HES")),
        ("prc", ("company", "PRC")),
        ("EPLUS-NGO", ("ngo", "EPLUS-NGO")),
        ("Non-governmental organisation/association/social enterprise", ("ngo", "EPLUS-NGO")),
        ("NGO", ("ngo", "ngo")),
        ("Higher Education", ("higher-education", "higher-education")),
        ("company", ("company", "company")),
        ("spaceship", None),
    ],
)
def test_resolve_category(text: str, expected: tuple[str, str] | None) -> None:
    assert resolve_category(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("EL", "EL"), ("GR", "EL"), ("Greece", "EL"), ("uk", "UK"), ("GB", "UK"),
     ("United Kingdom", "UK"), ("XK", "XK"), ("finland", "FI"), ("RE", "RE"), ("Atlantis", None)],
)
def test_resolve_country(text: str, expected: str | None) -> None:
    assert resolve_country(text) == expected


def test_country_status_encodes_the_programme_guide_periods() -> None:
    def status(code: str, year: int) -> set[str]:
        return {r["status"] for r in country_status()
                if r["country"] == code and r["from_call"] <= year <= r["to_call"]}

    assert status("UK", 2019) == {"programme"}
    assert status("UK", 2022) == set()
    assert status("RS", 2018) == set() and status("RS", 2019) == {"programme"}
    assert status("RS", 2021) == {"associated"} and status("FI", 2021) == {"member"}
    assert sum(1 for r in country_status() if r["status"] == "member") == 27


def test_theme_vocabulary_has_the_seed_themes_in_english_and_finnish() -> None:
    by_code = {t.code: t for t in themes()}
    assert by_code["guidance-counselling"].label_fi == "Opintojen ohjaus ja neuvonta"
    assert by_code["key-competences"].label_fi == "Avaintaidot"
    kinds = {t.kind for t in themes()}
    assert kinds == {"seed", "topic", "priority", "programme-part"}
    assert all(t.label_en and t.label_fi for t in themes())
    assert len({t.code for t in themes()}) == len(themes())


def test_categories_cover_every_type() -> None:
    assert {t.category for t in org_types()} == set(CATEGORIES)


def test_seed_reference_is_idempotent(session: Session) -> None:
    assert seed_reference(session) == 0  # the fixture already seeded
    assert session.scalar(select(func.count()).select_from(Country)) == 250  # ISO 3166-1 + XK
    assert session.scalar(select(func.count()).select_from(Theme)) == len(themes())


def test_an_org_type_is_one_value_for_the_seeder_and_the_library() -> None:
    """``OrgTypeRef`` is defined once, in ``models`` (which both may import), as a plain
    value: the reference files' types are the library's, with no conversion."""
    from matcher.registry.reference import OrgTypeRef, Reference

    assert OrgTypeRef.__module__ == "models.reference"
    assert all(type(t) is OrgTypeRef for t in org_types())
    found = Reference((), org_types(), (), {})
    assert found.categories == CATEGORIES
    assert Reference.from_json(found.to_json()).org_types == org_types()
