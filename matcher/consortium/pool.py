"""The candidates of a consortium request as arrays, and the objective a consortium is
ranked by.

The objective of a consortium ``C`` (given members ``G`` plus added members ``A``, ``m =
|C|``) is a weighted sum of terms, each in [0, 1]; the weights
(:class:`~matcher.consortium.objective.Objective`) are non-negative and sum to 1::

    fit        mean ranker score of the added members for the request (history with G,
               thematic fit, type/country novelty)
    relevance  mean relevance of the added members to the request's idea (words, themes,
               call topic) alone, over the best of the pool; 0 without an idea
    types      (distinct organisation categories in C - 1) / (m - 1)
    countries  (distinct countries that count in C - 1) / (m - 1)
    history    share of the m (m - 1) / 2 member pairs that worked together before
    coherence  mean cosine similarity, over the member pairs, of the members' programme
               profiles (their past projects' programme parts and call-topic families): a
               thematically coherent set scores high
    affinity   mean cosine similarity, over the member pairs, of the members' latent
               collaboration factors (the ranker's implicit ALS factors of who works with
               whom): members that join the same kinds of consortia score high; 0 when the
               ranker has none

Without an idea, ``relevance`` is 0 for every consortium and its weight is given to ``fit``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.consortium.objective import PAIR_TERMS, Objective, load_objective
from matcher.consortium.rules import HIGHER_EDUCATION, Call
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.values import Match

__all__ = ["CandidatePool", "combine", "programme_profiles"]

_PROFILES: dict[int, tuple[weakref.ref[Registry], sp.csr_matrix]] = {}


def _family(code: str) -> str:
    """A call topic's family (``SC1-BHC-07-2019`` -> ``sc1-bhc``), as
    :func:`matcher.ranking.topics.family` makes it: the layers keep ``consortium`` apart
    from ``ranking``."""
    parts = [p for p in code.strip().split("-") if p and not p.isdigit()]
    return "-".join(parts[:2]).casefold()


def _project_codes(registry: Registry) -> sp.csr_matrix:
    """(projects x codes) 0/1: each project's programme parts and call-topic family; built
    once per registry."""
    key = id(registry)
    cached = _PROFILES.get(key)
    if cached is not None and cached[0]() is registry:
        return cached[1]
    codes: dict[str, int] = {}
    rows, cols = [], []
    for j, p in enumerate(registry.projects):
        keys = [f"part:{t}" for t in p.themes]
        if p.topic_code:
            keys.append(f"topic:{_family(p.topic_code)}")
        for k in keys:
            rows.append(j)
            cols.append(codes.setdefault(k, len(codes)))
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(registry.projects), max(len(codes), 1)))
    _PROFILES[key] = (weakref.ref(registry, lambda _r: _PROFILES.pop(key, None)), matrix)
    return matrix


def programme_profiles(registry: Registry, rows: Sequence[int]) -> np.ndarray:
    """Unit-length programme profiles of organisation ``rows`` (zero without a project)."""
    inc = sp.csr_matrix(registry.incidence[np.asarray(rows, dtype=np.int64)])
    inc.data[:] = 1.0
    prof = np.asarray((inc @ _project_codes(registry)).todense(), dtype=np.float64)
    norm = np.linalg.norm(prof, axis=1, keepdims=True)
    out: np.ndarray = np.divide(prof, norm, out=np.zeros_like(prof), where=norm > 0)
    return out


class CandidatePool:
    """Given members and candidates as arrays: categories, countries, fit, relevance, and
    the pair terms (co-participation, programme similarity) between every two of them."""

    def __init__(self, call: Call, given: Sequence[OrgProfile], matches: Sequence[Match],
                 registry: Registry, relevance: np.ndarray | None = None,
                 factors_of: Callable[[np.ndarray], np.ndarray | None] | None = None,
                 ) -> None:
        """``factors_of``: the latent collaboration factors of registry rows, one row each
        (the ``affinity`` term; zero without)."""
        self.given = tuple(given)
        self.matches = tuple(matches)
        self.orgs = tuple(m.org for m in matches)
        self.fit = np.array([m.score for m in matches], dtype=np.float64)
        self.has_idea = relevance is not None
        self.relevance = (np.zeros(len(matches)) if relevance is None
                          else np.asarray(relevance, dtype=np.float64))
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
        co = (np.asarray((inc @ inc.T).todense()) > 0).astype(np.float64)
        prof = programme_profiles(registry, rows)
        sim = np.clip(prof @ prof.T, 0.0, 1.0)
        g = len(self.given)
        factors = None if factors_of is None else factors_of(np.asarray(rows, dtype=np.int64))
        if factors is None:
            near = np.zeros((len(rows), len(rows)))
        else:
            f = np.asarray(factors, dtype=np.float64)
            norm = np.linalg.norm(f, axis=1, keepdims=True)
            f = np.divide(f, norm, out=np.zeros_like(f), where=norm > 0)
            near = np.clip(f @ f.T, 0.0, 1.0)
        #: term -> (given x given, given x pool, pool x pool), zero diagonals
        self.pair_terms: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for name, full in (("history", co), ("coherence", sim), ("affinity", near)):
            np.fill_diagonal(full, 0.0)
            self.pair_terms[name] = (full[:g, :g], full[:g, g:], full[g:, g:])

    @property
    def size(self) -> int:
        return len(self.orgs)

    def pairs(self, added: Sequence[int], term: str = "history") -> float:
        """Sum of a pair term over the member pairs (``history``: pairs that worked
        together before)."""
        idx = np.asarray(added, dtype=np.int64)
        gg, gp, pp = self.pair_terms[term]
        return (float(np.triu(gg, 1).sum()) + float(gp[:, idx].sum())
                + float(np.triu(pp[np.ix_(idx, idx)], 1).sum()))

    def weights(self, objective: Objective | None = None) -> dict[str, float]:
        """The objective's weights for this request (default: the shipped objective)."""
        return (objective or load_objective()).for_idea(self.has_idea)

    def objective(self, added: Sequence[int], objective: Objective | None = None) -> float:
        """The objective of the given members plus pool entries ``added`` (not incremental)."""
        idx = np.asarray(added, dtype=np.int64)
        m = len(self.given) + idx.size
        if m < 2 or not idx.size:
            return 0.0
        cats = np.union1d(self.cat_g, self.cat_p[idx]).size
        ctry = np.union1d(self.ctry_g, self.ctry_p[idx])
        n_ctry = int((ctry >= 0).sum())
        return float(combine(self.weights(objective), float(self.fit[idx].mean()),
                             float(self.relevance[idx].mean()), cats, n_ctry,
                             {t: self.pairs(added, t) for t in PAIR_TERMS}, m))


def combine(w: Mapping[str, float], fit: Any, relevance: Any, cats: Any, countries: Any,
            pairs: Mapping[str, Any], m: int) -> Any:
    """The objective from its terms (scalars or arrays of the same shape); ``pairs`` holds
    each pair term's sum over the member pairs (a term it lacks counts 0)."""
    n_pairs = m * (m - 1) / 2
    total = (w["fit"] * fit + w["relevance"] * relevance + w["types"] * (cats - 1) / (m - 1)
             + w["countries"] * np.maximum(countries - 1, 0) / (m - 1))
    for term, value in pairs.items():
        total = total + w[term] * value / n_pairs
    return total
