"""Each baseline on a tiny registry where the right scores can be counted by hand."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.evaluation.baselines import (
    PARTNER_BASELINES,
    GraphScorer,
    PartPopularity,
    Popularity,
    baselines,
)
from matcher.evaluation.harness import EvalQuery, training_registry
from matcher.evaluation.peers import ALS_GRID, PPR_GRID, PersonalisedPageRank, Tuned
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry


def tiny() -> Registry:
    # p0 (sc1): orgs 0, 1, 2    p1 (sc1): orgs 0, 3    p2 (msca): orgs 3, 4, 1
    inc = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 0, 1]],
                                 dtype=np.float32))
    orgs = tuple(OrgProfile(i, None, None, None, f"org {i}", c, None, "company", None, False)
                 for i, c in enumerate(["FI", "DE", "FR", "ES", "IT"]))
    projects = tuple(ProjectInfo(j, str(j), "H2020", None, 2016, None, None, (t,))
                     for j, t in enumerate(["h2020-sc1", "h2020-sc1", "h2020-msca"]))
    return Registry(orgs, projects, inc, {}, {}, "tiny")


@pytest.fixture(scope="module")
def real_rows_registry(shared_data: Path) -> Registry:
    """About 640 real projects of 2015-2019 (every 40th), cut at 2017."""
    from tests.matcher.evaluation.test_evaluation import registry_from_rows

    base = shared_data / "cordis-h2020"
    with gzip.open(base / "participations.csv.gz", "rt", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if "2015" <= r["start_year"] <= "2017"]
    keep = set(sorted({r["rcn"] for r in rows}, key=int)[::15])
    return training_registry(registry_from_rows([r for r in rows if r["rcn"] in keep]), 2017)


QUERY = EvalQuery("p", (0,), (4,), ("h2020-msca",))


def test_popularity_counts_participations() -> None:
    assert Popularity().fit(tiny()).scores([QUERY])[0].tolist() == [2, 2, 1, 2, 1]


def test_part_popularity_counts_within_the_theme_then_overall() -> None:
    scores = PartPopularity().fit(tiny()).scores([QUERY])[0]
    assert np.floor(scores).tolist() == [0, 1, 0, 1, 1]
    assert scores[1] > scores[4]  # equal in msca; org 1 has more projects overall
    sc1 = PartPopularity().fit(tiny()).scores([EvalQuery("p", (), (1,), ("h2020-sc1",))])
    assert np.floor(sc1[0]).tolist() == [2, 1, 1, 1, 0]


def test_common_neighbours_and_adamic_adar_on_the_org_project_graph() -> None:
    query = EvalQuery("p", (0, 4), (1,), ())
    cn = GraphScorer("common_neighbours").fit(tiny()).scores([query])[0]
    # org 1 shares p0 with org 0 and p2 with org 4; org 3 shares p1 with 0 and p2 with 4
    assert cn.tolist() == [2, 2, 1, 2, 1]
    aa = GraphScorer("adamic_adar").fit(tiny()).scores([query])[0]
    assert aa[1] == pytest.approx(2 / math.log(3))  # p0 and p2 have three members each
    assert aa[3] == pytest.approx(1 / math.log(2) + 1 / math.log(3))
    assert aa[2] == pytest.approx(1 / math.log(3))


def test_random_is_seeded() -> None:
    a = baselines(seed=3)["random"].fit(tiny()).scores([QUERY, QUERY])
    b = baselines(seed=3)["random"].fit(tiny()).scores([QUERY, QUERY])
    assert np.array_equal(a, b) and not np.array_equal(a[0], a[1])
    assert tuple(baselines()) == PARTNER_BASELINES


def test_als_fold_in_is_implicits_own_recalculation() -> None:
    """A query folded in solves the least squares ``implicit`` solves for a user."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from matcher.ranking.latent import LatentCollaboration

    rng = np.random.default_rng(0)
    inc = sp.csr_matrix((rng.random((60, 40)) < 0.1).astype(np.float32))
    latent = LatentCollaboration(factors=8, iterations=5, alpha=10.0, regularization=0.5
                                 ).fit(inc)
    with threadpool_limits(1, "blas"):  # implicit warns when BLAS runs threads of its own
        model = AlternatingLeastSquares(factors=8, regularization=0.5, alpha=10.0)
    model.item_factors = latent.item_factors_
    model.user_factors = np.zeros((1, 8), dtype=np.float32)
    members = sp.csr_matrix((np.ones(3, dtype=np.float32), ([0, 0, 0], [2, 7, 11])),
                            shape=(1, 60))
    theirs = model.recalculate_user(0, members)
    assert latent.fold_in([np.array([2, 7, 11])])[0] == pytest.approx(theirs, abs=1e-5)


def test_peers_find_the_partner_of_a_clique_and_know_nobody_without_members() -> None:
    # orgs 0-2 always together, 3-4 together: asked with 0 and 1, the peers put 2 first
    inc = sp.csr_matrix(np.array([[1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0],
                                  [0, 0, 0, 1, 1], [0, 0, 1, 1, 1]], dtype=np.float32))
    orgs = tuple(OrgProfile(i, None, None, None, f"org {i}", "FI", None, "company", None,
                            False) for i in range(5))
    projects = tuple(ProjectInfo(j, str(j), "H2020", None, 2015 + j // 3, None, None, ())
                     for j in range(5))
    reg = Registry(orgs, projects, inc, {}, {}, "cliques")
    for name in ("implicit_als", "pagerank"):
        scorer = baselines()[name].fit(reg)
        scores = scorer.scores([EvalQuery("p", (0, 1), (2,), ()),
                                EvalQuery("q", (), (2,), ("h2020-sc1",))])
        assert int(np.argmax(np.where([1, 1, 0, 0, 0], -np.inf, scores[0]))) == 2, name
        assert not scores[1].any(), name
        assert set(scorer.report_["chosen"]) == set(
            {"implicit_als": ALS_GRID, "pagerank": PPR_GRID}[name])


def test_peers_are_tuned_on_the_last_training_year_only(real_rows_registry: Registry) -> None:
    """The hyper-parameters come from the consortia of the last training year, judged with
    features of the years before; the report says so."""
    tuned = Tuned(PersonalisedPageRank, {"restart": (0.5, 0.2), "steps": (6, 2)},
                  inner_queries=200).fit(real_rows_registry)
    report = tuned.report_
    assert report["chosen_on"].startswith("consortia of 2017 (features up to 2016)")
    assert report["settings_tried"] == 3  # (0.5, 6) (0.2, 6) then the best with 2 steps
    assert 0.0 < report["inner_recall@10"] <= 1.0
