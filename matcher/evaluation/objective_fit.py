"""Learning the consortium objective from real consortia, inside the training years only.

For a registry cut at ``until_year``, the consortia of each of the last ``label_years`` years
``L`` up to ``until_year`` are completion queries
(:func:`~matcher.evaluation.consortia.complete_split` with ``train_until = L - 1``): the
ranker (given weights, fitted on the projects up to ``L - 1``) ranks each query's candidates
once (:func:`matcher.consortium.builder.prepare`, the builder's own step
1), and the objective's weights are chosen by what the builder then returns
(:func:`matcher.consortium.builder.search`, its step 2): the weights that maximise the
queries' mean ``precision_at_1 + best_of_5_recall``.

The search keeps the weights on the simplex (non-negative, summing to 1), so every score
stays in [0, 1]: coordinate ascent that moves a share of one term's weight to another
(steps of :data:`STEPS`), from the hand-set weights, until no move improves the training
figure (at most :data:`ROUNDS` rounds); a move that makes the alternatives less varied
(fewer distinct added organisations over the 5 than the hand-set weights) is refused. Then
the ``reuse`` penalty (:class:`~matcher.consortium.objective.Objective`) is chosen among
:data:`REUSES` the same way. The training figure is measured on every query; a
held-out part (``holdout``, whole queries, seeded) is reported for the chosen and the
hand-set weights, not used to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.consortium.builder import Request, prepare, search
from matcher.consortium.objective import HAND_SET, TERMS, Objective
from matcher.errors import ConstraintError
from matcher.evaluation.completers import POOL
from matcher.evaluation.consortia import (
    N_CONSORTIA,
    CompleteMetrics,
    complete_split,
    evaluation_call,
    query_metrics,
    summarise,
)
from matcher.evaluation.harness import training_registry
from matcher.ranking.ranker import Ranker
from matcher.ranking.weights import Weights
from matcher.registry.snapshot import Registry

__all__ = ["REUSES", "ROUNDS", "STEPS", "LearnedObjective", "learn_objective"]

STEPS = (0.2, 0.1, 0.05)
#: The penalties on members that better alternatives use, tried once the weights are set.
REUSES = (0.05, 0.1, 0.2, 0.3, 0.5)
#: Fewer consortia than this in the label year: the hand-set weights are kept (and said so).
MIN_QUERIES = 8
ROUNDS = 4


@dataclass(frozen=True)
class LearnedObjective:
    objective: Objective
    features_until: int
    label_year: int
    queries: int
    training: dict[str, float]
    params: dict[str, object] = field(default_factory=dict)
    validation: dict[str, object] = field(default_factory=dict)
    label_years: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "model": "score = sum of weight * term (terms in [0, 1], weights >= 0 summing to "
                     "1; see matcher/consortium/pool.py)",
            "weights": {t: round(w, 6) for t, w in self.objective.weights},
            "reuse": self.objective.reuse,
            "training": {"method": "coordinate ascent on the simplex of the mean "
                                   "precision_at_1 + best_of_5_recall of the builder's "
                                   "consortia, from the hand-set weights, keeping their "
                                   "distinct_additions at least the hand-set's; then the "
                                   "reuse penalty by grid",
                         "labels_from_consortia_of": list(self.label_years),
                         "features_from_projects_until": "the year before each label year",
                         "queries": self.queries, "figures": self.training, **self.params},
            "validation": self.validation,
        }


def _requests(ranker: Ranker, train: Registry, split_queries: Sequence[object],
              ) -> list[tuple[Request, tuple[int, ...]]]:
    from matcher.evaluation.consortia import CompleteQuery

    out = []
    for q in split_queries:
        assert isinstance(q, CompleteQuery)
        given = [train.orgs[r] for r in q.given]
        try:
            request = prepare(ranker, evaluation_call(train, q.year), members=given,
                              size=(q.size, q.size), text=q.text, themes=q.themes,
                              coordinator=given[0], pool=POOL)
        except ConstraintError:
            continue
        out.append((request, tuple(train.orgs[r].id for r in q.hidden)))
    return out


def measure(requests: Sequence[tuple[Request, tuple[int, ...]]], objective: Objective
            ) -> CompleteMetrics:
    """The builder's figures on prepared requests with ``objective``."""
    per_query = []
    for request, hidden in requests:
        picked = search(request, n=N_CONSORTIA, objective=objective)
        orgs = request.pool.orgs
        per_query.append(query_metrics([[orgs[i].id for i in key] for _, key in picked],
                                       hidden))
    return summarise(per_query)


def _value(m: CompleteMetrics) -> float:
    return m.precision_at_1 + m.best_of_5_recall


def _moved(w: dict[str, float], a: str, b: str, step: float) -> dict[str, float] | None:
    """``w`` with ``step`` of ``a``'s weight moved to ``b``; None when ``a`` has less."""
    if a == b or w[a] < step - 1e-9:
        return None
    out = dict(w)
    out[a] = round(max(out[a] - step, 0.0), 6)
    out[b] = round(out[b] + step, 6)
    return out


def label_requests(registry: Registry, label_year: int, weights: Weights, *, seed: int = 0,
                   max_queries: int | None = None) -> list[tuple[Request, tuple[int, ...]]]:
    """The completion queries of the consortia of ``label_year``, prepared by the builder
    with a ranker fitted on the projects up to the year before; with their hidden ids."""
    inner = training_registry(registry, label_year)
    if not inner.n_orgs or not (inner.project_years < label_year).any():
        return []
    data = complete_split(inner, train_until=label_year - 1, test_from=label_year,
                          test_to=label_year, seed=seed, max_queries=max_queries)
    if not data.queries:
        return []
    ranker = Ranker(weights=weights).fit(data.train)
    return _requests(ranker, data.train, data.queries)


def learn_objective(registry: Registry, *, until_year: int, weights: Weights, seed: int = 0,
                    label_years: int = 2, max_queries: int | None = 400,
                    holdout: float = 0.25, rounds: int = ROUNDS,
                    steps: tuple[float, ...] = STEPS, reuses: tuple[float, ...] = REUSES,
                    say: Callable[[str], None] | None = None) -> LearnedObjective:
    """Learn the objective on the consortia of the last ``label_years`` years up to
    ``until_year``, each with features up to the year before (see the module docstring)."""
    tell = say or (lambda _line: None)
    years = list(range(until_year - label_years + 1, until_year + 1))
    requests: list[tuple[Request, tuple[int, ...]]] = []
    for year in years:
        found = label_requests(registry, year, weights, seed=seed, max_queries=max_queries)
        tell(f"objective: {len(found)} consortia of {year}")
        requests += found
    if len(requests) < MIN_QUERIES:
        tell(f"objective: only {len(requests)} consortia to learn from; the hand-set weights "
             "are kept")
        return LearnedObjective(HAND_SET, until_year - 1, until_year, len(requests), {},
                                {"kept": "hand-set: too few consortia to learn from"}, {},
                                tuple(years))
    order = np.random.default_rng(seed).permutation(len(requests))
    cut = round(len(requests) * (1 - holdout))
    fit_on = [requests[i] for i in sorted(order[:cut].tolist())]
    held = [requests[i] for i in sorted(order[cut:].tolist())]
    tell(f"objective: {len(fit_on)} consortia to learn from, {len(held)} held out")
    hand = measure(fit_on, HAND_SET)
    floor = hand.distinct_additions  # the alternatives must stay as varied as before

    def value(objective: Objective) -> float:
        m = measure(fit_on, objective)
        return _value(m) if m.distinct_additions >= floor - 1e-9 else -1.0

    best_w, best = dict(HAND_SET.weights), _value(hand)
    for _ in range(rounds):
        improved = False
        for step in steps:
            for a in TERMS:
                for b in TERMS:
                    trial = _moved(best_w, a, b, step)
                    if trial is None:
                        continue
                    v = value(Objective.from_mapping(trial))
                    if v > best + 1e-9:
                        best, best_w, improved = v, trial, True
        tell(f"objective: precision_at_1 + best_of_5_recall {best:.4f} (hand-set "
             f"{_value(hand):.4f})")
        if not improved:
            break
    best_reuse = 0.0
    for reuse in reuses:
        v = value(Objective.from_mapping(best_w, reuse=reuse))
        if v > best + 1e-9:
            best, best_reuse = v, reuse
    tell(f"objective: reuse {best_reuse:g}: precision_at_1 + best_of_5_recall {best:.4f}")
    learned = Objective.from_mapping(best_w, source="learned", reuse=best_reuse)
    figures = {"hand_set": round(_value(hand), 4), "learned": round(best, 4),
               "hand_set_distinct_additions": round(floor, 4)}
    validation: dict[str, object] = {}
    if held:
        validation = {"held_out_consortia": len(held),
                      "matcher": measure(held, learned).to_json(),
                      "hand_set": measure(held, HAND_SET).to_json()}
    return LearnedObjective(learned, until_year - 1, until_year, len(fit_on), figures,
                            {"pool": POOL, "steps": list(steps), "rounds": rounds,
                             "reuses_tried": [0.0, *reuses], "seed": seed,
                             "max_queries_per_year": max_queries}, validation, tuple(years))
