"""The learned ranker: logistic regression over ``Ranker.candidate_features``.

Training repeats the evaluation's construction inside the training period only. For a
registry cut at ``until_year`` (everything the model may know), the ranker's features come
from the projects started up to ``until_year - 1`` and the labels from the consortia of
``until_year``: each hidden member of such a consortium is a positive for the query made of
the other members, and negatives are sampled from the other candidates, half uniformly from
all organisations and half uniformly from the query's graph neighbourhood (``ppr > 0``).
Sampling uniformly, never by a feature's rank, keeps every feature's weight unbiased.

The fitted form is a feature -> weight mapping plus an intercept on the raw feature scale
(the scaler is folded into the coefficients), stored as JSON in ``matcher/model_weights.json``
and read by :func:`matcher.ranking.ranker.default_weights`: no pickle.

:class:`RankerScorer` is the tool's model as :func:`matcher.evaluation.harness.evaluate` sees it: it
learns its weights this way from the training registry, fits a :class:`Ranker` on it and
scores all candidates of many queries at once (:func:`ranker_features`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matcher.evaluation.harness import EvalQuery, Split, evaluate, partner_split, training_registry
from matcher.ranking.ranker import DEFAULT_WEIGHTS, FEATURES, Ranker
from matcher.registry.snapshot import Registry
from models.errors import QueryError

__all__ = ["LearnedWeights", "RankerScorer", "learn_weights", "ranker_features"]

_GRAPH_QUERY = ("direct", "direct_orgs", "common_neighbours", "adamic_adar", "ppr")
#: The ranker's query-independent features.
STATIC = ("popularity", "coordinations", "recency", "eche")


@dataclass(frozen=True, slots=True)
class LearnedWeights:
    weights: dict[str, float]
    intercept: float
    features_until: int
    label_year: int
    queries: int
    examples: int
    params: dict[str, float] = field(default_factory=dict)
    untrained: tuple[str, ...] = ()
    validation: dict[str, object] = field(default_factory=dict)

    def as_ranker_weights(self) -> dict[str, float]:
        return {**self.weights, "intercept": self.intercept}

    def to_json(self) -> dict[str, object]:
        return {
            "model": "logistic regression on standardised candidate features, "
                     "folded back to the raw feature scale: score = sigmoid(intercept + w . x)",
            "features": list(self.weights),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "intercept": round(self.intercept, 6),
            "training": {"features_from_projects_until": self.features_until,
                         "labels_from_consortia_of": self.label_year,
                         "queries": self.queries, "examples": self.examples, **self.params},
            "untrained_hand_set": list(self.untrained),
            "validation": self.validation,
        }


def learn_weights(registry: Registry, *, until_year: int, max_queries: int = 6000,
                  negatives: int = 100, c: float = 1.0, seed: int = 0, batch: int = 256,
                  validate: int = 0, progress: Callable[[int], None] | None = None) -> LearnedWeights:
    """Fit the scorer's weights on ``registry`` cut at ``until_year`` (see module docstring)."""
    from sklearn.linear_model import LogisticRegression

    inner = partner_split(training_registry(registry, until_year), train_until=until_year - 1,
                  test_from=until_year, test_to=until_year)
    if not inner.queries:
        raise QueryError(f"no consortium of {until_year} with 3+ organisations from 3+ "
                         f"countries to learn from; valid: a --train-until year with projects "
                         "in it and in the year before")
    rng = np.random.default_rng(seed)
    queries, held_out = _by_project(inner.queries, max_queries, rng)
    ranker = Ranker(weights=DEFAULT_WEIGHTS).fit(inner.train)
    xs, ys = [], []
    for start in range(0, len(queries), batch):
        chunk = queries[start:start + batch]
        x, y = _examples(ranker, chunk, negatives, rng)
        xs.append(x)
        ys.append(y)
        if progress is not None:
            progress(len(chunk))
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    coef = model.coef_[0] / scale
    intercept = float(model.intercept_[0] - np.sum(model.coef_[0] * mean / scale))
    weights = {name: float(w) for name, w in zip(FEATURES, coef, strict=True)}
    # A feature that never varies in the training data (no free text and no ECHE flags in
    # CORDIS) gets no evidence either way: keep its hand-set weight rather than zero it.
    untrained = [name for name, sd in zip(FEATURES, x.std(axis=0), strict=True) if sd == 0]
    for name in untrained:
        weights[name] = DEFAULT_WEIGHTS[name]
    checked: dict[str, object] = {}
    if validate and held_out:
        from matcher.evaluation.baselines import GraphScorer

        kept = tuple(held_out[:validate])
        result = evaluate(Split(inner.train, kept, len({q.project for q in kept})),
                          {"matcher": RankerScorer(weights={**weights, "intercept": intercept}),
                           "adamic_adar": GraphScorer("adamic_adar")}, seed=seed)
        checked = {"held_out": "hidden-partner queries of consortia of the label year not "
                               "used for training, all candidates ranked", **result.to_json()}
    return LearnedWeights(
        weights=weights, intercept=intercept, features_until=until_year - 1,
        label_year=until_year, queries=len(queries), examples=int(y.size),
        params={"negatives_per_query": 2 * negatives, "C": c, "seed": seed},
        untrained=tuple(untrained), validation=checked,
    )


def _by_project(queries: Sequence[EvalQuery], most: int, rng: np.random.Generator
                ) -> tuple[list[EvalQuery], list[EvalQuery]]:
    """Whole consortia, in seeded random order, until ``most`` queries; the rest held out."""
    projects = sorted({q.project for q in queries})
    position = dict(zip(projects, rng.permutation(len(projects)).tolist(), strict=True))
    ranked = sorted(queries, key=lambda q: position[q.project])  # stable within a project
    taken: set[str] = set()
    train: list[EvalQuery] = []
    for q in ranked:
        if len(train) >= most and q.project not in taken:
            break
        taken.add(q.project)
        train.append(q)
    return train, ranked[len(train):]


def _examples(ranker: Ranker, queries: Sequence[EvalQuery], negatives: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    features = ranker_features(ranker, queries)
    n = ranker.registry_.n_orgs
    ppr = features["ppr"]
    qi: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for i, q in enumerate(queries):
        pool = np.flatnonzero(ppr[i] > 0)
        near = (rng.choice(pool, min(negatives, pool.size), replace=False)
                if pool.size else np.zeros(0, dtype=np.int64))
        far = rng.choice(n, min(negatives, n), replace=False)
        neg = np.concatenate([near, far])
        neg = neg[~np.isin(neg, [*q.members, q.hidden])]
        picked = np.concatenate([[q.hidden], neg]).astype(np.int64)
        qi.append(np.full(picked.size, i))
        rows.append(picked)
        labels.append(np.r_[1, np.zeros(neg.size, dtype=np.int64)])
    qa, ra = np.concatenate(qi), np.concatenate(rows)
    x = np.stack([features[name][qa, ra] for name in FEATURES], axis=1)
    return x, np.concatenate(labels)


class RankerScorer:
    """The tool's model for :func:`matcher.evaluation.harness.evaluate`: learned weights + Ranker."""

    def __init__(self, *, weights: dict[str, float] | None = None,
                 progress: Callable[[int], None] | None = None, **learn: int) -> None:
        self.weights = weights
        self.progress = progress
        self.learn = learn

    def fit(self, train: Registry) -> RankerScorer:
        if self.weights is None:
            last = int(train.project_years.max())
            self.learned_ = learn_weights(train, until_year=last, progress=self.progress,
                                          **self.learn)
            self.weights_ = self.learned_.as_ranker_weights()
        else:
            self.weights_ = dict(self.weights)
        self.ranker_ = Ranker(weights=self.weights_).fit(train)
        return self

    def scores(self, queries: Sequence[EvalQuery], *, batch: int = 128) -> np.ndarray:
        """``intercept + w . x`` for every organisation; the ranker's sigmoid of it is
        monotone, so the ranks are the same. Sub-batches keep the feature arrays small."""
        w = self.weights_
        base = sum((np.float32(w.get(name, 0.0)) * values
                    for name, values in _static(self.ranker_).items()),
                   np.full(self.ranker_.registry_.n_orgs, w.get("intercept", 0.0),
                           dtype=np.float32))
        # (orgs, queries) layout: the feature arrays are transposed views of that layout
        z = np.empty((base.size, len(queries)), dtype=np.float32)
        for start in range(0, len(queries), batch):
            features = ranker_features(self.ranker_, queries[start:start + batch],
                                       static=False)
            part = z[:, start:start + batch]
            part[:] = base[:, None]
            for name, values in features.items():
                if w.get(name, 0.0):
                    part += np.float32(w[name]) * values.T
        return z.T


# -- the ranker's features for many queries at once --------------------------------------
def _l2_rows(m: sp.csr_matrix | np.ndarray) -> sp.csr_matrix | np.ndarray:
    if isinstance(m, np.ndarray):
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    m = sp.csr_matrix(m, dtype=np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(inv) @ m)


def _dense(m: sp.csr_matrix | np.ndarray) -> np.ndarray:
    if isinstance(m, np.ndarray):
        return np.asarray(m, dtype=np.float32)
    return np.asarray(sp.csr_matrix(m).toarray(), dtype=np.float32)


def ranker_features(ranker: Ranker, queries: Sequence[EvalQuery], *,
                    static: bool = True) -> dict[str, np.ndarray]:
    """``Ranker.candidate_features`` for many queries and every organisation at once.

    ``{feature: (n_queries, n_orgs)}``, equal to what the ranker computes one query at a time
    (``tests/matcher/test_evaluation.py`` checks it); queries have no free text here. With
    ``static=False`` the query-independent features (:data:`STATIC`) are left out.
    """
    n = ranker.registry_.n_orgs
    nq = len(queries)
    x = _indicator([q.members for q in queries], n)
    blocks, vec = ranker.blocks_, ranker.vectoriser_
    out: dict[str, np.ndarray] = {"text_sim": np.zeros((nq, n), dtype=np.float32)}
    explicit = np.zeros((nq, len(vec.theme_codes_)), dtype=np.float32)
    for i, q in enumerate(queries):
        cols = [vec.theme_col_[c] for c in q.themes if c in vec.theme_col_]
        explicit[i, cols] = vec.theme_idf_[cols]
    from_orgs = _l2_rows(_dense(x.T @ blocks.themes))
    themes = _l2_rows(_l2_rows(explicit) + from_orgs)
    out["theme_sim"] = _dense(blocks.themes @ themes.T).T
    org_text = _l2_rows(x.T @ blocks.text)
    out["org_text_sim"] = _dense(blocks.text @ org_text.T).T
    graph = ranker.graph_.features_many([np.array(q.members, dtype=np.int64) for q in queries],
                                        names=_GRAPH_QUERY)
    has = np.array([len(q.members) > 0 for q in queries])[:, None]
    for name in ("direct", "direct_orgs", "common_neighbours", "adamic_adar"):
        out[name] = np.log1p(graph[name])
    out["ppr"] = np.log1p(graph["ppr"] * n)
    for name, codes in (("category", blocks.category), ("country", blocks.country)):
        onehot = sp.csr_matrix((np.ones(n, dtype=np.float32),
                                (np.arange(n), codes.astype(np.int64) + 1)))
        present = _dense(x.T @ onehot) > 0  # (queries, codes): the query has that code
        out[f"same_{name}"] = present[:, codes.astype(np.int64) + 1] & has
    out["new_category"] = ~out["same_category"] & has
    out["new_country"] = ~out.pop("same_country") & has
    if static:
        for name, values in _static(ranker).items():
            out[name] = np.broadcast_to(values, (nq, n))
    return {name: np.asarray(out[name], dtype=np.float32) for name in FEATURES if name in out}


def _static(ranker: Ranker) -> dict[str, np.ndarray]:
    values = {name: ranker.graph_.static(name) for name in ("popularity", "coordinations",
                                                             "recency")}
    return {**values, "eche": ranker.eche_.astype(np.float32)}


def _indicator(members: Sequence[Sequence[int]], n: int) -> sp.csr_matrix:
    rows = [r for m in members for r in m]
    cols = [k for k, m in enumerate(members) for _ in m]
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                         shape=(n, len(members)))
