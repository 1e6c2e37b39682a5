"""CollaborationGraph on a tiny hand-drawn graph, and batch == one-by-one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ranking.graph import FEATURES, CollaborationGraph

# projects:      p0 (2016)   p1 (2017)   p2 (2017)
# org 0          coord       partner
# org 1          partner                 partner
# org 2                      coord       partner
# org 3          partner
# org 4                                              (no project)
INCIDENCE = sp.csr_matrix(np.array([[2, 1, 0], [1, 0, 1], [0, 2, 1], [1, 0, 0], [0, 0, 0]],
                                   dtype=np.float32))
YEARS = np.array([2016, 2017, 2017])


@pytest.fixture
def graph() -> CollaborationGraph:
    return CollaborationGraph.from_incidence(INCIDENCE, YEARS)


def test_link_features_by_hand(graph: CollaborationGraph) -> None:
    f = graph.features(np.array([0, 2]))
    # shared projects with org 0 / org 2: org 1 shares p0 with 0 and p2 with 2
    assert f["direct"].tolist() == [2.0, 2.0, 2.0, 1.0, 0.0]
    assert f["direct_orgs"].tolist() == [1.0, 2.0, 1.0, 1.0, 0.0]
    # common neighbours on the org-project graph: per query org, the shared projects, summed
    assert f["common_neighbours"].tolist() == [3.0, 2.0, 3.0, 1.0, 0.0]
    aa = 1 / math.log(3) + 1 / math.log(2)  # org 1: p0 has 3 members, p2 has 2
    assert f["adamic_adar"][1] == pytest.approx(aa)
    # partners in common: N(0)={1,2,3}, N(2)={0,1}; N(3)={0,1} -> {1} + {0,1}
    assert f["partners_of_partners"][3] == 3.0
    assert f["ppr"][4] == 0.0 and f["ppr"][1] > f["ppr"][3]


def test_static_features(graph: CollaborationGraph) -> None:
    assert graph.static("popularity").tolist() == pytest.approx(np.log1p([2, 2, 2, 1, 0]))
    assert graph.static("coordinations").tolist() == pytest.approx(np.log1p([1, 0, 1, 0, 0]))
    recency = np.expm1(graph.static("recency"))
    assert recency[0] == pytest.approx(0.5 ** 0.5 + 1.0)  # 2016 is one year before 2017


def test_past_partners_most_shared_first(graph: CollaborationGraph) -> None:
    assert graph.past_partners(0) == [(1, 1), (2, 1), (3, 1)]
    assert graph.past_partners(4) == []


def test_candidate_rows_select_columns(graph: CollaborationGraph) -> None:
    full = graph.features(np.array([1]))
    some = graph.features(np.array([1]), np.array([4, 0, 2]))
    for name in FEATURES:
        assert some[name].tolist() == pytest.approx(full[name][[4, 0, 2]].tolist())


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match="one start year per project"):
        CollaborationGraph.from_incidence(INCIDENCE, YEARS[:2])
    with pytest.raises(ValueError, match=r"query rows must be in \[0, 5\)"):
        CollaborationGraph.from_incidence(INCIDENCE, YEARS).features(np.array([7]))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_batch_equals_one_by_one(seed: int, n_queries: int) -> None:
    """Big batches take the sparse path, single queries the dense one: same numbers."""
    rng = np.random.default_rng(seed)
    inc = sp.random(30, 12, density=0.15, random_state=rng, format="csr", dtype=np.float32)
    inc.data[:] = 1.0
    g = CollaborationGraph.from_incidence(inc, rng.integers(2014, 2020, 12))
    queries = [rng.choice(30, rng.integers(0, 4), replace=False) for _ in range(n_queries)]
    many = g.features_many(queries)
    for i, q in enumerate(queries):
        one = g.features(q)
        for name in FEATURES:
            assert many[name][i] == pytest.approx(one[name], rel=1e-5, abs=1e-6)


def _reference(inc: sp.csr_matrix, queries: list[np.ndarray], restart: float,
               steps: int) -> dict[str, np.ndarray]:
    """Every query feature from whole dense matrices: the definitions, with no shortcut."""
    b = (inc.toarray() > 0).astype(np.float64)
    n, n_proj = b.shape
    x = np.zeros((n, len(queries)))
    for k, q in enumerate(queries):
        x[q, k] = 1.0
    adj = ((b @ b.T) > 0).astype(np.float64)
    np.fill_diagonal(adj, 0.0)
    proj_deg, org_deg = b.sum(axis=0), b.sum(axis=1)
    aa = np.where(proj_deg > 1, 1.0 / np.log(np.maximum(proj_deg, 2)), 0.0)
    per_project = b.T @ x
    near = adj @ x
    start = x / np.maximum(x.sum(axis=0), 1.0)
    walk_out = b.T * np.divide(1.0, org_deg, out=np.zeros(n), where=org_deg > 0)
    walk_back = b * np.divide(1.0, proj_deg, out=np.zeros(n_proj), where=proj_deg > 0)
    r = start.copy()
    for _ in range(steps):
        r = (1 - restart) * (walk_back @ (walk_out @ r)) + restart * start
    return {"direct": (b @ (per_project > 0)).T, "common_neighbours": (b @ per_project).T,
            "adamic_adar": (b @ (aa[:, None] * per_project)).T, "direct_orgs": near.T,
            "partners_of_partners": (adj @ near).T, "ppr": r.T}


def _random_incidence(rng: np.random.Generator, n: int, n_proj: int, *,
                      sizes: tuple[int, int], coordinators: bool) -> sp.csr_matrix:
    """``n_proj`` projects of ``sizes`` (low, high exclusive) members drawn among ``n``
    organisations; with ``coordinators`` each project's first member coordinates (2.0)."""
    inc = sp.lil_matrix((n, n_proj), dtype=np.float32)
    for j in range(n_proj):
        members = rng.choice(n, size=int(rng.integers(*sizes)), replace=False)
        inc[members, j] = 1.0
        if coordinators:
            inc[members[0], j] = 2.0
    return inc.tocsr()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 5, 300]), st.booleans())
def test_local_shortcuts_equal_the_whole_graph_definitions(seed: int, n_queries: int,
                                                           subset: bool) -> None:
    # sparse graphs with many organisations outside the query's reach, so that the
    # support-only PPR steps, the query-row reads and the candidate-only last step all run
    rng = np.random.default_rng(seed)
    n, n_proj = 300, 60
    inc = _random_incidence(rng, n, n_proj, sizes=(1, 5), coordinators=True)
    graph = CollaborationGraph.from_incidence(inc, np.full(n_proj, 2017))
    queries = [rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
               for _ in range(n_queries)]
    cand = np.sort(rng.choice(n, size=50, replace=False)) if subset else None
    got = graph.features_many(queries, cand)
    want = _reference(inc, queries, graph.restart, graph.ppr_steps)
    cols = np.arange(n) if cand is None else cand
    for name, values in want.items():
        np.testing.assert_allclose(got[name], values[:, cols], rtol=1e-4, atol=1e-7,
                                   err_msg=name)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_one_query_read_from_its_projects_equals_the_candidates_rows(seed: int,
                                                                      size: int) -> None:
    # features_one sums, per candidate, the values of the query's projects it shares, read
    # from the projects' member lists: to the bit what features_many reads from the
    # candidates' rows (Adamic-Adar's float sums included)
    rng = np.random.default_rng(seed)
    n, n_proj = 400, 120
    inc = _random_incidence(rng, n, n_proj, sizes=(2, 12), coordinators=False)
    graph = CollaborationGraph.from_incidence(inc, rng.integers(2014, 2020, n_proj))
    query = rng.choice(n, size=size, replace=False)
    cand = np.sort(rng.choice(n, size=150, replace=False))
    names = ("direct", "direct_orgs", "common_neighbours", "adamic_adar", "ppr", "popularity")
    many = graph.features_many([query], cand, names)
    one = graph.features_one(query, cand, names)
    assert list(one) == list(names)
    for name in names:
        assert one[name].dtype == np.float32 and one[name].shape == (cand.size,)
        assert np.array_equal(one[name], many[name][0]), name
