"""``matcher.registry.catalogue`` on a small registry of ORM rows copied from real ECHE and H2020 rows
(identifiers, names, codes with their non-breaking spaces), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.reference import seed_reference
from matcher.registry.catalogue import (
    OrgSummary,
    find_organisation,
    list_organisations,
    list_themes,
    organisation_profile,
    registry_stats,
)
from matcher.registry.store import load_reference, load_registry
from matcher.vocabulary import OrgIndex, Vocabulary
from models.db import open_database
from models.errors import QueryError
from models.schema import Organisation, OrganisationAlias, Participation, Project, Theme
from models.text import fold

START, END = dt.date(2021, 1, 1), dt.date(2029, 12, 31)
#: (pic, oid, erasmus code as stored, name, country, city, category, type code, eche)
ORGS = [
    ("999873188", "E10208908", "A\xa0 GRAZ01", "UNIVERSITAET GRAZ", "AT", "GRAZ",
     "higher-education", "EPLUS-EDU-HEI", True),
    ("999994535", "E10209507", "SF HELSINK01", "HELSINGIN YLIOPISTO", "FI", "HELSINKI",
     "higher-education", "EPLUS-EDU-HEI", True),
    ("991256096", "E10181958", "SF ESPOO12", "AALTO KORKEAKOULUSAATIO SR", "FI", "ESPOO",
     "higher-education", "EPLUS-EDU-HEI", True),
    ("999903355", "E10209161", "SF TURKU02", "ÅBO AKADEMI", "FI", "ÅBO", "higher-education",
     "EPLUS-EDU-HEI", True),
    ("999987745", None, None, None, "IT", None, "higher-education", "HES", False),
    ("999644559", None, None, None, "FI", None, "research", "REC", False),
    ("952152298", None, None, None, "DE", None, "company", "PRC", False),
]
#: project rcn, year, programme part, [(pic, role)]: real H2020 consortia, trimmed.
PROJECTS = [
    ("214369", 2019, "h2020-msca", [("991256096", "coordinator"), ("999994535", "partner"),
                                    ("999873188", "partner")]),
    ("218060", 2018, "h2020-msca", [("999994535", "coordinator"), ("999987745", "partner"),
                                    ("999873188", "partner")]),
    ("220541", 2017, "h2020-erc", [("999994535", "coordinator"), ("999644559", "partner")]),
    ("221198", 2016, "h2020-leit", [("952152298", "coordinator"), ("999994535", "partner")]),
]


def fill(session: Session) -> dict[str, int]:
    """Insert the rows above; return PIC -> internal id."""
    seed_reference(session)
    theme = {t.code: t for t in session.scalars(select(Theme))}
    ids: dict[str, int] = {}
    for pic, oid, code, name, country, city, category, type_code, eche in ORGS:
        org = Organisation(pic=pic, oid=oid, erasmus_code=code, legal_name=name,
                           normalised_name=fold(name) if name else None, country=country,
                           city=city, category=category, type_code=type_code,
                           eche_start=START if eche else None, eche_end=END if eche else None,
                           source_file="eche.csv" if eche else "participations.csv", source_row=2)
        if pic == "999994535":
            org.themes = [theme["guidance-counselling"]]
        session.add(org)
        session.flush()
        ids[pic] = org.id
    for rcn, year, part, members in PROJECTS:
        project = Project(programme="H2020", identifier=rcn, action=part[6:].upper(),
                          start_year=year, themes=[theme[part]])
        session.add(project)
        session.flush()
        for pic, role in members:
            session.add(Participation(project_id=project.id, organisation_id=ids[pic],
                                      role=role))
    session.flush()
    return ids


@pytest.fixture
def registry(db_url: str) -> Iterator[tuple[Session, dict[str, int]]]:
    db = open_database(db_url)
    with db.sessions.begin() as session:
        yield session, fill(session)
    db.dispose()


def names(found: list[OrgSummary]) -> list[str]:
    return [o.name for o in found]


def orgs(session: Session, *, countries: tuple[str, ...] | list[str] = (),
         types: tuple[str, ...] | list[str] = (), themes: tuple[str, ...] | list[str] = (),
         **options: object) -> list[OrgSummary]:
    """``list_organisations`` with what a user typed, resolved as the facade does."""
    words = Vocabulary(load_reference(session))
    return list_organisations(session, countries=words.countries(countries),
                              categories=words.categories(types), themes=words.themes(themes),
                              **options)  # type: ignore[arg-type]


def test_find_by_every_kind_of_reference(registry: tuple[Session, dict[str, int]]) -> None:
    session, ids = registry
    graz = ids["999873188"]
    for ref in ("999873188", "E10208908", "e10208908", "A GRAZ01", "A\xa0 GRAZ01", "AGRAZ01",
                " a  graz01 ", f"#{graz}", str(graz)):
        assert find_organisation(session, ref) == graz, ref


def add_aliases(session: Session, ids: dict[str, int]) -> None:
    """The real CORDIS short names of two of the organisations (one of them unnamed)."""
    for pic, name in (("999873188", "UNI GRAZ"), ("999987745", "UNIROMA1")):
        session.add(OrganisationAlias(organisation_id=ids[pic], name=name,
                                      normalised=fold(name), kind="short_name"))
    session.flush()


def test_find_by_name_or_alias(registry: tuple[Session, dict[str, int]]) -> None:
    session, ids = registry
    add_aliases(session, ids)
    for ref, pic in [
        ("helsingin yliopisto", "999994535"),  # exact
        ("Helsingin yliopsto", "999994535"),  # misspelt
        ("helsinki", "999994535"),  # inflected, and the only one with that word here
        ("universität graz", "999873188"),
        ("uni graz", "999873188"),  # alias
        ("UNIROMA 1", "999987745"),  # alias of an unnamed organisation, spaces aside
    ]:
        assert find_organisation(session, ref) == ids[pic], ref


def test_find_unknown_names_the_nearest(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    with pytest.raises(QueryError) as info:
        find_organisation(session, "universitat wien")
    assert str(info.value) == (
        "unknown organisation 'universitat wien': give a 9-digit PIC, an OID (E + 8 digits), an "
        "Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; names close to it: "
        "UNIVERSITAET GRAZ (999873188, AT). Find one with `matcher orgs --name ...`.")
    with pytest.raises(QueryError, match="empty organisation reference"):
        find_organisation(session, " ")
    with pytest.raises(QueryError, match="unknown organisation '123456789'"):
        find_organisation(session, "123456789")  # a PIC-shaped number is never an id


def test_session_and_snapshot_resolve_alike(registry: tuple[Session, dict[str, int]]) -> None:
    """``show`` (a session) and ``search``/``complete`` (a snapshot) give one answer."""
    session, ids = registry
    add_aliases(session, ids)
    snapshot = OrgIndex.of(load_registry(session))

    def answer(find: Callable[[str], int], ref: str) -> int | str:
        try:
            return find(ref)
        except QueryError as exc:
            return str(exc)

    for ref in ("helsingin yliopisto", "helsinki", "akademi", "universitat", "uni graz",
                "roma", "universitat wien", "E10209507", "a graz01", "#3", "123456789", "--"):
        assert answer(lambda r: find_organisation(session, r), ref) == answer(
            lambda r: snapshot.get(r).id, ref), ref


def test_filters_individually(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    assert names(orgs(session, countries=["Finland"])) == [
        "AALTO KORKEAKOULUSAATIO SR", "ÅBO AKADEMI", "HELSINGIN YLIOPISTO",
        "(unnamed, PIC 999644559)"]  # by folded name: Å sorts as A
    assert {o.pic for o in orgs(session, types=["Research"])} == {
        "999644559"}
    assert {o.pic for o in orgs(session, themes=["h2020-msca"])} == {
        "991256096", "999994535", "999873188", "999987745"}
    assert names(orgs(session, name="abo")) == ["ÅBO AKADEMI"]
    assert names(orgs(session, name="Universitaet  Gr")) == ["UNIVERSITAET GRAZ"]
    assert names(orgs(session, name="helsinki")) == ["HELSINGIN YLIOPISTO"]
    assert len(orgs(session, eche=True)) == 4
    assert all(o.eche for o in orgs(session, eche=True))


def test_name_lists_words_before_substrings_with_filters_and_pages(
        registry: tuple[Session, dict[str, int]]) -> None:
    session, ids = registry
    add_aliases(session, ids)
    found = orgs(session, name="uni")
    assert [(o.pic, o.name) for o in found] == [
        ("999873188", "UNIVERSITAET GRAZ"),  # the word UNI (GRAZ)
        ("999987745", "(unnamed, PIC 999987745)")]  # inside UNIROMA1
    assert [o.pic for o in orgs(session, name="uni", countries=["IT"])] == [
        "999987745"]
    assert orgs(session, name="uni", limit=1, offset=1) == found[1:]


def test_filters_combined_and_paging(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    found = orgs(session, countries=["FI", "AT"], types=["higher education"],
                               themes=["Study guidance and counselling", "h2020-leit"])
    assert [(o.pic, o.projects) for o in found] == [("999994535", 4)]
    both = orgs(session, countries=["FI", "IT"], eche=False)
    assert names(orgs(session, countries=["FI", "IT"], limit=2, offset=1)) == \
        names(both)[1:3]
    assert orgs(session, countries=["DE"], eche=True) == []


def test_theme_matches_finnish_label_and_declared_themes(
        registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    found = orgs(session, themes=["opintojen ohjaus ja neuvonta"])
    assert names(found) == ["HELSINGIN YLIOPISTO"]


def test_type_accepts_codes_through_aliases(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    assert {o.pic for o in orgs(session, types=["prc"])} == {"952152298"}
    assert len(orgs(session, types=["EPLUS-EDU-HEI"])) == 5
    assert len(orgs(session, types=["university"])) == 5


def test_unknown_filter_values(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    with pytest.raises(QueryError) as info:
        orgs(session, types=["universe"])
    assert str(info.value).startswith(
        "unknown organisation type 'universe'; valid types: higher-education, school, "
        "research, company, ngo, public-body, network, other (or an EPLUS-* / CORDIS type "
        "code such as HES, PRC); nearest: ")
    with pytest.raises(QueryError, match=r"unknown country 'Finlnd'.*nearest: Finland"):
        orgs(session, countries=["Finlnd"])
    with pytest.raises(QueryError, match=r"unknown theme 'guidance'"):
        orgs(session, themes=["guidance"])
    with pytest.raises(QueryError, match="no letters or digits"):
        orgs(session, name=" - ")


def test_profile(registry: tuple[Session, dict[str, int]]) -> None:
    session, ids = registry
    d = organisation_profile(session, "SF HELSINK01", today=dt.date(2025, 1, 1))
    assert (d.id, d.name, d.country_name, d.eche_valid) == (
        ids["999994535"], "HELSINGIN YLIOPISTO", "Finland", True)
    assert [t.code for t in d.declared_themes] == ["guidance-counselling"]
    assert [(t.code, t.count) for t in d.project_themes] == [
        ("h2020-msca", 2), ("h2020-erc", 1), ("h2020-leit", 1)]
    assert [(p.identifier, p.year, p.role) for p in d.projects] == [
        ("214369", 2019, "partner"), ("218060", 2018, "coordinator"),
        ("220541", 2017, "coordinator"), ("221198", 2016, "partner")]
    assert [(p.ref, p.shared) for p in d.partners] == [
        ("999873188", 2), ("991256096", 1), ("999987745", 1), ("999644559", 1),
        ("952152298", 1)]
    assert d.to_json()["eche_end"] == "2029-12-31"
    expired = organisation_profile(session, "999873188", today=dt.date(2030, 1, 1))
    assert expired.eche_valid is False
    unnamed = organisation_profile(session, "999987745")
    assert unnamed.name == "(unnamed, PIC 999987745)" and unnamed.eche_valid is False


def test_stats_and_themes(registry: tuple[Session, dict[str, int]]) -> None:
    session, _ = registry
    stats = registry_stats(session)
    assert {k: stats[k] for k in ("organisations", "projects", "participations",
                                  "named_organisations", "eche_holders")} == {
        "organisations": 7, "projects": 4, "participations": 10, "named_organisations": 4,
        "eche_holders": 4}
    assert stats["themes"] == len(list_themes(session)) > 50
    assert stats["by_category"] == {"higher-education": 5, "company": 1, "research": 1}
    assert stats["projects_by_year"] == {"2016": 1, "2017": 1, "2018": 1, "2019": 1}
    assert stats["backend"] in ("sqlite", "postgresql")
    msca = next(t for t in list_themes(session, "programme-part") if t.code == "h2020-msca")
    assert msca.projects == 2
    with pytest.raises(QueryError, match="valid kinds: priority, programme-part, seed, topic"):
        list_themes(session, "topics")


CATEGORIES = ("higher-education", "school", "research", "company", "ngo", "public-body",
              "network", "other")


@given(st.sampled_from(CATEGORIES), st.sampled_from(["-", " ", "_"]), st.booleans(),
       st.sampled_from(["", " ", "!", "."]))
@settings(max_examples=60, deadline=None)
def test_a_category_is_found_however_it_is_spelt(category: str, joiner: str, upper: bool,
                                                 around: str) -> None:
    from data.reference import countries, org_types
    from matcher.registry.reference import CountryInfo, Reference

    ref = Reference(tuple(CountryInfo(c.code, c.iso2, c.name, c.part_of) for c in countries()),
                    org_types(), (), {})
    text = category.replace("-", joiner)
    text = f"{around}{text.upper() if upper else text}{around}"
    assert Vocabulary(ref).categories([text]) == {category}
    assert Vocabulary(ref).reference.categories == CATEGORIES
