"""Ranking metrics on hand-checked examples, and the laws they obey."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from matcher.evaluation.metrics import mrr, ndcg_at_k, ranks, recall_at_k, summarise


def test_ranks_skip_excluded_and_break_ties_by_key() -> None:
    scores = np.array([[0.9, 0.5, 0.5, 0.1],
                       [0.9, 0.5, 0.5, 0.1],
                       [0.0, 0.0, 0.0, 0.0]])
    excluded = np.array([[True, False, False, False],
                         [False, False, False, False],
                         [False, False, False, False]])
    tiebreak = np.array([0, 2, 1, 3])
    # row 0: the 0.9 is the query itself; among the two 0.5s column 2 has the lower key
    # row 1: 0.9 beats it; row 2: all equal, column 3 has the highest key
    assert ranks(scores, np.array([1, 2, 3]), excluded, tiebreak).tolist() == [2, 2, 4]


def test_hand_computed_values() -> None:
    r = np.array([1, 3, 11])
    assert recall_at_k(r, 10) == 2 / 3
    assert math.isclose(mrr(r), (1 + 1 / 3 + 1 / 11) / 3)
    assert math.isclose(ndcg_at_k(r, 10), (1 + 1 / math.log2(4)) / 3)
    m = summarise(r, 1)
    assert (m.recall, round(m.ndcg, 6)) == (1 / 3, round(1 / 3, 6))
    assert m.to_json() == {"recall": 0.3333, "hit": 0.3333, "mrr": 0.4747, "ndcg": 0.3333}


def test_empty_is_zero() -> None:
    none = np.zeros(0, dtype=np.int64)
    assert (recall_at_k(none, 10), mrr(none), ndcg_at_k(none, 10)) == (0.0, 0.0, 0.0)


@given(st.lists(st.integers(1, 500), min_size=1, max_size=50), st.integers(1, 30))
def test_bounded_and_ordered(values: list[int], k: int) -> None:
    r = np.array(values)
    for value in (recall_at_k(r, k), mrr(r), ndcg_at_k(r, k)):
        assert 0.0 <= value <= 1.0
    assert recall_at_k(r, k) <= recall_at_k(r, k + 1)
    assert ndcg_at_k(r, k) <= recall_at_k(r, k)  # each gain is at most 1


@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=30), st.data())
def test_rank_is_one_plus_strictly_better(values: list[float], data: st.DataObject) -> None:
    scores = np.array([values])
    hidden = data.draw(st.integers(0, len(values) - 1))
    tiebreak = np.arange(len(values))
    got = ranks(scores, np.array([hidden]), np.zeros_like(scores, dtype=bool), tiebreak)[0]
    better = sum(v > values[hidden] or (v == values[hidden] and i < hidden)
                 for i, v in enumerate(values))
    assert got == better + 1
