"""The eligibility rules, with the programme's own examples, on the real reference data."""

from __future__ import annotations

import pytest

from data.reference import action_rules, countries, country_status
from matcher.consortium.rules import RuleBook, Violation
from matcher.registry.snapshot import OrgProfile
from models.errors import QueryError


@pytest.fixture(scope="module")
def book() -> RuleBook:
    regions = {c.code: c.part_of for c in countries() if c.part_of}
    return RuleBook.from_mapping(action_rules(), country_status(), regions=regions)


def org(i: int, country: str, category: str = "company", eche: bool = False) -> OrgProfile:
    return OrgProfile(i, f"{900000000 + i}", None, None, f"Org {i}", country, None, category,
                      None, eche)


def rules_of(violations: list[Violation]) -> list[str]:
    return [v.rule for v in violations]


def test_every_action_has_source_and_calls(book: RuleBook) -> None:
    assert set(book.actions) == {"KA203", "KA200", "KA220-HED", "KA210"}
    for rules in book.actions.values():
        assert "Programme Guide" in rules.source
        assert rules.first_call <= rules.last_call
    assert book.actions["KA203"].calls == range(2014, 2021)
    assert book.actions["KA220-HED"].calls == range(2021, 2028)


def test_three_organisations_from_three_programme_countries_pass(book: RuleBook) -> None:
    members = [org(1, "FI"), org(2, "DE"), org(3, "ES")]
    assert book.check("KA203", members, call_year=2018) == []
    assert book.check("KA220-HED", members, coordinator=members[0]) == []


def test_three_organisations_from_two_countries_fail_naming_the_rule(book: RuleBook) -> None:
    found = book.check("KA220-HED", [org(1, "FI"), org(2, "FI"), org(3, "DE")], call_year=2022)
    assert found == [Violation("min_countries", (
        "KA220-HED (2022 call) needs organisations from at least 3 different EU member states "
        "or third countries associated to the Programme; this consortium has 2 (DE, FI): add "
        "organisations from 1 more of them."))]


def test_too_few_organisations(book: RuleBook) -> None:
    found = book.check("KA203", [org(1, "FI"), org(2, "DE")], call_year=2016)
    assert rules_of(found) == ["min_organisations", "min_countries"]
    assert found[0].message == ("KA203 (2016 call) needs at least 3 organisations; this "
                                "consortium has 2: add 1 more.")


def test_partner_country_organisation_may_join_but_not_coordinate(book: RuleBook) -> None:
    members = [org(1, "FI"), org(2, "DE"), org(3, "ES"), org(4, "US")]
    assert book.check("KA220-HED", members, coordinator=members[0]) == []
    found = book.check("KA220-HED", members, coordinator=members[3], call_year=2023)
    assert found == [Violation("coordinator", (
        "The coordinator of a KA220-HED (2023 call) project must be established in one of the EU "
        "member states or third countries associated to the Programme; Org 4 is in US, which "
        "may only take part as a partner. Choose another coordinator."))]
    assert rules_of(book.check("KA203", members, coordinator=members[3], call_year=2017)) == [
        "coordinator"]


def test_uk_counts_in_a_2019_ka203_but_not_in_a_2022_ka220(book: RuleBook) -> None:
    members = [org(1, "FI"), org(2, "DE"), org(3, "UK")]
    assert "UK" in book.countries_that_count("KA203", 2019)
    assert book.check("KA203", members, call_year=2019) == []
    assert "UK" not in book.countries_that_count("KA220-HED", 2022)
    found = book.check("KA220-HED", members, call_year=2022)
    assert rules_of(found) == ["min_countries"]
    assert "(DE, FI; UK does not count in 2022 calls)" in found[0].message
    assert rules_of(book.check("KA220-HED", members, coordinator=members[2],
                               call_year=2022)) == ["min_countries", "coordinator"]


def test_serbia_counts_from_the_2019_call(book: RuleBook) -> None:
    assert "RS" not in book.countries_that_count("KA203", 2018)
    assert "RS" in book.countries_that_count("KA203", 2019)
    assert "RS" in book.countries_that_count("KA220-HED", 2021)


def test_outermost_region_counts_as_its_member_state(book: RuleBook) -> None:
    assert book.check("KA220-HED", [org(1, "RE"), org(2, "DE"), org(3, "ES")]) == []
    found = book.check("KA220-HED", [org(1, "RE"), org(2, "FR"), org(3, "ES")])
    assert rules_of(found) == ["min_countries"]


def test_hei_without_eche_in_a_counting_country(book: RuleBook) -> None:
    members = [org(1, "FI", "higher-education"), org(2, "DE", "higher-education", eche=True),
               org(3, "ES")]
    found = book.check("KA220-HED", members, call_year=2022)
    assert found == [Violation("eche", (
        "Org 1 (FI) is a higher-education institution in one of the EU member states or third "
        "countries associated to the Programme without a valid Erasmus Charter for Higher "
        "Education (ECHE); it cannot take part in KA220-HED until it holds one."))]
    # the registry knows the 2021-27 charter only: not checked for 2014-20 calls (documented)
    assert book.check("KA203", members, call_year=2018) == []
    # outside the countries that count, no ECHE is required
    assert book.check("KA220-HED", members[1:] + [org(4, "IT"), org(5, "US", "higher-education")
                                                  ]) == []


def test_ka210_minimum_two_organisations_two_countries(book: RuleBook) -> None:
    assert book.check("KA210", [org(1, "FI", "school"), org(2, "EE", "ngo")]) == []
    assert rules_of(book.check("KA210", [org(1, "FI", "school"), org(2, "FI", "ngo")])) == [
        "min_countries"]
    assert rules_of(book.check("KA210", [org(1, "FI", "school")])) == [
        "min_organisations", "min_countries"]


def test_ka210_is_closed_to_other_countries_and_to_hei_only_consortia(book: RuleBook) -> None:
    found = book.check("KA210", [org(1, "FI", "school"), org(2, "EE"), org(3, "UA")])
    assert found == [Violation("other_countries", (
        "KA210 (2027 call) is open only to organisations from EU member states or third "
        "countries associated to the Programme; these cannot take part: Org 3 (UA)."))]
    heis = [org(1, "FI", "higher-education", True), org(2, "EE", "higher-education", True)]
    found = book.check("KA210", heis)
    assert rules_of(found) == ["field"]
    assert found[0].message.endswith("apply under KA220-HED.")


def test_all_violations_are_reported_at_once(book: RuleBook) -> None:
    members = [org(1, "FI", "higher-education"), org(2, "US")]
    found = book.check("KA220-HED", members, coordinator=members[1], call_year=2021)
    assert rules_of(found) == ["min_organisations", "min_countries", "coordinator", "eche"]
    assert all(v.message.endswith(".") for v in found)


def test_no_member_can_coordinate(book: RuleBook) -> None:
    found = book.check("KA220-HED", [org(1, "US"), org(2, "CN"), org(3, "UK")])
    assert "coordinator" in rules_of(found)


def test_call_year_defaults_to_latest_and_is_validated(book: RuleBook) -> None:
    assert book.call_year("KA203") == 2020
    assert book.call_year("ka220-hed") == 2027
    with pytest.raises(QueryError, match=r"KA203 had calls from 2014 to 2020, not in 2022; give "
                       r"a call year in 2014\.\.2020, or use KA220-HED for 2022 calls"):
        book.check("KA203", [org(1, "FI")], call_year=2022)
    with pytest.raises(QueryError, match="KA220-HED had calls from 2021 to 2027, not in 2019"):
        book.countries_that_count("KA220-HED", 2019)


def test_unknown_action_lists_valid_ones(book: RuleBook) -> None:
    with pytest.raises(QueryError, match="unknown action 'KA999'; valid actions: KA200, KA203, "
                       "KA210, KA220-HED"):
        book.check("KA999", [])


def test_duplicates_and_coordinator_outside_members_count_once(book: RuleBook) -> None:
    a, b, c = org(1, "FI"), org(2, "DE"), org(3, "ES")
    assert book.check("KA203", [a, b, a], coordinator=c, call_year=2015) == []
    assert book.admissible("KA220-HED", org(4, "FI", "higher-education"), 2022) is False
    assert book.admissible("KA210", org(5, "US")) is False
    assert book.admissible("KA220-HED", org(5, "US")) is True
