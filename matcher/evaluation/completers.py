"""The methods the ``complete`` task compares (:class:`~matcher.evaluation.consortia.Completer`).

- :class:`BuilderCompleter`: the tool itself, :func:`matcher.consortium.builder.complete`
  with a ranker fitted on the training registry and an objective (learned or hand-set);
- :class:`GreedyCompleter`: candidates in the order of a score, each taken unless it would
  leave the consortium unable to meet the rule; the next alternative skips the first pick of
  every previous one. The order comes from
  ``"ranker"`` (the ranker's candidates for the same query, in rank order),
  ``"adamic_adar"`` (Adamic-Adar scores from the given members on the co-participation
  graph, ties broken by a seeded permutation) or ``"random"`` (a seeded random order).

Every method draws from :data:`POOL` candidates, as the builder does.

>>> from matcher.registry.snapshot import OrgProfile
>>> orgs = [OrgProfile(i, None, None, None, f"Org {i}", c, None, "company", None, False)
...         for i, c in enumerate(["FI", "FI", "FI", "DE", "FI", "ES"])]
>>> greedy_alternatives(orgs, [0, 1], [2, 3, 4, 5], size=4, min_countries=3, n=2)
[(3, 5)]
>>> greedy_alternatives(orgs, [0, 3], [2, 4, 5, 1], size=4, min_countries=3, n=3)
[(2, 5), (4, 5), (5, 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from matcher.consortium.builder import complete
from matcher.consortium.objective import Objective
from matcher.errors import ConstraintError
from matcher.evaluation.consortia import N_CONSORTIA, CompleteQuery, evaluation_call
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.ranker import Ranker
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.values import Query

__all__ = ["ORDERS", "POOL", "BuilderCompleter", "GreedyCompleter", "greedy_alternatives"]

POOL = 200
ORDERS = ("ranker", "adamic_adar", "random")


def _query(train: Registry, q: CompleteQuery) -> Query:
    return Query(org_ids=tuple(train.orgs[r].id for r in q.given), text=q.text,
                 themes=q.themes)


def _check_fitted_on(ranker: Ranker, train: Registry) -> None:
    if ranker.registry_ is not train:
        raise ValueError("the ranker must be fitted on the split's training registry")


class BuilderCompleter:
    """``matcher complete`` as the evaluation runs it: the given members, the idea as text
    and themes, the coordinator as coordinator, the real size (capped)."""

    def __init__(self, ranker: Ranker, objective: Objective | None = None) -> None:
        self.ranker = ranker
        self.objective = objective

    def fit(self, train: Registry) -> BuilderCompleter:
        _check_fitted_on(self.ranker, train)
        self.train_ = train
        return self

    def consortia(self, query: CompleteQuery) -> list[tuple[int, ...]]:
        train = self.train_
        given = [train.orgs[r] for r in query.given]
        try:
            found = complete(self.ranker, evaluation_call(train, query.year), members=given,
                             size=(query.size, query.size), n=N_CONSORTIA, text=query.text,
                             themes=query.themes, coordinator=given[0], pool=POOL,
                             objective=self.objective)
        except ConstraintError:
            return []
        return [tuple(train.row_of[m.org.id] for m in c.members if m.added) for c in found]


class GreedyCompleter:
    """Greedy consortia on one candidate order (:data:`ORDERS`)."""

    def __init__(self, order: str, *, ranker: Ranker | None = None, seed: int = 0) -> None:
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}; valid: {', '.join(ORDERS)}")
        if order == "ranker" and ranker is None:
            raise ValueError("the ranker order needs a fitted ranker")
        self.order = order
        self.ranker = ranker
        self.seed = seed

    def fit(self, train: Registry) -> GreedyCompleter:
        self.train_ = train
        self.rng_ = np.random.default_rng(self.seed)
        self.tiebreak_ = self.rng_.permutation(train.n_orgs)
        if self.order == "ranker":
            assert self.ranker is not None
            _check_fitted_on(self.ranker, train)
        if self.order == "adamic_adar":
            self.graph_ = CollaborationGraph.from_registry(train)
        return self

    def candidates(self, query: CompleteQuery) -> list[int]:
        """Up to :data:`POOL` training rows, best first, never a given member."""
        train, given = self.train_, np.array(query.given, dtype=np.int64)
        if self.order == "ranker":
            assert self.ranker is not None
            matches = self.ranker.rank(_query(train, query), n=POOL, explain=False)
            return [train.row_of[m.org.id] for m in matches]
        if self.order == "adamic_adar":
            score = self.graph_.features_many([given], names=("adamic_adar",))["adamic_adar"][0]
            order = np.lexsort((self.tiebreak_, -np.asarray(score, dtype=np.float64)))
        else:
            order = self.rng_.permutation(train.n_orgs)
        rows: list[int] = order[~np.isin(order, given)][:POOL].tolist()
        return rows

    def consortia(self, query: CompleteQuery) -> list[tuple[int, ...]]:
        call = evaluation_call(self.train_, query.year)
        return greedy_alternatives(self.train_.orgs, query.given, self.candidates(query),
                                   size=query.size, min_countries=call.rules.min_countries,
                                   country_of=call.country_of)


def greedy_alternatives(orgs: Sequence[OrgProfile], given: Sequence[int],
                        candidates: Sequence[int], *, size: int, min_countries: int,
                        n: int = N_CONSORTIA,
                        country_of: Callable[[OrgProfile], str] | None = None,
                        ) -> list[tuple[int, ...]]:
    """Up to ``n`` greedy consortia (added rows in pick order): each takes ``candidates`` in
    order, skipping one that would leave too few slots or candidates for the missing
    countries; each alternative also skips the first pick of every previous one."""
    country = {r: orgs[r].country if country_of is None else country_of(orgs[r])
               for r in (*given, *candidates)}
    skipped: set[int] = set()
    out: list[tuple[int, ...]] = []
    for _ in range(n):
        picks = _greedy(country, given, [r for r in candidates if r not in skipped], size,
                        min_countries)
        if picks is None:
            break
        out.append(picks)
        skipped.add(picks[0])
    return out


def _greedy(country: dict[int, str], given: Sequence[int], candidates: Sequence[int],
            size: int, min_countries: int) -> tuple[int, ...] | None:
    have = {country[r] for r in given}
    picks: list[int] = []
    wanted = size - len(given)
    for i, r in enumerate(candidates):
        if len(picks) == wanted:
            break
        if r in given:
            continue
        after = have | {country[r]}
        need = min_countries - len(after)
        slots = wanted - len(picks) - 1
        if need > 0 and (need > slots or not _has_new(country, candidates[i + 1:], after,
                                                      need)):
            continue
        picks.append(r)
        have = after
    if len(picks) < wanted or len(have) < min_countries:
        return None
    return tuple(picks)


def _has_new(country: dict[int, str], rest: Sequence[int], have: set[str], need: int) -> bool:
    """Whether ``rest`` holds organisations of at least ``need`` countries not in ``have``."""
    new: set[str] = set()
    for r in rest:
        c = country[r]
        if c not in have:
            new.add(c)
            if len(new) >= need:
                return True
    return False
