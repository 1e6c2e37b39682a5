"""Ranker: obvious answers on tiny registries, filters, determinism, bounds, save/load, and
the hide-one-partner check on a slice of the real H2020 consortia."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ranking import weights as weights_module
from matcher.ranking.ranker import FEATURES, Ranker
from matcher.ranking.weights import Weights, load_weights
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from matcher.values import Filters, Query
from models.errors import DataFileError, QueryError
from tests.matcher.ranking.test_vectorise import make_registry, org

#: Hand-set weights for the tiny registries below (the learned ones suit the real data).
WEIGHTS = {"intercept": -4.0, "text_sim": 4.0, "org_text_sim": 0.1, "theme_sim": 0.5,
           "ppr": 1.0, "popularity": 0.2}


@pytest.fixture(scope="module")
def registry() -> Registry:
    orgs = [
        org(1, "Helsingin yliopisto", "FI", eche=True, themes=("guidance-counselling",)),
        org(2, "Technische Universitat Wien", "AT", eche=True),
        org(3, "Universite de Lyon", "FR", eche=True),
        org(4, "Opinto-ohjauksen kehittamiskeskus", "FI", "ngo",
            themes=("guidance-counselling",), description="Opintojen ohjaus ja neuvonta"),
        org(5, "Digital Skills GmbH", "DE", "company", themes=("ict-digital",)),
        org(6, "Universidad de Sevilla", "ES", eche=True),
        org(7, "Tampereen yliopisto", "FI", eche=True),
        org(8, "Universita di Bologna", "IT", eche=True),
    ]
    consortia = [[1, 2, 3], [1, 2, 5], [2, 6, 8], [3, 6], [7, 8]]
    return make_registry(orgs, consortia)


@pytest.fixture(scope="module")
def ranker(registry: Registry) -> Ranker:
    return Ranker(weights=WEIGHTS).fit(registry)


def ids(matches: list) -> list[int]:  # type: ignore[type-arg]
    return [m.org.id for m in matches]


def test_past_partner_ranks_first_and_query_org_never_appears(ranker: Ranker) -> None:
    found = ranker.rank(Query(org_ids=(1,)), n=7)
    assert ids(found)[0] == 2  # two past projects with org 1
    assert set(ids(found)[:3]) == {2, 3, 5}  # every past partner before any stranger
    assert 1 not in ids(found)
    assert [m.rank for m in found] == list(range(1, len(found) + 1))
    why = found[0].why
    assert why[0] == "worked with Helsingin yliopisto on 2 past projects"
    assert "partner of 2 of your partners: Universite de Lyon, Digital Skills GmbH" in why
    assert "adds a new country: AT" in why


def test_finnish_text_matches_the_finnish_profile(ranker: Ranker) -> None:
    """A Finnish idea and a Finnish description meet through the glossary (both read in
    English), and the reason cites what matched."""
    found = ranker.rank(Query(text="opintojen ohjauksen kehittäminen"), n=3)
    # the centre's description, and Helsinki's declared theme (Study guidance and counselling)
    assert sorted(ids(found)) == [1, 4]
    assert found[ids(found).index(4)].why[0] == "its profile (matches: study guidance)"
    english = ranker.rank(Query(text="developing study guidance"), n=3)
    assert ids(english) == ids(found)


def test_fitting_leaves_the_registry_as_it_was(registry: Registry) -> None:
    """The models copy what they change: coordinators keep their 2.0 in the registry (a
    shared array once lost them, and with them every coordination feature)."""
    before = registry.incidence.copy()
    Ranker(weights=WEIGHTS).fit(registry)
    assert (registry.incidence != before).nnz == 0
    assert 2.0 in registry.incidence.data


def test_an_idea_never_matches_organisation_names(ranker: Ranker) -> None:
    """"yliopisto" (university) is in two names but in no project or description: an idea
    is matched against what organisations did, not what they are called."""
    assert ranker.rank(Query(text="yliopisto"), n=5) == []


def test_theme_query_prefers_organisations_with_the_theme(ranker: Ranker) -> None:
    found = ranker.rank(Query(themes=("guidance-counselling",)), n=2)
    assert set(ids(found)) == {1, 4}
    assert "shared themes: Study guidance and counselling" in found[0].why


def test_complementary_type_is_explained(ranker: Ranker) -> None:
    why = ranker.why(Query(org_ids=(1,)), ranker.registry_.row_of[5])
    assert "complementary type: company (query: higher education)" in why


@pytest.mark.parametrize(("filters", "allowed"), [
    (Filters(countries=frozenset({"FI"})), {4, 7}),
    (Filters(exclude_countries=frozenset({"FI", "AT"})), {3, 5, 6, 8}),
    (Filters(categories=frozenset({"company", "ngo"})), {4, 5}),
    (Filters(eche_only=True), {2, 3, 6, 7, 8}),
    (Filters(exclude_ids=frozenset({2, 3})), {4, 5, 6, 7, 8}),
])
def test_filters_are_honoured(ranker: Ranker, filters: Filters, allowed: set[int]) -> None:
    found = ranker.rank(Query(org_ids=(1,), text="universite"), n=10, filters=filters)
    assert set(ids(found)) == allowed


def test_small_candidate_pools_still_honour_filters(registry: Registry) -> None:
    """With fewer content candidates than organisations, filtering happens before the cut."""
    small = Ranker(weights=WEIGHTS, n_content=2, n_neighbours=1).fit(registry)
    found = small.rank(Query(themes=("guidance-counselling",)), n=5,
                       filters=Filters(countries=frozenset({"FI"})))
    assert sorted(ids(found)) == [1, 4]
    found = small.rank(Query(org_ids=(1,)), n=5, filters=Filters(countries=frozenset({"AT"})))
    assert ids(found) == [2]


def test_batch_gives_one_list_per_query_in_order(ranker: Ranker) -> None:
    queries = [Query(org_ids=(1,)), Query(text="digital"), Query(org_ids=(7,))]
    batch = ranker.rank(queries, n=3)
    assert [ids(b) for b in batch] == [ids(ranker.rank(q, n=3)) for q in queries]


def test_ties_are_broken_by_id() -> None:
    orgs = [org(i, "Same", "FI", description="Vocational education for tourism")
            for i in (9, 3, 7, 5)]
    ranker = Ranker(weights=WEIGHTS).fit(make_registry(orgs))
    assert ids(ranker.rank(Query(text="tourism"), n=4)) == [3, 5, 7, 9]
    assert ids(ranker.rank(Query(text="tourism"), n=2)) == [3, 5]


@pytest.mark.parametrize(("query", "message"), [
    (Query(), "empty query: give organisations, text, themes or a call topic"),
    (Query(org_ids=(99,)),
     "unknown organisation ids [99]: not in the fitted registry (8 organisations)"),
])
def test_bad_queries(ranker: Ranker, query: Query, message: str) -> None:
    with pytest.raises(QueryError) as err:
        ranker.rank(query)
    assert str(err.value) == message


def test_n_must_be_positive(ranker: Ranker) -> None:
    with pytest.raises(QueryError, match="n=0: ask for at least 1 result"):
        ranker.rank(Query(text="x"), n=0)


def test_candidate_features_and_score_agree_with_rank(ranker: Ranker) -> None:
    query = Query(org_ids=(1,), text="digital")
    rows = np.arange(ranker.registry_.n_orgs)
    names, features = ranker.candidate_features(query, rows)
    assert names == list(FEATURES) and features.shape == (8, len(FEATURES))
    scores = ranker.score(query, rows)
    for match in ranker.rank(query, n=5):
        assert match.score == pytest.approx(scores[ranker.registry_.row_of[match.org.id]],
                                            abs=1e-6)


@pytest.mark.parametrize("query", [Query(org_ids=(1,), text="digital"),
                                   Query(text="ohjaus"), Query(org_ids=(1, 3))])
def test_unexplained_ranking_and_why_many_agree_with_rank(ranker: Ranker,
                                                          query: Query) -> None:
    full = ranker.rank(query, n=6)
    bare = ranker.rank(query, n=6, explain=False)
    assert [(m.org.id, m.score, m.contributions) for m in bare] == [
        (m.org.id, m.score, m.contributions) for m in full]
    assert all(m.why == () for m in bare)
    rows = [ranker.registry_.row_of[m.org.id] for m in full]
    assert ranker.why_many(query, rows) == [m.why for m in full]
    assert ranker.why(query, rows[0]) == full[0].why


@settings(max_examples=15, deadline=None)
@given(
    consortia=st.lists(st.lists(st.integers(0, 11), min_size=2, max_size=5, unique=True),
                       max_size=8),
    query_orgs=st.lists(st.integers(0, 11), max_size=3, unique=True),
    text=st.text(max_size=20),
    themes=st.lists(st.sampled_from(["ict-digital", "guidance-counselling"]), max_size=2,
                    unique=True),
)
def test_scores_are_bounded_and_deterministic(consortia: list[list[int]],
                                              query_orgs: list[int], text: str,
                                              themes: list[str]) -> None:
    countries = ["FI", "DE", "FR", "ES"]
    orgs = [org(i, f"Org {i} {'abc' * (i % 3)}", countries[i % 4],
                ["company", "higher-education"][i % 2],
                themes=("ict-digital",) if i % 3 == 0 else ()) for i in range(12)]
    reg = make_registry(orgs, consortia)
    query = Query(org_ids=tuple(query_orgs), text=text, themes=tuple(themes))
    if query.is_empty:
        return
    ranker = Ranker().fit(reg)
    scores = ranker.score(query, np.arange(12))
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    first = ranker.rank(query, n=12)
    assert [(m.org.id, m.score, m.why) for m in first] == [
        (m.org.id, m.score, m.why) for m in Ranker().fit(reg).rank(query, n=12)]
    assert not set(ids(first)) & set(query_orgs)
    # with organisations every other one is ranked; an idea ranks those with evidence for it
    # (of its themes, by activity when none has any; of its text: maybe none)
    if query_orgs:
        assert len(first) == 12 - len(query_orgs)
    else:
        assert (0 if text.strip() else 1) <= len(first) <= 12
    assert [m.score for m in first] == sorted((m.score for m in first), reverse=True)


def test_save_load_round_trip(ranker: Ranker, tmp_path: Path) -> None:
    ranker.save(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert {"ranker.json", "incidence_data.npy", "orgs.text", "projects.offsets.npy"} <= set(
        names)
    for name in names:
        if name.endswith(".npy"):  # no object arrays
            np.load(tmp_path / name, allow_pickle=False)
    loaded = Ranker.load(tmp_path)
    # the records are made from the files when read: the same names, one at a time
    assert [o.display_name for o in loaded.registry_.orgs[::-1]] == [
        o.display_name for o in ranker.registry_.orgs[::-1]]
    assert loaded.registry_fingerprint_ == "test-fingerprint"
    assert loaded.registry_.orgs == ranker.registry_.orgs
    assert loaded.registry_.projects == ranker.registry_.projects
    assert loaded.weights_ == ranker.weights_
    for query in (Query(org_ids=(1,)), Query(text="ohjaus", themes=("ict-digital",))):
        assert ranker.rank(query, n=5) == loaded.rank(query, n=5)


def test_load_errors_name_the_file(tmp_path: Path, ranker: Ranker) -> None:
    with pytest.raises(DataFileError, match="ranker.json: no saved ranker here"):
        Ranker.load(tmp_path)
    ranker.save(tmp_path)
    meta = json.loads((tmp_path / "ranker.json").read_text())
    (tmp_path / "ranker.json").write_text(json.dumps({**meta, "format": 0}))
    with pytest.raises(DataFileError, match="saved ranker format 0; this version reads"):
        Ranker.load(tmp_path)


def test_weights_read_the_trained_file(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"models": {
        "partner": {"weights": {"ppr": 1.5, "direct": 2.0}, "intercept": -3.0},
        "idea": {"weights": {"similar_projects": 0.5}, "intercept": -1.0}}}))
    weights = load_weights(path)
    assert weights.partner["ppr"] == 1.5 and weights.partner["direct"] == 2.0
    assert weights.intercept("partner") == -3.0 and weights.partner["text_sim"] == 0.0
    assert weights.idea["similar_projects"] == 0.5 and weights.idea["ppr"] == 0.0
    with pytest.raises(DataFileError, match="missing.json: cannot read the model weights"):
        load_weights(tmp_path / "missing.json")
    path.write_text(json.dumps({"weights": {"ppr": 1.0}}))
    with pytest.raises(DataFileError, match="not a model weights file"):
        load_weights(path)


def test_the_shipped_weights_cover_every_feature() -> None:
    shipped = json.loads(weights_module.WEIGHTS_FILE.read_text())
    for kind in ("partner", "idea"):
        assert set(shipped["models"][kind]["weights"]) == set(FEATURES), kind


def test_default_weights_are_reread_on_load(registry: Registry, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A new model_weights.json takes effect without rebuilding a saved index."""
    Ranker().fit(registry).save(tmp_path / "default")
    Ranker(weights={"ppr": 1.0}).fit(registry).save(tmp_path / "explicit")
    trained = tmp_path / "model_weights.json"
    trained.write_text(json.dumps({"models": {
        kind: {"weights": {"direct": 2.0}, "intercept": -1.0} for kind in ("partner", "idea")}}))
    monkeypatch.setattr(weights_module, "WEIGHTS_FILE", trained)
    assert Ranker.load(tmp_path / "default").weights_.partner["direct"] == 2.0
    assert Ranker.load(tmp_path / "explicit").weights_ == Weights.same({"ppr": 1.0})


def _real_slice(shared_data: Path, n_projects: int = 400) -> Registry:
    """The first ``n_projects`` real H2020 consortia, ECHE names where the PIC matches."""
    parts: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    with gzip.open(shared_data / "cordis-h2020" / "participations.csv.gz", "rt") as f:
        for row in csv.DictReader(f):
            if len(parts) == n_projects and row["rcn"] not in parts:
                break
            parts[row["rcn"]].append(row)
    names = {}
    with open(shared_data / "eche" / "eche-holders-2021-2027.csv", encoding="cp1252") as f:
        next(f)
        for row in csv.DictReader(f, delimiter=";"):
            names[row["Pic"]] = row["Legal Name"]
    orgs: dict[str, OrgProfile] = {}
    for rows in parts.values():
        for r in rows:
            orgs.setdefault(r["pic"], OrgProfile(
                len(orgs) + 1, r["pic"], None, None,
                names.get(r["pic"]), r["country"], None,
                {"HES": "higher-education", "PRC": "company"}.get(r["type"], "other"),
                r["type"], False))
    row_of = {pic: i for i, pic in enumerate(orgs)}
    cells = [(row_of[r["pic"]], j, 2.0 if r["role"] == "coordinator" else 1.0)
             for j, rows in enumerate(parts.values()) for r in rows]
    i, j, v = zip(*cells, strict=True)
    inc = sp.csr_matrix((v, (i, j)), shape=(len(orgs), len(parts)), dtype=np.float32)
    inc.sum_duplicates()
    projects = tuple(ProjectInfo(j, rcn, "H2020", None, int(rows[0]["start_year"]), None, None)
                     for j, (rcn, rows) in enumerate(parts.items()))
    return Registry(tuple(orgs.values()), projects, inc, {}, {}, "real-slice")


def test_real_consortia_hidden_partner_is_recommended(shared_data: Path) -> None:
    """Fit on the slice's consortia up to 2017; hide one member of each 2018-19 consortium
    and query with the others: the hidden member should often be in the top 10."""
    full = _real_slice(shared_data, n_projects=2000)
    years = full.project_years
    train = np.flatnonzero(years <= 2017)
    reg = Registry(full.orgs, tuple(full.projects[j] for j in train),
                   full.incidence[:, train].tocsr(), {}, {}, "train")
    ranker = Ranker().fit(reg)
    known = np.flatnonzero(np.diff(reg.incidence.indptr))
    test = full.incidence[:, np.flatnonzero(years >= 2018)].tocsc()
    hits = queries = 0
    for j in range(0, test.shape[1], 4):
        members = np.intersect1d(test.indices[test.indptr[j]:test.indptr[j + 1]], known)
        for hidden in members.tolist()[:1]:
            rest = tuple(full.orgs[r].id for r in members.tolist() if r != hidden)
            if len(rest) < 2:
                continue
            queries += 1
            hits += full.orgs[hidden].id in ids(ranker.rank(Query(org_ids=rest), n=10))
    print(f"hidden-partner Recall@10 {hits / queries:.3f} over {queries} queries")
    assert queries > 50 and hits / queries > 0.2


def test_one_querys_graph_features_equal_its_row_of_the_batchs(shared_data: Path) -> None:
    """Ranking computes the graph, type and country features of each query over its own
    candidates (``query_columns``): they must be the values of that query's row of the whole
    batch's features, bit for bit, or a query would rank differently alone and in a batch."""
    from matcher.ranking.features import GRAPH, TYPE_COUNTRY

    registry = _real_slice(shared_data, n_projects=600)
    ranker = Ranker().fit(registry)
    space = ranker.space_
    rng = np.random.default_rng(0)
    active = np.flatnonzero(np.diff(registry.incidence.indptr))
    queries = [Query(org_ids=tuple(registry.orgs[r].id for r in rng.choice(active, k)))
               for k in (1, 2, 3, 1, 2)]
    queries.insert(2, Query(text="energy storage materials"))  # an idea in the batch
    batch = space.prepare(queries)
    rows = np.sort(rng.choice(registry.n_orgs, 300, replace=False))
    names = GRAPH + TYPE_COUNTRY
    whole = dict(space.columns(batch, rows, names))
    assert whole["ppr"].any() and whole["direct"].any()
    for i in range(len(queries)):
        mine = dict(space.query_columns(batch, i, rows, names))
        assert list(mine) == list(names)
        for name in names:
            np.testing.assert_array_equal(mine[name], whole[name][i], err_msg=f"{i} {name}")
    # and the ranking of each query is the one it gets alone
    together = ranker.rank(queries, n=10)
    for query, found in zip(queries, together, strict=True):
        alone = ranker.rank(query, n=10)
        assert [(m.org.id, m.score) for m in found] == [(m.org.id, m.score) for m in alone]


def test_latent_affinity_is_relative_to_the_best_candidate_and_kept_by_the_index(
        shared_data: Path, tmp_path: Path) -> None:
    """The latent feature: 1 for the query's best completer in the space of past consortia,
    the query's own organisations not candidates, zero for an idea; a past partner of a
    query organisation scores well above an organisation of the slice chosen at random; the
    saved index gives the same values."""
    registry = _real_slice(shared_data, n_projects=600)
    ranker = Ranker().fit(registry)
    space = ranker.space_
    active = np.flatnonzero(np.diff(registry.incidence.indptr) >= 3)
    member = int(active[0])
    queries = [Query(org_ids=(registry.orgs[member].id,)), Query(text="energy storage")]
    latent = dict(space.columns(space.prepare(queries), names=("latent",)))["latent"]
    others = np.ones(registry.n_orgs, dtype=bool)
    others[member] = False
    assert latent[0, others].max() == pytest.approx(1.0)
    assert not latent[1].any()
    partners = np.flatnonzero(ranker.graph_.adjacency_[member].toarray().ravel())
    assert np.median(latent[0, partners]) > 10 * abs(float(np.median(latent[0, others])))
    ranker.save(tmp_path)
    loaded = Ranker.load(tmp_path).space_
    again = dict(loaded.columns(loaded.prepare(queries), names=("latent",)))["latent"]
    np.testing.assert_array_equal(again, latent)
