"""Complete a partial consortium, or propose whole ones, that are eligible by construction.

Two steps:

1. **Candidates.** The ranker scores the organisations for the combined query "the given
   members + text + themes" and returns the top ``pool`` (200) that the filters allow and that
   could ever be in an eligible consortium (no higher-education institution without ECHE in a
   country that counts; for actions closed to other countries, only countries that count).
2. **Beam search** over sets of added members, one member per level, keeping the ``beam``
   best partial consortia. Every (state, candidate) extension is scored at once with numpy.
   A partial consortium that can no longer reach the minimum number of countries is dropped;
   every extension whose size is in the requested range and that meets the rules is a
   finalist. Finalists are ranked by the objective, and an alternative is kept only when it
   differs from every better one in at least two members (swapped in or added), or in its one
   added member when both add only one.
   Each returned consortium is verified with :meth:`RuleBook.check`.

The objective of a consortium ``C`` (given members ``G`` plus added members ``A``), in [0, 1]::

    score(C) = 0.55 * fit         mean ranker score of the added members for the query
                                  (thematic fit, history with G, type/country novelty)
             + 0.15 * types       (distinct organisation categories in C - 1) / (|C| - 1)
             + 0.15 * countries   (distinct countries that count in C - 1) / (|C| - 1)
             + 0.15 * history     share of member pairs that worked together before

The weights are :data:`OBJECTIVE_WEIGHTS`. Beam search is exact when the beam holds every
partial consortium; tests compare it with exhaustive search on small registries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from matcher.consortium.rules import HIGHER_EDUCATION, RuleBook
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.values import Filters, Match, Query
from models.errors import ConstraintError, QueryError

__all__ = ["OBJECTIVE_WEIGHTS", "CandidatePool", "Consortium", "Member", "complete", "propose"]

OBJECTIVE_WEIGHTS: dict[str, float] = {
    "fit": 0.55, "types": 0.15, "countries": 0.15, "history": 0.15}
_FIXABLE = frozenset({"min_organisations", "min_countries", "field"})
_NO_FILTERS = Filters()


class Scorer(Protocol):
    """What the builder needs of a ranker (:class:`matcher.ranking.ranker.Ranker` is one)."""

    @property
    def registry_(self) -> Registry: ...

    def rank(self, query: Query, n: int = 10, filters: Filters = ..., *,
             explain: bool = ...) -> list[Match]: ...

    def why_many(self, query: Query, rows: Sequence[int]) -> list[tuple[str, ...]]: ...


@dataclass(frozen=True, slots=True)
class Member:
    """One organisation of a consortium; ``added`` when the builder chose it."""

    org: OrgProfile
    added: bool
    why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Consortium:
    """An eligible consortium: members (given ones first), its score and the reasons."""

    rank: int
    score: float
    action: str
    call_year: int
    members: tuple[Member, ...]
    why: tuple[str, ...]
    eligible: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank, "score": round(self.score, 4), "eligible": self.eligible,
            "members": [{"id": m.org.id, "pic": m.org.pic, "name": m.org.display_name,
                         "country": m.org.country, "type": m.org.category, "added": m.added}
                        for m in self.members],
            "why": list(self.why),
        }


class CandidatePool:
    """Given members and candidates as arrays: categories, countries, fit, co-participation."""

    def __init__(self, rulebook: RuleBook, action: str, call_year: int,
                 given: Sequence[OrgProfile], matches: Sequence[Match],
                 registry: Registry) -> None:
        self.given = tuple(given)
        self.matches = tuple(matches)
        self.orgs = tuple(m.org for m in matches)
        self.fit = np.array([m.score for m in matches], dtype=np.float64)
        everyone = self.given + self.orgs
        cats = sorted({o.category for o in everyone})
        self.n_categories = len(cats)
        cat_ix = {c: i for i, c in enumerate(cats)}
        counting = rulebook.countries_that_count(action, call_year)
        ctry = sorted({rulebook.country_of(o) for o in everyone} & counting)
        self.n_countries = max(len(ctry), 1)  # one unused column when none counts
        ctry_ix = {c: i for i, c in enumerate(ctry)}
        self.cat_g = np.array([cat_ix[o.category] for o in self.given], dtype=np.int64)
        self.cat_p = np.array([cat_ix[o.category] for o in self.orgs], dtype=np.int64)
        self.ctry_g = np.array([ctry_ix.get(rulebook.country_of(o), -1) for o in self.given],
                               dtype=np.int64)
        self.ctry_p = np.array([ctry_ix.get(rulebook.country_of(o), -1) for o in self.orgs],
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

    def objective(self, added: Sequence[int]) -> float:
        """The objective of the given members plus pool entries ``added`` (not incremental)."""
        idx = np.asarray(added, dtype=np.int64)
        m = len(self.given) + idx.size
        if m < 2 or not idx.size:
            return 0.0
        cats = np.union1d(self.cat_g, self.cat_p[idx]).size
        ctry = np.union1d(self.ctry_g, self.ctry_p[idx])
        n_ctry = int((ctry >= 0).sum())
        pairs = (int(np.triu(self.co_gg, 1).sum()) + int(self.co_gp[:, idx].sum())
                 + int(np.triu(self.co_pp[np.ix_(idx, idx)], 1).sum()))
        return float(_combine(float(self.fit[idx].mean()), cats, n_ctry, pairs, m))


def _combine(fit: Any, cats: Any, countries: Any, pairs: Any, m: int) -> Any:
    w = OBJECTIVE_WEIGHTS
    return (w["fit"] * fit + w["types"] * (cats - 1) / (m - 1)
            + w["countries"] * np.maximum(countries - 1, 0) / (m - 1)
            + w["history"] * pairs / (m * (m - 1) / 2))


@dataclass
class _Beam:
    chosen: np.ndarray  # (B, k) pool indices
    inset: np.ndarray  # (B, P) bool
    sumfit: np.ndarray  # (B,)
    cats: np.ndarray  # (B, n_categories) bool
    ctrs: np.ndarray  # (B, n_countries) bool
    pairs: np.ndarray  # (B,) pairs that worked together
    links: np.ndarray  # (B, P) members each candidate worked with
    nonhei: np.ndarray  # (B,) some member is not an HEI

    def take(self, pool: CandidatePool, b: np.ndarray, j: np.ndarray) -> _Beam:
        ar = np.arange(b.size)
        inset = self.inset[b].copy()
        inset[ar, j] = True
        cats = self.cats[b].copy()
        cats[ar, pool.cat_p[j]] = True
        ctrs = self.ctrs[b].copy()
        has = pool.ctry_p[j] >= 0
        ctrs[ar[has], pool.ctry_p[j][has]] = True
        return _Beam(np.column_stack([self.chosen[b], j]), inset, self.sumfit[b] + pool.fit[j],
                     cats, ctrs, self.pairs[b] + self.links[b, j],
                     self.links[b] + pool.co_pp[j], self.nonhei[b] | ~pool.hei_p[j])


def search(pool: CandidatePool, *, lo: int, hi: int, min_countries: int, need_non_hei: bool,
           beam: int = 64, finalists: int = 400) -> list[tuple[float, tuple[int, ...]]]:
    """(score, sorted pool indices) of eligible extensions with ``lo..hi`` members, best first."""
    g, p = len(pool.given), pool.size
    cats0 = np.zeros((1, pool.n_categories), dtype=bool)
    cats0[0, pool.cat_g] = True
    ctrs0 = np.zeros((1, pool.n_countries), dtype=bool)
    ctrs0[0, pool.ctry_g[pool.ctry_g >= 0]] = True
    state = _Beam(np.zeros((1, 0), dtype=np.int64), np.zeros((1, p), dtype=bool),
                  np.zeros(1), cats0, ctrs0,
                  np.array([int(np.triu(pool.co_gg, 1).sum())]),
                  pool.co_gp.sum(axis=0, dtype=np.int64)[None, :],
                  np.array([not need_non_hei or bool((~pool.hei_g).any())]))
    found: dict[tuple[int, ...], float] = {}
    for k in range(1, hi - g + 1):
        m = g + k
        fit = (state.sumfit[:, None] + pool.fit[None, :]) / k
        ncat = state.cats.sum(axis=1)[:, None] + ~state.cats[:, pool.cat_p]
        new_c = (pool.ctry_p >= 0)[None, :] & ~state.ctrs[:, np.maximum(pool.ctry_p, 0)]
        nctr = state.ctrs.sum(axis=1)[:, None] + new_c
        obj = _combine(fit, ncat, nctr, state.pairs[:, None] + state.links, m)
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
        state = state.take(pool, np.array(picked_b), np.array(picked_j))
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


def _diverse(ranked: list[tuple[float, tuple[int, ...]]], n: int) -> list[tuple[float,
                                                                               tuple[int, ...]]]:
    kept: list[tuple[float, tuple[int, ...]]] = []
    for score, key in ranked:
        if all(_distance(key, k) >= min(2, max(len(key), len(k))) for _, k in kept):
            kept.append((score, key))
            if len(kept) == n:
                break
    return kept


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Members to swap in or add to turn one set of added members into the other."""
    return max(len(set(a) - set(b)), len(set(b) - set(a)))


def _parse_size(size: tuple[int, int] | None, min_orgs: int, n_given: int) -> tuple[int, int]:
    lo_default = max(min_orgs, n_given + 1)
    lo, hi = size if size is not None else (lo_default, lo_default + 1)
    if lo > hi:
        raise QueryError(f"size {lo}..{hi}: the minimum is above the maximum")
    return max(lo, n_given + 1, min_orgs), hi


def complete(ranker: Scorer, rulebook: RuleBook, *, action: str,
             members: Sequence[OrgProfile], size: tuple[int, int] | None = None, n: int = 5,
             text: str = "", themes: Sequence[str] = (), filters: Filters = _NO_FILTERS,
             call_year: int | None = None, coordinator: OrgProfile | None = None,
             pool: int = 200, beam: int = 64) -> list[Consortium]:
    """The ``n`` best eligible consortia that contain ``members``, best first.

    ``size`` is (min, max) organisations in the whole consortium; default: the action's
    minimum (or one more than the members given) and one more. ``ConstraintError`` when the
    request cannot be met, naming the constraint.
    """
    rules = rulebook.action(action)
    year = rulebook.call_year(action, call_year)
    given = list({m.id: m for m in members}.values())
    if not given:
        raise QueryError("give at least one member organisation")
    if n < 1:
        raise QueryError(f"n={n}: ask for at least 1 consortium")
    if size is not None and size[1] < rules.min_organisations:
        raise ConstraintError(
            f"size {size[0]}..{size[1]} is below {rules.code}'s minimum of "
            f"{rules.min_organisations} organisations; ask for --size "
            f"{rules.min_organisations}..{max(size[1], rules.min_organisations)} or more")
    lo, hi = _parse_size(size, rules.min_organisations, len(given))
    if hi <= len(given):
        raise ConstraintError(f"size {lo}..{hi}: the {len(given)} given members already fill "
                              f"the consortium; ask for a larger --size")
    bad = [v for v in rulebook.check(action, given, coordinator=coordinator, call_year=year)
           if v.rule not in _FIXABLE and not (v.rule == "coordinator" and coordinator is None)]
    if bad:
        raise ConstraintError(
            f"the given members cannot be part of an eligible {rules.code} consortium: "
            + " ".join(v.message for v in bad))
    registry = ranker.registry_
    counting = rulebook.countries_that_count(action, year)
    exclude_countries = set(filters.exclude_countries)
    if rules.other_countries != "partner":
        known = set(registry.countries) or {o.country for o in registry.orgs}
        exclude_countries |= {c for c in known if rulebook.region_of(c) not in counting}
    blocked = _inadmissible(rulebook, action, year, registry)
    query_filters = Filters(
        countries=filters.countries, exclude_countries=frozenset(exclude_countries),
        categories=filters.categories, eche_only=filters.eche_only,
        exclude_ids=filters.exclude_ids | blocked)
    query = Query(org_ids=tuple(o.id for o in given), text=text, themes=tuple(themes))
    matches = [m for m in ranker.rank(query, n=pool, filters=query_filters, explain=False)
               if rulebook.admissible(action, m.org, year) and filters.allows(m.org)]
    cands = CandidatePool(rulebook, action, year, given, matches, registry)
    need_non_hei = not rules.higher_education_only_allowed
    found = search(cands, lo=lo, hi=hi, min_countries=rules.min_countries,
                   need_non_hei=need_non_hei, beam=beam)
    if not found:
        raise ConstraintError(_why_impossible(rulebook, action, year, given, matches, lo, hi))
    picked = _diverse(found, n)
    # explanations only for the members shown (the pool was ranked without them)
    used = sorted({i for _, key in picked for i in key})
    whys = dict(zip(used, ranker.why_many(query, [registry.row_of[cands.orgs[i].id]
                                                  for i in used]), strict=True))
    cands.matches = tuple(replace(m, why=whys[i]) if i in whys else m
                          for i, m in enumerate(cands.matches))
    out: list[Consortium] = []
    for score, key in picked:
        added = sorted(key, key=lambda i: (-cands.fit[i], cands.orgs[i].id))
        orgs = given + [cands.orgs[i] for i in added]
        if rulebook.check(action, orgs, coordinator=coordinator, call_year=year):
            continue  # cannot happen by construction; never return an ineligible one
        out.append(Consortium(
            rank=len(out) + 1, score=score, action=rules.code, call_year=year,
            members=tuple([Member(o, False) for o in given]
                          + [Member(cands.orgs[i], True, cands.matches[i].why) for i in added]),
            why=_explain(rulebook, action, year, cands, given, added)))
    return out


def propose(ranker: Scorer, rulebook: RuleBook, *, action: str, lead: OrgProfile,
            size: tuple[int, int] | None = None, n: int = 5, text: str = "",
            themes: Sequence[str] = (), filters: Filters = _NO_FILTERS,
            call_year: int | None = None, pool: int = 200,
            beam: int = 64) -> list[Consortium]:
    """Whole consortia around ``lead`` (the coordinator) for a project on ``text``/``themes``."""
    if not text.strip() and not themes:
        raise QueryError("propose needs what the project is about: give --text or --theme")
    return complete(ranker, rulebook, action=action, members=[lead], size=size, n=n,
                    text=text, themes=themes, filters=filters, call_year=call_year,
                    coordinator=lead, pool=pool, beam=beam)


_INADMISSIBLE: dict[tuple[int, str, int], tuple[Registry, frozenset[int]]] = {}


def _inadmissible(rulebook: RuleBook, action: str, year: int,
                  registry: Registry) -> frozenset[int]:
    """Ids of HEIs without ECHE in countries that count (cached per registry and action).

    The cache keeps the registry itself, so that an id() reused by a new registry never
    hits a stale entry."""
    key = (id(registry), action, year)
    cached = _INADMISSIBLE.get(key)
    if cached is None or cached[0] is not registry:
        rules = rulebook.action(action)
        if len(_INADMISSIBLE) > 16:
            _INADMISSIBLE.clear()
        counting = rulebook.countries_that_count(action, year)
        blocked = frozenset(
            o.id for o in registry.orgs
            if o.category == HIGHER_EDUCATION and not o.eche
            and rulebook.country_of(o) in counting) if rules.eche_required and rules.eche_checked \
            else frozenset()
        cached = _INADMISSIBLE[key] = (registry, blocked)
    return cached[1]


def _why_impossible(rulebook: RuleBook, action: str, year: int, given: Sequence[OrgProfile],
                    matches: Sequence[Match], lo: int, hi: int) -> str:
    rules = rulebook.action(action)
    counting = rulebook.countries_that_count(action, year)
    have = sorted({rulebook.country_of(o) for o in given} & counting)
    more = sorted({rulebook.country_of(m.org) for m in matches} & counting - set(have))
    if len(have) + min(len(more), hi - len(given)) < rules.min_countries:
        return (f"{rules.code} needs organisations from at least {rules.min_countries} different "
                f"{rules.counting_label}; the given members cover {len(have)} "
                f"({', '.join(have) or 'none'}) and the {len(matches)} eligible candidates left "
                f"after the filters add {len(more)} ({', '.join(more) or 'none'}) within "
                f"{hi} members: relax --country/--exclude-country/--type or allow a larger "
                f"--size")
    if len(matches) < lo - len(given):
        return (f"only {len(matches)} eligible candidates are left after the filters, "
                f"{lo - len(given)} are needed: relax the filters")
    return (f"no {rules.code} consortium of {lo}..{hi} members meets the rules with the "
            f"{len(matches)} eligible candidates left after the filters (e.g. {rules.code} "
            f"needs a member that is not a higher-education institution): relax the filters")


def _explain(rulebook: RuleBook, action: str, year: int, pool: CandidatePool,
             given: Sequence[OrgProfile], added: Sequence[int]) -> tuple[str, ...]:
    rules = rulebook.action(action)
    counting = rulebook.countries_that_count(action, year)
    orgs = list(given) + [pool.orgs[i] for i in added]
    out = []
    for i in added:
        org, reasons = pool.orgs[i], pool.matches[i].why
        out.append(f"adds {org.display_name} ({org.country}, {org.category})"
                   + (f": {reasons[0]}" if reasons else ""))
    inside = sorted({rulebook.country_of(o) for o in orgs} & counting)
    out.append(f"{len(inside)} {rules.counting_label} ({', '.join(inside)}); "
               f"{rules.code} needs {rules.min_countries}")
    partners = sorted({o.country for o in orgs if rulebook.country_of(o) not in counting})
    if partners:
        out.append(f"partners from other countries: {', '.join(partners)}")
    cats = sorted({o.category for o in orgs})
    out.append(f"{len(cats)} organisation types: {', '.join(cats)}")
    idx = np.asarray(added, dtype=np.int64)
    pairs = (int(np.triu(pool.co_gg, 1).sum()) + int(pool.co_gp[:, idx].sum())
             + int(np.triu(pool.co_pp[np.ix_(idx, idx)], 1).sum()))
    m = len(orgs)
    if pairs:
        out.append(f"{pairs} of {m * (m - 1) // 2} member pairs have worked together before")
    return tuple(out)



def __getattr__(name: str) -> Any:
    """``complete_request`` / ``propose_request`` live in :mod:`matcher.consortium.requests`
    (user-string front ends); re-exported lazily here for callers of the contract's module."""
    if name in ("complete_request", "propose_request"):
        from matcher.consortium import requests as consortium_request

        return getattr(consortium_request, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
