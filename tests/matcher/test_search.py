"""``matcher.search`` on a registry cut from the real data: the H2020 projects of the
University of Helsinki (and a few others) with every partner's real ECHE row.

``build_slice`` is shared with ``tests/cli/test_search_cli.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.reference import resolve_category, resolve_country
from matcher.ranking.ranker import Ranker
from matcher.registry.snapshot import load_registry
from matcher.search import SearchResult, resolve_categories, search
from models.db import open_database
from models.errors import QueryError
from tests.real_slices import real_registry

HELSINKI, SAPIENZA, GRAZ = "999994535", "999987745", "999873188"
KEEP = {"224209", "220541", "221198"}


def build_slice(directory: Path, *, n_projects: int = 25) -> str:
    """An SQLite registry of real rows in ``directory``: the partners' charters, and every
    Finnish HEI (so that Finnish words have matches); returns its URL."""
    return real_registry(directory, n_projects=n_projects, keep=KEEP, eche_countries=("FI",),
                         programme_parts=True)


@pytest.fixture(scope="module")
def ranker(tmp_path_factory: pytest.TempPathFactory) -> Ranker:
    db = open_database(build_slice(tmp_path_factory.mktemp("search")))
    with db.sessions() as s:
        registry = load_registry(s)
    db.dispose()
    return Ranker().fit(registry)


def _ids(result: SearchResult) -> list[int]:
    return [m.org.id for m in result.matches]


# --- each query type -----------------------------------------------------------------------

def test_org_query_puts_past_partners_first_and_never_the_org(ranker: Ranker) -> None:
    result = search(ranker, org=HELSINKI, k=10)
    helsinki = result.org
    assert helsinki is not None and helsinki.name == "HELSINGIN YLIOPISTO"
    assert helsinki.id not in _ids(result)
    assert len(result.matches) == 10
    assert all(any(r.startswith("worked with HELSINGIN YLIOPISTO") for r in m.why)
               for m in result.matches[:3])
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)


def test_org_by_erasmus_code_is_the_same_org(ranker: Ranker) -> None:
    by_pic = search(ranker, org=HELSINKI, k=5)
    by_code = search(ranker, org="sf  helsink01", k=5)
    assert by_code.org == by_pic.org
    assert _ids(by_code) == _ids(by_pic)


def test_text_query_matches_finnish_names(ranker: Ranker) -> None:
    result = search(ranker, text="ammattikorkeakoulu", k=5)
    assert result.matches
    assert all("AMMATTIKORKEAKOULU" in m.org.name.upper() for m in result.matches)
    assert any("ammattikorkeakoulu" in reason.lower() for reason in result.matches[0].why)


def test_theme_query_by_finnish_label_equals_the_code(ranker: Ranker) -> None:
    theme = next(iter(t for t in ranker.registry_.themes.values() if t.label_fi))
    assert theme.label_fi is not None
    by_label = search(ranker, themes=[theme.label_fi.upper()], k=5)
    by_code = search(ranker, themes=[theme.code], k=5)
    assert by_label.query.themes == (theme.code,)
    assert _ids(by_label) == _ids(by_code)


def test_theme_query_names_the_shared_theme(ranker: Ranker) -> None:
    counts: dict[str, int] = {}
    for p in ranker.registry_.projects:
        for code in p.themes:
            counts[code] = counts.get(code, 0) + 1
    code = max(sorted(counts), key=counts.__getitem__)
    result = search(ranker, themes=[code], k=3)
    label = ranker.registry_.themes[code].label_en
    assert all(any("shared themes" in r and label in r for r in m.why) for m in result.matches)


def test_org_and_text_query_differs_from_org_alone(ranker: Ranker) -> None:
    alone = search(ranker, org=HELSINKI, k=10)
    both = search(ranker, org=HELSINKI, text="ammattikorkeakoulu", k=10)
    assert both.query.org_ids == alone.query.org_ids and both.query.text == "ammattikorkeakoulu"
    assert _ids(both) != _ids(alone)
    assert HELSINKI not in [m.org.pic for m in both.matches]


# --- filters -------------------------------------------------------------------------------

def test_country_filter_by_code_name_and_iso(ranker: Ranker) -> None:
    for value in ("EL", "Greece", "gr"):
        result = search(ranker, org=HELSINKI, countries=[value], k=5,
                        country_resolver=resolve_country)
        assert result.matches and {m.org.country for m in result.matches} == {"EL"}
    plain = search(ranker, org=HELSINKI, countries=["greece"], k=5)  # no resolver: names only
    assert {m.org.country for m in plain.matches} == {"EL"}


def test_exclude_country(ranker: Ranker) -> None:
    base = search(ranker, org=SAPIENZA, k=20)
    assert "DE" in {m.org.country for m in base.matches}
    result = search(ranker, org=SAPIENZA, exclude_countries=["DE", "Italy"], k=20)
    assert not {"DE", "IT"} & {m.org.country for m in result.matches}


def test_type_filter_accepts_categories_and_codes(ranker: Ranker) -> None:
    def category(value: str) -> str | None:
        found = resolve_category(value)
        return found[0] if found else None

    for value in ("company", "PRC", "EPLUS-ENT-SME"):
        result = search(ranker, org=HELSINKI, types=[value], k=5, type_resolver=category)
        assert result.matches and {m.org.category for m in result.matches} == {"company"}


def test_eche_filter(ranker: Ranker) -> None:
    result = search(ranker, org=HELSINKI, eche=True, k=10)
    assert result.matches and all(m.org.eche for m in result.matches)
    assert not all(m.org.eche for m in search(ranker, org=HELSINKI, k=10).matches)


def test_programme_countries(ranker: Ranker) -> None:
    counting = frozenset({"FI", "DE", "FR"})
    result = search(ranker, org=HELSINKI, programme_countries=counting, k=10)
    assert result.matches and {m.org.country for m in result.matches} <= counting
    narrowed = search(ranker, org=HELSINKI, countries=["DE", "US"],
                      programme_countries=counting, k=10)
    assert {m.org.country for m in narrowed.matches} == {"DE"}
    with pytest.raises(QueryError, match=r"^no country left: US is not among the countries "
                                         r"that count for the action \(DE, FI, FR\)$"):
        search(ranker, org=HELSINKI, countries=["US"], programme_countries=counting)


# --- bad input -----------------------------------------------------------------------------

EMPTY = ("empty query: give an organisation (--org), a project idea (--text) or at least one "
         "theme (--theme)")
BAD_TYPE = ("unknown organisation type 'university of life'; valid types: higher-education, "
            "school, research, company, ngo, public-body, network, other (or an EPLUS-* / "
            "CORDIS type code); nearest: ")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, EMPTY),
    ({"text": "   "}, EMPTY),
    ({"text": "x", "k": 0}, "-k 0: ask for at least 1 result"),
    ({"text": "x", "types": ["university of life"]}, BAD_TYPE),
])
def test_bad_input(ranker: Ranker, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError) as info:
        search(ranker, **kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(message)


def test_org_by_name_or_the_nearest_names(ranker: Ranker) -> None:
    found = search(ranker, org="Helsingin yliopsto", k=1).org
    assert found is not None and found.pic == HELSINKI
    with pytest.raises(QueryError, match=r"^unknown organisation 'Helsingin kauppakorkeakoulu'"
                                         r".*names close to it: HELSINGIN YLIOPISTO "
                                         r"\(999994535, FI\)"):
        search(ranker, org="Helsingin kauppakorkeakoulu")


def test_unknown_theme_names_codes_and_labels(ranker: Ranker) -> None:
    with pytest.raises(QueryError, match=r"^unknown theme 'opintojen ohjaus'; nearest: "
                                         r"guidance-counselling \(Opintojen ohjaus ja "
                                         r"neuvonta\)"):
        search(ranker, themes=["opintojen ohjaus"])


def test_unknown_country(ranker: Ranker) -> None:
    with pytest.raises(QueryError, match=r"^unknown country 'Finlandia': .*nearest: Finland"):
        search(ranker, text="x", countries=["Finlandia"], country_resolver=resolve_country)


def test_resolve_categories_without_resolver() -> None:
    assert resolve_categories(["Public body", "NGO"]) == {"public-body", "ngo"}


# --- output --------------------------------------------------------------------------------

def test_json_shape(ranker: Ranker) -> None:
    payload = search(ranker, org=HELSINKI, text="yliopisto", countries=["FI"], k=3).to_json()
    assert list(payload) == ["query", "results"]
    assert payload["query"]["org"]["pic"] == HELSINKI
    assert payload["query"]["countries"] == ["FI"] and payload["query"]["k"] == 3
    assert [r["rank"] for r in payload["results"]] == [1, 2, 3]
    for r in payload["results"]:
        assert list(r) == ["rank", "id", "pic", "name", "country", "type", "score", "why"]
        assert 0.0 < r["score"] < 1.0 and r["why"] and all(isinstance(w, str) for w in r["why"])


@settings(max_examples=15, deadline=None)
@given(text=st.sampled_from(["yliopisto", "university research", "korkeakoulu", "hospital"]),
       with_org=st.booleans(), k=st.integers(1, 15))
def test_deterministic_and_bounded(ranker: Ranker, text: str, with_org: bool, k: int) -> None:
    org = HELSINKI if with_org else None
    first = search(ranker, org=org, text=text, k=k)
    second = search(ranker, org=org, text=text, k=k)
    assert first.to_json() == second.to_json()
    assert len(first.matches) <= k
    assert all(0.0 <= m.score <= 1.0 for m in first.matches)
    scores = [m.score for m in first.matches]
    assert scores == sorted(scores, reverse=True)
