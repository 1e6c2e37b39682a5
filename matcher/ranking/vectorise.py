"""Organisation profiles as vectors: themes, free text, type and country blocks.

:class:`ProfileVectoriser` follows scikit-learn: ``__init__`` stores keyword-only parameters,
``fit(registry)`` learns the vocabularies and weights (attributes ending in ``_``),
``transform(registry)`` gives the :class:`ProfileBlocks` of every organisation and
``transform_text(texts)`` puts any text (a query) in the same space.

- **themes**: an organisation's themes are its declared themes plus the themes of its projects
  (log-counted), weighted by inverse document frequency so rare themes count more, L2-normalised.
- **text**: name, description, project titles and summaries. Word and character n-gram TF-IDF
  (``char_wb`` 3-5 over accent-folded text, so inflected Finnish or German words still share
  n-grams) through a stateless ``HashingVectorizer`` plus a stored idf array: nothing needs
  pickling. Small corpora keep the exact sparse vectors; large ones (more than
  ``max_sparse_nnz`` stored values) are reduced to ``text_dims`` dense float32 dimensions with
  ``TruncatedSVD`` fitted on a sample, so one query costs one dense mat-vec.
- **type** and **country**: integer codes into ``categories_`` / ``countries_``.

>>> from matcher.registry.snapshot import OrgProfile, Registry
>>> import scipy.sparse as sp
>>> orgs = tuple(OrgProfile(i, None, None, None, name, "FI", None, "higher-education", None,
...              False) for i, name in enumerate(["Opintojen ohjaus", "Robotics lab"]))
>>> reg = Registry(orgs, (), sp.csr_matrix((2, 0)), {}, {}, "x")
>>> vec = ProfileVectoriser().fit(reg)
>>> blocks = vec.transform(reg)
>>> q = vec.transform_text(["opintojen ohjauksen kehittäminen"])
>>> [bool(s > 0) for s in (blocks.text @ q.T).toarray().ravel()]
[True, False]
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import scipy.sparse as sp

from matcher.ranking.documents import OrgDocuments
from matcher.ranking.rows import replace_rows
from matcher.ranking.text import PURE_PYTHON_WORDS, fold_fast, hash_words
from matcher.registry.records import values_of
from matcher.registry.snapshot import Registry

__all__ = ["ProfileBlocks", "ProfileVectoriser"]


def _l2(m: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty), in O(stored values)."""
    out: sp.csr_matrix = sp.csr_matrix(m, dtype=np.float32, copy=True)
    rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    norms = np.sqrt(np.bincount(rows, weights=np.square(out.data, dtype=np.float64),
                                minlength=out.shape[0]))
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    out.data *= inv[rows].astype(np.float32)
    return out


def _l2_dense(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    out: np.ndarray = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    return out.astype(np.float32)


class _Picked(Sequence[str]):
    """The documents ``rows`` of ``docs``, each read when asked for."""

    def __init__(self, docs: Sequence[str], rows: list[int]) -> None:
        self.docs = docs
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self.docs[row] for row in self.rows[index]]
        return self.docs[self.rows[index]]


@dataclass(frozen=True)
class ProfileBlocks:
    """Every organisation's vectors, one row per registry row."""

    themes: sp.csr_matrix  # orgs x themes, idf-weighted, L2-normalised
    text: sp.csr_matrix | np.ndarray  # orgs x features (sparse) or orgs x text_dims (dense)
    category: np.ndarray  # int16 codes into ProfileVectoriser.categories_
    country: np.ndarray  # int16 codes into ProfileVectoriser.countries_


class ProfileVectoriser:
    """Turn organisation profiles and queries into comparable vectors.

    Parameters
    ----------
    n_features : hashed columns of each text analyser (words, character n-grams).
    char_weight : share of the character n-gram block in the text vector (words get the rest).
    text_dims : dense dimensions when the text is reduced with TruncatedSVD.
    max_sparse_nnz : keep exact sparse text vectors up to this many stored values.
    svd_sample : organisations the SVD is fitted on (the rest are only transformed).
    svd_max_columns : most frequent hashed text columns the SVD keeps.
    random_state : seed of the SVD sample and solver.
    """

    def __init__(self, *, n_features: int = 2**20, char_weight: float = 0.5,
                 text_dims: int = 64, max_sparse_nnz: int = 20_000_000,
                 svd_sample: int = 50_000, svd_max_columns: int = 100_000,
                 random_state: int = 0) -> None:
        self.n_features = n_features
        self.char_weight = char_weight
        self.text_dims = text_dims
        self.max_sparse_nnz = max_sparse_nnz
        self.svd_sample = svd_sample
        self.svd_max_columns = svd_max_columns
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------
    def _raw_text(self, docs: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Hashed word and ``char_wb`` 3-5 counts, the same as scikit-learn's analysers give.

        ``char_wb`` n-grams never cross a word boundary, so a document's n-gram counts are the
        sum of its words' counts: each distinct word is analysed once (documents x words
        counts, times words x n-grams), which is several times faster than analysing every
        document, and folding (accents, case) runs once per document, not per analyser.
        A few documents (a query) are hashed in pure Python: importing scikit-learn costs
        more than a second, too much for one ``matcher search``.
        """
        vocab: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for doc in docs:
            indices.extend(vocab.setdefault(w, len(vocab)) for w in fold_fast(doc).split())
            indptr.append(len(indices))
        counts = sp.csr_matrix((np.ones(len(indices), dtype=np.float32),
                                np.array(indices, dtype=np.int64), np.array(indptr)),
                               shape=(len(docs), len(vocab)))
        counts.sum_duplicates()
        words = list(vocab)
        if not words:
            empty = sp.csr_matrix((len(docs), self.n_features), dtype=np.float32)
            return empty, empty.copy()
        if len(words) <= PURE_PYTHON_WORDS:
            word_map, char_map = hash_words(words, self.n_features)
        else:
            from sklearn.feature_extraction.text import HashingVectorizer

            common = {"n_features": self.n_features, "alternate_sign": False, "norm": None,
                      "lowercase": False, "dtype": np.float32}
            word_map = HashingVectorizer(analyzer="word", token_pattern=r"\b\w\w+\b",
                                         **common).transform(words)
            char_map = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                         **common).transform(words)
        word_counts: sp.csr_matrix = sp.csr_matrix(counts @ word_map)
        char_counts: sp.csr_matrix = sp.csr_matrix(counts @ char_map)
        return word_counts, char_counts

    def fit(self, registry: Registry) -> ProfileVectoriser:
        """Learn theme and text idf, the category and country codes, and the SVD if needed."""
        self._fit(registry)
        return self

    def fit_transform(self, registry: Registry) -> ProfileBlocks:
        """``fit(registry).transform(registry)``, analysing the texts only once if possible."""
        docs = OrgDocuments(registry)
        text = self._fit(registry, docs)
        vectors = self._project_text(text) if text is not None else self.transform_text(docs)
        return self._blocks(registry, vectors)

    def _fit(self, registry: Registry, docs: Sequence[str] | None = None,
             ) -> sp.csr_matrix | None:
        """Fit; return the weighted text of every document when it was built whole.

        Large corpora (more than ``svd_sample`` documents) are learnt from a seeded sample:
        idf and SVD from ``svd_sample`` documents are as good as from all of them, and the
        full sparse matrix (hundreds of millions of n-grams at 1M organisations) is never
        held in memory; the documents are then projected chunk by chunk.
        """
        self.theme_codes_ = tuple(sorted(registry.themes))
        self.theme_col_ = {c: i for i, c in enumerate(self.theme_codes_)}
        self.categories_ = tuple(sorted({o.category for o in registry.orgs}))
        self.countries_ = tuple(sorted({o.country for o in registry.orgs}))
        counts = self._theme_counts(registry)
        n = max(registry.n_orgs, 1)
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        self.theme_idf_ = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        docs = OrgDocuments(registry) if docs is None else docs
        whole = len(docs) <= self.svd_sample
        if whole:
            sample: Sequence[str] = docs
        else:
            rng = np.random.default_rng(self.random_state)
            picked = np.sort(rng.choice(len(docs), self.svd_sample, replace=False))
            # read a chunk at a time, as the rest: the sample's 50,000 documents held whole
            # were 600 MB of the build's peak at 250,000 organisations
            sample = _Picked(docs, picked.tolist())
        self.svd_columns_ = np.zeros(0, dtype=np.int64)
        self._colmap: np.ndarray | None = None
        self.svd_components_: np.ndarray | None = None
        if not whole:
            self._fit_sample(sample, len(docs))
            return None
        words, chars = self._raw_text(sample)
        self.word_idf_ = self._idf(words)
        self.char_idf_ = self._idf(chars)
        text = self._weigh_text(words, chars)
        if text.nnz > self.max_sparse_nnz:
            self.svd_components_ = self._fit_svd(text)
        return text

    def _fit_sample(self, sample: Sequence[str], n_docs: int, chunk: int = 5_000) -> None:
        """The idf and the SVD learnt from ``sample`` (of ``n_docs`` documents), read
        ``chunk`` documents at a time, twice: for the document frequencies, then (when the
        text is reduced) for the SVD's matrix, of its columns only. The same as from the
        sample's whole matrix, whose copies (counts, weighted, columns selected) were the
        build's peak at 250,000 organisations (3.1 GB)."""
        word_df = np.zeros(self.n_features, dtype=np.int64)
        char_df = np.zeros(self.n_features, dtype=np.int64)
        nnz = 0
        for start in range(0, len(sample), chunk):
            words, chars = self._raw_text(sample[start:start + chunk])
            word_df += np.bincount(words.indices, minlength=self.n_features)
            char_df += np.bincount(chars.indices, minlength=self.n_features)
            nnz += words.nnz + chars.nnz
        self.word_idf_ = self._idf_of(word_df, len(sample))
        self.char_idf_ = self._idf_of(char_df, len(sample))
        if nnz * (n_docs / max(len(sample), 1)) <= self.max_sparse_nnz:
            return
        self.svd_columns_ = self._svd_columns(np.concatenate([word_df, char_df]))
        parts = []
        for start in range(0, len(sample), chunk):
            text = self._weigh_text(*self._raw_text(sample[start:start + chunk]))
            parts.append(self._select_columns(text[np.flatnonzero(np.diff(text.indptr))]))
        self.svd_components_ = self._svd(sp.vstack(parts, format="csr"))

    @classmethod
    def _idf(cls, raw: sp.csr_matrix) -> np.ndarray:
        return cls._idf_of(np.bincount(raw.indices, minlength=raw.shape[1]), raw.shape[0])

    @staticmethod
    def _idf_of(df: np.ndarray, n: int) -> np.ndarray:
        idf: np.ndarray = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        return idf

    def _fit_svd(self, text: sp.csr_matrix) -> np.ndarray:
        """Components over the ``svd_max_columns`` most frequent hashed columns of a sample.

        Restricting the columns keeps the components small (128 x 100k float32 = 51 MB, not
        128 x 2M) and drops n-grams too rare to shape a low-rank space anyway.
        """
        rng = np.random.default_rng(self.random_state)
        nonempty = np.flatnonzero(np.diff(text.indptr))
        if nonempty.size > self.svd_sample:
            nonempty = np.sort(rng.choice(nonempty, self.svd_sample, replace=False))
        sample = text[nonempty]
        self.svd_columns_ = self._svd_columns(np.bincount(sample.indices,
                                                          minlength=sample.shape[1]))
        return self._svd(self._select_columns(sample))

    def _svd_columns(self, df: np.ndarray) -> np.ndarray:
        """The text columns the SVD keeps: the ``svd_max_columns`` of highest document
        frequency ``df`` among those in two documents or more."""
        used = np.flatnonzero(df >= min(2, int(df.max(initial=0))))
        if used.size > self.svd_max_columns:
            used = np.sort(used[np.argsort(-df[used], kind="stable")[: self.svd_max_columns]])
        out: np.ndarray = used.astype(np.int64)
        return out

    def _svd(self, sample: sp.csr_matrix) -> np.ndarray:
        """The components of ``sample`` (its columns already :meth:`_select_columns`)."""
        from sklearn.utils.extmath import randomized_svd

        dims = max(1, min(self.text_dims, sample.shape[0] - 1, sample.shape[1] - 1))
        # what TruncatedSVD(algorithm="randomized") computes, without its explained-variance
        # ratios (a division by zero when every document is the same)
        _, _, components = randomized_svd(sample, dims, n_iter=4, flip_sign=True,
                                          random_state=self.random_state)
        out: np.ndarray = components.astype(np.float32)
        return out

    def _select_columns(self, m: sp.csr_matrix) -> sp.csr_matrix:
        colmap = getattr(self, "_colmap", None)
        if colmap is None or colmap.size != m.shape[1]:
            colmap = np.full(m.shape[1], -1, dtype=np.int32)
            colmap[self.svd_columns_] = np.arange(self.svd_columns_.size)
            self._colmap = colmap
        new = colmap[m.indices]
        keep = new >= 0
        kept_before = np.concatenate([[0], np.cumsum(keep)])
        indptr = kept_before[m.indptr]
        out: sp.csr_matrix = sp.csr_matrix((m.data[keep], new[keep], indptr),
                                           shape=(m.shape[0], self.svd_columns_.size))
        return out

    # -- transforming --------------------------------------------------------------------
    def _theme_counts(self, registry: Registry) -> sp.csr_matrix:
        pt = self._theme_indicator([p.themes for p in registry.projects])
        b = registry.incidence.tocsr().astype(np.float32)
        b.data[:] = 1.0
        declared = self._theme_indicator([o.themes for o in registry.orgs])
        out: sp.csr_matrix = sp.csr_matrix(b @ pt + declared, dtype=np.float32)
        return out

    def _theme_indicator(self, theme_sets: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """One row per theme set, 1.0 in the column of each known theme."""
        rows, cols = [], []
        for i, codes in enumerate(theme_sets):
            for code in codes:
                col = self.theme_col_.get(code)
                if col is not None:
                    rows.append(i)
                    cols.append(col)
        return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                             shape=(len(theme_sets), len(self.theme_codes_)))

    def _weigh_text(self, words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
        def tfidf(raw: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
            m = raw.copy()
            m.data = np.log1p(m.data) * idf[m.indices]
            return _l2(m)

        a = self.char_weight
        out: sp.csr_matrix = sp.hstack(
            [np.sqrt(1.0 - a) * tfidf(words, self.word_idf_),
             np.sqrt(a) * tfidf(chars, self.char_idf_)], format="csr", dtype=np.float32)
        return out

    def _project_text(self, text: sp.csr_matrix) -> sp.csr_matrix | np.ndarray:
        if self.svd_components_ is None:
            return _l2(text)
        chunk = self._select_columns(text) @ self.svd_components_.T
        return _l2_dense(np.asarray(chunk, dtype=np.float32))

    def transform_text(self, docs: Sequence[str], *,
                       chunk: int = 5_000) -> sp.csr_matrix | np.ndarray:
        """Text vectors (rows L2-normalised) of arbitrary documents, ``chunk`` at a time."""
        self._check_fitted()
        parts = [self._project_text(self._weigh_text(*self._raw_text(docs[i:i + chunk])))
                 for i in range(0, len(docs), chunk)] or [
            self._project_text(self._weigh_text(*self._raw_text([])))]
        if len(parts) == 1:
            return parts[0]
        if isinstance(parts[0], np.ndarray):
            return np.vstack(parts)
        out: sp.csr_matrix = sp.vstack(parts, format="csr")
        return out

    def extended(self, registry: Registry) -> ProfileVectoriser | str:
        """This fit for ``registry``, a newer registry, for :meth:`refresh`: a copy whose
        theme vocabulary has the themes new in ``registry`` after the fitted ones (their
        idf from ``registry``: the fitted ones keep theirs); or why it cannot be: a theme
        removed, or a type or country the fit did not see (no code for it)."""
        self._check_fitted()
        known = set(self.theme_codes_)
        if not known <= set(registry.themes):
            return "themes were removed"
        categories = set(values_of(registry.orgs, "category")) - set(self.categories_)
        countries = set(values_of(registry.orgs, "country")) - set(self.countries_)
        if categories or countries:
            return ("new organisation types or countries "
                    f"({', '.join(sorted(str(v) for v in categories | countries))})")
        out = copy.copy(self)
        added = tuple(sorted(set(registry.themes) - known))
        if added:
            out.theme_codes_ = (*self.theme_codes_, *added)
            out.theme_col_ = {c: i for i, c in enumerate(out.theme_codes_)}
            df = np.asarray((out._theme_counts(registry) > 0).sum(axis=0)).ravel()
            n = max(registry.n_orgs, 1)
            idf = (np.log((1.0 + n) / (1.0 + df[len(known):])) + 1.0).astype(np.float32)
            out.theme_idf_ = np.concatenate([np.asarray(self.theme_idf_, dtype=np.float32),
                                             idf])
        return out

    def refresh(self, registry: Registry, old: ProfileBlocks, rows: np.ndarray,
                ) -> ProfileBlocks:
        """The blocks of ``registry`` (this fit's organisations first, then new ones) in
        this fitted space: the text of organisation ``rows`` analysed again, the other rows'
        text kept from ``old``; themes, types and countries (cheap) made again for all."""
        self._check_fitted()
        docs = _Picked(OrgDocuments(registry), rows.tolist())
        fresh = self.transform_text(docs) if len(docs) else old.text[:0]
        return self._blocks(registry, replace_rows(old.text, fresh, rows, registry.n_orgs))

    def transform(self, registry: Registry) -> ProfileBlocks:
        """The blocks of every organisation of ``registry`` (fitted or not on it)."""
        self._check_fitted()
        return self._blocks(registry, self.transform_text(OrgDocuments(registry)))

    def _blocks(self, registry: Registry, text: sp.csr_matrix | np.ndarray) -> ProfileBlocks:
        counts = self._theme_counts(registry)
        counts.data = np.log1p(counts.data) * self.theme_idf_[counts.indices]
        cat = {c: i for i, c in enumerate(self.categories_)}
        cty = {c: i for i, c in enumerate(self.countries_)}
        return ProfileBlocks(
            themes=_l2(counts),
            text=text,
            category=np.array([cat.get(o.category, -1) for o in registry.orgs], dtype=np.int16),
            country=np.array([cty.get(o.country, -1) for o in registry.orgs], dtype=np.int16),
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "theme_idf_"):
            raise RuntimeError("ProfileVectoriser is not fitted: call fit(registry) first")
