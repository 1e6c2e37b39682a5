"""The ranker: candidate generation, candidate features, a linear scorer, explanations.

One query runs in three steps, none of which loops in Python over all organisations:

1. **Candidates.** A cheap score over every organisation (text and theme similarity plus the
   query-independent popularity terms, one dense or sparse mat-vec) picks the top
   ``n_content`` allowed organisations with ``np.argpartition``; the query organisations' past
   partners and the best-connected partners of partners are added.
2. **Features** (:meth:`Ranker.candidate_features`) on those few thousand rows only: content
   similarities, :class:`~matcher.ranking.graph.CollaborationGraph` features, type and country terms.
3. **Score**: ``sigmoid(intercept + weights . features)``, so scores lie in (0, 1) and the order
   is that of the linear model. The weights are those of ``matcher/model_weights.json`` (a
   logistic regression trained on hidden-partner queries over exactly these feature names)
   when it exists, hand-set defaults otherwise.

Results are deterministic: equal scores are ordered by organisation id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from matcher.ranking.explain import explain
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.vectorise import ProfileBlocks, ProfileVectoriser, QueryVector
from matcher.registry.snapshot import Registry
from matcher.values import Filters, Match, Query
from models.errors import QueryError

__all__ = ["DEFAULT_WEIGHTS", "FEATURES", "Ranker", "default_weights"]

FEATURES: tuple[str, ...] = (
    "text_sim", "org_text_sim", "theme_sim",
    "direct", "direct_orgs", "common_neighbours", "adamic_adar", "ppr",
    "popularity", "coordinations", "recency",
    "same_category", "new_category", "new_country", "eche",
)
_GRAPH_QUERY = ("direct", "direct_orgs", "common_neighbours", "adamic_adar", "ppr")
_GRAPH_STATIC = ("popularity", "coordinations", "recency")
_LOG_COUNTS = ("direct", "direct_orgs", "common_neighbours", "adamic_adar")

#: Used until ``matcher/model_weights.json`` (trained by G's ``matcher evaluate``) exists.
#: Chosen by measurement, not guessed: on hidden-partner queries of 2017 consortia with
#: everything fitted up to 2016 (a validation split inside the development training period;
#: 798 sampled queries) Recall@10 was 0.168 for these, 0.159 for ppr + popularity alone,
#: 0.152 for a ppr/Adamic-Adar/direct mix, 0.124 for Adamic-Adar alone and 0.115 for the
#: first hand-set weights. Text and theme weights matter only when the query has them.
DEFAULT_WEIGHTS: dict[str, float] = {
    "intercept": -4.0,
    "text_sim": 4.0, "org_text_sim": 0.1, "theme_sim": 0.5,
    "direct": 0.0, "direct_orgs": 0.0, "common_neighbours": 0.0, "adamic_adar": 0.0,
    "ppr": 1.0, "popularity": 0.2, "coordinations": 0.0, "recency": 0.0,
    "same_category": 0.0, "new_category": 0.0, "new_country": 0.0, "eche": 0.0,
}
_NO_FILTERS = Filters()
WEIGHTS_FILE = Path(__file__).with_name("model_weights.json")


def default_weights(path: Path | None = None) -> dict[str, float]:
    """Trained weights from ``path`` if present, else :data:`DEFAULT_WEIGHTS`.

    Accepted layouts: ``{"weights": {name: w}, "intercept": b}`` or
    ``{"features": [...], "coef": [...], "intercept": b}``; unknown names are ignored.
    """
    path = WEIGHTS_FILE if path is None else path
    if not path.is_file():
        return dict(DEFAULT_WEIGHTS)
    raw = json.loads(path.read_text(encoding="utf-8"))
    weights = raw.get("weights")
    if not isinstance(weights, Mapping):
        names = raw.get("features", ())
        coef = raw.get("coef", raw.get("weights", ()))
        weights = dict(zip(names, coef, strict=True))
    out = {name: float(weights.get(name, 0.0)) for name in FEATURES}
    intercept = raw.get("intercept", weights.get("intercept", 0.0))
    out["intercept"] = float(intercept[0] if isinstance(intercept, list) else intercept)
    return out


class Ranker:
    """Rank organisations for queries made of organisations, text and themes.

    Parameters
    ----------
    weights : feature -> weight (and ``"intercept"``); default :func:`default_weights`.
    n_content : candidates taken from the content score per query.
    n_neighbours : most candidates taken from the query organisations' graph neighbourhood.
    vectoriser : the :class:`ProfileVectoriser` to fit (default parameters otherwise).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from matcher.registry.snapshot import OrgProfile
    >>> orgs = tuple(OrgProfile(i, None, None, None, f"Org {i}", c, None, "company", None, False)
    ...              for i, c in enumerate(["FI", "DE", "FR", "ES"]))
    >>> inc = sp.csr_matrix([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    >>> reg = Registry(orgs, (), inc, {}, {}, "fp")
    >>> from matcher.registry.snapshot import ProjectInfo
    >>> reg = Registry(orgs, tuple(ProjectInfo(j, str(j), "H2020", None, 2017, None, None)
    ...                for j in range(2)), inc, {}, {}, "fp")
    >>> [m.org.id for m in Ranker().fit(reg).rank(Query(org_ids=(0,)), n=3)]
    [1, 2, 3]
    """

    def __init__(self, *, weights: Mapping[str, float] | None = None, n_content: int = 2000,
                 n_neighbours: int = 3000, vectoriser: ProfileVectoriser | None = None) -> None:
        self.weights = weights
        self.n_content = n_content
        self.n_neighbours = n_neighbours
        self.vectoriser = vectoriser

    # -- fitting -------------------------------------------------------------------------
    def fit(self, registry: Registry, *,
            progress: Callable[[str], None] | None = None) -> Ranker:
        """Vectorise every profile and build the collaboration graph of ``registry``."""
        say = progress or (lambda _step: None)
        say("profiles")
        vectoriser = self.vectoriser or ProfileVectoriser()
        blocks = vectoriser.fit_transform(registry)
        say("graph")
        self._set_fitted(registry, vectoriser, blocks, CollaborationGraph.from_registry(registry))
        return self

    def _set_fitted(self, registry: Registry, vectoriser: ProfileVectoriser,
                    blocks: ProfileBlocks, graph: CollaborationGraph) -> None:
        self.registry_ = registry
        self.registry_fingerprint_ = registry.fingerprint
        self.vectoriser_ = vectoriser
        self.blocks_ = blocks
        self.graph_ = graph
        self.weights_ = dict(default_weights() if self.weights is None else self.weights)
        self.ids_ = np.array([o.id for o in registry.orgs], dtype=np.int64)
        self.eche_ = np.array([o.eche for o in registry.orgs], dtype=bool)
        w = self.weights_
        static = sum((w.get(name, 0.0) * graph.static(name) for name in _GRAPH_STATIC),
                     np.zeros(registry.n_orgs, dtype=np.float32))
        self._static_score = (static + w.get("eche", 0.0) * self.eche_).astype(np.float32)

    def _check_fitted(self) -> None:
        if not hasattr(self, "registry_"):
            raise RuntimeError("Ranker is not fitted: call fit(registry) or Ranker.load(dir)")

    # -- queries -------------------------------------------------------------------------
    def _rows(self, query: Query) -> np.ndarray:
        if query.is_empty:
            raise QueryError("empty query: give organisations, text or themes")
        row_of = self.registry_.row_of
        missing = [i for i in query.org_ids if i not in row_of]
        if missing:
            raise QueryError(f"unknown organisation ids {missing}: not in the fitted registry "
                             f"({self.registry_.n_orgs} organisations)")
        return np.array(sorted({row_of[i] for i in query.org_ids}), dtype=np.int64)

    def _vector(self, query: Query, rows: np.ndarray) -> QueryVector:
        return self.vectoriser_.query_vector(query, self.blocks_, rows)

    def _allowed(self, filters: Filters, query_rows: np.ndarray) -> np.ndarray:
        """Boolean mask of the organisations ``filters`` allow, query organisations excluded."""
        v = self.vectoriser_
        mask = np.ones(self.registry_.n_orgs, dtype=bool)
        codes = {c: i for i, c in enumerate(v.countries_)}
        if filters.countries:
            keep = [codes[c] for c in filters.countries if c in codes]
            mask &= np.isin(self.blocks_.country, keep)
        if filters.exclude_countries:
            drop = [codes[c] for c in filters.exclude_countries if c in codes]
            mask &= ~np.isin(self.blocks_.country, drop)
        if filters.categories:
            cats = [i for i, c in enumerate(v.categories_) if c in filters.categories]
            mask &= np.isin(self.blocks_.category, cats)
        if filters.eche_only:
            mask &= self.eche_
        row_of = self.registry_.row_of
        excluded = [row_of[i] for i in filters.exclude_ids if i in row_of]
        mask[excluded] = False
        mask[query_rows] = False
        return mask

    def _candidates(self, qv: QueryVector, query_rows: np.ndarray,
                    allowed: np.ndarray) -> np.ndarray:
        w = self.weights_
        cheap = self._static_score.copy()
        # one pass over the text matrix for both text terms (the score is linear in them)
        text = [w.get(name, 0.0) * vector for name, vector, used in (
            ("text_sim", qv.text, qv.has_text), ("org_text_sim", qv.org_text, qv.has_org_text),
        ) if used]
        if text:
            cheap += self.blocks_.text_scores(sum(text[1:], text[0]))
        if qv.themes.any():
            cheap += w.get("theme_sim", 0.0) * self.blocks_.theme_scores(qv.themes)
        if cheap.size > self.n_content:
            cheap[~allowed] = -np.inf  # no gather of the allowed rows: one pass over all
            pool = np.argpartition(-cheap, self.n_content - 1)[: self.n_content]
            pool = pool[allowed[pool]]
        else:
            pool = np.flatnonzero(allowed)
        if not query_rows.size:
            return np.sort(pool)
        adj = self.graph_.adjacency_
        near = adj[query_rows]
        first = np.unique(near.indices)
        second = adj[first] if first.size else near[:0]
        counts = np.bincount(second.indices, minlength=adj.shape[0]).astype(np.float32)
        counts[first] += np.float32(adj.shape[0])  # past partners before partners of partners
        counts[~allowed] = 0.0
        hood = np.flatnonzero(counts)
        if hood.size > self.n_neighbours:
            hood = hood[np.argpartition(-counts[hood], self.n_neighbours - 1)[
                : self.n_neighbours]]
        return np.union1d(pool, hood)

    def candidate_features(self, query: Query, rows: np.ndarray,
                           ) -> tuple[list[str], np.ndarray]:
        """The scorer's feature matrix for candidate ``rows``: (names, rows x features)."""
        self._check_fitted()
        query_rows = self._rows(query)
        return list(FEATURES), self._features(self._vector(query, query_rows), query_rows,
                                              np.asarray(rows, dtype=np.int64))

    def _features(self, qv: QueryVector, query_rows: np.ndarray, rows: np.ndarray,
                  needed: Sequence[str] = FEATURES) -> np.ndarray:
        """Feature matrix; graph features not in ``needed`` (zero weight) are left at 0."""
        out = np.zeros((rows.size, len(FEATURES)), dtype=np.float32)
        col = {name: i for i, name in enumerate(FEATURES)}
        if qv.has_text:
            out[:, col["text_sim"]] = self.blocks_.text_scores(qv.text, rows)
        if qv.has_org_text:
            out[:, col["org_text_sim"]] = self.blocks_.text_scores(qv.org_text, rows)
        if qv.themes.any():
            out[:, col["theme_sim"]] = self.blocks_.theme_scores(qv.themes, rows)
        for name in _GRAPH_STATIC:
            out[:, col[name]] = self.graph_.static(name)[rows]
        if query_rows.size and rows.size:
            names = [name for name in _GRAPH_QUERY if name in needed]
            graph = self.graph_.features_many([query_rows], rows, names=names)
            for name in _LOG_COUNTS:
                if name in graph:
                    out[:, col[name]] = np.log1p(graph[name][0])
            if "ppr" in graph:
                out[:, col["ppr"]] = np.log1p(graph["ppr"][0] * self.registry_.n_orgs)
            cats = np.array(sorted(qv.categories), dtype=np.int16)
            same = np.isin(self.blocks_.category[rows], cats)
            out[:, col["same_category"]] = same
            out[:, col["new_category"]] = ~same
            countries = np.array(sorted(qv.countries), dtype=np.int16)
            out[:, col["new_country"]] = ~np.isin(self.blocks_.country[rows], countries)
        out[:, col["eche"]] = self.eche_[rows]
        return out

    def _linear(self, features: np.ndarray) -> np.ndarray:
        w = np.array([self.weights_.get(name, 0.0) for name in FEATURES], dtype=np.float32)
        z = features @ w + np.float32(self.weights_.get("intercept", 0.0))
        scores: np.ndarray = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float64)
        return scores

    def score(self, query: Query, rows: np.ndarray) -> np.ndarray:
        """Final scores in [0, 1] of arbitrary candidate ``rows`` (query orgs included)."""
        _, features = self.candidate_features(query, rows)
        return self._linear(features)

    @overload
    def rank(self, query: Query, n: int = 10, filters: Filters = ..., *,
             explain: bool = ...) -> list[Match]: ...

    @overload
    def rank(self, query: Sequence[Query], n: int = 10, filters: Filters = ..., *,
             explain: bool = ...) -> list[list[Match]]: ...

    def rank(self, query: Query | Sequence[Query], n: int = 10,
             filters: Filters = _NO_FILTERS, *,
             explain: bool = True) -> list[Match] | list[list[Match]]:
        """The ``n`` best allowed organisations for one query, or one list per query.

        With ``explain=False`` the matches carry no ``why`` (``()``), which saves most of
        the time when many candidates are asked for; :meth:`why` gives it for one later.
        """
        self._check_fitted()
        if n < 1:
            raise QueryError(f"n={n}: ask for at least 1 result")
        if isinstance(query, Query):
            return self._rank_one(query, n, filters, explain)
        return [self._rank_one(q, n, filters, explain) for q in query]

    def _rank_one(self, query: Query, n: int, filters: Filters,
                  with_why: bool = True) -> list[Match]:
        query_rows = self._rows(query)
        qv = self._vector(query, query_rows)
        allowed = self._allowed(filters, query_rows)
        rows = self._candidates(qv, query_rows, allowed)
        if not rows.size:
            return []
        needed = [name for name in FEATURES if self.weights_.get(name, 0.0)]
        features = self._features(qv, query_rows, rows, needed)
        scores = self._linear(features)
        if rows.size > n:
            keep = np.argpartition(-scores, n - 1)[:n]
            # ties at the cut: keep every row scoring as the n-th, then order by id
            cut = scores[keep].min()
            keep = np.flatnonzero(scores >= cut)
            rows, scores, features = rows[keep], scores[keep], features[keep]
        order = np.lexsort((self.ids_[rows], -scores))[:n]
        w = np.array([self.weights_.get(name, 0.0) for name in FEATURES], dtype=np.float32)
        partners = (np.unique(self.graph_.adjacency_[query_rows].indices) if with_why
                    else None)
        matches = []
        for rank, i in enumerate(order.tolist(), start=1):
            row = int(rows[i])
            contrib = sorted(((name, float(v)) for name, v in zip(FEATURES, features[i] * w,
                                                                   strict=True) if v),
                             key=lambda p: (-abs(p[1]), p[0]))
            matches.append(Match(
                rank=rank, org=self.registry_.orgs[row], score=round(float(scores[i]), 6),
                why=(explain(self, query, qv, query_rows, row, features[i], partners)
                     if with_why else ()),
                contributions=tuple(contrib)))
        return matches

    def why(self, query: Query, row: int) -> tuple[str, ...]:
        """The human reasons why organisation ``row`` suits ``query``."""
        self._check_fitted()
        query_rows = self._rows(query)
        qv = self._vector(query, query_rows)
        features = self._features(qv, query_rows, np.array([row], dtype=np.int64))[0]
        return explain(self, query, qv, query_rows, row, features)

    def why_many(self, query: Query, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """:meth:`why` for several candidate ``rows`` of one query (one query vector; the
        explanations use no graph feature, so none is computed)."""
        self._check_fitted()
        query_rows = self._rows(query)
        qv = self._vector(query, query_rows)
        picked = np.asarray(rows, dtype=np.int64)
        features = self._features(qv, query_rows, picked, needed=())
        partners = np.unique(self.graph_.adjacency_[query_rows].indices)
        return [explain(self, query, qv, query_rows, int(row), features[i], partners)
                for i, row in enumerate(picked.tolist())]

    # -- persistence ---------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write ``ranker.json`` and ``arrays.npz`` (no pickle) into ``directory``."""
        from matcher.ranking.persistence import save_ranker

        self._check_fitted()
        save_ranker(self, Path(directory))

    @classmethod
    def load(cls, directory: Path) -> Ranker:
        """A ranker saved by :meth:`save`; ``DataFileError`` if missing or of another format."""
        from matcher.ranking.persistence import load_ranker

        ranker = cls()
        registry, vectoriser, blocks, weights, params = load_ranker(Path(directory))
        ranker.weights = weights
        ranker.n_content = int(params["n_content"])
        ranker.n_neighbours = int(params["n_neighbours"])
        ranker._set_fitted(registry, vectoriser, blocks,
                           CollaborationGraph.from_registry(registry))
        return ranker
