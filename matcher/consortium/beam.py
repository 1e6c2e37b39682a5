"""Beam search over sets of added members, and the choice of diverse alternatives.

One member is added per level, keeping the ``beam`` best partial consortia; every
(state, candidate) extension is scored at once with numpy. A partial consortium that can no
longer reach the minimum number of countries is dropped; every extension whose size is in the
requested range and that meets the rules is a finalist. The search is exact when the beam
holds every partial consortium; tests compare it with exhaustive search on small registries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from matcher.consortium.objective import PAIR_TERMS
from matcher.consortium.pool import CandidatePool, combine

__all__ = ["beam_search", "differs", "diverse"]


@dataclass
class _Beam:
    chosen: np.ndarray  # (B, k) pool indices
    inset: np.ndarray  # (B, P) bool
    sumfit: np.ndarray  # (B,)
    sumrel: np.ndarray  # (B,)
    sumpen: np.ndarray  # (B,) sum of the added members' penalties
    cats: np.ndarray  # (B, n_categories) bool
    ctrs: np.ndarray  # (B, n_countries) bool
    pairs: dict[str, np.ndarray]  # term -> (B,) sum of the pair term over member pairs
    #: (the terms followed: those the objective weighs)
    links: dict[str, np.ndarray]  # term -> (B, P) sum of the pair term with each candidate
    nonhei: np.ndarray  # (B,) some member is not an HEI

    def take(self, pool: CandidatePool, b: np.ndarray, j: np.ndarray,
             penalty: np.ndarray) -> _Beam:
        ar = np.arange(b.size)
        inset = self.inset[b].copy()
        inset[ar, j] = True
        cats = self.cats[b].copy()
        cats[ar, pool.cat_p[j]] = True
        ctrs = self.ctrs[b].copy()
        has = pool.ctry_p[j] >= 0
        ctrs[ar[has], pool.ctry_p[j][has]] = True
        return _Beam(np.column_stack([self.chosen[b], j]), inset, self.sumfit[b] + pool.fit[j],
                     self.sumrel[b] + pool.relevance[j], self.sumpen[b] + penalty[j], cats,
                     ctrs,
                     {t: self.pairs[t][b] + self.links[t][b, j] for t in self.pairs},
                     {t: self.links[t][b] + pool.pair_terms[t][2][j] for t in self.pairs},
                     self.nonhei[b] | ~pool.hei_p[j])


def beam_search(pool: CandidatePool, *, lo: int, hi: int, min_countries: int,
                need_non_hei: bool, weights: Mapping[str, float], beam: int = 64,
                finalists: int = 400, penalty: np.ndarray | None = None,
                ) -> list[tuple[float, tuple[int, ...]]]:
    """(score, sorted pool indices) of eligible extensions with ``lo..hi`` members, best
    first, by the objective of ``weights`` (:meth:`CandidatePool.weights`), minus the mean
    ``penalty`` of the added members when given (one value per pool entry)."""
    g, p = len(pool.given), pool.size
    # a pair term the objective gives no weight is not followed
    terms = tuple(t for t in PAIR_TERMS if weights[t] > 0)
    pen = np.zeros(p) if penalty is None else np.asarray(penalty, dtype=np.float64)
    cats0 = np.zeros((1, pool.n_categories), dtype=bool)
    cats0[0, pool.cat_g] = True
    ctrs0 = np.zeros((1, pool.n_countries), dtype=bool)
    ctrs0[0, pool.ctry_g[pool.ctry_g >= 0]] = True
    state = _Beam(np.zeros((1, 0), dtype=np.int64), np.zeros((1, p), dtype=bool),
                  np.zeros(1), np.zeros(1), np.zeros(1), cats0, ctrs0,
                  {t: np.array([float(np.triu(pool.pair_terms[t][0], 1).sum())])
                   for t in terms},
                  {t: pool.pair_terms[t][1].sum(axis=0)[None, :] for t in terms},
                  np.array([not need_non_hei or bool((~pool.hei_g).any())]))
    found: dict[tuple[int, ...], float] = {}
    for k in range(1, hi - g + 1):
        m = g + k
        fit = (state.sumfit[:, None] + pool.fit[None, :]) / k
        rel = (state.sumrel[:, None] + pool.relevance[None, :]) / k
        ncat = state.cats.sum(axis=1)[:, None] + ~state.cats[:, pool.cat_p]
        new_c = (pool.ctry_p >= 0)[None, :] & ~state.ctrs[:, np.maximum(pool.ctry_p, 0)]
        nctr = state.ctrs.sum(axis=1)[:, None] + new_c
        obj = combine(weights, fit, rel, ncat, nctr,
                      {t: state.pairs[t][:, None] + state.links[t] for t in terms}, m)
        if penalty is not None:
            obj = obj - (state.sumpen[:, None] + pen[None, :]) / k
        obj = np.where(state.inset, -np.inf, obj)
        nonhei = state.nonhei[:, None] | ~pool.hei_p[None, :]
        if m >= lo:
            ok = (nctr >= min_countries) & nonhei & np.isfinite(obj)
            _collect(found, obj, ok, state.chosen, finalists)
        if m >= hi:
            break
        grow = np.isfinite(obj) & (nctr + (hi - m) >= min_countries)
        flat = np.where(grow, obj, -np.inf).ravel()
        order = np.argsort(-flat, kind="stable")
        picked_b: list[int] = []
        picked_j: list[int] = []
        seen: set[tuple[int, ...]] = set()
        for f in order.tolist():
            if not np.isfinite(flat[f]) or len(picked_b) >= beam:
                break
            b, j = divmod(f, p)
            key = tuple(sorted((*state.chosen[b].tolist(), j)))
            if key not in seen:
                seen.add(key)
                picked_b.append(b)
                picked_j.append(j)
        if not picked_b:
            break
        state = state.take(pool, np.array(picked_b), np.array(picked_j), pen)
    return sorted(((s, key) for key, s in found.items()), key=lambda t: (-t[0], t[1]))


def _collect(found: dict[tuple[int, ...], float], obj: np.ndarray, ok: np.ndarray,
             chosen: np.ndarray, limit: int) -> None:
    flat = np.where(ok, obj, -np.inf).ravel()
    p = obj.shape[1]
    take = min(limit, int(np.isfinite(flat).sum()))
    if not take:
        return
    top = np.argpartition(-flat, take - 1)[:take]
    for f in top[np.argsort(-flat[top], kind="stable")].tolist():
        b, j = divmod(f, p)
        key = tuple(sorted((*chosen[b].tolist(), j)))
        found.setdefault(key, float(flat[f]))


def diverse(ranked: list[tuple[float, tuple[int, ...]]], n: int,
            ) -> list[tuple[float, tuple[int, ...]]]:
    """The best ``n`` alternatives, each differing from every better one in at least two
    members (swapped in or added), or in its one added member when both add only one."""
    kept: list[tuple[float, tuple[int, ...]]] = []
    for score, key in ranked:
        if differs(key, [k for _, k in kept]):
            kept.append((score, key))
            if len(kept) == n:
                break
    return kept


def differs(key: tuple[int, ...], better: list[tuple[int, ...]]) -> bool:
    """Whether ``key`` may follow the alternatives ``better``: it differs from each in at
    least two members, or in its one added member when both add only one."""
    return all(_distance(key, k) >= min(2, max(len(key), len(k))) for k in better)


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Members to swap in or add to turn one set of added members into the other."""
    return max(len(set(a) - set(b)), len(set(b) - set(a)))
