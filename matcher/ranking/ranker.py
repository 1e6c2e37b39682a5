"""The ranker: candidate generation, features, two linear models, explanations.

:meth:`Ranker.rank` takes one query or many (a single query is a batch of one) and answers
in three steps per batch, none of which loops in Python over all organisations:

1. **Content scores.** The content and static features (:mod:`matcher.ranking.features`)
   of every organisation for every query of the batch, as a few sparse products; with the
   query's weights they are its cheap score. Each query's candidates are the best
   ``n_content`` allowed organisations by that score (with, for queries with organisations,
   their latent affinity: :class:`~matcher.ranking.latent.LatentCollaboration`), plus, for
   queries with organisations,
   their past partners and best-connected partners of partners (``n_neighbours``). A query
   without organisations (an idea) considers only organisations with evidence for it (some
   content feature above zero: its words, similar projects, its call topic, its themes);
   when none has any, the static features alone order them, and the caller says so.
2. **Graph features** of each query's own candidates, for queries with organisations
   (:meth:`~matcher.ranking.features.FeatureSpace.query_columns`; the personalised PageRank
   walk is made once for the whole batch): their cost follows a query's candidates, not the
   union of the batch's.
3. **Score**: ``sigmoid(intercept + w . features)`` with the weights of the query's kind
   (:class:`~matcher.ranking.weights.Weights`: ``partner`` when the query names
   organisations, ``idea`` otherwise); each query keeps its own candidates only, so a query
   gets the same answer alone or in a batch.

Results are deterministic: equal scores are ordered by organisation id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np

from matcher.errors import QueryError
from matcher.language.ideas import read_idea
from matcher.ranking.explain import Explainer
from matcher.ranking.features import (
    CONTENT,
    FEATURES,
    GRAPH,
    STATIC,
    TYPE_COUNTRY,
    FeatureSpace,
    QueryBatch,
)
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.latent import LatentCollaboration
from matcher.ranking.persistence import load_ranker, save_ranker
from matcher.ranking.similar import ProjectTexts
from matcher.ranking.topical import TopicalIndex, TopicalScores
from matcher.ranking.vectorise import ProfileVectoriser
from matcher.ranking.weights import Weights, load_weights
from matcher.registry.records import array_of
from matcher.registry.snapshot import Registry
from matcher.values import Filters, Match, Query

__all__ = ["FEATURES", "Ranker", "Ranking"]

_NO_FILTERS = Filters()
#: What every organisation is scored by to pick a query's candidates: the content and static
#: features, and the latent affinity (a product with the factors, made once per query), so
#: that an organisation that fits the consortium without having worked with it is considered.
_CHEAP = (*CONTENT, *STATIC, "latent")
#: Columns summed at a time by :meth:`Ranker.linear` (a block of a batch's scores fits in cache).
_BLOCK = 4096
#: Below any real score: an idea query's organisations without evidence come after the rest.
_NO_EVIDENCE = np.float32(1e4)


@dataclass(frozen=True, slots=True)
class Ranking:
    """One query's matches; ``by_activity`` when it is an idea that no allowed organisation
    has evidence for, so that the order is that of the static features (activity) alone.
    An idea's matches without topical evidence (shown because too few have it) come last,
    marked ``weak``."""

    matches: tuple[Match, ...]
    by_activity: bool = False
    #: An idea's text as read (language, English words) and the topic words evidence must
    #: match; None for a query without text.
    topical: TopicalScores | None = None

    @property
    def strong(self) -> int:
        """How many matches carry evidence for the query."""
        return sum(1 for m in self.matches if not m.weak)


def _among(codes: np.ndarray, names: Sequence[str], wanted: Collection[str]) -> np.ndarray:
    """Whether each organisation's code (an index into ``names``, -1 for none) names one of
    ``wanted``: a lookup table read once per organisation, not a sort as ``np.isin``."""
    table = np.zeros(len(names) + 1, dtype=bool)  # the last entry: code -1
    table[[i for i, name in enumerate(names) if name in wanted]] = True
    found: np.ndarray = table[codes]
    return found


@dataclass(frozen=True, slots=True)
class _Picked:
    """A query's chosen candidate rows; for an idea with topical evidence, in order with
    their scores, and which are only close to it (``weak``)."""

    rows: np.ndarray
    scores: np.ndarray | None = None
    weak: np.ndarray | None = None
    blind: bool = False


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float64)
    return out


class Ranker:
    """Rank organisations for queries made of organisations, text, themes and call topics.

    Parameters
    ----------
    weights : a :class:`Weights`, or one mapping used for both kinds; default: the learned
        ``model_weights.json``.
    n_content : candidates taken from the content score per query.
    n_neighbours : most candidates taken from the query organisations' graph neighbourhood.
    batch : queries whose content scores are computed together.
    vectoriser, texts, topical, latent : the :class:`ProfileVectoriser`,
        :class:`ProjectTexts`, :class:`TopicalIndex` and :class:`LatentCollaboration` to fit.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from matcher.registry.snapshot import OrgProfile, ProjectInfo
    >>> orgs = tuple(OrgProfile(i, None, None, None, f"Org {i}", c, None, "company", None, False)
    ...              for i, c in enumerate(["FI", "DE", "FR", "ES"]))
    >>> inc = sp.csr_matrix([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    >>> reg = Registry(orgs, tuple(ProjectInfo(j, str(j), "H2020", None, 2017, None, None)
    ...                for j in range(2)), inc, {}, {}, "fp")
    >>> w = {"direct": 1.0, "ppr": 1.0, "popularity": 0.1}
    >>> [m.org.id for m in Ranker(weights=w).fit(reg).rank(Query(org_ids=(0,)), n=3)]
    [1, 2, 3]
    """

    def __init__(self, *, weights: Weights | Mapping[str, float] | None = None,
                 n_content: int = 2000, n_neighbours: int = 3000, batch: int = 32,
                 vectoriser: ProfileVectoriser | None = None,
                 texts: ProjectTexts | None = None,
                 topical: TopicalIndex | None = None,
                 latent: LatentCollaboration | None = None, model_share: float = 0.9,
                 weak_min: float = 0.3) -> None:
        self.weights = weights
        self.model_share = model_share
        self.weak_min = weak_min
        self.n_content = n_content
        self.n_neighbours = n_neighbours
        self.batch = batch
        self.vectoriser = vectoriser
        self.texts = texts
        self.topical = topical
        self.latent = latent

    # -- fitting -------------------------------------------------------------------------
    def fit(self, registry: Registry, *,
            progress: Callable[[str], None] | None = None) -> Ranker:
        """Vectorise every profile and project, and build the collaboration graph."""
        say = progress or (lambda _step: None)
        say("profiles")
        vectoriser = self.vectoriser or ProfileVectoriser()
        blocks = vectoriser.fit_transform(registry)
        texts = (self.texts or ProjectTexts()).fit(registry)
        topical = (self.topical or TopicalIndex()).fit(registry)
        say("graph")
        graph = CollaborationGraph.from_registry(registry)
        latent = (self.latent or LatentCollaboration()).fit(registry.incidence)
        self._set_fitted(FeatureSpace(registry, vectoriser, blocks, graph, texts, topical,
                                      latent))
        return self

    def _set_fitted(self, space: FeatureSpace) -> None:
        self.space_ = space
        self.registry_ = space.registry
        self.registry_fingerprint_ = space.registry.fingerprint
        self.vectoriser_, self.blocks_, self.graph_ = space.vectoriser, space.blocks, space.graph
        w = self.weights
        self.weights_ = (load_weights() if w is None else w if isinstance(w, Weights)
                         else Weights.same(w))
        self.ids_ = array_of(space.registry.orgs, "id", np.int64)
        self.explainer_ = Explainer(space)

    def _check_fitted(self) -> None:
        if not hasattr(self, "space_"):
            raise RuntimeError("Ranker is not fitted: call fit(registry) or Ranker.load(dir)")

    # -- scoring -------------------------------------------------------------------------
    def _kinds(self, batch: QueryBatch) -> list[str]:
        return ["partner" if has else "idea" for has in batch.has_orgs]

    def linear(self, batch: QueryBatch, rows: np.ndarray | None = None,
               names: Sequence[str] = FEATURES) -> np.ndarray:
        """``intercept + w . features`` of each query over ``rows`` (default: all), with the
        weights of each query's kind, summing only the features in ``names``."""
        return self._linear(batch, rows, names)

    def _linear(self, batch: QueryBatch, rows: np.ndarray | None, names: Sequence[str],
                ) -> np.ndarray:
        """:meth:`linear`."""
        kinds = self._kinds(batch)
        w = np.stack([self.weights_.vector(k) for k in kinds])
        used = [n for n in names if np.any(w[:, FEATURES.index(n)])]
        width = self.space_.n_orgs if rows is None else len(rows)
        z = np.empty((len(kinds), width), dtype=np.float32)
        # the query-independent features: one row per kind of query
        fixed: dict[str, np.ndarray] = {}
        cand = slice(None) if rows is None else np.asarray(rows, dtype=np.int64)
        for i, kind in enumerate(kinds):
            if kind not in fixed:
                row = np.full(width, self.weights_.intercept(kind), dtype=np.float32)
                for name in (n for n in used if n in STATIC):
                    row += w[i, FEATURES.index(name)] * self.graph_.static(name)[cand]
                fixed[kind] = row
            z[i] = fixed[kind]
        terms = [(w[:, FEATURES.index(name)][:, None], values) for name, values
                 in self.space_.columns(batch, rows, [n for n in used if n not in STATIC])]
        # summed block of columns by block, each block of z staying in cache while every
        # term is added to it: the same additions in the same order as term by term
        scratch = np.empty((len(kinds), min(width, _BLOCK)), dtype=np.float32)
        for start in range(0, width, _BLOCK):
            block = z[:, start:start + _BLOCK]
            part = scratch[:, :block.shape[1]]
            for weight, values in terms:
                np.multiply(values[:, start:start + _BLOCK], weight, out=part)
                block += part
        return z

    def scores_all(self, queries: Sequence[Query]) -> np.ndarray:
        """Every organisation's score for each query, in the order :meth:`rank` gives
        (evaluation): an idea's organisations with topical evidence by :meth:`idea_scores`,
        then those closest to it, then the rest; other queries by the linear model."""
        self._check_fitted()
        batch = self.space_.prepare(queries)
        z = self._linear(batch, None, FEATURES)
        evidence = self.space_.evidence(batch)
        ideas = ~batch.has_orgs
        z[ideas] = np.where(evidence[ideas], z[ideas], z[ideas] - _NO_EVIDENCE)
        for i, topical in enumerate(batch.topical):
            if topical is None or batch.rows[i].size:
                continue
            strong = np.flatnonzero(evidence[i])
            out = z[i] - 2 * _NO_EVIDENCE
            close = topical.org_score > 0
            out[close] = topical.org_score[close] - _NO_EVIDENCE
            out[strong] = self.idea_scores(topical.org_score[strong], z[i, strong])
            z[i] = out
        return z

    def idea_relevance(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each organisation's topical score for the idea ``text`` (registry rows); whether
        it has topical evidence for it (a past project or description about the idea's
        topic, in its words' senses); and whether it may be added to a consortium for it (a
        document at least :data:`~matcher.ranking.topical.LIKELY_RELATED` likely related,
        matching a topic word in its sense: evidence, or close to it)."""
        self._check_fitted()
        scores = self.space_.topical.score(read_idea(text))
        return scores.org_score, scores.org_evidence, scores.org_likely

    def collaboration_factors(self, rows: np.ndarray) -> np.ndarray:
        """The latent collaboration factors (implicit ALS) of organisation ``rows``, one
        row each."""
        self._check_fitted()
        return self.space_.latent.item_factors_[np.asarray(rows, dtype=np.int64)]

    def idea_scores(self, topical: np.ndarray, z: np.ndarray) -> np.ndarray:
        """An idea's score (0 to 1) of candidates with topical evidence: their topical score
        (an expected grade, 0 to 2) and, weighing ``model_share`` against it, the learned
        idea model's probability relative to the best candidate's, so that what the model
        learned from real consortia orders organisations that did this kind of work, and
        cannot bring in one that did not; over its largest value (the largest topical score,
        the best probability)."""
        p = _sigmoid(z)
        top = float(p.max(initial=0.0))
        rel = p / top if top > 0 else p
        share = self.model_share
        best = self.space_.topical.max_score
        out: np.ndarray = (((1.0 - share) * np.asarray(topical, dtype=np.float64) + share * rel)
                           / ((1.0 - share) * best + share))
        return out

    def features(self, queries: Sequence[Query], rows: np.ndarray | None = None,
                 ) -> np.ndarray:
        """Every feature of ``queries`` for the candidate ``rows`` (default: all):
        ``(queries, rows, len(FEATURES))``."""
        self._check_fitted()
        return self.space_.matrix(self.space_.prepare(queries), rows)

    def candidate_features(self, query: Query, rows: np.ndarray,
                           ) -> tuple[list[str], np.ndarray]:
        """The feature matrix of one query for candidate ``rows``: (names, rows x features)."""
        return list(FEATURES), self.features([query], np.asarray(rows, dtype=np.int64))[0]

    def score(self, query: Query, rows: np.ndarray) -> np.ndarray:
        """Final scores in (0, 1) of arbitrary candidate ``rows`` (query orgs included)."""
        self._check_fitted()
        batch = self.space_.prepare([query])
        return _sigmoid(self.linear(batch, np.asarray(rows, dtype=np.int64))[0])

    # -- ranking -------------------------------------------------------------------------
    @overload
    def rank(self, query: Query, n: int = 10, filters: Filters = ..., *,
             explain: bool = ...) -> list[Match]: ...

    @overload
    def rank(self, query: Sequence[Query], n: int = 10,
             filters: Filters | Sequence[Filters] = ..., *,
             explain: bool = ...) -> list[list[Match]]: ...

    def rank(self, query: Query | Sequence[Query], n: int = 10,
             filters: Filters | Sequence[Filters] = _NO_FILTERS, *,
             explain: bool = True) -> list[Match] | list[list[Match]]:
        """The ``n`` best allowed organisations for one query, or one list per query.

        ``filters`` is one :class:`Filters` for every query or one per query. With
        ``explain=False`` the matches carry no ``why``, which saves most of the time when
        many candidates are asked for; :meth:`why_many` gives it later.
        """
        queries = [query] if isinstance(query, Query) else list(query)
        out = [list(r.matches) for r in self.rankings(queries, n, filters, explain=explain)]
        return out[0] if isinstance(query, Query) else out

    def rankings(self, queries: Sequence[Query], n: int = 10,
                 filters: Filters | Sequence[Filters] = _NO_FILTERS, *,
                 explain: bool = True) -> list[Ranking]:
        """:meth:`rank` for a batch, with what a caller should tell the user: whether an idea
        found no organisation with evidence for it (then ranked by activity alone)."""
        self._check_fitted()
        if n < 1:
            raise QueryError(f"n={n}: ask for at least 1 result")
        if isinstance(filters, Filters):
            per_query: Sequence[Filters] = [filters] * len(queries)
        else:
            per_query = list(filters)
            if len(per_query) != len(queries):
                raise ValueError(f"{len(per_query)} filters for {len(queries)} queries")
        out: list[Ranking] = []
        for start in range(0, len(queries), self.batch):
            chunk = queries[start:start + self.batch]
            out.extend(self._rank_batch(chunk, per_query[start:start + self.batch], n, explain))
        return out

    def _allowed(self, filters: Filters, query_rows: np.ndarray) -> np.ndarray:
        """Boolean mask of the organisations ``filters`` allow, query organisations excluded."""
        v, blocks = self.vectoriser_, self.blocks_
        mask = np.ones(self.registry_.n_orgs, dtype=bool)
        if filters.countries:
            mask &= _among(blocks.country, v.countries_, filters.countries)
        if filters.exclude_countries:
            mask &= ~_among(blocks.country, v.countries_, filters.exclude_countries)
        if filters.categories:
            mask &= _among(blocks.category, v.categories_, filters.categories)
        if filters.eche_only:
            mask &= self.space_.eche
        if filters.named_only:
            mask &= self.space_.named
        if filters.only_ids is not None:
            mask &= np.isin(self.ids_, np.fromiter(filters.only_ids, dtype=np.int64))
        row_of = self.registry_.row_of
        mask[[row_of[i] for i in filters.exclude_ids if i in row_of]] = False
        mask[query_rows] = False
        return mask

    def _neighbourhood(self, query_rows: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Past partners, then the best-connected partners of partners."""
        adj = self.graph_.adjacency_
        first = np.unique(adj[query_rows].indices)
        second = adj[first] if first.size else adj[query_rows][:0]
        counts = np.bincount(second.indices, minlength=adj.shape[0]).astype(np.float32)
        counts[first] += np.float32(adj.shape[0])  # past partners before partners of partners
        counts[~allowed] = 0.0
        hood = np.flatnonzero(counts)
        if hood.size > self.n_neighbours:
            hood = hood[np.argpartition(-counts[hood], self.n_neighbours - 1)[
                : self.n_neighbours]]
        return hood

    def _rank_batch(self, queries: Sequence[Query], filters: Sequence[Filters], n: int,
                    with_why: bool) -> list[Ranking]:
        space = self.space_
        batch = space.prepare(queries)
        cheap = self._linear(batch, None, _CHEAP)
        evidence = space.evidence(batch)
        activity = space.graph.static("popularity")
        picks: list[_Picked] = []
        for i, rows in enumerate(batch.rows):
            allowed = self._allowed(filters[i], rows)
            topical = batch.topical[i]
            if not rows.size and topical is not None:
                picks.append(self._idea_picks(topical, allowed & evidence[i], allowed,
                                              cheap[i], n))
                continue
            blind = not rows.size and not np.any(allowed & evidence[i])
            if not rows.size and not blind:
                # themes or call topics only: organisations with evidence for them
                allowed &= evidence[i]
            if int(allowed.sum()) > self.n_content:
                score = np.where(allowed, activity if blind else cheap[i], -np.inf)
                pool = np.argpartition(-score, self.n_content - 1)[: self.n_content]
                pool = pool[allowed[pool]]
            else:
                pool = np.flatnonzero(allowed)
            if rows.size:
                pool = np.union1d(pool, self._neighbourhood(rows, allowed))
            pool = np.sort(pool)
            if blind:
                picks.append(_Picked(self._best(pool, activity[pool], n), blind=True))
            else:
                picks.append(_Picked(self._best(pool, self._pool_score(
                    batch, i, pool, cheap[i, pool]), n)))
        shown = (np.unique(np.concatenate([p.rows for p in picks])) if picks
                 else np.zeros(0, dtype=np.int64))
        # the features of every shown organisation, for all the batch's queries at once
        feats = space.matrix(batch, shown)
        return [Ranking(tuple(self._matches(batch, i, p, feats[i, np.searchsorted(shown, p.rows)],
                                            n, with_why, activity)), by_activity=p.blind,
                        topical=batch.topical[i])
                for i, p in enumerate(picks)]

    def _idea_picks(self, topical: TopicalScores, strong: np.ndarray, allowed: np.ndarray,
                    cheap: np.ndarray, n: int) -> _Picked:
        """An idea's candidates: the allowed organisations with topical evidence, by
        :meth:`idea_scores`; when fewer than ``n`` have it, after them the others whose
        best document's topical quality (the expected grade of a reader, 0 to 2) reaches
        ``weak_min`` (weak). None when no organisation comes that close: a list ranked by
        activity is no answer to an idea."""
        strong = np.flatnonzero(strong)
        scores = self.idea_scores(topical.org_score[strong], cheap[strong])
        rows = self._best(strong, scores, n)
        given = scores[np.searchsorted(strong, rows)]
        weak = np.zeros(rows.size, dtype=bool)
        if rows.size < n:
            near = np.flatnonzero(allowed & topical.org_near & (topical.org_best >= self.weak_min))
            near = near[~np.isin(near, strong)]
            closeness = self.idea_scores(topical.org_score[near], cheap[near]) / 2
            extra = self._best(near, closeness, n - rows.size)
            rows = np.concatenate([rows, extra])
            given = np.concatenate([given, closeness[np.searchsorted(near, extra)]])
            weak = np.concatenate([weak, np.ones(extra.size, dtype=bool)])
        order = np.lexsort((self.ids_[rows], -given, weak))
        return _Picked(rows[order], given[order], weak[order])

    def _pool_score(self, batch: QueryBatch, i: int, pool: np.ndarray,
                    cheap: np.ndarray) -> np.ndarray:
        """Query ``i``'s ``cheap`` score of its candidate ``pool`` plus, for a query with
        organisations, its graph, type and country terms, computed for that pool alone."""
        if not batch.rows[i].size:
            return cheap
        kind = self._kinds(batch)[i]
        w = self.weights_.vector(kind)
        intercept = np.float32(self.weights_.intercept(kind))
        # from the intercept and back, term by term in float32: the roundings of the scores
        # as :meth:`linear` sums them, so the picks are those it would make
        z = np.full(pool.size, intercept, dtype=np.float32)
        used = [n for n in GRAPH + TYPE_COUNTRY
                if n not in _CHEAP and w[FEATURES.index(n)]]
        for name, values in self.space_.query_columns(batch, i, pool, used):
            z += values * w[FEATURES.index(name)]
        z -= intercept
        out: np.ndarray = cheap + z
        return out

    def _best(self, rows: np.ndarray, z: np.ndarray, n: int) -> np.ndarray:
        """The ``n`` best candidate ``rows`` by ``z``, with every row tied at the cut."""
        if rows.size > n:
            keep = np.argpartition(-z, n - 1)[:n]
            rows = rows[np.flatnonzero(z >= z[keep].min())]
        return rows

    def _matches(self, batch: QueryBatch, i: int, picked: _Picked, feats: np.ndarray,
                 n: int, with_why: bool, activity: np.ndarray) -> list[Match]:
        """Query ``i``'s matches among ``picked`` (with their features), best first, equal
        scores by organisation id. Their scores are the linear model's, or those the picks
        carry (an idea with topical evidence); for an idea nothing matches, the most
        active organisations, each with score 0, rather than the model's static part, whose
        popularity weight is negative for ideas. The features are the same for a query
        alone or in a batch, and so are the scores."""
        rows = picked.rows
        kind = self._kinds(batch)[i]
        w = self.weights_.vector(kind)
        if picked.scores is not None:
            scores = picked.scores.astype(np.float64)
            order = np.arange(rows.size)[:n]  # already in order
        else:
            scores = _sigmoid(feats.astype(np.float64) @ w.astype(np.float64)
                              + self.weights_.intercept(kind))
            if picked.blind:
                # nothing matched the idea: no score for it, the order is by activity alone
                scores = np.zeros_like(scores)
                order = np.lexsort((self.ids_[rows], -activity[rows]))[:n]
            else:
                order = np.lexsort((self.ids_[rows], -scores))[:n]
        weak = (picked.weak[order] if picked.weak is not None
                else np.zeros(order.size, dtype=bool))
        rows, feats = rows[order], feats[order]
        whys = (self.explainer_.explain(batch, rows, feats, i, weak) if with_why
                else [()] * rows.size)
        matches = []
        for rank, (row, score, f, why, is_weak) in enumerate(
                zip(rows.tolist(), scores[order].tolist(), feats, whys, weak.tolist(),
                    strict=True), start=1):
            contrib = sorted(((name, float(v)) for name, v in zip(FEATURES, f * w, strict=True)
                              if v), key=lambda p: (-abs(p[1]), p[0]))
            matches.append(Match(rank=rank, org=self.registry_.orgs[row],
                                 score=round(float(score), 6), why=tuple(why),
                                 contributions=tuple(contrib), weak=is_weak))
        return matches

    def why_many(self, query: Query, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """The human reasons why each organisation of ``rows`` suits ``query``."""
        self._check_fitted()
        batch = self.space_.prepare([query])
        picked = np.asarray(rows, dtype=np.int64)
        feats = self.space_.matrix(batch, picked)[0]
        return [tuple(w) for w in self.explainer_.explain(batch, picked, feats)]

    def why(self, query: Query, row: int) -> tuple[str, ...]:
        """:meth:`why_many` for one organisation row."""
        return self.why_many(query, [row])[0]

    # -- persistence ---------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write ``ranker.json``, the arrays and the texts (no pickle) into ``directory``
        (:mod:`matcher.ranking.persistence`)."""
        self._check_fitted()
        w = self.weights
        save_ranker(self.space_, None if w is None else w if isinstance(w, Weights)
                    else Weights.same(w),
                    {"n_content": self.n_content, "n_neighbours": self.n_neighbours},
                    Path(directory))

    @classmethod
    def load(cls, directory: Path) -> Ranker:
        """A ranker saved by :meth:`save`; ``DataFileError`` if missing or of another format."""
        space, weights, params = load_ranker(Path(directory))
        ranker = cls(weights=weights, n_content=int(params["n_content"]),
                     n_neighbours=int(params["n_neighbours"]))
        ranker._set_fitted(space)
        return ranker
