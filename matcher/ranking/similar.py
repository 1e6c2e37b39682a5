"""Past projects like a project idea: word TF-IDF over project texts, and what follows from it.

:class:`ProjectTexts` follows scikit-learn: ``fit(registry)`` learns, from the project texts
(:func:`~matcher.ranking.documents.project_text`: acronym, title, call-topic title, summary),
hashed word unigram and bigram columns (English stop words dropped, terms in fewer than
``min_df`` projects ignored), their idf, and the projects' sublinear-tf, L2-normalised
vectors. Queries are hashed in pure Python with the same columns (no scikit-learn import on
the search path), and scored against the projects through the postings of their own terms
only, so one query costs what its words cost.

From a query's similarities the ranker reads two things:

- :meth:`ProjectTexts.top` keeps each query's ``k`` most similar projects;
- an organisation's ``similar_projects`` evidence is the sum of the similarities of those
  projects it took part in (see :mod:`matcher.ranking.features`), and the explanations cite
  them by acronym, year and title.

It gives every organisation a *work profile* (``work_profiles_``): the sum of its
projects' vectors and of its description's, reduced to ``dims`` dense dimensions with a
truncated SVD of the project vectors, L2-normalised. Profiles are compared with profiles
("organisations that work on what we work on"); a name is not work, so an organisation known
only by its name has a zero profile.

>>> from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
>>> import scipy.sparse as sp
>>> projects = tuple(ProjectInfo(j, str(j), "H2020", None, 2016, t, None) for j, t in
...                  enumerate(["Science education careers", "Science education in schools",
...                             "Battery materials", "Battery recycling"]))
>>> reg = Registry((), projects, sp.csr_matrix((0, 4)), {}, {}, "x")
>>> texts = ProjectTexts(min_df=1).fit(reg)
>>> s = texts.similarities(["careers in science education"])
>>> [round(float(v), 2) for v in s.toarray()[0]]
[0.86, 0.56, 0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.ranking.documents import project_text
from matcher.ranking.rows import replace_rows
from matcher.ranking.text import fold_fast, hash_terms, used_columns, word_terms
from matcher.registry.snapshot import Registry

__all__ = ["ProjectTexts"]

#: Up to this many texts are hashed in pure Python (importing scikit-learn costs a second).
_PURE_PYTHON_TEXTS = 50


class ProjectTexts:
    """Word TF-IDF vectors of the registry's projects, for "past projects like this idea".

    Parameters
    ----------
    n_features : hashed columns.
    min_df : a term counts only when at least this many projects use it.
    top_k : projects kept per query by :meth:`top`.
    """

    _matrix: sp.csr_matrix | None
    #: The SVD that reduces the work profiles (None: none was fitted, or not saved).
    components_: np.ndarray | None

    def __init__(self, *, n_features: int = 2**20, min_df: int = 2, top_k: int = 200,
                 dims: int = 64, svd_sample: int = 50_000, svd_max_columns: int = 20_000,
                 random_state: int = 0) -> None:
        self.n_features = n_features
        self.min_df = min_df
        self.top_k = top_k
        self.dims = dims
        self.svd_sample = svd_sample
        self.svd_max_columns = svd_max_columns
        self.random_state = random_state

    def fit(self, registry: Registry) -> ProjectTexts:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        self.stop_words_ = frozenset(ENGLISH_STOP_WORDS)
        counts = self.terms([project_text(p) for p in registry.projects])
        df = np.bincount(counts.indices, minlength=self.n_features)
        n = max(counts.shape[0], 1)
        idf = np.where(df >= self.min_df, np.log((1.0 + n) / (1.0 + df)) + 1.0, 0.0)
        self.idf_ = idf.astype(np.float32)
        matrix = self._weigh(counts)
        self.set_fitted(matrix, self.idf_, self.stop_words_,
                        np.zeros((registry.n_orgs, 1), dtype=np.float32))
        self.work_profiles_ = self._work_profiles(registry, matrix)  # sets components_
        self._matrix = None  # a query reads the postings: the rows are made again if asked
        return self

    def set_fitted(self, matrix: sp.csr_matrix | sp.csc_matrix, idf: np.ndarray,
                   stop_words: frozenset[str], work_profiles: np.ndarray,
                   components: np.ndarray | None = None,
                   component_columns: np.ndarray | None = None) -> ProjectTexts:
        """Restore a fitted state (a saved ranker): the projects' vectors, idf, stop words,
        the organisations' work profiles and the SVD that reduced them (its components and
        the term columns it reads; None when not saved)."""
        self.stop_words_ = stop_words
        self.idf_ = idf
        # a query reads the postings (columns) only: a saved ranker gives them as they
        # are (CSC), and the rows are made only when asked for
        self._postings = sp.csc_matrix(matrix)
        self._matrix = matrix if sp.isspmatrix_csr(matrix) else None
        self.work_profiles_ = np.asarray(work_profiles, dtype=np.float32)
        self.components_ = components
        self.component_columns_ = (np.zeros(0, dtype=np.int64) if component_columns is None
                                   else np.asarray(component_columns, dtype=np.int64))
        return self

    @property
    def postings_(self) -> sp.csc_matrix:
        """:attr:`matrix_` by columns: the projects that hold each term."""
        return self._postings

    @property
    def matrix_(self) -> sp.csr_matrix:
        """The projects' weighted term vectors, one row per project."""
        if self._matrix is None:
            self._matrix = sp.csr_matrix(self._postings)
        return self._matrix

    def _work_profiles(self, registry: Registry, matrix: sp.csr_matrix) -> np.ndarray:
        """Each organisation's projects and description, reduced with an SVD of the projects
        (its components and columns kept: :meth:`refresh` reduces new profiles with them)."""
        from sklearn.utils.extmath import randomized_svd

        self.components_ = None
        self.component_columns_ = np.zeros(0, dtype=np.int64)
        df = np.bincount(matrix.indices, minlength=self.n_features)
        used = np.flatnonzero(df >= max(self.min_df, 1))
        if used.size > self.svd_max_columns:
            used = np.sort(used[np.argsort(-df[used], kind="stable")[: self.svd_max_columns]])
        sample = matrix[:, used]
        if sample.shape[0] > self.svd_sample:
            rng = np.random.default_rng(self.random_state)
            sample = sample[np.sort(rng.choice(sample.shape[0], self.svd_sample,
                                               replace=False))]
        dims = min(self.dims, sample.shape[0] - 1, used.size - 1)
        if dims < 1 or not sample.nnz:
            return np.zeros((registry.n_orgs, 1), dtype=np.float32)
        _, _, components = randomized_svd(sample, dims, n_iter=4, flip_sign=True,
                                          random_state=self.random_state)
        self.components_ = components.astype(np.float32)
        self.component_columns_ = used.astype(np.int64)
        return self._profiles(registry, matrix, np.arange(registry.n_orgs))

    def _profiles(self, registry: Registry, matrix: sp.csr_matrix, rows: np.ndarray,
                  ) -> np.ndarray:
        """The work profiles of organisation ``rows`` (L2-normalised), with the fitted
        components."""
        assert self.components_ is not None
        used, components = self.component_columns_, self.components_
        described = [k for k, i in enumerate(rows.tolist()) if registry.orgs[i].description]
        participated = sp.csr_matrix(registry.incidence[rows], dtype=np.float32, copy=True)
        participated.data[:] = 1.0
        work = np.asarray(participated @ (matrix[:, used] @ components.T), dtype=np.float32)
        if described:
            descriptions = self.transform([registry.orgs[int(rows[k])].description or ""
                                           for k in described])
            work[described] += np.asarray(descriptions[:, used] @ components.T,
                                          dtype=np.float32)
        norms = np.linalg.norm(work, axis=1, keepdims=True)
        out: np.ndarray = np.divide(work, norms, out=np.zeros_like(work), where=norms > 0)
        return out

    @property
    def refreshable(self) -> bool:
        """Whether :meth:`refresh` can make new organisations' work profiles: the fit's
        components are known (a saved index of an earlier version lacks them), or there
        were none to make."""
        return self.components_ is not None or self.work_profiles_.shape[1] <= 1

    def refresh(self, registry: Registry, projects: np.ndarray, orgs: np.ndarray,
                ) -> ProjectTexts:
        """A copy fitted as this one (idf, stop words, components) on ``registry``, which
        holds this one's projects and organisations first, then new ones: the vectors of
        project columns ``projects`` and the work profiles of organisation rows ``orgs``
        are made again (the new ones among them), the others kept."""
        out = ProjectTexts(n_features=self.n_features, min_df=self.min_df, top_k=self.top_k,
                           dims=self.dims, svd_sample=self.svd_sample,
                           svd_max_columns=self.svd_max_columns,
                           random_state=self.random_state)
        out.idf_, out.stop_words_ = self.idf_, self.stop_words_
        n_projects = len(registry.projects)
        fresh = out._weigh(self.terms([project_text(registry.projects[j])
                                       for j in projects.tolist()]))
        matrix = replace_rows(self.matrix_, fresh, projects, n_projects)
        old = self.work_profiles_
        work = np.zeros((registry.n_orgs, old.shape[1]), dtype=np.float32)
        work[:old.shape[0]] = old
        out.components_, out.component_columns_ = self.components_, self.component_columns_
        if self.components_ is not None and orgs.size:
            work[orgs] = out._profiles(registry, matrix, orgs)
        return out.set_fitted(matrix, out.idf_, out.stop_words_, work, self.components_,
                              self.component_columns_)

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        m = sp.csr_matrix(counts, dtype=np.float32, copy=True)
        m.data = (1.0 + np.log(m.data)) * self.idf_[m.indices]
        m.eliminate_zeros()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        out: sp.csr_matrix = sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ m)
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "idf_"):
            raise RuntimeError("ProjectTexts is not fitted: call fit(registry) first")

    @property
    def n_projects(self) -> int:
        return int(self._postings.shape[0])

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Query vectors in the projects' space (pure Python hashing)."""
        self._check_fitted()
        return self._weigh(self.terms(texts))

    def terms(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The counts of each text's hashed word terms, unweighted (every term, rare or not).

        A few texts (a query) are hashed in pure Python, many with scikit-learn's compiled
        hasher: the same columns (``tests/matcher/ranking/test_similar.py`` checks it)."""
        if len(texts) > _PURE_PYTHON_TEXTS:
            from sklearn.feature_extraction.text import HashingVectorizer

            hasher = HashingVectorizer(
                n_features=self.n_features, alternate_sign=False, norm=None, lowercase=False,
                preprocessor=fold_fast, token_pattern=r"\b\w\w+\b", ngram_range=(1, 2),
                stop_words=sorted(self.stop_words_), dtype=np.float32)
            return sp.csr_matrix(hasher.transform(texts))
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            terms = word_terms(text, self.stop_words_)
            if not terms:
                continue
            hashed, counts = np.unique(hash_terms(terms, self.n_features), return_counts=True)
            rows.extend([i] * hashed.size)
            cols.extend(hashed.tolist())
            vals.extend(counts.tolist())
        return sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                             shape=(len(texts), self.n_features))

    def similarities(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Cosine of each text with every project: ``(len(texts), n_projects)``, sparse."""
        used, q = used_columns(self.transform(texts))
        if not used.size:
            return sp.csr_matrix((len(texts), self.n_projects), dtype=np.float32)
        # only the postings of the query terms are read
        out: sp.csr_matrix = sp.csr_matrix((self._postings[:, used] @ q.T).T)
        return out

    def top(self, similarities: sp.csr_matrix, k: int | None = None) -> sp.csr_matrix:
        """Each row's ``k`` (default ``top_k``) largest similarities, ties to the lower
        project column; the rest dropped."""
        k = self.top_k if k is None else k
        s = sp.csr_matrix(similarities, copy=True)
        for i in range(s.shape[0]):
            start, end = s.indptr[i], s.indptr[i + 1]
            if end - start > k:
                order = np.lexsort((s.indices[start:end], -s.data[start:end]))
                s.data[start + order[k:]] = 0.0
        s.eliminate_zeros()
        return s
