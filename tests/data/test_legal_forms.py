"""The legal-form rules of ``data/reference/legal_forms.csv`` and the engine that applies them."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.legal_forms import (
    LEGAL_FORMS_FILE,
    MATCH_KINDS,
    RULE_CATEGORIES,
    legal_form_rules,
    matching_rule,
    read_rules,
    refine_category,
)
from data.reference import CATEGORIES, countries
from models.errors import DataFileError, RowError
from models.text import fold

CHECKED_FILE = LEGAL_FORMS_FILE.with_name("legal_forms_checked.csv")

#: Real OTH names of ``../shared/data/cordis-h2020/organisations.csv.gz``: (pic, name, country,
#: refined category, the pattern of the rule that decides).
REAL = [
    ("946454900", "SUOMEN MIELENTERVEYSSEURA RY", "FI", "ngo", "ry"),
    ("927013093", "SUOMEN STANDARDISOIMISLIITTO SFS RY", "FI", "other", "standardis"),
    ("986299105", "WATERSTOFNET VZW", "BE", "ngo", "vzw"),
    ("954556243",
     ("EUROCHAMBRES-ASSOCIATION DES CHAMBRES DE COMMERCE ET D'INDUSTRIE EUROPEENNES "
      "ASSOCIATION INTERNATIONALE"), "BE", "network", "chambre"),
    ("986216752", "ReUse-Computer e.V.", "DE", "ngo", "e.V."),
    ("919278992", "FREUNDESKREIS FUR INTERNATIONALE TUBERKULOSEHILFE EV", "DE", "ngo", "eV"),
    ("940622678", "STICHTING DUTCH INSTITUTE FOR TECHNOLOGY, SAFETY & SECURITY", "NL",
     "network", "stichting"),
    ("953414553", "FUNDACION CIUDADANA CIVIO", "ES", "network", "fundación"),
    ("968188429", "HELSINSKA FUNDACJA PRAW CZLOWIEKA", "PL", "network", "fundacja"),
    ("945508762", "MALMO FOTBOLLFORENING", "SE", "ngo", "forening"),
    ("965102471", "FEDERACION ASTURIANA DE EMPRESARIOS", "ES", "network", "federación"),
    ("991258036", "ASSOCIATION EUROPEENNE DES RECYCLEURS DE PLASTIQUES", "BE", "ngo",
     "association"),
    ("993672075", "Conseil Europ\ufffden de l'Industrie Chimique", "BE", "network", "industr"),
    ("935752987", "EVANGELISCHES WALDKRANKENHAUS SPANDAU KRANKENHAUSBETRIEBS GGMBH", "DE",
     "other", "krankenhaus"),
]


@pytest.fixture(scope="module")
def oth_names(shared_data: Path) -> dict[str, tuple[str, str]]:
    """pic -> (name, country) of every OTH organisation of the CORDIS names file."""
    path = shared_data / "cordis-h2020" / "organisations.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return {
            r["pic"]: (r["name"], r["country"])
            for r in csv.DictReader(fh) if r["activity_type"] == "OTH"
        }


@pytest.mark.parametrize(("pic", "name", "country", "category", "pattern"), REAL)
def test_real_names_are_refined_by_their_legal_form(
    pic: str, name: str, country: str, category: str, pattern: str
) -> None:
    rule = matching_rule(name, country, "other", "OTH")
    assert rule is not None and rule.pattern == pattern
    assert refine_category(name, country, "other", "OTH") == category


def test_the_example_names_are_real_oth_rows(oth_names: dict[str, tuple[str, str]]) -> None:
    for pic, name, country, _category, _pattern in REAL:
        assert oth_names.get(pic) == (name, country), pic


@pytest.mark.parametrize("type_code", ["HES", "PRC", "REC", "PUB", None, "NA", "EPLUS-NGO"])
def test_other_source_types_are_never_touched(type_code: str | None) -> None:
    for _pic, name, country, _category, _pattern in REAL:
        for category in ("higher-education", "company", "research", "public-body", "other"):
            assert refine_category(name, country, category, type_code) == category
            assert matching_rule(name, country, category, type_code) is None


def test_an_oth_organisation_already_given_a_category_keeps_it() -> None:
    assert refine_category("STICHTING WAR CHILD", "NL", "ngo", "OTH") == "ngo"


@given(
    name=st.text(max_size=60) | st.none(),
    country=st.sampled_from(["FI", "BE", "DE", "NL", "ES", "US", ""]),
    category=st.sampled_from(CATEGORIES),
    type_code=st.sampled_from(["OTH", "HES", "PRC", "REC", "PUB"]) | st.none(),
)
def test_the_result_is_a_category_and_only_oth_other_and_hes_higher_education_change(
    name: str | None, country: str, category: str, type_code: str | None
) -> None:
    refined = refine_category(name, country, category, type_code)
    assert refined in CATEGORIES
    if (type_code, category) == ("OTH", "other"):
        assert refined in ("other", "ngo", "network")
    elif (type_code, category) == ("HES", "higher-education"):
        assert refined in ("higher-education", "school")
    else:
        assert refined == category


#: Every CORDIS HES ("higher or secondary education") organisation that the school-type rules
#: make a school, checked by hand: all six are schools (the Piarist schools of Catalonia, a
#: French lycée, a Slovenian gimnazija, three Greek private schools).
HES_SCHOOLS = {
    "921209389": "ekpaideftiria",  # EKPAIDEFTIRIA N. MPAKOGIANNI ANONYMI ETAIREIA
    "929599501": "escola pia",  # ESCOLA PIA DE CATALUNYA
    "934271312": "lycee",  # LYCEE GENERAL ET TECHNOLOGIQUE CONDORCET
    "944170841": "gimnazija",  # GIMNAZIJA FRANCA MIKLOSICA LJUTOMER
    "955736442": "ekpaideftiria",  # DOUKA EKPAIDEFTIRIA AE - PALLADION LYKEION ...
    "998080337": "scholi",  # ELLINOGERMANIKI AGOGI SCHOLI PANAGEA SAVVA AE
}


def test_secondary_schools_filed_as_hes_become_schools_and_no_university_does(
    shared_data: Path,
) -> None:
    path = shared_data / "cordis-h2020" / "organisations.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        hes = {r["pic"]: (r["name"], r["country"])
               for r in csv.DictReader(fh) if r["activity_type"] == "HES"}
    assert len(hes) > 1000
    schools = {}
    for pic, (name, country) in hes.items():
        if refine_category(name, country, "higher-education", "HES") == "school":
            rule = matching_rule(name, country, "higher-education", "HES")
            assert rule is not None
            schools[pic] = rule.pattern
    assert schools == HES_SCHOOLS


@pytest.mark.parametrize(("name", "country"), [
    ("ANOTATI SCHOLI KALON TECHNON", "EL"),  # Athens School of Fine Arts
    ("ETHNIKO KAI KAPODISTRIAKO PANEPISTIMIO ATHINON", "EL"),
    ("LONDON SCHOOL OF ECONOMICS AND POLITICAL SCIENCE", "UK"),
    ("SZKOLA GLOWNA HANDLOWA W WARSZAWIE", "PL"),
    ("HOCHSCHULE FUR TECHNIK UND WIRTSCHAFT BERLIN", "DE"),
])
def test_higher_education_names_stay_higher_education(name: str, country: str) -> None:
    assert refine_category(name, country, "higher-education", "HES") == "higher-education"


def test_the_school_names_file_is_well_formed() -> None:
    rules = legal_form_rules("HES")
    assert len(rules) > 40
    assert {r.category for r in rules} == {"school", "higher-education"}
    assert all(r.source for r in rules)
    # the guards come first: the first matching rule wins
    guards = [i for i, r in enumerate(rules) if r.category == "higher-education"]
    assert guards == list(range(len(guards)))


def test_names_without_letters_are_left_alone() -> None:
    for name in (None, "", "  ", "***"):
        assert matching_rule(name, "FI", "other", "OTH") is None


def test_country_specific_rules_do_not_fire_elsewhere() -> None:
    # Real names, moved to a country where their legal form means nothing.
    assert refine_category("SUOMEN MIELENTERVEYSSEURA RY", "SE", "other", "OTH") == "other"
    assert refine_category("WATERSTOFNET VZW", "NL", "other", "OTH") == "other"
    assert refine_category("GREEN CITY EV", "US", "other", "OTH") == "other"
    assert refine_category("green city ev", "de", "other", "OTH") == "ngo"


def test_every_rule_fires_on_its_own_pattern_and_only_where_it_applies() -> None:
    offences = []
    for rule in legal_form_rules():
        name = f"Alpha {rule.pattern}"
        inside = min(rule.countries) if rule.countries else "FR"
        # No earlier rule shadows it: each rule decides at least its own bare pattern.
        if matching_rule(name, inside, "other", "OTH") != rule:
            offences.append(f"line {rule.line} {rule.pattern!r}: shadowed in {inside}")
        if rule.countries:
            outside = next(c for c in ("US", "FR", "JP") if c not in rule.countries)
            if matching_rule(name, outside, "other", "OTH") == rule:
                offences.append(f"line {rule.line} {rule.pattern!r}: fires in {outside}")
    assert not offences


def test_match_kinds() -> None:
    assert matching_rule("ALPHA RY BETA", "FI", "other", "OTH") is None  # ry: a suffix
    assert refine_category("ALPHA STIFTUNGSRAT", "DE", "other", "OTH") == "network"  # anywhere
    assert refine_category("EVENT GMBH", "DE", "other", "OTH") == "other"  # eV: whole word
    assert refine_category("ALPHA E. V.", "DE", "other", "OTH") == "ngo"  # folded


def test_the_rules_file_is_well_formed() -> None:
    with LEGAL_FORMS_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(legal_form_rules()) > 100
    known = {c.code for c in countries()}
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        assert row["source"].strip(), row
        assert row["category"] in RULE_CATEGORIES, row
        assert row["match"] in MATCH_KINDS, row
        codes = [c for c in row["countries"].split("|") if c]
        assert set(codes) <= known, row
        assert all(re.fullmatch(r"[a-z]{2,3}", lang) for lang in row["languages"].split("|")), row
        key = (fold(row["pattern"]), row["match"], row["countries"])
        assert key not in seen, f"duplicate rule after folding: {row['pattern']}"
        seen.add(key)


def test_a_bad_rule_names_the_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "pattern,match,category,languages,countries,source\n"
        "ry,suffix,ngo,fi,FI,Yhdistyslaki 503/1989\n"
        "vzw,glob,ngo,nl,BE,law of 27 June 1921\n",
        encoding="utf-8",
    )
    with pytest.raises(RowError) as err:
        read_rules(path)
    assert str(err.value) == f"{path}:3: match: 'glob'; valid: word, suffix, anywhere"

    path.write_text(
        "pattern,match,category,languages,countries,source\nry,suffix,ngo,fi,FI,\n",
        encoding="utf-8",
    )
    with pytest.raises(RowError, match=r":2: source: empty"):
        read_rules(path)

    path.write_text("pattern,match\nry,suffix\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing columns: category"):
        read_rules(path)


def test_the_hand_checked_verdicts_are_well_formed() -> None:
    with CHECKED_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["pic"] for r in rows}) == len(rows) >= 250
    for row in rows:
        assert row["correct_category"] in CATEGORIES, row
        assert row["predicted"] in ("ngo", "network", "other"), row
        assert row["note"].strip(), row
        assert row["sample"] in ("development", "final"), row
