"""Learning the ranker's two models from real consortia, inside the training years only.

For a registry cut at ``until_year`` (everything the models may know), the features come from
the projects started up to ``until_year - 1`` and the labels from the consortia of
``until_year`` (:func:`matcher.evaluation.harness.partner_split` /
:func:`~matcher.evaluation.harness.idea_split` of that inner period):

- ``partner``: each hidden member of such a consortium is a positive for the query made of
  the other members and the project's programme part; half of the queries (seeded) also
  carry the project's words (title + call-topic title) and call topic, as a user completing
  a consortium for a known idea would give them, so that the text features get their weights
  from the same examples as the graph features;
- ``idea``: every member known in training is a positive for the query made of the
  project's words, call topic and programme part, with no member given.

The examples of a query are its positives, ``negatives`` organisations drawn uniformly, and
``hard`` from its neighbourhood: for partner queries drawn uniformly from the organisations
its random walk reaches (``ppr > 0``; never by a feature's rank, which would bias that
feature's weight in a pointwise fit), for ideas the best content matches, the organisations
a text query must order (the ``recall`` objective ranks within them). The features are those of :class:`~matcher.ranking.ranker.Ranker`
through the one batched path (:meth:`~matcher.ranking.features.FeatureSpace.columns`).

Each model is linear, fitted by the objective of :data:`OBJECTIVES`
(:mod:`matcher.evaluation.fitting`) and kept on the raw feature scale
(``score = sigmoid(intercept + w . x)``), stored as JSON (``model_weights.json``): no pickle.
:class:`RankerScorer` is the tool's model as :func:`~matcher.evaluation.harness.evaluate`
sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.errors import QueryError
from matcher.evaluation.fitting import fit
from matcher.evaluation.harness import (
    EvalQuery,
    Split,
    evaluate,
    idea_split,
    partner_split,
    training_registry,
    whole_consortia,
)
from matcher.ranking.features import FEATURES
from matcher.ranking.ranker import Ranker
from matcher.ranking.weights import KINDS, Weights
from matcher.registry.snapshot import Registry
from matcher.values import Query

__all__ = ["LearnedWeights", "RankerScorer", "learn_weights", "to_queries"]

#: Until a model is learned, features count equally: only to build the inner ranker.
_NEUTRAL = {name: 1.0 for name in FEATURES}


@dataclass(frozen=True, slots=True)
class LearnedModel:
    kind: str
    objective: str
    weights: dict[str, float]
    intercept: float
    queries: int
    examples: int
    constant: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"weights": {k: round(v, 6) for k, v in self.weights.items()},
                "intercept": round(self.intercept, 6),
                "training": {"objective": self.objective, "queries": self.queries,
                             "examples": self.examples,
                             "constant_features_weight_0": list(self.constant)}}


@dataclass(frozen=True, slots=True)
class LearnedWeights:
    partner: LearnedModel
    idea: LearnedModel
    features_until: int
    label_year: int
    params: dict[str, object] = field(default_factory=dict)
    validation: dict[str, object] = field(default_factory=dict)

    def as_weights(self) -> Weights:
        return Weights(*({**m.weights, "intercept": m.intercept}
                         for m in (self.partner, self.idea)))

    def to_json(self) -> dict[str, object]:
        return {
            "model": "two logistic regressions (partner: the query names organisations; idea: "
                     "text, themes and call topics only) on standardised candidate features, "
                     "folded back to the raw feature scale: score = sigmoid(intercept + w . x)",
            "features": list(FEATURES),
            "models": {m.kind: m.to_json() for m in (self.partner, self.idea)},
            "training": {"features_from_projects_until": self.features_until,
                         "labels_from_consortia_of": self.label_year, **self.params},
            "validation": self.validation,
        }


def to_queries(train: Registry, queries: Sequence[EvalQuery], *,
               text: bool | Sequence[bool] = True) -> list[Query]:
    """Ranker queries for evaluation queries (rows become organisation ids). ``text``: give
    the words and call topic (all, none, or per query)."""
    flags = [text] * len(queries) if isinstance(text, bool) else list(text)
    return [Query(org_ids=tuple(train.orgs[r].id for r in q.members),
                  text=q.text if keep else "", themes=q.themes,
                  topics=(q.topic,) if keep and q.topic else ())
            for q, keep in zip(queries, flags, strict=True)]


#: The fitting objective of each model, chosen by ``matcher evaluate`` on the dev split
#: (README, "How the ranker is learned").
OBJECTIVES = {"partner": "pointwise", "idea": "recall"}
#: Negatives per query from its neighbourhood, by model kind.
HARD = {"partner": 100, "idea": 1000}


def learn_weights(registry: Registry, *, until_year: int, max_queries: int = 4000,
                  negatives: int = 100, hard: dict[str, int] | None = None, c: float = 1.0, seed: int = 0,
                  batch: int = 64, objectives: dict[str, str] | None = None,
                  validate: int = 0, without: Collection[str] = (),
                  progress: Callable[[int], None] | None = None) -> LearnedWeights:
    """Fit both models on ``registry`` cut at ``until_year`` (see the module docstring).
    ``without``: features left out (an ablation): zero in every example, so weight 0."""
    unknown = set(without) - set(FEATURES)
    if unknown:
        raise QueryError(f"unknown features {sorted(unknown)}; valid: {', '.join(FEATURES)}")
    inner_registry = training_registry(registry, until_year)
    splits = {
        "partner": partner_split(inner_registry, train_until=until_year - 1,
                                 test_from=until_year, test_to=until_year),
        "idea": idea_split(inner_registry, train_until=until_year - 1, test_from=until_year,
                           test_to=until_year),
    }
    if not splits["idea"].queries:  # a history without titles: ideas are their themes
        splits["idea"] = idea_split(inner_registry, train_until=until_year - 1,
                                    test_from=until_year, test_to=until_year, titled=False)
    if not splits["partner"].queries:
        raise QueryError(f"no consortium of {until_year} with 3+ organisations from 3+ "
                         f"countries to learn from; valid: a --train-until year with projects "
                         "in it and in the year before")
    ranker = Ranker(weights=_NEUTRAL).fit(splits["partner"].train)
    chosen = {**OBJECTIVES, **(objectives or {})}
    neighbourhood = {**HARD, **(hard or {})}
    rng = np.random.default_rng(seed)
    models, held = {}, {}
    for kind in KINDS:
        usable = [q for q in splits[kind].queries
                  if (q.members if kind == "partner" else (q.text or q.themes or q.topic))]
        queries, held[kind] = whole_consortia(usable, max_queries, rng)
        with_text = (rng.random(len(queries)) < 0.5 if kind == "partner"
                     else np.ones(len(queries), dtype=bool))
        x, y, owner = _examples(ranker, kind, queries, with_text, negatives,
                                neighbourhood[kind], rng, batch, progress)
        x[:, [FEATURES.index(name) for name in without]] = 0.0
        models[kind] = _model(kind, chosen[kind], x, y, owner, c, len(queries))
    learned = LearnedWeights(models["partner"], models["idea"], until_year - 1, until_year,
                             {"uniform_negatives_per_query": negatives,
                              "neighbourhood_negatives_per_query": neighbourhood, "C": c,
                              "seed": seed, "partner_queries_with_text": 0.5,
                              **({"without": sorted(without)} if without else {})})
    if validate:
        learned = _validated(learned, splits, held, validate, seed)
    return learned


def _model(kind: str, objective: str, x: np.ndarray, y: np.ndarray, owner: np.ndarray,
           c: float, n_queries: int) -> LearnedModel:
    coef, intercept = fit(objective, x, y, owner, c=c)
    # a feature that never varies in the examples (no graph evidence for ideas) has no
    # evidence either way: weight 0
    constant = tuple(n for n, sd in zip(FEATURES, x.std(axis=0), strict=True) if sd == 0)
    return LearnedModel(kind, objective,
                        {name: float(w) for name, w in zip(FEATURES, coef, strict=True)},
                        intercept, n_queries, int(y.size), constant)


def _examples(ranker: Ranker, kind: str, queries: Sequence[EvalQuery], with_text: np.ndarray,
              negatives: int, hard: int, rng: np.random.Generator, batch: int,
              progress: Callable[[int], None] | None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of every positive and of sampled negatives: ``(examples, FEATURES)``, labels,
    and the query each example belongs to."""
    space = ranker.space_
    n = space.n_orgs
    xs, ys, owners = [], [], []
    for start in range(0, len(queries), batch):
        chunk = queries[start:start + batch]
        prepared = space.prepare(to_queries(space.registry, chunk,
                                            text=with_text[start:start + batch].tolist()))
        columns = dict(space.columns(prepared))
        near = columns["ppr"] if kind == "partner" else _content_scale(columns)
        for i, q in enumerate(chunk):
            pos = np.array(q.relevant, dtype=np.int64)
            if kind == "partner":  # uniformly from the graph neighbourhood
                pool = np.flatnonzero(near[i] > 0)
                pool = rng.choice(pool, min(hard, pool.size), replace=False)
            else:  # the best content matches: the ones a text query must order
                pool = np.argpartition(-near[i], min(hard, n) - 1)[:hard]
                pool = pool[near[i, pool] > 0]
            picked = [rng.choice(n, min(negatives, n), replace=False), pool]
            neg = np.unique(np.concatenate(picked))
            neg = neg[~np.isin(neg, [*q.members, *q.relevant])]
            rows = np.concatenate([pos, neg])
            xs.append(np.stack([columns[name][i, rows] for name in FEATURES], axis=1))
            ys.append(np.r_[np.ones(pos.size), np.zeros(neg.size)])
            owners.append(np.full(rows.size, start + i))
        if progress is not None:
            progress(len(chunk))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)


def _content_scale(columns: dict[str, np.ndarray]) -> np.ndarray:
    """A neutral content score: each content feature over its maximum for the query."""
    total = np.zeros_like(columns["popularity"], dtype=np.float32)
    for name in ("similar_projects", "topic_family", "theme_projects", "popularity"):
        values = columns[name]
        top = values.max(axis=1, keepdims=True)
        total += np.divide(values, top, out=np.zeros_like(total), where=top > 0)
    return total


def _validated(learned: LearnedWeights, splits: dict[str, Split],
               held: dict[str, list[EvalQuery]], most: int, seed: int) -> LearnedWeights:
    """The figures of the held-out consortia of the label year, next to a baseline."""
    from matcher.evaluation.baselines import Blend, GraphScorer

    weights = learned.as_weights()
    checked: dict[str, object] = {}
    for kind, baseline in (("partner", GraphScorer("adamic_adar")), ("idea", Blend())):
        kept = tuple(held[kind][:most])
        if not kept:
            continue
        split = splits[kind]
        result = evaluate(Split(split.train, kept, len({q.project for q in kept}), kind),
                          {"matcher": RankerScorer(weights=weights, task=kind),
                           "baseline": baseline}, seed=seed)
        checked[kind] = {"held_out": "queries of consortia of the label year not used for "
                                     "training, all candidates ranked",
                         "baseline": type(baseline).__name__ + (
                             f"({baseline.feature})" if isinstance(baseline, GraphScorer)
                             else ""), **result.to_json()}
    return LearnedWeights(learned.partner, learned.idea, learned.features_until,
                          learned.label_year, learned.params, checked)


class RankerScorer:
    """The tool's model for :func:`~matcher.evaluation.harness.evaluate`: learned weights +
    :class:`~matcher.ranking.ranker.Ranker`. ``task`` decides what a query carries: the
    partner task gives members and themes; the idea task words, call topic and themes."""

    def __init__(self, *, weights: Weights | None = None, task: str = "partner",
                 progress: Callable[[int], None] | None = None, **learn: Any) -> None:
        self.weights = weights
        self.task = task
        self.progress = progress
        self.learn = learn

    def fit(self, train: Registry) -> RankerScorer:
        if self.weights is None:
            last = int(train.project_years.max())
            self.learned_ = learn_weights(train, until_year=last, progress=self.progress,
                                          **self.learn)
            self.weights_ = self.learned_.as_weights()
        else:
            self.weights_ = self.weights
        self.ranker_ = Ranker(weights=self.weights_).fit(train)
        return self

    def scores(self, queries: Sequence[EvalQuery], *, batch: int = 64) -> np.ndarray:
        """``intercept + w . x`` for every organisation; the ranker's sigmoid of it is
        monotone, so the ranks are the same."""
        ranker = self.ranker_
        out = np.empty((len(queries), ranker.space_.n_orgs), dtype=np.float32)
        for start in range(0, len(queries), batch):
            chunk = queries[start:start + batch]
            out[start:start + len(chunk)] = ranker.scores_all(
                to_queries(ranker.registry_, chunk, text=self.task == "idea"))
        return out
