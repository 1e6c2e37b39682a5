"""The ranker's features, computed for many queries at once: the one path that ranking,
training, evaluation and explanations share.

A :class:`QueryBatch` holds every query of a batch in the vector spaces of a fitted ranker
(:meth:`FeatureSpace.prepare`); :meth:`FeatureSpace.columns` then gives, feature by feature,
a ``(queries, rows)`` matrix for any candidate rows: all organisations (evaluation,
training, the content scores of ranking), or the organisations to show. Graph, type and
country features of one query's own candidates come from :meth:`FeatureSpace.query_columns`.
A single query is a batch of one.

==================== =======================================================================
``text_sim``         cosine of the query text with the organisation's document
``org_text_sim``     cosine of the query organisations' work profile (their projects and
                     descriptions, :class:`~matcher.ranking.similar.ProjectTexts`) with the
                     organisation's
``theme_sim``        cosine of the query's theme profile (its themes and its organisations')
``similar_projects`` ``log1p(10 * sum of the similarities of the query text's most similar
                     past projects the organisation took part in)``
``topic_family``     ``log1p(past projects in the query's call-topic families)``
``theme_projects``   ``log1p(past projects with one of the query's themes)``
``topical``          the organisation's topical score for the query text
                     (:class:`~matcher.ranking.topical.TopicalIndex`): its best past
                     project's or description's relevance to the idea, in its words' senses
graph features       ``direct``, ``direct_orgs``, ``common_neighbours``, ``adamic_adar``
                     (log1p) and ``ppr`` (``log1p(ppr * n)``), for queries with organisations
``latent``           how well the organisation completes the query's organisations in the
                     latent space of past consortia (implicit ALS,
                     :class:`~matcher.ranking.latent.LatentCollaboration`, the query folded
                     in as a new project), over the best candidate's value
static features      ``popularity``, ``coordinations``, ``recency``
type and country     ``same_category``, ``new_country`` (1 or 0, queries with organisations)
==================== =======================================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.errors import QueryError
from matcher.language.ideas import read_idea
from matcher.ranking.graph import CollaborationGraph, PageRankWalk
from matcher.ranking.latent import LatentCollaboration
from matcher.ranking.similar import ProjectTexts
from matcher.ranking.text import used_columns
from matcher.ranking.topical import TopicalIndex, TopicalScores
from matcher.ranking.topics import TopicIndex
from matcher.ranking.vectorise import ProfileBlocks, ProfileVectoriser
from matcher.registry.records import array_of, none_of, values_of
from matcher.registry.snapshot import Registry
from matcher.values import Query

__all__ = ["CONTENT", "FEATURES", "GRAPH", "STATIC", "TYPE_COUNTRY", "FeatureSpace", "QueryBatch"]

CONTENT: tuple[str, ...] = ("text_sim", "org_text_sim", "theme_sim", "similar_projects",
                            "topic_family", "theme_projects", "topical")
GRAPH: tuple[str, ...] = ("direct", "direct_orgs", "common_neighbours", "adamic_adar", "ppr",
                          "latent")
#: The graph features the collaboration graph computes (``latent`` comes from the factors).
_WALKED = GRAPH[:-1]
STATIC: tuple[str, ...] = ("popularity", "coordinations", "recency")
TYPE_COUNTRY: tuple[str, ...] = ("same_category", "new_country")
FEATURES: tuple[str, ...] = CONTENT + GRAPH + STATIC + TYPE_COUNTRY
_LOG_COUNTS = ("direct", "direct_orgs", "common_neighbours", "adamic_adar")


def _l2_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    out: np.ndarray = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    return out.astype(np.float32)


def _dense(m: sp.spmatrix | np.ndarray) -> np.ndarray:
    if isinstance(m, np.ndarray):
        return np.asarray(m, dtype=np.float32)
    return np.asarray(sp.csr_matrix(m).toarray(), dtype=np.float32)


def _products(m: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``(queries, rows)``: ``m @ q`` for each query ``q``, row by row rather than by BLAS,
    whose rounding depends on a row's place in its block: a value is the same whatever the
    other rows and queries. Queries of zeros give zeros without work."""
    out = np.zeros((queries.shape[0], m.shape[0]), dtype=np.float32)
    for i in np.flatnonzero(queries.any(axis=1)):
        out[i] = np.einsum("ij,j->i", m, queries[i])
    return out


def _any(m: sp.spmatrix | np.ndarray) -> bool:
    return bool(np.any(m)) if isinstance(m, np.ndarray) else bool(sp.csr_matrix(m).nnz)


def _indicator(columns: Sequence[Sequence[int]], width: int) -> sp.csr_matrix:
    rows = [i for i, cols in enumerate(columns) for _ in cols]
    flat = [c for cols in columns for c in cols]
    m = sp.csr_matrix((np.ones(len(flat), dtype=np.float32), (rows, flat)),
                      shape=(len(columns), width))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


@dataclass(frozen=True)
class QueryBatch:
    """Queries in a fitted ranker's spaces; row ``i`` of every array is query ``i``."""

    queries: tuple[Query, ...]
    rows: tuple[np.ndarray, ...]  # each query's organisations, as registry rows
    text: sp.csr_matrix | np.ndarray  # (queries, text features), L2 rows; zero if no text
    org_text: np.ndarray  # (queries, profile dims): the query organisations' work profile
    themes: np.ndarray  # (queries, themes), L2 rows: the theme profile
    similar: sp.csr_matrix  # (queries, projects): similarities of the most similar projects
    topic_families: sp.csr_matrix  # (queries, families) indicator
    theme_columns: sp.csr_matrix  # (queries, themes) indicator of the explicit themes
    #: Each query text's topical scores (None for a query without text).
    topical: tuple[TopicalScores | None, ...] = ()
    #: What the batch's features share between candidate sets (the PageRank walk).
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.queries)

    def one(self, i: int) -> QueryBatch:
        """Query ``i`` alone, as a batch of one."""
        return QueryBatch(**{f.name: getattr(self, f.name)[i:i + 1] for f in fields(self)
                             if f.name != "memo"})

    @property
    def has_orgs(self) -> np.ndarray:
        return np.array([r.size > 0 for r in self.rows], dtype=bool)

    def theme_codes(self, i: int, space: FeatureSpace) -> tuple[str, ...]:
        """Every theme of query ``i``'s profile (explicit and of its organisations)."""
        codes = space.vectoriser.theme_codes_
        return tuple(sorted(codes[c] for c in np.flatnonzero(self.themes[i])))


class FeatureSpace:
    """What a fitted ranker needs to compute its features; see the module docstring."""

    def __init__(self, registry: Registry, vectoriser: ProfileVectoriser, blocks: ProfileBlocks,
                 graph: CollaborationGraph, texts: ProjectTexts,
                 topical: TopicalIndex, latent: LatentCollaboration, *,
                 counts: tuple[TopicIndex, sp.csr_matrix, sp.csr_matrix] | None = None,
                 ) -> None:
        """``counts``: the ``topics``, ``family_counts`` and ``theme_counts`` a saved index
        kept (made from the registry's projects when None)."""
        self.registry = registry
        self.topical = topical
        self.latent = latent
        self.vectoriser = vectoriser
        self.blocks = blocks
        self.graph = graph
        self.texts = texts
        if counts is None:
            counts = self._counts(registry, vectoriser, graph)
        self.topics, self.family_counts, self.theme_counts = counts
        # (query side, columns x organisations) of the evidence: each product reads the rows
        # of the query's own columns, without transposing a whole matrix per call
        self._evidence_by = (("topic_families", self.family_counts.T.tocsr()),
                             ("theme_columns", self.theme_counts.T.tocsr()))
        self.eche = array_of(registry.orgs, "eche", bool)
        self.named = ~none_of(registry.orgs, "name")
        # columns of the sparse text: a query reads the postings of its own terms only
        self.text_postings = (sp.csc_matrix(blocks.text) if sp.issparse(blocks.text)
                              else None)

    @staticmethod
    def _counts(registry: Registry, vectoriser: ProfileVectoriser, graph: CollaborationGraph,
                ) -> tuple[TopicIndex, sp.csr_matrix, sp.csr_matrix]:
        """The call-topic families of the projects, and each organisation's projects in each
        family and of each theme."""
        topics = TopicIndex(values_of(registry.projects, "topic_code"))
        participated = graph.incidence_
        col = vectoriser.theme_col_
        known: dict[tuple[str, ...], list[int]] = {}  # few distinct sets: each looked up once
        projects_themes = _indicator(
            [known[themes] if themes in known
             else known.setdefault(themes, [col[t] for t in themes if t in col])
             for themes in values_of(registry.projects, "themes")],
            len(vectoriser.theme_codes_))
        return (topics, sp.csr_matrix(participated @ topics.matrix_),
                sp.csr_matrix(participated @ projects_themes))

    @property
    def n_orgs(self) -> int:
        return self.registry.n_orgs

    # -- queries -------------------------------------------------------------------------
    def rows_of(self, query: Query) -> np.ndarray:
        if query.is_empty:
            raise QueryError("empty query: give organisations, text, themes or a call topic")
        row_of = self.registry.row_of
        missing = [i for i in query.org_ids if i not in row_of]
        if missing:
            raise QueryError(f"unknown organisation ids {missing}: not in the fitted registry "
                             f"({self.registry.n_orgs} organisations)")
        return np.array(sorted({row_of[i] for i in query.org_ids}), dtype=np.int64)

    def prepare(self, queries: Sequence[Query]) -> QueryBatch:
        """Every query of ``queries`` in the ranker's spaces (``QueryError`` if empty or if
        it names organisations the registry does not have)."""
        rows = tuple(self.rows_of(q) for q in queries)
        vec, blocks = self.vectoriser, self.blocks
        ideas = [read_idea(q.text.strip()) if q.text.strip() else None for q in queries]
        # the other text features read an idea in English: a Finnish idea and its English
        # twin are compared with the registry's (English) texts alike
        texts = [("" if idea is None else idea.english if idea.translated else idea.text)
                 for idea in ideas]
        text = vec.transform_text(texts) if any(texts) else self._zeros(len(queries))
        member = _indicator([r.tolist() for r in rows], self.n_orgs)
        org_text = _l2_rows(_dense(member @ self.texts.work_profiles_))
        explicit = np.zeros((len(queries), len(vec.theme_codes_)), dtype=np.float32)
        theme_cols = []
        for i, q in enumerate(queries):
            cols = [vec.theme_col_[c] for c in q.themes if c in vec.theme_col_]
            explicit[i, cols] = vec.theme_idf_[cols]
            theme_cols.append(cols)
        from_orgs = _l2_rows(_dense(member @ blocks.themes))
        themes = _l2_rows(_l2_rows(explicit) + from_orgs)
        similar = (self.texts.top(self.texts.similarities(texts)) if any(texts)
                   else sp.csr_matrix((len(queries), self.texts.n_projects), dtype=np.float32))
        families = [[c for c in (self.topics.column(t) for t in q.topics) if c is not None]
                    for q in queries]
        topical = tuple(None if idea is None else self.topical.score(idea) for idea in ideas)
        return QueryBatch(
            queries=tuple(queries), rows=rows, text=text, org_text=org_text, themes=themes,
            similar=similar,
            topic_families=_indicator(families, len(self.topics.families_)),
            theme_columns=_indicator(theme_cols, len(vec.theme_codes_)), topical=topical)

    def _zeros(self, n: int) -> sp.csr_matrix | np.ndarray:
        width = self.blocks.text.shape[1]
        if sp.issparse(self.blocks.text):
            return sp.csr_matrix((n, width), dtype=np.float32)
        return np.zeros((n, width), dtype=np.float32)

    # -- features ------------------------------------------------------------------------
    def columns(self, batch: QueryBatch, rows: np.ndarray | None = None,
                names: Sequence[str] = FEATURES) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, (queries, rows) float32 matrix)`` for each feature of ``names``, for the
        candidate ``rows`` (default: every organisation). Features that are zero for every
        query of the batch are yielded as zeros without being computed."""
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; valid: {FEATURES}")
        cand = np.arange(self.n_orgs) if rows is None else np.asarray(rows, dtype=np.int64)
        shape = (len(batch), cand.size)
        want = set(names)
        for name, values in self._content(batch, cand, want):
            yield name, values
        for name in STATIC:
            if name in want:
                yield name, np.broadcast_to(self.graph.static(name)[cand], shape)
        graph_names = [n for n in _WALKED if n in want]
        if graph_names:
            found = self._graph(batch, None if rows is None else cand, graph_names)
            for name in graph_names:
                yield name, self._graph_value(name, found[name])
        if "latent" in want:
            full = self._latent(batch)
            yield "latent", full if rows is None else np.ascontiguousarray(full[:, cand])
        if want & set(TYPE_COUNTRY):
            yield from self._type_country(batch, cand, want)

    def query_columns(self, batch: QueryBatch, i: int, rows: np.ndarray,
                      names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, (rows,) float32 values)`` of query ``i`` of ``batch`` alone, for the graph,
        type and country features of ``names``: the values :meth:`columns` gives for it, at
        the cost of ``rows`` only, however large the other queries' candidate sets are. The
        PageRank walk is the batch's."""
        unknown = set(names) - set(GRAPH + TYPE_COUNTRY)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; valid: "
                             f"{GRAPH + TYPE_COUNTRY}")
        query_rows = batch.rows[i]
        graph_names = [n for n in _WALKED if n in names]
        if graph_names and query_rows.size:
            walk = None
            if "ppr" in graph_names:
                with_orgs = np.flatnonzero(batch.has_orgs)
                walk = self._walk(batch).column(int(np.searchsorted(with_orgs, i)))
            found = self.graph.features_one(query_rows, rows, graph_names, walk=walk)
            for name in graph_names:
                yield name, self._graph_value(name, found[name])
        elif graph_names:
            for name in graph_names:
                yield name, np.zeros(rows.size, dtype=np.float32)
        if "latent" in names:
            yield "latent", np.ascontiguousarray(self._latent(batch)[i, rows])
        if set(names) & set(TYPE_COUNTRY):
            same_cat, new_cty = self._type_country_of(
                query_rows, self.blocks.category[rows], self.blocks.country[rows])
            if "same_category" in names:
                yield "same_category", same_cat.astype(np.float32)
            if "new_country" in names:
                yield "new_country", new_cty.astype(np.float32)

    def _graph_value(self, name: str, values: np.ndarray) -> np.ndarray:
        """A graph feature as the ranker reads it: counts and Adamic-Adar as ``log1p``,
        PageRank as ``log1p(ppr * n)``."""
        if name in _LOG_COUNTS:
            values = np.log1p(values)
        elif name == "ppr":
            values = np.log1p(values * self.n_orgs)
        return np.asarray(values, dtype=np.float32)

    def _latent(self, batch: QueryBatch) -> np.ndarray:
        """``(queries, organisations)``: each query's latent affinity with every organisation
        over its best candidate's (zero for a query without organisations), made once per
        batch. Each query is scored by its own matrix-vector product: its values are the
        same alone or in a batch."""
        full: np.ndarray | None = batch.memo.get("latent")
        if full is not None:
            return full
        full = np.zeros((len(batch), self.n_orgs), dtype=np.float32)
        with_orgs = np.flatnonzero(batch.has_orgs)
        if with_orgs.size and self.latent.n_factors:
            folded = self.latent.fold_in([batch.rows[i] for i in with_orgs])
            items = self.latent.item_factors_
            candidate = np.ones(self.n_orgs, dtype=bool)
            for j, i in enumerate(with_orgs.tolist()):
                values = items @ folded[j]
                candidate[batch.rows[i]] = False
                top = float(values[candidate].max(initial=0.0))
                candidate[batch.rows[i]] = True
                if top > 0:
                    full[i] = values / top
        full.flags.writeable = False  # shared by every reader of the batch
        batch.memo["latent"] = full
        return full

    def _walk(self, batch: QueryBatch) -> PageRankWalk:
        """The PageRank walk of the batch's queries that name organisations, made once."""
        walk: PageRankWalk | None = batch.memo.get("walk")
        if walk is None:
            walk = batch.memo["walk"] = self.graph.walk(
                [batch.rows[i] for i in np.flatnonzero(batch.has_orgs)])
        return walk

    def _graph(self, batch: QueryBatch, cand: np.ndarray | None,
               names: list[str]) -> dict[str, np.ndarray]:
        """The graph features of the batch's queries that name organisations (zero for the
        others), the PageRank walk made once per batch."""
        shape = (len(batch), self.n_orgs if cand is None else cand.size)
        with_orgs = np.flatnonzero(batch.has_orgs)
        if not with_orgs.size:
            return {n: np.zeros(shape, dtype=np.float32) for n in names}
        rows = [batch.rows[i] for i in with_orgs]
        walk = self._walk(batch) if "ppr" in names else None
        found = self.graph.features_many(rows, cand, names=names, walk=walk)
        if with_orgs.size == len(batch):
            return found
        out = {}
        for name, values in found.items():
            full = np.zeros(shape, dtype=np.float32)
            full[with_orgs] = values
            out[name] = full
        return out

    def _content(self, batch: QueryBatch, cand: np.ndarray,
                 want: set[str]) -> Iterator[tuple[str, np.ndarray]]:
        blocks = self.blocks
        shape = (len(batch), cand.size)
        every = cand.size == self.n_orgs
        if "text_sim" in want:
            yield "text_sim", self._text_sim(batch, cand, every)
        if "org_text_sim" in want:
            if not _any(batch.org_text):
                yield "org_text_sim", np.zeros(shape, dtype=np.float32)
            else:
                m = self.texts.work_profiles_ if every else self.texts.work_profiles_[cand]
                yield "org_text_sim", _products(m, batch.org_text)
        if "theme_sim" in want:
            m = blocks.themes if every else blocks.themes[cand]
            yield "theme_sim", _dense(m @ batch.themes.T).T
        if "topical" in want:
            values = np.zeros(shape, dtype=np.float32)
            for i, scores in enumerate(batch.topical):
                if scores is not None:
                    values[i] = scores.org_score[cand]
            yield "topical", values
        for name, counts, query_side in (
                ("similar_projects", self.graph.incidence_, batch.similar),
                ("topic_family", self.family_counts, batch.topic_families),
                ("theme_projects", self.theme_counts, batch.theme_columns)):
            if name not in want:
                continue
            if not query_side.nnz:
                yield name, np.zeros(shape, dtype=np.float32)
                continue
            m = counts if every else counts[cand]
            found = sp.csr_matrix(m @ query_side.T, dtype=np.float32)
            # log1p of the stored values only: the zeros, most of them, stay zeros
            found.data = np.log1p(10.0 * found.data if name == "similar_projects"
                                  else found.data)
            yield name, _dense(found).T

    def _text_sim(self, batch: QueryBatch, cand: np.ndarray, every: bool) -> np.ndarray:
        """Cosine of each query text with each candidate's document. Sparse text is read
        through the postings of the queries' terms, with the query side dense: the cost is
        that of those postings, not of the whole matrix. The scores of every organisation
        are kept in the batch's memo: the candidates' features read them again."""
        query = batch.text
        if not _any(query):
            return np.zeros((query.shape[0], cand.size), dtype=np.float32)
        full = batch.memo.get("text_sim")
        if full is None and (every or self.text_postings is not None):
            if self.text_postings is None:
                full = _products(np.asarray(self.blocks.text), np.asarray(query))
            else:
                cols, narrow = used_columns(query)
                full = np.asarray(self.text_postings[:, cols] @ narrow.toarray().T,
                                  dtype=np.float32).T
            full.flags.writeable = False  # shared by every reader of the batch
            batch.memo["text_sim"] = full
        if full is not None:
            return full if every else np.ascontiguousarray(full[:, cand])
        # dense text, a few candidates: their rows only (a row's value is the same either way)
        return _products(np.asarray(self.blocks.text[cand]), np.asarray(query))

    def _type_country_of(self, query_rows: np.ndarray, categories: np.ndarray,
                         countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each candidate, of category and country codes ``categories`` and
        ``countries``, shares a category with the query organisations, and whether its
        country is new to them (both false for a query without organisations)."""
        if not query_rows.size:
            return np.zeros(categories.size, dtype=bool), np.zeros(countries.size, dtype=bool)
        # lookup tables of the query's categories and countries; the last entry stands for
        # the unknown code -1
        cats = np.zeros(len(self.vectoriser.categories_) + 1, dtype=bool)
        cats[self.blocks.category[query_rows]] = True
        ctys = np.ones(len(self.vectoriser.countries_) + 1, dtype=bool)
        ctys[self.blocks.country[query_rows]] = False
        return cats[categories], ctys[countries]

    def _type_country(self, batch: QueryBatch, cand: np.ndarray,
                      want: set[str]) -> Iterator[tuple[str, np.ndarray]]:
        same_cat = np.zeros((len(batch), cand.size), dtype=bool)
        new_cty = np.zeros_like(same_cat)
        categories, countries = self.blocks.category[cand], self.blocks.country[cand]
        for i, rows in enumerate(batch.rows):
            if rows.size:
                same_cat[i], new_cty[i] = self._type_country_of(rows, categories, countries)
        if "same_category" in want:
            yield "same_category", same_cat.astype(np.float32)
        if "new_country" in want:
            yield "new_country", new_cty.astype(np.float32)

    def evidence(self, batch: QueryBatch) -> np.ndarray:
        """``(queries, organisations)``: what an idea needs of a candidate. With text: topical
        evidence (a past project or its profile about the idea's topic, in its words' senses:
        :class:`~matcher.ranking.topical.TopicalIndex`); and, with or without text, a past
        project in its call-topic family or with one of its themes, or one of its themes
        declared (what the user named as the idea's theme)."""
        found = np.zeros((len(batch), self.n_orgs), dtype=bool)
        for side, postings in self._evidence_by:
            query_side = getattr(batch, side)
            if query_side.nnz:
                found |= sp.csr_matrix(query_side @ postings).toarray() > 0
        if np.any(batch.themes):
            found |= _dense(self.blocks.themes @ batch.themes.T).T > 0
        for i, scores in enumerate(batch.topical):
            if scores is not None:
                found[i] |= scores.org_evidence
        return found

    def matrix(self, batch: QueryBatch, rows: np.ndarray | None = None) -> np.ndarray:
        """Every feature: ``(queries, rows, len(FEATURES))``. For a few rows (explanations,
        tests); large candidate sets should go through :meth:`columns`."""
        cols = dict(self.columns(batch, rows))
        return np.stack([np.asarray(cols[name], dtype=np.float32) for name in FEATURES],
                        axis=-1)
