"""Learn the topical document model from graded judgements: ``matcher/ranking/topical_weights.json``.

    .venv/bin/python scripts/train_topical.py [--split dev]

The judgements are ``bench/judged/`` (ideas, and readers' grades of the organisations that the
product and a keyword search proposed; ``python -m bench.bench_judged`` describes them). For
each graded (idea, organisation) pair of the training split, the organisation's document
that matches the idea best (its past project or description with the highest quality under
the model being fitted; the first round takes the highest BM25 relevance) gives the features
(:data:`matcher.ranking.topical.DOC_FEATURES`); two logistic regressions learn
``P(related)`` (mean grade at least 1) and ``P(clearly on topic)`` (at least 1.5) from them (every weight non-negative),
and the best documents are chosen again with the new model, three rounds in all. Only the
training split's ideas are read: the test split's figures (``python -m bench.bench_judged``)
come from ideas the model never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher import Matcher
from matcher.evaluation.judged import mean_grades, org_key, read_grades, read_ideas
from matcher.language.ideas import read_idea
from matcher.ranking.topical import DOC_FEATURES, WEIGHTS_FILE, TopicalModel

JUDGED = ROOT / "bench" / "judged"
ROUNDS = 3


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """A logistic regression on standardised features, every weight non-negative (each
    feature is evidence for the topic, never against it: free weights of correlated
    features come out negative and make the model brittle), L2-penalised by ``1 / c``,
    folded back to the raw scale."""
    from scipy.optimize import minimize

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    sign = 2.0 * y - 1.0

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        margin = sign * (z @ w + b)
        p = 1.0 / (1.0 + np.exp(np.clip(margin, -30, 30)))  # sigmoid(-margin)
        value = float(np.logaddexp(0.0, -margin).sum() + 0.5 / c * w @ w)
        grad = np.append(-(z.T @ (sign * p)) + w / c, -(sign * p).sum())
        return value, grad

    bounds = [(0.0, None)] * z.shape[1] + [(None, None)]
    found = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B",
                     bounds=bounds)
    w = found.x[:-1] / scale
    return w.astype(np.float32), float(found.x[-1] - np.sum(w * mean))


def examples(m: Matcher, split: str, model: TopicalModel | None,
             ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features of each graded pair's best document, its mean grade, and its idea."""
    ranker = m.ranker()
    index = ranker.space_.topical
    row_of = {org_key(o): r for r, o in enumerate(ranker.registry_.orgs)}
    ideas = [i for i in read_ideas(JUDGED / "ideas.jsonl") if split == "all" or i.split == split]
    grades = mean_grades(read_grades(sorted((JUDGED / "grades").glob("*.jsonl"))))
    xs, ys, owners = [], [], []
    for idea in ideas:
        docs, x, _ = index.document_features(read_idea(idea.text))
        if not docs.size:
            continue
        if model is None:
            quality = x[:, DOC_FEATURES.index("rel")]
        else:
            related, clearly = model.probabilities(x)
            quality = related + clearly
        for key, grade in grades.get(idea.id, {}).items():
            mine = np.isin(docs, index.documents_of(row_of[key]))
            if not mine.any():
                continue
            best = np.flatnonzero(mine)[np.argmax(quality[mine])]
            xs.append(x[best])
            ys.append(grade)
            owners.append(idea.id)
    return np.array(xs, dtype=np.float32), np.array(ys), owners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", help="ideas to learn from: dev, test or all")
    parser.add_argument("-C", type=float, default=1.0, help="inverse regularisation")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()
    model: TopicalModel | None = None
    with Matcher.open() as m:
        for _ in range(ROUNDS):
            x, y, owners = examples(m, args.split, model)
            w1, b1 = _fit(x, (y >= 1.0).astype(int), args.C)
            w2, b2 = _fit(x, (y >= 1.5).astype(int), args.C)
            model = TopicalModel(w1, b1, w2, b2, {
                "split": args.split, "ideas": len(set(owners)), "pairs": int(y.size),
                "related": int((y >= 1.0).sum()), "clearly": int((y >= 1.5).sum()),
                "rounds": ROUNDS, "C": args.C,
                "data": "bench/judged: ideas.jsonl, grades/*.jsonl (mean of two readers)"})
    assert model is not None
    args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model.to_json(), indent=2))


if __name__ == "__main__":
    main()
