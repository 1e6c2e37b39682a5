"""The candidates of a consortium request as arrays, and the objective a consortium is
ranked by.

The objective of a consortium ``C`` (given members ``G`` plus added members ``A``), in
[0, 1] when the weights sum to 1::

    score(C) = w_fit       * fit        mean ranker score of the added members for the request
                                        (history with G, thematic fit, type/country novelty)
             + w_relevance * relevance  mean relevance of the added members to the request's
                                        idea (words, themes, call topic) alone, over the best
                                        of the pool; 0 without an idea
             + w_types     * types      (distinct organisation categories in C - 1) / (|C| - 1)
             + w_countries * countries  (distinct countries that count in C - 1) / (|C| - 1)
             + w_history   * history    share of member pairs that worked together before

The weights are :data:`OBJECTIVE_WEIGHTS`; without an idea, ``relevance`` is 0 for every
consortium and its weight is given to ``fit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from matcher.consortium.rules import HIGHER_EDUCATION, Call
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.values import Match

__all__ = ["OBJECTIVE_WEIGHTS", "CandidatePool", "combine"]

OBJECTIVE_WEIGHTS: dict[str, float] = {
    "fit": 0.35, "relevance": 0.2, "types": 0.15, "countries": 0.15, "history": 0.15}


def weights_for(has_idea: bool) -> dict[str, float]:
    """:data:`OBJECTIVE_WEIGHTS`, with ``relevance``'s weight moved to ``fit`` without an idea."""
    w = dict(OBJECTIVE_WEIGHTS)
    if not has_idea:
        w["fit"] += w.pop("relevance")
        w["relevance"] = 0.0
    return w


class CandidatePool:
    """Given members and candidates as arrays: categories, countries, fit, relevance,
    co-participation."""

    def __init__(self, call: Call, given: Sequence[OrgProfile], matches: Sequence[Match],
                 registry: Registry, relevance: np.ndarray | None = None) -> None:
        self.given = tuple(given)
        self.matches = tuple(matches)
        self.orgs = tuple(m.org for m in matches)
        self.fit = np.array([m.score for m in matches], dtype=np.float64)
        self.relevance = (np.zeros(len(matches)) if relevance is None
                          else np.asarray(relevance, dtype=np.float64))
        self.weights = weights_for(relevance is not None)
        everyone = self.given + self.orgs
        cats = sorted({o.category for o in everyone})
        self.n_categories = len(cats)
        cat_ix = {c: i for i, c in enumerate(cats)}
        ctry = sorted({call.country_of(o) for o in everyone} & call.counting)
        self.n_countries = max(len(ctry), 1)  # one unused column when none counts
        ctry_ix = {c: i for i, c in enumerate(ctry)}
        self.cat_g = np.array([cat_ix[o.category] for o in self.given], dtype=np.int64)
        self.cat_p = np.array([cat_ix[o.category] for o in self.orgs], dtype=np.int64)
        self.ctry_g = np.array([ctry_ix.get(call.country_of(o), -1) for o in self.given],
                               dtype=np.int64)
        self.ctry_p = np.array([ctry_ix.get(call.country_of(o), -1) for o in self.orgs],
                               dtype=np.int64)
        self.hei_g = np.array([o.category == HIGHER_EDUCATION for o in self.given], dtype=bool)
        self.hei_p = np.array([o.category == HIGHER_EDUCATION for o in self.orgs], dtype=bool)
        rows = [registry.row_of[o.id] for o in everyone]
        inc = (registry.incidence[rows] > 0).astype(np.float32)
        co = np.asarray((inc @ inc.T).todense()) > 0
        np.fill_diagonal(co, False)
        g = len(self.given)
        self.co_gg, self.co_gp, self.co_pp = co[:g, :g], co[:g, g:], co[g:, g:]

    @property
    def size(self) -> int:
        return len(self.orgs)

    def pairs(self, added: Sequence[int]) -> int:
        """Member pairs of the consortium that worked together before."""
        idx = np.asarray(added, dtype=np.int64)
        return (int(np.triu(self.co_gg, 1).sum()) + int(self.co_gp[:, idx].sum())
                + int(np.triu(self.co_pp[np.ix_(idx, idx)], 1).sum()))

    def objective(self, added: Sequence[int]) -> float:
        """The objective of the given members plus pool entries ``added`` (not incremental)."""
        idx = np.asarray(added, dtype=np.int64)
        m = len(self.given) + idx.size
        if m < 2 or not idx.size:
            return 0.0
        cats = np.union1d(self.cat_g, self.cat_p[idx]).size
        ctry = np.union1d(self.ctry_g, self.ctry_p[idx])
        n_ctry = int((ctry >= 0).sum())
        return float(combine(self.weights, float(self.fit[idx].mean()),
                             float(self.relevance[idx].mean()), cats, n_ctry,
                             self.pairs(added), m))


def combine(w: dict[str, float], fit: Any, relevance: Any, cats: Any, countries: Any,
            pairs: Any, m: int) -> Any:
    """The objective from its terms (scalars or arrays of the same shape)."""
    return (w["fit"] * fit + w["relevance"] * relevance + w["types"] * (cats - 1) / (m - 1)
            + w["countries"] * np.maximum(countries - 1, 0) / (m - 1)
            + w["history"] * pairs / (m * (m - 1) / 2))
