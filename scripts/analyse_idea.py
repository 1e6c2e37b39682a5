"""What could raise the idea task's recall@10: the learned idea model against four additions.

    .venv/bin/python scripts/analyse_idea.py [--data ../shared/data/cordis-h2020] \
        [--train-until 2017 --test-from 2018 --test-to 2019]

On one split (as ``matcher evaluate --task idea`` makes it: one query per titled test
consortium, its title + call-topic title, call topic and programme part; every member known
in training is relevant), with the idea model learned inside the training years, every
organisation with evidence for an idea is scored by the model, then:

``pseudo-relevance``  the model's ``m`` best organisations for the idea taken as if they were
                      the query's members (m = 5, 10): their direct partners, common
                      neighbours, Adamic-Adar or personalised PageRank added to the score
                      with weight ``a`` (the weights tried are printed; the best is chosen on
                      the test years themselves, so it is an upper bound of what this could
                      give)
``recent activity``   participations in the idea's programme part or call-topic family,
                      weighted by recency (half-life 1 or 2 years), added the same way
``per-query scale``   the content features and popularity divided by their maximum over the
                      query's organisations, as extra features of a pointwise logistic
                      regression learned inside the training years (label year
                      ``train-until``, features up to the year before), next to the same
                      regression without them
``trees``             gradient-boosted trees (scikit-learn) on the same training examples

Prints recall@10, hit@10 and MRR of each. Not a test; about 10 minutes on the dev split.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _real_data import load, split_parser  # scripts/ is sys.path[0] when run as a file
from sklearn.ensemble import HistGradientBoostingClassifier

from matcher.evaluation.fitting import fit
from matcher.evaluation.harness import EvalQuery, idea_split, training_registry
from matcher.evaluation.metrics import Metrics, ranks_many, summarise
from matcher.evaluation.training import _NEUTRAL, RankerScorer, to_queries
from matcher.ranking.features import CONTENT, FEATURES
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.ranker import Ranker
from matcher.ranking.topics import family
from matcher.registry.snapshot import Registry

WEIGHTS = (0.1, 0.25, 0.5, 1.0, 2.0)
SCALED = [FEATURES.index(n) for n in ("text_sim", "similar_projects", "topic_family",
                                      "theme_projects", "popularity")]
_NO_EVIDENCE = -5000.0  # the model's scores put organisations without evidence below this


def metrics(scores: np.ndarray, queries: Sequence[EvalQuery], seed: int = 0) -> Metrics:
    tiebreak = np.random.default_rng(seed).permutation(scores.shape[1])
    found: list[np.ndarray] = []
    for start in range(0, len(queries), 256):
        chunk = scores[start:start + 256]
        found += ranks_many(chunk, [q.relevant for q in queries[start:start + 256]],
                            np.zeros(chunk.shape, dtype=bool), tiebreak)
    return summarise(found, 10)


def line(name: str, m: Metrics) -> str:
    return f"{name:<44} R@10 {m.recall:.4f}  hit@10 {m.hit:.4f}  MRR {m.mrr:.4f}"


def best_added(base: np.ndarray, extra: np.ndarray, queries: Sequence[EvalQuery]
               ) -> tuple[float, Metrics]:
    evidence = base > _NO_EVIDENCE
    tried = [(a, metrics(np.where(evidence, base + a * extra, base), queries))
             for a in WEIGHTS]
    return max(tried, key=lambda t: t[1].recall)


def pseudo_relevance(graph: CollaborationGraph, base: np.ndarray, m: int, name: str
                     ) -> np.ndarray:
    top = np.argpartition(-base, m, axis=1)[:, :m]
    out = np.zeros_like(base)
    for start in range(0, base.shape[0], 128):
        seeds = [top[i] for i in range(start, min(start + 128, base.shape[0]))]
        values = graph.features_many(seeds, None, (name,))[name]
        out[start:start + len(seeds)] = np.log1p(values * (graph.n_orgs if name == "ppr"
                                                           else 1.0))
    return out


def recent_activity(train: Registry, queries: Sequence[EvalQuery], kind: str,
                    half_life: float) -> np.ndarray:
    inc = sp.csr_matrix(train.incidence, dtype=np.float32)
    inc.data[:] = 1.0
    years = np.asarray(train.project_years)
    weight = np.where(years > 0, 0.5 ** ((years.max() - years) / half_life), 0.0)
    members: dict[str, list[int]] = {}
    for j, p in enumerate(train.projects):
        keys = p.themes if kind == "part" else ((family(p.topic_code),) if p.topic_code else ())
        for key in keys:
            members.setdefault(key, []).append(j)
    out = np.zeros((len(queries), train.n_orgs), dtype=np.float32)
    for i, q in enumerate(queries):
        keys = q.themes if kind == "part" else ((family(q.topic),) if q.topic else ())
        cols = sorted({j for key in keys for j in members.get(key, [])})
        v = np.zeros(len(train.projects), dtype=np.float32)
        v[cols] = weight[cols]
        out[i] = np.log1p(inc @ v)
    return out


def scaled(x: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """``x`` with :data:`SCALED` columns over their maximum within each query, appended."""
    top = np.zeros((int(owner.max()) + 1, len(SCALED)), dtype=np.float32)
    np.maximum.at(top, owner, x[:, SCALED])
    ratio = np.divide(x[:, SCALED], top[owner], out=np.zeros_like(x[:, SCALED]),
                      where=top[owner] > 0)
    return np.hstack([x, ratio])


def examples(train: Registry, until: int, seed: int = 0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every positive and a third of the other organisations with evidence, of the idea
    queries of label year ``until`` (features up to the year before)."""
    inner = idea_split(training_registry(train, until), train_until=until - 1,
                       test_from=until, test_to=until)
    ranker = Ranker(weights=_NEUTRAL).fit(inner.train)
    content = [FEATURES.index(c) for c in CONTENT]
    rng = np.random.default_rng(seed)
    xs, ys, owners = [], [], []
    queries = inner.queries
    for start in range(0, len(queries), 32):
        f = ranker.features(to_queries(inner.train, queries[start:start + 32]))
        for i in range(f.shape[0]):
            rows = np.flatnonzero((f[i][:, content] > 0).any(axis=1))
            positive = np.isin(rows, queries[start + i].relevant)
            keep = positive | (rng.random(rows.size) < 1 / 3)
            xs.append(f[i, rows[keep]])
            ys.append(positive[keep].astype(float))
            owners.append(np.full(int(keep.sum()), start + i))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)


def main() -> None:
    parser = split_parser(__doc__)
    args = parser.parse_args()
    split = idea_split(load(args.data), train_until=args.train_until,
                       test_from=args.test_from, test_to=args.test_to)
    queries, train = split.queries, split.train
    print(f"{len(queries):,} idea queries, {train.n_orgs:,} training organisations", flush=True)
    scorer = RankerScorer(task="idea").fit(train)
    base = scorer.scores(queries)
    print(line("learned idea model (as shipped)", metrics(base, queries)), flush=True)
    graph = CollaborationGraph.from_registry(train)
    for m in (5, 10):
        for name in ("direct_orgs", "common_neighbours", "adamic_adar", "ppr"):
            a, found = best_added(base, pseudo_relevance(graph, base, m, name), queries)
            print(line(f"+ pseudo-relevance {name}, top {m}, a={a:g}", found), flush=True)
    for kind in ("part", "family"):
        for half_life in (1.0, 2.0):
            a, found = best_added(base, recent_activity(train, queries, kind, half_life),
                                  queries)
            print(line(f"+ recent activity in {kind}, half-life {half_life:g}, a={a:g}",
                       found), flush=True)
    x, y, owner = examples(train, args.train_until)
    plain, _ = fit("pointwise", x, y, owner)
    wide, _ = fit("pointwise", scaled(x, owner), y, owner)
    trees = HistGradientBoostingClassifier(max_iter=300, random_state=0).fit(x, y)
    ranker = scorer.ranker_
    out = {k: np.full(base.shape, -1e9, dtype=np.float32) for k in ("plain", "wide", "trees")}
    for start in range(0, len(queries), 32):
        f = ranker.features(to_queries(train, queries[start:start + 32]))
        for i in range(f.shape[0]):
            rows = np.flatnonzero(base[start + i] > _NO_EVIDENCE)
            fe = f[i, rows]
            out["plain"][start + i, rows] = fe @ plain
            out["wide"][start + i, rows] = scaled(fe, np.zeros(rows.size, dtype=np.int64)) @ wide
            out["trees"][start + i, rows] = trees.predict_proba(fe)[:, 1]
    print(line("pointwise regression, same features", metrics(out["plain"], queries)))
    print(line("pointwise regression + per-query scale", metrics(out["wide"], queries)))
    print(line("gradient-boosted trees", metrics(out["trees"], queries)))


if __name__ == "__main__":
    main()
