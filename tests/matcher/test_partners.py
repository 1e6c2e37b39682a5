"""Partner search through :class:`matcher.Matcher` on a registry cut from the real data: the
H2020 projects of the University of Helsinki (and a few others) with every partner's real
ECHE row.

``build_slice`` is shared with ``tests/cli/test_search_cli.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import Matcher, SearchRequest, SearchResult
from matcher.ranking.ranker import Ranker
from matcher.ranking.vectorise import ProfileVectoriser
from matcher.values import Query
from models.errors import QueryError
from tests.real_slices import real_registry

HELSINKI, SAPIENZA, GRAZ = "999994535", "999987745", "999873188"
KEEP = {"224209", "220541", "221198"}


def build_slice(directory: Path, *, n_projects: int = 25) -> str:
    """An SQLite registry of real rows in ``directory``: the partners' charters, and every
    Finnish HEI (so that Finnish words have matches); returns its URL."""
    return real_registry(directory, n_projects=n_projects, keep=KEEP, eche_countries=("FI",),
                         programme_parts=True, names=True)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    folder = tmp_path_factory.mktemp("search")
    with Matcher.open(build_slice(folder), cache_dir=folder / "cache") as m:
        yield m


def _ids(result: SearchResult) -> list[int]:
    return [m.org.id for m in result.matches]


# --- each query type -----------------------------------------------------------------------

def test_org_query_puts_past_partners_first_and_never_the_org(matcher: Matcher) -> None:
    result = matcher.search(org=HELSINKI, k=10)
    helsinki = result.org
    assert helsinki is not None and helsinki.name == "HELSINGIN YLIOPISTO"
    assert helsinki.id not in _ids(result)
    assert len(result.matches) == 10
    assert all(any(r.startswith("worked with HELSINGIN YLIOPISTO") for r in m.why)
               for m in result.matches[:3])
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)


def test_org_by_erasmus_code_is_the_same_org(matcher: Matcher) -> None:
    by_pic = matcher.search(org=HELSINKI, k=5)
    by_code = matcher.search(org="sf  helsink01", k=5)
    assert by_code.org == by_pic.org
    assert _ids(by_code) == _ids(by_pic)


def test_an_idea_is_matched_on_what_organisations_did_not_on_their_names(
        matcher: Matcher) -> None:
    """"ammattikorkeakoulu" is in the names of Finnish universities of applied sciences; as
    an idea it is read as words (university of applied sciences) and matched against past
    projects and descriptions only, each result citing the one that matched."""
    result = matcher.search(text="ammattikorkeakoulu", k=5)
    for m in result.matches:
        assert m.why[0].startswith(("took part in ", "its profile",
                                    "closest, without evidence of the topic: ")), m.why


def test_an_idea_nothing_matches_gets_no_list_and_is_told_why(matcher: Matcher) -> None:
    result = matcher.search(text="xylophone zeppelin", k=3)
    assert result.matches == ()
    assert result.notes == (('no organisation has a past project or description about this '
                             'idea\'s topic ("xylophone", "zeppelin") or close to it; rephrase '
                             'the idea with other words, relax the filters, or import Erasmus+ '
                             'project results (`matcher import eplus`) or your own profiles'),)


def test_a_theme_nothing_matches_is_ranked_by_activity_and_said(matcher: Matcher) -> None:
    found = matcher.search(themes=["guidance-counselling"], k=3)
    assert len(found.matches) == 3
    # the most active organisations first, with no score for a theme they do not have
    assert [m.score for m in found.matches] == [0.0, 0.0, 0.0]
    assert found.notes == (("nothing in the registry matches the themes or call topic of this "
                            "idea (no organisation's past project or declared theme has them): "
                            "the results are ranked by activity only"),)


def test_an_idea_few_organisations_match_shows_the_closest_as_such(
        default_matcher: Matcher) -> None:
    """No Finnish organisation of the default registry worked on study guidance: the answer
    says so, and what it lists are the closest, each marked and citing what it shares."""
    result = default_matcher.search(
        text="guidance and counselling for first-year students", countries=["FI"], k=10)
    assert all(m.org.country == "FI" for m in result.matches)
    assert all(m.weak for m in result.matches)
    (note,) = result.notes
    assert note.startswith("no organisation allowed by the filters has a past project or "
                           'description about this idea\'s topic ("guidance", "counselling")')
    for m in result.matches:
        assert m.why[0].startswith("closest, without evidence of the topic: took part in ")
        assert "(shares only: " in m.why[0]


def test_a_word_in_another_sense_is_no_evidence(default_matcher: Matcher) -> None:
    """The ministry's MIN-GUIDE (minerals policy guidance) and surgical or neuronal guidance
    are guidance in another sense than that of study guidance: never evidence for it, at
    most one of the closest, marked as such."""
    result = default_matcher.search(text="guidance and counselling for first-year students",
                                    k=10)
    assert all(m.weak for m in result.matches)
    assert all(m.why[0].startswith("closest, without evidence of the topic: ")
               for m in result.matches)


def test_a_cited_project_shows_what_it_matches(default_matcher: Matcher) -> None:
    idea = "science education in schools, inquiry-based learning"
    strong = default_matcher.search(text=idea, topics=["SwafS"], k=10)
    cited = [r for m in strong.matches for r in m.why if r.startswith("took part in ")]
    assert len(cited) >= 5
    for reason in cited:
        # what the project matches of the idea, said with it
        assert "(matches: " in reason and not reason.endswith("(matches: )"), reason


def test_a_filter_that_leaves_nothing_says_how_many_there_are(matcher: Matcher) -> None:
    result = matcher.search(org=HELSINKI, countries=["IS"], types=["ngo"], k=3)
    assert result.matches == ()
    (note,) = result.notes
    assert note.startswith("no organisation matches every filter: the registry has ")
    assert " in IS; " in note and " of type ngo" in note and "0 with all of them" in note


def test_theme_query_by_finnish_label_equals_the_code(matcher: Matcher) -> None:
    theme = next(iter(t for t in matcher.ranker().registry_.themes.values() if t.label_fi))
    assert theme.label_fi is not None
    by_label = matcher.search(themes=[theme.label_fi.upper()], k=5)
    by_code = matcher.search(themes=[theme.code], k=5)
    assert by_label.query.themes == (theme.code,)
    assert _ids(by_label) == _ids(by_code)


def test_theme_query_names_the_shared_theme(matcher: Matcher) -> None:
    counts: dict[str, int] = {}
    for p in matcher.ranker().registry_.projects:
        for code in p.themes:
            counts[code] = counts.get(code, 0) + 1
    code = max(sorted(counts), key=counts.__getitem__)
    result = matcher.search(themes=[code], k=3)
    label = matcher.ranker().registry_.themes[code].label_en
    assert all(any("shared themes" in r and label in r for r in m.why) for m in result.matches)


def test_org_and_text_query_differs_from_org_alone(matcher: Matcher) -> None:
    alone = matcher.search(org=HELSINKI, k=10)
    both = matcher.search(org=HELSINKI, text="ammattikorkeakoulu", k=10)
    assert both.query.org_ids == alone.query.org_ids and both.query.text == "ammattikorkeakoulu"
    assert _ids(both) != _ids(alone)
    assert HELSINKI not in [m.org.pic for m in both.matches]


# --- filters -------------------------------------------------------------------------------

def test_country_filter_by_code_name_and_iso(matcher: Matcher) -> None:
    for value in ("EL", "Greece", "gr"):
        result = matcher.search(org=HELSINKI, countries=[value], k=5)
        assert result.matches and {m.org.country for m in result.matches} == {"EL"}
    native = matcher.search(org=HELSINKI, countries=["Ελλάδα"], k=5)
    assert {m.org.country for m in native.matches} == {"EL"}


def test_exclude_country(matcher: Matcher) -> None:
    base = matcher.search(org=SAPIENZA, k=20)
    assert "DE" in {m.org.country for m in base.matches}
    result = matcher.search(org=SAPIENZA, exclude_countries=["DE", "Italy"], k=20)
    assert not {"DE", "IT"} & {m.org.country for m in result.matches}


def test_type_filter_accepts_categories_and_codes(matcher: Matcher) -> None:
    for value in ("company", "PRC", "EPLUS-ENT-SME", "SME"):
        result = matcher.search(org=HELSINKI, types=[value], k=5)
        assert result.matches and {m.org.category for m in result.matches} == {"company"}


def test_eche_filter(matcher: Matcher) -> None:
    result = matcher.search(org=HELSINKI, eche=True, k=10)
    assert result.matches and all(m.org.eche for m in result.matches)
    assert not all(m.org.eche for m in matcher.search(org=HELSINKI, k=10).matches)


def test_programme_countries(matcher: Matcher) -> None:
    counting = matcher.rulebook.countries_that_count("KA220-HED")
    assert "UK" not in counting and "FI" in counting
    result = matcher.search(org=HELSINKI, programme_countries_only=True, k=20)
    assert result.matches and {m.org.country for m in result.matches} <= counting
    narrowed = matcher.search(org=HELSINKI, countries=["DE", "US"],
                              programme_countries_only=True, k=10)
    assert {m.org.country for m in narrowed.matches} == {"DE"}
    with pytest.raises(QueryError, match=r"^no country left: US is not among the countries "
                                         r"that count for KA220-HED \(AT, BE, "):
        matcher.search(org=HELSINKI, countries=["US"], programme_countries_only=True)
    in_2019 = matcher.search(org=HELSINKI, programme_countries_only=True, action="KA203",
                             countries=["UK"], k=3)
    assert {m.org.country for m in in_2019.matches} == {"UK"}


# --- bad input -----------------------------------------------------------------------------

EMPTY = ("empty query: give an organisation (--org), a project idea (--text), a theme "
         "(--theme) or a call topic (--topic)")
BAD_TYPE = ("unknown organisation type 'university of life'; valid types: higher-education, "
            "school, research, company, ngo, public-body, network, other (or an EPLUS-* / "
            "CORDIS type code such as HES, PRC); nearest: ")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, EMPTY),
    ({"text": "   "}, EMPTY),
    ({"text": "x", "k": 0}, "-k 0: ask for at least 1 result"),
    ({"text": "x", "types": ["university of life"]}, BAD_TYPE),
])
def test_bad_input(matcher: Matcher, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError) as info:
        matcher.search(**kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(message)


def test_org_by_name_or_the_nearest_names(matcher: Matcher) -> None:
    found = matcher.search(org="Helsingin yliopsto", k=1).org
    assert found is not None and found.pic == HELSINKI
    with pytest.raises(QueryError, match=r"^unknown organisation 'Helsingin kauppakorkeakoulu'"
                                         r".*names close to it: HELSINGIN YLIOPISTO "
                                         r"\(999994535, FI\)"):
        matcher.search(org="Helsingin kauppakorkeakoulu")


def test_unknown_theme_names_codes_and_labels(matcher: Matcher) -> None:
    with pytest.raises(QueryError, match=r"^unknown theme 'opintojen ohjaus'; nearest: "
                                         r"guidance-counselling \(Opintojen ohjaus ja "
                                         r"neuvonta\)"):
        matcher.search(themes=["opintojen ohjaus"])


def test_unknown_country(matcher: Matcher) -> None:
    with pytest.raises(QueryError, match=r"^unknown country 'Finlandia': .*nearest: Finland"):
        matcher.search(text="x", countries=["Finlandia"])


# --- output --------------------------------------------------------------------------------

def test_json_shape(matcher: Matcher) -> None:
    payload = matcher.search(org=HELSINKI, text="yliopisto", countries=["FI"], k=3).to_json()
    assert list(payload) == ["query", "results", "notes"]
    assert payload["query"]["org"]["pic"] == HELSINKI
    assert payload["query"]["countries"] == ["FI"] and payload["query"]["k"] == 3
    assert [r["rank"] for r in payload["results"]] == [1, 2, 3]
    for r in payload["results"]:
        assert list(r) == ["rank", "id", "pic", "name", "country", "type", "score", "closest",
                           "why"]
        assert 0.0 < r["score"] < 1.0 and r["why"] and all(isinstance(w, str) for w in r["why"])


@settings(max_examples=15, deadline=None)
@given(text=st.sampled_from(["yliopisto", "university research", "korkeakoulu", "hospital"]),
       with_org=st.booleans(), k=st.integers(1, 15))
def test_deterministic_and_bounded(matcher: Matcher, text: str, with_org: bool, k: int) -> None:
    org = HELSINKI if with_org else None
    first = matcher.search(org=org, text=text, k=k)
    second = matcher.search(org=org, text=text, k=k)
    assert first.to_json() == second.to_json()
    assert len(first.matches) <= k
    assert all(0.0 <= m.score <= 1.0 for m in first.matches)
    scores = [m.score for m in first.matches]
    assert scores == sorted(scores, reverse=True)


def test_organisations_known_only_by_their_pic_are_left_out_unless_asked(
        matcher: Matcher) -> None:
    named = matcher.search(org=HELSINKI, k=40)
    assert named.matches and all(m.org.name for m in named.matches)
    everyone = matcher.search(org=HELSINKI, k=40, include_unnamed=True)
    assert any(m.org.name is None for m in everyone.matches)
    shown = [m.org.id for m in everyone.matches if m.org.name]  # the same order, fewer
    assert [m.org.id for m in named.matches][:len(shown)] == shown


# --- many at once -------------------------------------------------------------------------

def test_a_batch_answers_each_request_as_it_would_alone(default_matcher: Matcher) -> None:
    """``search`` of a list ranks many queries at once; every answer must be the one the query
    gets on its own (same organisations, same scores to the last bit, same reasons), and a
    bad request gives its error in its place without disturbing the others."""
    matcher = default_matcher
    registry = matcher.ranker().registry_
    active = np.flatnonzero(np.diff(registry.incidence.indptr))  # with a past project
    orgs = [registry.orgs[r].pic for r in active[::1500]] + [None]
    texts = ["", "virtual mobility", "teacher education", "ammattikorkeakoulu"]
    requests = [SearchRequest(org=org, text=text, k=12) for org in orgs for text in texts
                if org or text]
    requests.insert(7, SearchRequest(org="no such organisation zzz", text="x"))
    together = matcher.search(requests)
    assert len(together) == len(requests)
    assert isinstance(together[7], QueryError)
    for request, found in zip(requests, together, strict=True):
        if isinstance(found, QueryError):
            assert request.org == "no such organisation zzz"
            continue
        alone = matcher.search([request])[0]
        assert isinstance(alone, SearchResult)
        assert [(m.org.id, m.score, m.why) for m in found.matches] == \
               [(m.org.id, m.score, m.why) for m in alone.matches], request


def _features_are_the_same_alone_and_together(ranker: Ranker, every: int) -> None:
    """A candidate's features for a query are the same whichever other candidates and
    queries are scored with it (BLAS products round by block, so they are not used)."""
    space, registry = ranker.space_, ranker.registry_
    active = np.flatnonzero(np.diff(registry.incidence.indptr))
    queries = [Query(org_ids=(registry.orgs[r].id,), text=text)
               for r in active[::every] for text in ("", "university research")]
    queries += [Query(text=text) for text in ("yliopisto", "virtual mobility")]
    rng = np.random.default_rng(0)
    some = np.sort(rng.choice(registry.n_orgs, 37, replace=False))
    more = np.union1d(some, rng.choice(registry.n_orgs, min(1001, registry.n_orgs),
                                       replace=False))
    batch = space.prepare(queries)
    together = space.matrix(batch, more)[:, np.searchsorted(more, some)]
    for i, query in enumerate(queries):
        alone = space.matrix(space.prepare([query]), some)[0]
        assert np.array_equal(alone, together[i]), query


def test_features_do_not_depend_on_the_other_candidates_or_queries(
        default_matcher: Matcher) -> None:
    _features_are_the_same_alone_and_together(default_matcher.ranker(), every=3000)


def test_dense_text_features_do_not_depend_on_the_other_candidates_or_queries(
        matcher: Matcher) -> None:
    """The same with the text reduced to dense dimensions (what registries too large for
    sparse text vectors get)."""
    dense = Ranker(vectoriser=ProfileVectoriser(max_sparse_nnz=1)).fit(
        matcher.ranker().registry_)
    assert isinstance(dense.blocks_.text, np.ndarray)
    _features_are_the_same_alone_and_together(dense, every=7)
