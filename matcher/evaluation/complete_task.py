"""``matcher evaluate --task complete`` as one library call: split, fit, measure.

Everything the methods know comes from the training registry of the split: the ranker's
weights are learned with :func:`~matcher.evaluation.training.learn_weights` inside the
training years (label year ``train_until``, features up to the year before), the ranker is
fitted on the training registry, and the objective is learned the same way
(:func:`~matcher.evaluation.objective_fit.learn_objective`). The methods, in report order:

``matcher``             the builder with the learned objective
``hand_set``            the builder with :data:`~matcher.consortium.objective.HAND_SET`
``greedy``              the ranker's candidates, greedily (:mod:`~matcher.evaluation.completers`)
``adamic_adar_greedy``  Adamic-Adar scores, greedily
``random_eligible``     random candidates, greedily
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matcher.consortium.objective import HAND_SET, Objective
from matcher.evaluation.completers import BuilderCompleter, GreedyCompleter
from matcher.evaluation.consortia import (
    Completer,
    CompleteResult,
    complete_split,
    evaluate_complete,
)
from matcher.evaluation.training import learn_weights
from matcher.ranking.ranker import Ranker
from matcher.ranking.weights import Weights
from matcher.registry.snapshot import Registry

__all__ = ["METHODS", "complete_task"]

METHODS = ("matcher", "hand_set", "greedy", "adamic_adar_greedy", "random_eligible")


def complete_task(registry: Registry, *, train_until: int, test_from: int,
                  test_to: int | None = None, seed: int = 0, max_queries: int | None = None,
                  weights: Weights | None = None, objective: Objective | None = None,
                  learn: dict[str, Any] | None = None,
                  say: Callable[[str], None] | None = None,
                  progress: Callable[[int], None] | None = None) -> CompleteResult:
    """Measure every method of :data:`METHODS` on the complete task of one split.

    ``weights`` / ``objective``: use these instead of learning them (tests, experiments);
    ``learn``: options of :func:`~matcher.evaluation.objective_fit.learn_objective`.
    ``say`` gets a line per step, ``progress`` 1 per query answered by a method.
    """
    from matcher.evaluation.objective_fit import learn_objective

    tell = say or (lambda _line: None)
    data = complete_split(registry, train_until=train_until, test_from=test_from,
                          test_to=test_to, seed=seed, max_queries=max_queries)
    tell(f"{len(data.queries):,} complete queries (of {data.test_projects:,} qualifying test "
         f"consortia) over {data.train.n_orgs:,} training organisations")
    extra: dict[str, object] = {}
    if weights is None:
        tell("learning the ranker's weights inside the training years")
        learned_weights = learn_weights(data.train, until_year=train_until, seed=seed)
        weights = learned_weights.as_weights()
        extra["ranker_weights_training"] = learned_weights.to_json()["training"]
    if objective is None:
        tell("learning the objective inside the training years")
        learned = learn_objective(data.train, until_year=train_until, weights=weights,
                                  seed=seed, say=tell, **(learn or {}))
        objective = learned.objective
        extra["matcher_objective"] = learned.to_json()
    else:
        extra["matcher_objective"] = objective.to_json()
    tell("fitting the ranker on the training registry")
    ranker = Ranker(weights=weights).fit(data.train)
    methods: dict[str, Completer] = {
        "matcher": BuilderCompleter(ranker, objective),
        "hand_set": BuilderCompleter(ranker, HAND_SET),
        "greedy": GreedyCompleter("ranker", ranker=ranker, seed=seed),
        "adamic_adar_greedy": GreedyCompleter("adamic_adar", seed=seed),
        "random_eligible": GreedyCompleter("random", seed=seed),
    }
    result = evaluate_complete(data, methods, progress=progress)
    return CompleteResult(result.queries, result.test_projects, result.models,
                          {**result.extra, **extra})
