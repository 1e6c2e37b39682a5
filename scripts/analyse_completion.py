"""What could raise the complete task's precision@1: first consortia built three ways.

    .venv/bin/python scripts/analyse_completion.py [--data ../shared/data/cordis-h2020] \
        [--train-until 2017 --test-from 2018 --test-to 2019] [--candidates completion]

On one split, with the ranker's weights learned inside the training years and the ranker
fitted on the training registry (as ``matcher evaluate --task complete`` does), each test
query's candidates are ranked once by the builder's step 1
(:func:`matcher.consortium.builder.prepare`). The first consortium is then filled greedily
(each candidate in order, unless it would leave the rule's countries out of reach) by:

``fit``                 the ranker's score for the whole request (the ``greedy`` baseline)
``fit + relevance``     ``fit + 0.25 relevance to the idea alone``
``conditional``         the ranker re-queried after each addition with the given and added
                        members, plus 0.3 relevance: later additions fit the whole set
``learned re-scorer``   a logistic regression on per-candidate evidence (below) over the
                        ``fit`` top 50 of each pool, fitted on the consortia of the last two
                        training years (label year T, features up to T-1) only

Evidence per candidate: ``fit`` (logit), relevance, shared past projects with the coordinator
and with the other given member (all, and of the last two training years), how many given
members it worked with, projects the coordinator led that it joined, its ties to the pool's
20 best by ``fit``, its rank in the pool and its number of projects (log1p).

``--candidates completion`` ranks every pool with a partner model learned from
completion-shaped queries instead (the coordinator, one other member and the idea text of the
consortia of the last two training years, label year T, features up to T-1), as ``complete``
asks, where the shipped partner model learns from hide-one-partner queries; the line
``greedy on the shipped model`` gives the baseline to compare with.

Prints precision@1 per method and the re-scorer's coefficients. Not a test; a few minutes a
split (most of it learning the ranker's weights).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import load, split_parser  # scripts/ is sys.path[0] when run as a file
from sklearn.linear_model import LogisticRegression

from matcher.consortium.builder import Request
from matcher.evaluation.consortia import complete_split
from matcher.evaluation.harness import EvalQuery, training_registry
from matcher.evaluation.objective_fit import _requests
from matcher.evaluation.training import (
    _NEUTRAL,
    HARD,
    LearnedWeights,
    _examples,
    _model,
    learn_weights,
)
from matcher.ranking.ranker import Ranker
from matcher.ranking.weights import Weights
from matcher.registry.snapshot import Registry
from matcher.values import Query

EVIDENCE = ("logit_fit", "relevance", "with_coordinator", "with_other", "given_tied",
            "with_coordinator_recent", "with_other_recent", "led_by_coordinator",
            "ties_to_top20", "log_rank", "log_projects")
HEAD = 50
Labelled = list[tuple[Request, tuple[int, ...]]]


def evidence(request: Request, registry: Registry) -> np.ndarray:
    """(pool, :data:`EVIDENCE`) for the candidates of ``request``."""
    pool = request.pool
    rows_p = np.array([registry.row_of[o.id] for o in pool.orgs])
    rows_g = np.array([registry.row_of[o.id] for o in pool.given])
    member = (registry.incidence > 0).astype(np.float32).tocsr()
    years = registry.project_years
    bp, bg = member[rows_p], member[rows_g]
    shared = np.asarray((bp @ bg.T).todense())
    recent = sp.diags((years >= years.max() - 1).astype(np.float32))
    shared_recent = np.asarray((bp @ recent @ bg.T).todense())
    led = (registry.incidence[rows_g[0]] >= 2).astype(np.float32)
    order = np.argsort(-pool.fit, kind="stable")
    rank = np.empty(pool.size)
    rank[order] = np.arange(pool.size)
    fit = np.clip(pool.fit, 1e-9, 1 - 1e-9)
    return np.column_stack([
        np.log(fit / (1 - fit)), pool.relevance, np.log1p(shared[:, 0]),
        np.log1p(shared[:, 1]), (shared > 0).sum(axis=1), np.log1p(shared_recent[:, 0]),
        np.log1p(shared_recent[:, 1]), np.log1p(np.asarray((bp @ led.T).todense()).ravel()),
        pool.pair_terms["history"][2][:, order[:20]].sum(axis=1), np.log1p(rank),
        np.log1p(np.asarray(bp.sum(axis=1)).ravel())])


def first_consortium(request: Request, score: np.ndarray | Callable[[list[int]], np.ndarray]
                     ) -> list[int]:
    """Pool indices, greedily by ``score`` (or by ``score(added)`` after each addition)."""
    pool, wanted = request.pool, request.hi - len(request.given)
    countries = set(pool.ctry_g[pool.ctry_g >= 0].tolist())
    everywhere = set(pool.ctry_p[pool.ctry_p >= 0].tolist())
    added: list[int] = []
    while len(added) < wanted:
        s = np.array(score(added) if callable(score) else score, dtype=np.float64)
        s[added] = -np.inf
        for j in np.argsort(-s, kind="stable").tolist():
            c = int(pool.ctry_p[j])
            after = countries | ({c} if c >= 0 else set())
            need = request.call.rules.min_countries - len(after)
            if need <= 0 or (need <= wanted - len(added) - 1
                             and len(everywhere - after) >= need):
                added.append(j)
                countries = after
                break
        else:
            break
    return added


def precision(labelled: Labelled, picks: Sequence[list[int]]) -> float:
    return float(np.mean([len({r.pool.orgs[i].id for i in p} & set(hidden)) / max(len(p), 1)
                          for (r, hidden), p in zip(labelled, picks, strict=True)]))


def labelled_queries(registry: Registry, until: int, test_from: int, test_to: int,
                     weights: Weights) -> tuple[Registry, Ranker, Labelled]:
    data = complete_split(registry, train_until=until, test_from=test_from, test_to=test_to)
    ranker = Ranker(weights=weights).fit(data.train)
    return data.train, ranker, _requests(ranker, data.train, data.queries)


def completion_weights(train: Registry, until: int, learned: LearnedWeights) -> Weights:
    """``learned`` with its partner model learned again from completion-shaped queries of the
    label years ``until - 1`` and ``until`` (features up to the year before each)."""
    rng = np.random.default_rng(0)
    xs, ys, owners, offset = [], [], [], 0
    for year in (until - 1, until):
        inner = training_registry(train, year)
        split = complete_split(inner, train_until=year - 1, test_from=year, test_to=year)
        neutral = Ranker(weights=_NEUTRAL).fit(split.train)
        queries = [EvalQuery(q.project, q.given, q.hidden, q.themes, q.text)
                   for q in split.queries]
        x, y, owner = _examples(neutral, "partner", queries, np.ones(len(queries), dtype=bool),
                                100, HARD["partner"], rng, 64, None)
        xs.append(x)
        ys.append(y)
        owners.append(owner + offset)
        offset += len(queries)
    partner = _model("partner", "pointwise", np.vstack(xs), np.concatenate(ys),
                     np.concatenate(owners), 1.0, offset)
    return LearnedWeights(partner, learned.idea, until - 1, until, {}).as_weights()


def main() -> None:
    parser = split_parser(__doc__)
    parser.add_argument("--candidates", choices=("partner", "completion"), default="partner")
    args = parser.parse_args()
    everything = load(args.data)
    train = training_registry(everything, args.train_until)
    learned = learn_weights(train, until_year=args.train_until)
    weights = learned.as_weights()
    if args.candidates == "completion":
        _, _, shipped = labelled_queries(everything, args.train_until, args.test_from,
                                         args.test_to, weights)
        print(f"greedy on the shipped model precision@1 "
              f"{precision(shipped, [first_consortium(r, r.pool.fit) for r, _ in shipped]):.4f}",
              flush=True)
        weights = completion_weights(train, args.train_until, learned)
    # the re-scorer's examples: the consortia of the last two training years
    x_fit, y_fit = [], []
    for year in (args.train_until - 1, args.train_until):
        inner, _, labelled = labelled_queries(training_registry(train, year), year - 1, year,
                                              year, weights)
        for r, hidden in labelled:
            head = np.argsort(-r.pool.fit, kind="stable")[:HEAD]
            x_fit.append(evidence(r, inner)[head])
            y_fit.append(np.array([r.pool.orgs[i].id in set(hidden) for i in head]))
    x, y = np.vstack(x_fit), np.concatenate(y_fit)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(max_iter=3000, C=0.1).fit((x - mu) / sd, y)
    reg, ranker, test = labelled_queries(everything, args.train_until, args.test_from,
                                         args.test_to, weights)
    rows = {id(r): np.array([reg.row_of[o.id] for o in r.pool.orgs]) for r, _ in test}

    def conditional(r: Request) -> Callable[[list[int]], np.ndarray]:
        def score(added: list[int]) -> np.ndarray:
            q = Query(org_ids=r.query.org_ids + tuple(r.pool.orgs[i].id for i in added),
                      text=r.query.text, themes=r.query.themes, topics=r.query.topics)
            return ranker.score(q, rows[id(r)]) + 0.3 * r.pool.relevance
        return score

    def rescored(r: Request) -> np.ndarray:
        s = model.decision_function((evidence(r, reg) - mu) / sd)
        rank = np.empty(r.pool.size)
        rank[np.argsort(-r.pool.fit, kind="stable")] = np.arange(r.pool.size)
        return np.where(rank < HEAD, s, s - 1e3)

    print(f"{len(test)} test queries; re-scorer fitted on {len(x_fit)} training-year queries")
    for name, pick in (("fit", lambda r: first_consortium(r, r.pool.fit)),
                       ("fit + relevance",
                        lambda r: first_consortium(r, r.pool.fit + 0.25 * r.pool.relevance)),
                       ("conditional", lambda r: first_consortium(r, conditional(r))),
                       ("learned re-scorer", lambda r: first_consortium(r, rescored(r)))):
        print(f"{name:<20} precision@1 {precision(test, [pick(r) for r, _ in test]):.4f}",
              flush=True)
    print("re-scorer coefficients (standardised):",
          {n: round(float(c), 3) for n, c in zip(EVIDENCE, model.coef_[0], strict=True)})


if __name__ == "__main__":
    main()
