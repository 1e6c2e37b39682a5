"""One evaluation run as one library call: a task on a registry, measured, as rows and JSON.

:func:`evaluate_task` does what ``matcher evaluate`` does once the history files are loaded:
it splits the registry at the training years, measures the matcher and every baseline of the
task (``partner``, ``idea``) or every completer (``complete``), and returns an
:class:`EvaluationReport`: one row per model, the JSON report, and the hyper-parameters the
tuned peers chose on the training years. The command line only loads the files and prints.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from matcher.registry.snapshot import Registry

__all__ = ["COLUMNS", "COMPLETE_COLUMNS", "EvaluationReport", "evaluate_task"]

COLUMNS = ("model", "recall@k", "hit@k", "mrr", "ndcg@k", "queries")
COMPLETE_COLUMNS = ("model", "precision@1", "best_of_5_recall", "any_hit@5",
                    "distinct_additions", "queries")

#: Opened with the number of steps to come; yields what to call with 1 after each step.
Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def _no_progress(total: int) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """What one evaluation measured: a row per model (``columns`` name its fields), the
    JSON report, and per tuned peer what it chose (``chosen``) and on which year."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    payload: dict[str, Any]
    tuned: dict[str, dict[str, Any]] = field(default_factory=dict)


def evaluate_task(registry: Registry, task: str, *, train_until: int, test_from: int,
                  test_to: int | None = None, k: int = 10, seed: int = 0,
                  max_queries: int | None = None, say: Callable[[str], None] | None = None,
                  progress: Progress = _no_progress) -> EvaluationReport:
    """Measure ``task`` (``partner``, ``idea`` or ``complete``) on ``registry``.

    ``say`` gets the one-line notes of the run (how many queries); ``progress(total)`` is
    opened once the number of queries is known.
    """
    if task == "complete":
        return _complete(registry, train_until=train_until, test_from=test_from,
                         test_to=test_to, seed=seed, max_queries=max_queries, say=say,
                         progress=progress)
    from matcher.evaluation.baselines import baselines
    from matcher.evaluation.harness import evaluate, idea_split, partner_split
    from matcher.evaluation.training import RankerScorer

    split = idea_split if task == "idea" else partner_split
    data = split(registry, train_until=train_until, test_from=test_from, test_to=test_to)
    if say is not None:
        say(f"{len(data.queries):,} {task} queries from {data.test_projects:,} test "
            f"consortia over {data.train.n_orgs:,} training organisations")
    scorers: dict[str, Any] = {"matcher": None}
    scorers.update(baselines(task, seed=seed))
    with progress(len(data.queries) * len(scorers)) as update:
        scorers["matcher"] = RankerScorer(task=task, seed=seed)
        result = evaluate(data, scorers, k=k, seed=seed, progress=update)
    rows = [{"model": name, "recall@k": m.recall, "hit@k": m.hit, "mrr": m.mrr,
             "ndcg@k": m.ndcg, "queries": result.queries}
            for name, m in result.models.items()]
    payload = result.to_json()
    payload["matcher_weights"] = scorers["matcher"].learned_.to_json()
    tuned = {name: s.report_ for name, s in scorers.items() if hasattr(s, "report_")}
    if tuned:
        payload["tuned_on_training_years"] = tuned
    return EvaluationReport(COLUMNS, rows, payload, tuned)


def _complete(registry: Registry, *, train_until: int, test_from: int, test_to: int | None,
              seed: int, max_queries: int | None, say: Callable[[str], None] | None,
              progress: Progress) -> EvaluationReport:
    from matcher.evaluation.complete_task import METHODS, complete_task
    from matcher.evaluation.consortia import complete_split

    n = len(complete_split(registry, train_until=train_until, test_from=test_from,
                           test_to=test_to, seed=seed, max_queries=max_queries).queries)
    with progress(n * len(METHODS)) as update:
        result = complete_task(registry, train_until=train_until, test_from=test_from,
                               test_to=test_to, seed=seed, max_queries=max_queries,
                               say=say, progress=update)
    rows = [{"model": name, "precision@1": m.precision_at_1,
             "best_of_5_recall": m.best_of_5_recall, "any_hit@5": m.any_hit_at_5,
             "distinct_additions": m.distinct_additions, "queries": result.queries}
            for name, m in result.models.items()]
    return EvaluationReport(COMPLETE_COLUMNS, rows, result.to_json())
