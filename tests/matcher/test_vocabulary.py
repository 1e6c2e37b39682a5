from __future__ import annotations

import pytest

from matcher.registry.snapshot import OrgProfile, ThemeInfo
from matcher.vocabulary import OrgIndex, resolve_countries, resolve_themes
from models.errors import QueryError

THEMES = {
    "guidance-counselling": ThemeInfo("guidance-counselling", "seed",
                                      "Study guidance and counselling",
                                      "Opintojen ohjaus ja neuvonta"),
    "h2020-erc": ThemeInfo("h2020-erc", "programme-part",
                           "European Research Council: frontier research", None),
}
HELSINKI = OrgProfile(id=7, pic="999994535", oid="E10209507", erasmus_code="SF HELSINK01",
                      name="HELSINGIN YLIOPISTO", country="FI", city="Helsinki",
                      category="higher-education", type_code="EPLUS-EDU-HEI", eche=True)


@pytest.mark.parametrize("value", ["guidance-counselling", "study guidance and COUNSELLING",
                                   "Opintojen ohjaus ja neuvonta"])
def test_themes_by_code_or_english_or_finnish_label(value: str) -> None:
    assert resolve_themes([value], THEMES) == ("guidance-counselling",)


def test_h2020_parts_by_their_short_names() -> None:
    assert resolve_themes(["ERC", "h2020-erc"], THEMES) == ("h2020-erc",)


def test_unknown_theme_names_the_nearest() -> None:
    with pytest.raises(QueryError, match=r"unknown theme 'guidance'; nearest: "
                                         r"guidance-counselling"):
        resolve_themes(["guidance"], THEMES)


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


def test_unknown_organisation_suggests_close_names() -> None:
    with pytest.raises(QueryError) as info:
        OrgIndex([HELSINKI]).get("Helsingin kaupunki")
    assert str(info.value) == (
        "unknown organisation 'Helsingin kaupunki': give a 9-digit PIC, an OID (E + 8 digits), "
        "an Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; names close to "
        "it: HELSINGIN YLIOPISTO (999994535, FI). Find one with `matcher orgs --name ...`.")
    with pytest.raises(QueryError, match="^empty organisation reference"):
        OrgIndex([HELSINKI]).get(" \xa0")


def test_countries_by_code_iso_or_name() -> None:
    countries = {"EL": "Greece", "UK": "United Kingdom", "FI": "Finland"}
    assert resolve_countries(["gr", "GB", "finland", "EL"], countries) == {"EL", "UK", "FI"}
    with pytest.raises(QueryError, match="unknown country 'Atlantis'"):
        resolve_countries(["Atlantis"], countries)
