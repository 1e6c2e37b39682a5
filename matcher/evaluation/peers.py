"""The field's collaborative peers of the partner task, tuned on the training years only.

- :class:`ImplicitALS`: implicit-feedback matrix factorisation (alternating least squares,
  the ``implicit`` package, :class:`~matcher.ranking.latent.LatentCollaboration`) of the
  training projects x organisations; a query's members are folded in as a new project and
  every organisation is scored by its factor's product with the query's.
- :class:`PersonalisedPageRank`: a random walk with restart on the bipartite
  organisation-project graph, started from the query's members
  (:class:`~matcher.ranking.graph.CollaborationGraph`'s ``ppr``).

Neither may look at the test years to choose its hyper-parameters: :class:`Tuned` cuts its
training registry once more (features up to the last training year - 1, queries from the
consortia of the last training year, as :func:`matcher.evaluation.training.learn_weights`
does), walks the grid one parameter at a time (:data:`ALS_GRID`, :data:`PPR_GRID`, each
parameter's values tried with the others at their best so far, recall@10 first, MRR on ties)
and refits the chosen setting on the whole training registry. The choice and the inner
figures are kept in :attr:`Tuned.report_`.

A query with no member known in training (only its themes) gets zeros from both: they
know nobody to start from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from matcher.errors import QueryError
from matcher.evaluation.harness import (
    EvalQuery,
    Split,
    evaluate,
    partner_split,
    whole_consortia,
)
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.latent import LatentCollaboration
from matcher.registry.snapshot import Registry

__all__ = ["ALS_GRID", "PPR_GRID", "ImplicitALS", "PersonalisedPageRank", "Tuned", "peers"]

#: Values tried for each hyper-parameter, in the order they are tuned; the first value of each
#: is the starting point (the settings of the issue that reported the peers).
ALS_GRID: dict[str, tuple[float, ...]] = {
    "alpha": (20.0, 5.0, 10.0, 40.0),
    "regularization": (1.0, 0.1, 10.0),
    "factors": (256, 64, 128, 384),
    "iterations": (15, 30),
}
PPR_GRID: dict[str, tuple[float, ...]] = {
    "restart": (0.5, 0.2, 0.3, 0.7),
    "steps": (6, 3, 4, 10),
}
#: Inner queries a setting is judged on (whole consortia, seeded): enough to tell settings
#: apart, few enough to try a grid inside every evaluation.
INNER_QUERIES = 4000


class ImplicitALS:
    """Implicit ALS, the query folded in as a new project (module docstring)."""

    def __init__(self, *, factors: int = 256, regularization: float = 1.0,
                 alpha: float = 20.0, iterations: int = 15, seed: int = 0) -> None:
        self.params: dict[str, float] = {
            "factors": int(factors), "regularization": float(regularization),
            "alpha": float(alpha), "iterations": int(iterations)}
        self.seed = seed

    def fit(self, train: Registry) -> ImplicitALS:
        p = self.params
        self.model_ = LatentCollaboration(
            factors=int(p["factors"]), regularization=p["regularization"], alpha=p["alpha"],
            iterations=int(p["iterations"]), random_state=self.seed).fit(train.incidence)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        folded = self.model_.fold_in([np.array(q.members, dtype=np.int64) for q in queries])
        return self.model_.scores(folded)


class PersonalisedPageRank:
    """Random walk with restart from the query's members on the bipartite graph."""

    def __init__(self, *, restart: float = 0.5, steps: int = 6) -> None:
        self.params = {"restart": float(restart), "steps": int(steps)}

    def fit(self, train: Registry) -> PersonalisedPageRank:
        self.graph_ = CollaborationGraph.from_registry(
            train, restart=self.params["restart"], ppr_steps=self.params["steps"])
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        rows = [np.array(q.members, dtype=np.int64) for q in queries]
        values: np.ndarray = self.graph_.features_many(rows, names=("ppr",))["ppr"]
        return values


class Tuned:
    """``make(**params)`` with the params of ``grid`` chosen on the training years (module
    docstring); then a scorer like the one it wraps."""

    def __init__(self, make: Callable[..., Any], grid: Mapping[str, Sequence[float]], *,
                 inner_queries: int = INNER_QUERIES, seed: int = 0) -> None:
        self.make = make
        self.grid = grid
        self.inner_queries = inner_queries
        self.seed = seed

    def fit(self, train: Registry) -> Tuned:
        last = int(train.project_years.max())
        best = {name: values[0] for name, values in self.grid.items()}
        try:
            inner = partner_split(train, train_until=last - 1, test_from=last, test_to=last)
        except QueryError:  # nothing before the last year: nothing to tune on
            inner = Split(train, (), 0)
        picked, _ = whole_consortia(inner.queries, self.inner_queries,
                                    np.random.default_rng(self.seed))
        queries = tuple(picked)
        if not queries:
            self.chosen_ = dict(best)
            self.report_: dict[str, object] = {"chosen": self.chosen_,
                            "chosen_on": f"nothing (no consortium of {last} to tune on): "
                                         "the first values of the grid"}
            self.scorer_ = self.make(**best).fit(train)
            return self
        split = Split(inner.train, queries, len({q.project for q in queries}), "partner")
        tried: dict[tuple[tuple[str, float], ...], tuple[float, float]] = {}

        def measure(params: dict[str, float]) -> tuple[float, float]:
            key = tuple(sorted(params.items()))
            if key not in tried:
                m = evaluate(split, {"s": self.make(**params)}, seed=self.seed).models["s"]
                tried[key] = (m.recall, m.mrr)
            return tried[key]

        for name, values in self.grid.items():
            scored = [(measure({**best, name: v}), v) for v in values]
            best[name] = max(scored, key=lambda sv: sv[0])[1]
        recall, mrr = measure(best)
        self.chosen_ = dict(best)
        self.report_ = {
            "chosen": self.chosen_,
            "chosen_on": f"consortia of {last} (features up to {last - 1}), "
                         f"{len(queries):,} queries",
            "inner_recall@10": round(recall, 4), "inner_mrr": round(mrr, 4),
            "settings_tried": len(tried)}
        self.scorer_ = self.make(**best).fit(train)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        values: np.ndarray = self.scorer_.scores(queries)
        return values


def peers(*, seed: int = 0) -> dict[str, Tuned]:
    """The two peers, unfitted, keyed by their report names."""
    return {"implicit_als": Tuned(lambda **p: ImplicitALS(seed=seed, **p), ALS_GRID, seed=seed),
            "pagerank": Tuned(PersonalisedPageRank, PPR_GRID, seed=seed)}
