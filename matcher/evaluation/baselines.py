"""Reference scorers for :func:`matcher.evaluation.harness.evaluate`: what the model must beat.

All of them follow :class:`matcher.evaluation.harness.Scorer`: ``fit(train_registry)`` then
``scores(queries)`` -> ``(n_queries, n_orgs)``.

- :class:`RandomScorer`: uniform random scores (seeded).
- :class:`Popularity`: number of past participations.
- :class:`PartPopularity`: participations in past projects of the query's themes (H2020
  programme part); overall popularity only breaks ties.
- :class:`GraphScorer` ``("common_neighbours")`` / ``("adamic_adar")``: the classic link
  predictors on the co-participation graph, summed over the query organisations
  (:class:`matcher.ranking.graph.CollaborationGraph`).
- :class:`TopicFamily`: participations in past projects of the query's call-topic family.
- :class:`TextSimilarity`: TF-IDF cosine between the query text and each organisation's past
  project titles and call-topic titles (sublinear tf, English stop words, 1-2-grams,
  min_df 2).
- ``implicit_als`` and ``pagerank``: the field's collaborative peers, their hyper-parameters
  chosen on the training years (:mod:`matcher.evaluation.peers`).
- :class:`Blend`: ``text/max + log1p(topic_family)/max + log1p(part_popularity)/max +
  0.5 log1p(popularity)/max``, each maximum taken over the candidates of the query.

>>> import scipy.sparse as sp
>>> from matcher.evaluation.harness import EvalQuery
>>> from matcher.registry.snapshot import Registry
>>> inc = sp.csr_matrix(np.array([[1, 1], [1, 0], [0, 1], [1, 1]], dtype=np.float32))
>>> reg = Registry((), (), inc, {}, {}, "x")
>>> Popularity().fit(reg).scores([EvalQuery("p", (0,), (1,), ())]).tolist()
[[2.0, 1.0, 1.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.evaluation.harness import EvalQuery
from matcher.evaluation.peers import peers
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.topics import TopicIndex
from matcher.registry.snapshot import Registry

__all__ = ["IDEA_BASELINES", "PARTNER_BASELINES", "Blend", "GraphScorer", "PartPopularity",
           "Popularity", "RandomScorer", "TextSimilarity", "TopicFamily", "baselines"]

#: Names in the order the evaluation reports them, per task.
PARTNER_BASELINES = ("random", "popularity", "part_popularity", "common_neighbours",
                     "adamic_adar", "implicit_als", "pagerank")
IDEA_BASELINES = ("popularity", "part_popularity", "topic_family", "text", "blend")


class RandomScorer:
    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, train: Registry) -> RandomScorer:
        self.n_orgs_ = int(train.incidence.shape[0])
        self.rng_ = np.random.default_rng(self.seed)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        values: np.ndarray = self.rng_.random((len(queries), self.n_orgs_))
        return values


def _binary(incidence: sp.spmatrix) -> sp.csr_matrix:
    b = sp.csr_matrix(incidence, dtype=np.float32, copy=True)
    b.data[:] = 1.0
    return b


def _participations(incidence: sp.spmatrix) -> np.ndarray:
    counts: np.ndarray = np.asarray(_binary(incidence).sum(axis=1)).ravel()
    return counts


class Popularity:
    def fit(self, train: Registry) -> Popularity:
        self.popularity_ = _participations(train.incidence)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        return np.broadcast_to(self.popularity_, (len(queries), self.popularity_.size))


class PartPopularity:
    """Participations in past projects that share a theme with the query.

    ``tiebreak``: add overall popularity, scaled below one participation, to break ties.
    """

    def __init__(self, *, tiebreak: bool = True) -> None:
        self.tiebreak = tiebreak

    def fit(self, train: Registry) -> PartPopularity:
        codes = sorted({t for p in train.projects for t in p.themes})
        self.column_of_ = {code: i for i, code in enumerate(codes)}
        rows = [j for j, p in enumerate(train.projects) for _ in p.themes]
        cols = [self.column_of_[t] for p in train.projects for t in p.themes]
        project_theme = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                      shape=(len(train.projects), len(codes)))
        self.by_theme_ = np.asarray((_binary(train.incidence) @ project_theme).todense(),
                                    dtype=np.float64)
        total = _participations(train.incidence)
        self.tiebreak_ = (total / (total.max() + 1.0) if total.size and self.tiebreak
                          else np.zeros_like(total))
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        out = np.empty((len(queries), self.by_theme_.shape[0]))
        for i, q in enumerate(queries):
            cols = [self.column_of_[t] for t in q.themes if t in self.column_of_]
            out[i] = self.by_theme_[:, cols].sum(axis=1) + self.tiebreak_
        return out


class GraphScorer:
    """One feature of :class:`~matcher.ranking.graph.CollaborationGraph` used as the score."""

    def __init__(self, feature: str) -> None:
        self.feature = feature

    def fit(self, train: Registry) -> GraphScorer:
        self.graph_ = CollaborationGraph.from_registry(train)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        rows = [np.array(q.members, dtype=np.int64) for q in queries]
        return self.graph_.features_many(rows, names=(self.feature,))[self.feature]


class TopicFamily:
    """Participations in past projects of the query's call-topic family."""

    def fit(self, train: Registry) -> TopicFamily:
        self.topics_ = TopicIndex([p.topic_code for p in train.projects])
        self.by_family_ = sp.csc_matrix(_binary(train.incidence) @ self.topics_.matrix_)
        self.n_orgs_ = train.n_orgs
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        out = np.zeros((len(queries), self.n_orgs_))
        for i, q in enumerate(queries):
            col = self.topics_.column(q.topic) if q.topic else None
            if col is not None:
                out[i] = self.by_family_[:, col].toarray().ravel()
        return out


def past_titles(train: Registry) -> list[str]:
    """Each organisation's past project titles and call-topic titles, as one text."""
    texts = [" ".join(t for t in (p.title, p.topic_title) if t) for p in train.projects]
    inc = sp.csr_matrix(train.incidence)
    return [" ".join(texts[j] for j in inc.indices[inc.indptr[i]:inc.indptr[i + 1]])
            for i in range(train.n_orgs)]


class TextSimilarity:
    """TF-IDF cosine of the query text with each organisation's :func:`past_titles`."""

    def fit(self, train: Registry) -> TextSimilarity:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectoriser_ = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                                           ngram_range=(1, 2), min_df=2, dtype=np.float32)
        self.orgs_ = self.vectoriser_.fit_transform(past_titles(train))
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        q = self.vectoriser_.transform([query.text for query in queries])
        return np.asarray((q @ self.orgs_.T).toarray(), dtype=np.float64)


def _by_max(values: np.ndarray) -> np.ndarray:
    top = values.max(axis=1, keepdims=True)
    out: np.ndarray = np.divide(values, top, out=np.zeros_like(values), where=top > 0)
    return out


class Blend:
    """The four idea baselines together, each scaled by its maximum over the candidates."""

    def fit(self, train: Registry) -> Blend:
        self.text_ = TextSimilarity().fit(train)
        self.topic_ = TopicFamily().fit(train)
        self.part_ = PartPopularity(tiebreak=False).fit(train)
        self.popularity_ = Popularity().fit(train)
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        out: np.ndarray = (_by_max(self.text_.scores(queries))
                + _by_max(np.log1p(self.topic_.scores(queries)))
                + _by_max(np.log1p(self.part_.scores(queries)))
                + 0.5 * _by_max(np.log1p(np.asarray(self.popularity_.scores(queries),
                                                    dtype=np.float64))))
        return out


def baselines(task: str = "partner", *, seed: int = 0) -> dict[str, object]:
    """Fresh, unfitted baseline scorers of ``task`` keyed by their report names."""
    if task == "idea":
        return {"popularity": Popularity(), "part_popularity": PartPopularity(),
                "topic_family": TopicFamily(), "text": TextSimilarity(), "blend": Blend()}
    return {
        "random": RandomScorer(seed=seed),
        "popularity": Popularity(),
        "part_popularity": PartPopularity(),
        "common_neighbours": GraphScorer("common_neighbours"),
        "adamic_adar": GraphScorer("adamic_adar"),
        **peers(seed=seed),
    }
