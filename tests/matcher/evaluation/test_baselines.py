"""Each baseline on a tiny registry where the right scores can be counted by hand."""

from __future__ import annotations

import math

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
from matcher.evaluation.harness import EvalQuery
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
