"""Ranking metrics for hidden-partner queries: one relevant organisation per query.

A query's *rank* is the 1-based position of its hidden organisation among the candidates
ordered by score, best first. Ties are broken by a fixed key per candidate (a seeded random
permutation in :mod:`matcher.evaluation.harness`), so a constant scorer is as good as random, not
as good as the order of the rows.

With one relevant item: Recall@k is the share of queries with ``rank <= k``; MRR is the mean
of ``1 / rank`` over the full ranking (not cut at k); nDCG@k is the mean of
``1 / log2(rank + 1)`` for ranks up to k, else 0 (the ideal DCG is 1).

>>> r = np.array([1, 2, 4, 20])
>>> recall_at_k(r, 3), round(mrr(r), 4), round(ndcg_at_k(r, 10), 4)
(0.5, 0.45, 0.5154)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Metrics", "mrr", "ndcg_at_k", "ranks", "recall_at_k", "summarise"]


@dataclass(frozen=True, slots=True)
class Metrics:
    recall: float
    mrr: float
    ndcg: float

    def to_json(self) -> dict[str, float]:
        return {"recall": round(self.recall, 4), "mrr": round(self.mrr, 4),
                "ndcg": round(self.ndcg, 4)}


def ranks(scores: np.ndarray, hidden: np.ndarray, excluded: np.ndarray,
          tiebreak: np.ndarray) -> np.ndarray:
    """1-based rank of ``hidden[i]`` in row ``i`` of ``scores`` (queries x candidates).

    ``excluded`` is a boolean mask of the same shape (the query's own organisations, or
    anything else that is not a candidate); ``tiebreak`` gives each candidate column a
    distinct key, lower wins among equal scores.

    >>> s = np.array([[0.5, 0.9, 0.5, 0.1], [1.0, 1.0, 1.0, 0.0]])
    >>> ex = np.array([[False, True, False, False], [False, False, False, False]])
    >>> ranks(s, np.array([2, 0]), ex, np.array([3, 2, 1, 0])).tolist()
    [1, 3]
    """
    scores = np.asarray(scores)
    rows = np.arange(scores.shape[0])
    target = scores[rows, hidden][:, None]
    key = tiebreak[hidden][:, None]
    better = scores > target
    tied = scores == target
    tied &= tiebreak[None, :] < key
    better |= tied
    better &= ~excluded
    result: np.ndarray = np.count_nonzero(better, axis=1) + 1
    return result


def recall_at_k(rank: np.ndarray, k: int) -> float:
    return float(np.mean(rank <= k)) if rank.size else 0.0


def mrr(rank: np.ndarray) -> float:
    return float(np.mean(1.0 / rank)) if rank.size else 0.0


def ndcg_at_k(rank: np.ndarray, k: int) -> float:
    if not rank.size:
        return 0.0
    gain = np.where(rank <= k, 1.0 / np.log2(rank + 1.0), 0.0)
    return float(np.mean(gain))


def summarise(rank: np.ndarray, k: int) -> Metrics:
    return Metrics(recall_at_k(rank, k), mrr(rank), ndcg_at_k(rank, k))
