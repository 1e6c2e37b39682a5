"""Ranking metrics for test queries with one or several relevant organisations.

A relevant organisation's *rank* is its 1-based position among the candidates ordered by
score, best first (other relevant organisations included). Ties are broken by a fixed key per
candidate (a seeded random permutation in :mod:`matcher.evaluation.harness`), so a constant
scorer is as good as random, not as good as the order of the rows.

Per query, with ``R`` its relevant organisations and ``r`` their ranks: recall@k is the
share of ``R`` ranked ``<= k``; hit@k is 1 when any is; the reciprocal rank is
``1 / min(r)`` over the full ranking (not cut at k); nDCG@k is the sum of
``1 / log2(r + 1)`` for ranks up to k divided by the best possible sum, that of ranks
``1..min(|R|, k)``. Each metric is the mean over queries. With one relevant organisation per
query, recall@k and hit@k are equal.

>>> r = np.array([1, 2, 4, 20])
>>> recall_at_k(r, 3), round(mrr(r), 4), round(ndcg_at_k(r, 10), 4)
(0.5, 0.45, 0.5154)
>>> m = summarise([np.array([2, 30]), np.array([1])], 10)
>>> m.recall, m.hit, m.mrr, round(m.ndcg, 4)
(0.75, 1.0, 0.75, 0.6934)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Metrics", "mrr", "ndcg_at_k", "ranks", "ranks_many", "recall_at_k", "summarise"]


@dataclass(frozen=True, slots=True)
class Metrics:
    recall: float
    hit: float
    mrr: float
    ndcg: float

    def to_json(self) -> dict[str, float]:
        return {"recall": round(self.recall, 4), "hit": round(self.hit, 4),
                "mrr": round(self.mrr, 4), "ndcg": round(self.ndcg, 4)}


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


def ranks_many(scores: np.ndarray, relevant: Sequence[Sequence[int]], excluded: np.ndarray,
               tiebreak: np.ndarray) -> list[np.ndarray]:
    """The ranks of every relevant column of each row: one array per query."""
    owner = np.repeat(np.arange(len(relevant)), [len(r) for r in relevant])
    cols = np.array([c for r in relevant for c in r], dtype=np.int64)
    if not cols.size:
        return [np.zeros(0, dtype=np.int64) for _ in relevant]
    flat = ranks(np.asarray(scores)[owner], cols, np.asarray(excluded)[owner], tiebreak)
    return np.split(flat, np.cumsum([len(r) for r in relevant])[:-1])


def recall_at_k(rank: np.ndarray, k: int) -> float:
    return float(np.mean(rank <= k)) if rank.size else 0.0


def mrr(rank: np.ndarray) -> float:
    return float(np.mean(1.0 / rank)) if rank.size else 0.0


def ndcg_at_k(rank: np.ndarray, k: int) -> float:
    if not rank.size:
        return 0.0
    gain = np.where(rank <= k, 1.0 / np.log2(rank + 1.0), 0.0)
    return float(np.mean(gain))


def summarise(rank: np.ndarray | Sequence[np.ndarray], k: int) -> Metrics:
    """The means over queries; ``rank`` is one rank per query or one array per query."""
    if isinstance(rank, np.ndarray):
        per_query: Sequence[np.ndarray] = [rank[i:i + 1] for i in range(rank.size)]
    else:
        per_query = [r for r in rank if r.size]
    if not per_query:
        return Metrics(0.0, 0.0, 0.0, 0.0)
    ideal = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    recall, hit, rr, ndcg = [], [], [], []
    for r in per_query:
        best = int(r.min())
        recall.append(float(np.mean(r <= k)))
        hit.append(float(best <= k))
        rr.append(1.0 / best)
        gain = float(np.sum(np.where(r <= k, 1.0 / np.log2(r + 1.0), 0.0)))
        ndcg.append(gain / ideal[min(r.size, k) - 1])
    return Metrics(float(np.mean(recall)), float(np.mean(hit)), float(np.mean(rr)),
                   float(np.mean(ndcg)))
