"""Reference scorers for :func:`matcher.evaluation.harness.evaluate`: what the model must beat.

All of them follow :class:`matcher.evaluation.harness.Scorer`: ``fit(train_registry)`` then
``scores(queries)`` -> ``(n_queries, n_orgs)``.

- :class:`RandomScorer`: uniform random scores (seeded).
- :class:`Popularity`: number of past participations.
- :class:`PartPopularity`: participations in past projects of the query's themes (H2020
  programme part); overall popularity only breaks ties.
- :class:`GraphScorer` ``("common_neighbours")`` / ``("adamic_adar")``: the classic link
  predictors on the co-participation graph, summed over the query organisations
  (:class:`matcher.ranking.graph.CollaborationGraph`).

>>> import scipy.sparse as sp
>>> from matcher.evaluation.harness import HiddenPartner
>>> from matcher.registry.snapshot import Registry
>>> inc = sp.csr_matrix(np.array([[1, 1], [1, 0], [0, 1], [1, 1]], dtype=np.float32))
>>> reg = Registry((), (), inc, {}, {}, "x")
>>> Popularity().fit(reg).scores([HiddenPartner("p", (0,), 1, ())]).tolist()
[[2.0, 1.0, 1.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.evaluation.harness import HiddenPartner
from matcher.ranking.graph import CollaborationGraph
from matcher.registry.snapshot import Registry

__all__ = ["BASELINES", "GraphScorer", "PartPopularity", "Popularity", "RandomScorer",
           "baselines"]

#: Names in the order the evaluation reports them.
BASELINES = ("random", "popularity", "part_popularity", "common_neighbours", "adamic_adar")


class RandomScorer:
    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, train: Registry) -> RandomScorer:
        self.n_orgs_ = int(train.incidence.shape[0])
        self.rng_ = np.random.default_rng(self.seed)
        return self

    def scores(self, queries: Sequence[HiddenPartner]) -> np.ndarray:
        values: np.ndarray = self.rng_.random((len(queries), self.n_orgs_))
        return values


def _participations(incidence: sp.csr_matrix) -> np.ndarray:
    b = sp.csr_matrix(incidence, copy=True)
    b.data[:] = 1.0
    counts: np.ndarray = np.asarray(b.sum(axis=1)).ravel()
    return counts


class Popularity:
    def fit(self, train: Registry) -> Popularity:
        self.popularity_ = _participations(train.incidence)
        return self

    def scores(self, queries: Sequence[HiddenPartner]) -> np.ndarray:
        return np.broadcast_to(self.popularity_, (len(queries), self.popularity_.size))


class PartPopularity:
    """Participations in past projects that share a theme with the query."""

    def fit(self, train: Registry) -> PartPopularity:
        b = sp.csr_matrix(train.incidence, copy=True)
        b.data[:] = 1.0
        codes = sorted({t for p in train.projects for t in p.themes})
        self.column_of_ = {code: i for i, code in enumerate(codes)}
        rows = [j for j, p in enumerate(train.projects) for _ in p.themes]
        cols = [self.column_of_[t] for p in train.projects for t in p.themes]
        project_theme = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                      shape=(len(train.projects), len(codes)))
        self.by_theme_ = np.asarray((b @ project_theme).todense(), dtype=np.float64)
        total = _participations(train.incidence)
        # Overall popularity as a tie-breaker below one participation in the theme.
        self.tiebreak_ = total / (total.max() + 1.0) if total.size else total
        return self

    def scores(self, queries: Sequence[HiddenPartner]) -> np.ndarray:
        out = np.empty((len(queries), self.by_theme_.shape[0]))
        for i, q in enumerate(queries):
            cols = [self.column_of_[t] for t in q.themes if t in self.column_of_]
            out[i] = self.by_theme_[:, cols].sum(axis=1) + self.tiebreak_
        return out


class GraphScorer:
    """One feature of :class:`~matcher.ranking.graph.CollaborationGraph` used as the score."""

    def __init__(self, feature: str) -> None:
        self.feature = feature

    def fit(self, train: Registry) -> GraphScorer:
        self.graph_ = CollaborationGraph.from_registry(train)
        return self

    def scores(self, queries: Sequence[HiddenPartner]) -> np.ndarray:
        rows = [np.array(q.members, dtype=np.int64) for q in queries]
        return self.graph_.features_many(rows, names=(self.feature,))[self.feature]


def baselines(*, seed: int = 0) -> dict[str, RandomScorer | Popularity | PartPopularity
                                        | GraphScorer]:
    """Fresh, unfitted baseline scorers keyed by their report names."""
    return {
        "random": RandomScorer(seed=seed),
        "popularity": Popularity(),
        "part_popularity": PartPopularity(),
        "common_neighbours": GraphScorer("common_neighbours"),
        "adamic_adar": GraphScorer("adamic_adar"),
    }
