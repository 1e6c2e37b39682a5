"""Three ways to fit a linear ranking model on grouped examples, chosen by measurement.

Every fitter takes the examples of :mod:`matcher.evaluation.training`: ``x`` (examples x
features), ``y`` (1 for a real member, 0 for a sampled candidate) and ``owner`` (the query of
each example), and returns ``(coef, intercept)`` on the raw feature scale, such that
``sigmoid(intercept + coef . x)`` is a calibrated probability and orders the candidates.

``pointwise``
    Logistic regression on standardised features, positives against the sampled negatives
    of all queries together.
``pairwise``
    Logistic regression on the differences between each positive and each negative of the
    same query (the order within a query is what ranking needs).
``recall``
    Coordinate ascent (Metzler and Croft, 2007) on the mean recall@10 of the queries (plus a
    tenth of their reciprocal rank, to break plateaus), each candidate ranked among its
    query's examples, started from the pointwise solution.

The direction found by ``pairwise`` and ``recall`` is then scaled and given an intercept by a
one-feature logistic regression on the examples, so the scores stay probabilities.

>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(400, 2)); owner = np.repeat(np.arange(40), 10)
>>> y = (x[:, 0] + 0.1 * rng.normal(size=400) > 1.2).astype(float)
>>> coef, _ = fit("recall", x, y, owner)
>>> bool(coef[0] > abs(coef[1]))
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["OBJECTIVES", "fit", "recall_at"]

OBJECTIVES = ("pointwise", "pairwise", "recall")
_STEPS = (1.0, 0.5, 0.25, 0.1, 0.05)
_ROUNDS = 3


def fit(objective: str, x: np.ndarray, y: np.ndarray, owner: np.ndarray, *,
        c: float = 1.0, k: int = 10) -> tuple[np.ndarray, float]:
    """``(coef, intercept)`` of ``objective`` (one of :data:`OBJECTIVES`)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    scale = x.std(axis=0)
    constant = scale == 0
    scale[constant] = 1.0
    z = x / scale  # not centred: the intercept stays that of the raw scale
    direction, intercept = _pointwise(z, y, c)
    if objective == "pairwise":
        direction = _pairwise(z, y, owner, c)
    elif objective == "recall":
        direction = _coordinate_ascent(z, y, owner, direction, k)
    coef = direction / scale
    coef[constant] = 0.0
    if objective == "pointwise":
        return coef, intercept
    return _calibrated(x, y, coef)


def _pointwise(z: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000).fit(z, y)
    coef: np.ndarray = model.coef_[0].copy()
    return coef, float(model.intercept_[0])


def _pairwise(z: np.ndarray, y: np.ndarray, owner: np.ndarray, c: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    diffs = []
    for q in np.unique(owner):
        mine = owner == q
        pos, neg = z[mine & (y == 1)], z[mine & (y == 0)]
        if pos.size and neg.size:
            diffs.append((pos[:, None, :] - neg[None, :, :]).reshape(-1, z.shape[1]))
    d = np.concatenate(diffs)
    model = LogisticRegression(C=c, max_iter=3000, fit_intercept=False).fit(
        np.concatenate([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    coef: np.ndarray = model.coef_[0].copy()
    return coef


def recall_at(scores: np.ndarray, y: np.ndarray, owner: np.ndarray, k: int = 10,
              ) -> tuple[float, float]:
    """Mean recall@k and mean reciprocal rank of the positives, each query's examples
    ranked by ``scores`` (ties: the earlier example first)."""
    order = np.lexsort((np.arange(scores.size), -scores, owner))
    grouped_owner, grouped_y = owner[order], y[order]
    starts = np.r_[0, np.flatnonzero(np.diff(grouped_owner)) + 1]
    position = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    positives = grouped_y == 1
    queries = grouped_owner[positives]
    ranks = position[positives] + 1
    ids, inverse = np.unique(queries, return_inverse=True)
    hits = np.bincount(inverse, weights=(ranks <= k).astype(float), minlength=ids.size)
    sizes = np.bincount(inverse, minlength=ids.size)
    best = np.full(ids.size, np.inf)
    np.minimum.at(best, inverse, ranks.astype(float))
    return float(np.mean(hits / sizes)), float(np.mean(1.0 / best))


def _coordinate_ascent(z: np.ndarray, y: np.ndarray, owner: np.ndarray, start: np.ndarray,
                       k: int) -> np.ndarray:
    def objective(w: np.ndarray) -> float:
        recall, rr = recall_at(z @ w, y, owner, k)
        return recall + 0.1 * rr

    w = start / max(float(np.abs(start).max()), 1e-12)
    best = objective(w)
    for _ in range(_ROUNDS):
        improved = False
        for j in range(w.size):
            for step in _STEPS:
                for sign in (1.0, -1.0):
                    trial = w.copy()
                    trial[j] += sign * step
                    value = objective(trial)
                    if value > best + 1e-6:
                        best, w, improved = value, trial, True
        if not improved:
            break
    return w


def _calibrated(x: np.ndarray, y: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=1000).fit((x @ coef)[:, None], y)
    return coef * float(model.coef_[0, 0]), float(model.intercept_[0])
