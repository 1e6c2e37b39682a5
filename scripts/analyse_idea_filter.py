"""Which organisations ``complete`` may add for an idea: the complete task under each rule.

    .venv/bin/python scripts/analyse_idea_filter.py [--queries 150] [--rules 0.5,0.3,near,none]

On one split (the development split by default), with the ranker's shipped weights fitted on
the training registry and the shipped objective, a seeded sample of the complete task's
queries (:func:`matcher.evaluation.consortia.complete_split`: a real consortium's coordinator
and one other member, its title and call-topic title as the idea) is completed by the
builder with each rule of who may be added for the idea:

``T`` (a number)  organisations with a document at least ``T`` likely related to the idea
                  (the topical model's P(related)) that matches a topic word in its sense;
                  ``0.5`` is what topical *evidence* means, ``0.3`` what ``complete`` uses
                  (:data:`matcher.ranking.topical.LIKELY_RELATED`)
``near``          any document that matches a topic word in its sense
``partner``       ``0.3``, or ``near`` and a past partner of one of the given members
``none``          everyone (no filter)

Those without evidence count at half their topical score, as the builder does. Prints,
per rule, precision@1, best-of-5 recall, any hit@5 and distinct additions, the share of the
queries' hidden members the rule admits at all, and greedy (the ranker's order, no filter)
as the baseline. Not a test; about 2 minutes a rule on an idle machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import load, split_parser  # scripts/ is sys.path[0] when run as a file

from matcher.consortium.objective import load_objective
from matcher.evaluation.completers import BuilderCompleter, GreedyCompleter
from matcher.evaluation.consortia import CompleteSplit, complete_split, evaluate_complete
from matcher.language.ideas import read_idea
from matcher.ranking.ranker import Ranker
from matcher.ranking.topical import DOC_FEATURES, TopicalScores


def admitted(ranker: Ranker, scores: TopicalScores, rule: str,
             given: tuple[int, ...] = ()) -> np.ndarray:
    """(orgs,) bool: who ``rule`` lets ``complete`` add (``given``: the query's members)."""
    if rule == "partner":
        knew = np.asarray(ranker.space_.graph.adjacency_[list(given)].sum(axis=0)).ravel() > 0
        return admitted(ranker, scores, "0.3") | (scores.org_near & knew)
    if rule == "none":
        return np.ones_like(scores.org_near)
    if rule == "near":
        return scores.org_near
    index = ranker.space_.topical
    in_sense = scores.features[:, DOC_FEATURES.index("topic")] > 0
    return index._authored(index._authors[scores.docs].tocoo(),
                           in_sense & (scores.related[scores.docs] >= float(rule)))


class RuleRanker:
    """The fitted ranker, with ``idea_relevance`` under one rule (the builder's protocol)."""

    def __init__(self, ranker: Ranker, rule: str,
                 given: dict[str, tuple[int, ...]] | None = None) -> None:
        self.ranker, self.rule, self.given = ranker, rule, given or {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.ranker, name)

    def idea_relevance(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scores = self.ranker.space_.topical.score(read_idea(text))
        return (scores.org_score, scores.org_evidence,
                admitted(self.ranker, scores, self.rule, self.given.get(text, ())))


def main() -> None:
    parser = split_parser(__doc__)
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--rules", default="0.5,0.4,0.3,0.25,0.15,near,partner,none")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = complete_split(load(args.data), train_until=args.train_until,
                          test_from=args.test_from, test_to=args.test_to, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    pick = sorted(rng.choice(len(data.queries), min(args.queries, len(data.queries)),
                             replace=False).tolist())
    sample = CompleteSplit(data.train, tuple(data.queries[i] for i in pick),
                           data.test_projects)
    ranker = Ranker().fit(data.train)
    print(f"{len(sample.queries)} of {len(data.queries)} complete queries, "
          f"train <= {args.train_until}, test {args.test_from}-{args.test_to}")
    print(f"{'rule':<8} {'P@1':>7} {'best-of-5 R':>11} {'any hit@5':>9} {'distinct':>8} "
          f"{'hidden admitted':>15}")
    for rule in args.rules.split(","):
        proxy = RuleRanker(ranker, rule, {q.text: q.given for q in sample.queries})
        shares = [float(proxy.idea_relevance(q.text)[2][list(q.hidden)].mean())
                  for q in sample.queries if q.text.strip()]
        found = evaluate_complete(sample, {rule: BuilderCompleter(proxy, load_objective())})
        m = found.models[rule]
        print(f"{rule:<8} {m.precision_at_1:7.4f} {m.best_of_5_recall:11.4f} "
              f"{m.any_hit_at_5:9.4f} {m.distinct_additions:8.2f} {np.mean(shares):15.3f}",
              flush=True)
    m = evaluate_complete(sample, {"greedy": GreedyCompleter("ranker", ranker=ranker,
                                                             seed=args.seed)}).models["greedy"]
    print(f"{'greedy':<8} {m.precision_at_1:7.4f} {m.best_of_5_recall:11.4f} "
          f"{m.any_hit_at_5:9.4f} {m.distinct_additions:8.2f} {'(no filter)':>15}")


if __name__ == "__main__":
    main()
