"""``matcher.names`` on real CORDIS rows: the names and short names of ``organisations.csv.gz``
and the participations of ``participations.csv.gz`` as activity, for organisations whose names
make the hard cases (inflected Finnish, shared short names, several Graz universities)."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.names import NamedOrg, NameIndex, Tier, fold_name
from models.errors import QueryError
from models.text import fold

HELSINKI, FORUM_VIRIUM, HELSINKI_CITY = "999994535", "997534324", "997664207"
CHAMBER, FOUNDATION = "938364227", "968188429"
CNRS_FR, CNRS_LB, MPG, MPG_IT = "999997930", "999565407", "999990267", "938050529"
GRAZ, TU_GRAZ, MED_GRAZ = "999873188", "999977948", "999836231"
TAMPERE, PIRKANMAA, LJUBLJANA, LORRAINE = "999903161", "934692583", "999923240", "954831626"
#: In this order: organisations sharing a short name sit next to each other.
PICS = (HELSINKI, FORUM_VIRIUM, HELSINKI_CITY, CHAMBER, FOUNDATION, CNRS_FR, CNRS_LB, MPG,
        MPG_IT, GRAZ, TU_GRAZ, MED_GRAZ, TAMPERE, PIRKANMAA, LJUBLJANA, LORRAINE)


def _rows(path: Path, pic_column: int) -> list[list[str]]:
    """The rows of the organisations of :data:`PICS`."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return [r for r in csv.reader(fh) if r[pic_column] in PICS]


@pytest.fixture(scope="module")
def index(shared_data: Path) -> NameIndex[NamedOrg]:
    """As ``import history --organisations`` stores them: the name, and the short name as an
    alias; activity is the number of projects."""
    folder = shared_data / "cordis-h2020"
    rows = {r[0]: r for r in _rows(folder / "organisations.csv.gz", 0)}
    projects = Counter(pic for _, pic in {(r[0], r[2]) for r in
                                          _rows(folder / "participations.csv.gz", 2)})
    orgs = [NamedOrg(i, pic, None, None, rows[pic][1], rows[pic][5],
                     (rows[pic][2],) if rows[pic][2] else ())
            for i, pic in enumerate(PICS, start=1)]
    return NameIndex(orgs, activity=[projects[pic] for pic in PICS])


@given(st.text())
def test_fold_name_is_fold(text: str) -> None:
    assert fold_name(text) == fold(text)


@pytest.mark.parametrize(("text", "pic"), [
    ("helsingin yliopisto", HELSINKI),
    ("Max-Planck-Gesellschaft zur Forderung der Wissenschaften eV", MPG),
    ("CNRS", CNRS_FR),  # 1078 projects against 2: the French CNRS
    ("m.p.g.", MPG),  # 386 against 1
    ("TU Graz", TU_GRAZ),
    ("Tampere", PIRKANMAA),  # its real short name: an exact alias beats an inflected form
])
def test_exact_name_or_alias(index: NameIndex[NamedOrg], text: str, pic: str) -> None:
    assert index.resolve(text).pic == pic


@pytest.mark.parametrize(("text", "pic"), [
    ("helsingin yliopsto", HELSINKI),
    ("Universität Graz", GRAZ),  # not the Technische or Medizinische Universität Graz
    ("University Graz", GRAZ),
    ("Forum Virium Helsinki", FORUM_VIRIUM),
    ("max planck gesellschaft", MPG),
])
def test_inflected_misspelt_or_shortened_full_names(index: NameIndex[NamedOrg], text: str,
                                                     pic: str) -> None:
    assert index.resolve(text).pic == pic


def test_inflected_word_finds_every_form_most_active_first(index: NameIndex[NamedOrg]) -> None:
    found = index.search("helsinki")
    assert [(m.org.pic, m.tier, m.matched) for m in found] == [
        (HELSINKI, Tier.WORDS, "HELSINGIN YLIOPISTO"),
        (FORUM_VIRIUM, Tier.WORDS, "FORUM VIRIUM HELSINKI OY"),
        (HELSINKI_CITY, Tier.WORDS, "HELSINGFORS STADCITY OF HELSINKI"),
        (CHAMBER, Tier.WORDS, "Helsinki Region Chamber of Commerce"),
        (FOUNDATION, Tier.WORDS, "HELSINKI FOUNDATION FOR HUMAN RIGHT"),
    ]
    assert [m.activity for m in found] == sorted((m.activity for m in found), reverse=True)


def test_word_of_several_names_is_ambiguous(index: NameIndex[NamedOrg]) -> None:
    with pytest.raises(QueryError) as info:
        index.resolve("helsinki")
    assert str(info.value) == (
        "organisation 'helsinki' is ambiguous: HELSINGIN YLIOPISTO (999994535, FI); FORUM "
        "VIRIUM HELSINKI OY (997534324, FI); HELSINGIN KAUPUNKI (997664207, FI); HELSINGIN "
        "SEUDUN KAUPPAKAMARI - HELSINGFORSREGIONENS HANDELSKAMMARE RY (938364227, FI); "
        "HELSINSKA FUNDACJA PRAW CZLOWIEKA (968188429, PL); give the PIC of the one you mean.")


def test_shared_short_name_without_tenfold_activity_is_ambiguous(
        index: NameIndex[NamedOrg]) -> None:
    with pytest.raises(QueryError) as info:  # 110 projects against 25
        index.resolve("UL")
    assert str(info.value) == (
        "organisation 'UL' is ambiguous: UNIVERZA V LJUBLJANI (999923240, SI); UNIVERSITE DE "
        "LORRAINE (954831626, FR); give the PIC of the one you mean.")


def test_unknown_name_lists_close_names(index: NameIndex[NamedOrg]) -> None:
    with pytest.raises(QueryError) as info:
        index.resolve("Helsingin kauppakorkeakoulu", ref=" Helsingin kauppakorkeakoulu")
    assert str(info.value) == (
        "unknown organisation ' Helsingin kauppakorkeakoulu': give a 9-digit PIC, an OID (E + "
        "8 digits), an Erasmus code (e.g. 'SF HELSINK01'), an internal id (#12) or a name; "
        "names close to it: HELSINGIN YLIOPISTO (999994535, FI); HELSINGIN KAUPUNKI "
        "(997664207, FI); HELSINGIN SEUDUN KAUPPAKAMARI - HELSINGFORSREGIONENS HANDELSKAMMARE "
        "RY (938364227, FI); FORUM VIRIUM HELSINKI OY (997534324, FI); HELSINSKA FUNDACJA PRAW "
        "CZLOWIEKA (968188429, PL). Find one with `matcher orgs --name ...`.")
    with pytest.raises(QueryError, match="^organisation '--' has no letters or digits"):
        index.resolve("--")


def test_listing_adds_substrings_after_word_matches(index: NameIndex[NamedOrg]) -> None:
    found = index.search("niv")  # inside words only
    assert {m.tier for m in found} == {Tier.SUBSTRING}
    assert [m.org.pic for m in found] == [LJUBLJANA, TU_GRAZ, GRAZ, MED_GRAZ, LORRAINE]
    assert [m.org.pic for m in index.search("graz")][:3] == [TU_GRAZ, GRAZ, MED_GRAZ]


def test_activity_is_one_count_per_organisation() -> None:
    index = NameIndex([NamedOrg(1, None, None, None, "A", "FI")], activity=[1, 2])
    with pytest.raises(ValueError, match="activity has 2 counts for 1 organisations"):
        index.resolve("a")
