"""One vocabulary: every kind of input resolved from the reference data a registry holds."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.names import Identifiers, resolve_organisation
from matcher.registry.snapshot import OrgProfile
from matcher.vocabulary import OrgIndex, Vocabulary
from models.errors import QueryError, UnknownOrganisation

HELSINKI = OrgProfile(id=7, pic="999994535", oid="E10209507", erasmus_code="SF HELSINK01",
                      name="HELSINGIN YLIOPISTO", country="FI", city="Helsinki",
                      category="higher-education", type_code="EPLUS-EDU-HEI", eche=True)


@pytest.fixture
def words(reference: Any) -> Vocabulary:
    return Vocabulary(reference, OrgIndex([HELSINKI]),
                      topic_families=("SwafS", "SC1-BHC", "MSCA-ITN"))


@pytest.mark.parametrize("value", ["guidance-counselling", "study guidance and COUNSELLING",
                                   "Opintojen ohjaus ja neuvonta"])
def test_themes_by_code_or_english_or_finnish_label(words: Vocabulary, value: str) -> None:
    assert words.themes([value]) == ("guidance-counselling",)


def test_h2020_parts_by_their_short_names(words: Vocabulary) -> None:
    assert words.themes(["ERC", "h2020-erc", "msca"]) == ("h2020-erc", "h2020-msca")


def test_unknown_theme_names_the_nearest(words: Vocabulary) -> None:
    with pytest.raises(QueryError, match=r"unknown theme 'guidance'; nearest: "
                                         r"guidance-counselling"):
        words.themes(["guidance"])


@pytest.mark.parametrize(("value", "code"), [
    ("gr", "EL"), ("GB", "UK"), ("finland", "FI"), ("EL", "EL"), ("Deutschland", "DE"),
    ("Suomi", "FI"), ("España", "ES"), ("Ελλάδα", "EL"), ("czech republic", "CZ"),
    ("Holland", "NL")])
def test_countries_by_code_iso_english_or_native_name(words: Vocabulary, value: str,
                                                     code: str) -> None:
    assert words.countries([value]) == {code}


def test_unknown_country(words: Vocabulary) -> None:
    with pytest.raises(QueryError, match=r"unknown country 'Atlantis'.*nearest:"):
        words.countries(["Atlantis"])


@pytest.mark.parametrize(("value", "category"), [
    ("company", "company"), ("public body", "public-body"), ("Public_Body", "public-body"),
    ("EPLUS-ENT-SME", "company"), ("PRC", "company"), ("HES", "higher-education"),
    ("university", "higher-education"), (("Non-governmental organisation/association/social "
                                         "enterprise"), "ngo")])
def test_types_by_category_code_label_or_word(words: Vocabulary, value: str,
                                              category: str) -> None:
    assert words.categories([value]) == {category}


def test_topics_keep_their_code_and_note_unknown_families(words: Vocabulary) -> None:
    assert words.topics(["SwafS-09-2018", "swafs"]) == (("SwafS-09-2018", "SwafS"), ())
    found, notes = words.topics(["HORIZON-CL2-2025-01"])
    assert found == ("HORIZON-CL2-2025-01",)
    assert notes[0].startswith("call-topic family HORIZON-CL2 is not in the registry")
    with pytest.raises(QueryError, match="has no family"):
        words.topics(["2018"])


@pytest.mark.parametrize("ref", ["999994535", "E10209507", "e10209507", "SF HELSINK01",
                                 "sf\xa0 helsink01", "SFHELSINK01", "#7", "7"])
def test_organisation_by_any_identifier(ref: str) -> None:
    assert OrgIndex([HELSINKI]).get(ref) is HELSINKI


def test_organisation_by_name_only_when_no_identifier_matches() -> None:
    """Identifiers come first and need no name index; the index is built for a name."""
    index = OrgIndex([HELSINKI], activity=[215])
    assert index.get("SF HELSINK01") is HELSINKI
    with pytest.raises(QueryError, match="^unknown organisation '123456789': give a 9-digit"):
        index.get("123456789")
    assert index.names._built is None
    assert index.get("Helsingin yliopsto") is HELSINKI
    assert index.names._built is not None


def test_a_pic_shaped_number_is_never_an_internal_id() -> None:
    """As over the database (``find_organisation``): nine digits are a PIC, with or without
    ``#``, so they never find an organisation by its internal id."""
    far = OrgProfile(id=123456789, pic=None, oid=None, erasmus_code=None, name="FAR AWAY OY",
                     country="FI", city=None, category="company", type_code=None, eche=False)
    index = OrgIndex([HELSINKI, far])
    with pytest.raises(UnknownOrganisation, match="^unknown organisation '123456789'"):
        index.get("123456789")
    assert index.get("7") is HELSINKI


def test_one_resolver_for_every_store() -> None:
    """The snapshot's index and the database's lookup share one procedure: a store gives only
    its lookups (identifiers, then names)."""
    asked: list[Identifiers] = []

    def identified(key: Identifiers) -> str | None:
        asked.append(key)
        return "by id" if key.id == 12 else None

    assert resolve_organisation("\xa0#12 ", identified, lambda text: "by name") == "by id"
    assert asked == [Identifiers("#12", "#12", "#12", 12)]
    assert resolve_organisation("Aalto", identified, lambda text: f"named {text}") == (
        "named Aalto")
    assert Identifiers.of("123456789").id is None  # a PIC
    with pytest.raises(UnknownOrganisation):
        resolve_organisation("E12345678", identified, lambda text: "by name")


def test_unknown_organisation_suggests_close_names() -> None:
    with pytest.raises(QueryError) as info:
        OrgIndex([HELSINKI]).get("Helsingin kaupunki")
    assert str(info.value) == (
        "unknown organisation 'Helsingin kaupunki': give a 9-digit PIC, an OID (E + 8 digits), "
        "an Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; names close to "
        "it: HELSINGIN YLIOPISTO (999994535, FI). Find one with `matcher orgs --name ...`.")
    with pytest.raises(QueryError, match="^empty organisation reference"):
        OrgIndex([HELSINKI]).get(" \xa0")
