"""Feature hashing of words and ``char_wb`` n-grams, identical to scikit-learn's, in Python.

``HashingVectorizer`` is stateless, so the text model needs no stored vocabulary; but importing
scikit-learn costs over a second, too much for one ``matcher search``. Queries (a few words)
are therefore hashed here with the same MurmurHash3 and the same n-gram rules, giving the
same columns (``tests/matcher/test_vectorise.py`` checks it on real names); fitting many
documents still uses scikit-learn's compiled hasher.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from matcher.text import fold

__all__ = ["PURE_PYTHON_WORDS", "fold_fast", "hash_terms", "hash_words", "murmurhash3_32",
           "used_columns", "word_terms"]

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: up to this many distinct words are hashed in Python, more with scikit-learn
PURE_PYTHON_WORDS = 200
_M32 = 0xFFFFFFFF


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """Signed 32-bit MurmurHash3 (x86), as ``sklearn.utils.murmurhash3_32`` computes it.

    >>> murmurhash3_32("ohjaus".encode())
    270843338
    """
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & _M32
    n = len(data)
    tail = n - n % 4
    for i in range(0, tail, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * c1) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        h ^= (k * c2) & _M32
        h = ((h << 13) | (h >> 19)) & _M32
        h = (h * 5 + 0xE6546B64) & _M32
    k = 0
    rest = n - tail
    if rest == 3:
        k ^= data[tail + 2] << 16
    if rest >= 2:
        k ^= data[tail + 1] << 8
    if rest >= 1:
        k ^= data[tail]
        k = (k * c1) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        h ^= (k * c2) & _M32
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


@lru_cache(maxsize=1 << 16)
def _column(token: str, n_features: int) -> int:
    """The column ``HashingVectorizer`` gives ``token`` (its handling of -2**31 included);
    remembered, as words recur from query to query in a batch or a server."""
    h = murmurhash3_32(token.encode("utf-8"))
    if h == -(2**31):
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def _char_wb(word: str) -> list[str]:
    """scikit-learn's ``char_wb`` 3-5 n-grams of one word."""
    w = f" {word} "
    grams = []
    for n in range(3, 6):
        offset = 0
        grams.append(w[:n])
        while offset + n < len(w):
            offset += 1
            grams.append(w[offset:offset + n])
        if offset == 0:
            break
    return grams


def hash_words(words: Sequence[str], n_features: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """words x hashed columns for the word and the ``char_wb`` analysers, in pure Python."""
    maps = []
    for analyse in ((lambda w: [w] if len(w) >= 2 else []), _char_wb):
        rows, cols = [], []
        for i, word in enumerate(words):
            for token in analyse(word):
                rows.append(i)
                cols.append(_column(token, n_features))
        m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                          shape=(len(words), n_features))
        m.sum_duplicates()
        maps.append(m)
    return maps[0], maps[1]


def fold_fast(text: str) -> str:
    """:func:`models.text.fold`, with a fast path for plain ASCII (most profiles)."""
    if text.isascii():
        return _NOT_ALNUM.sub(" ", text.lower()).strip()
    return fold(text)


_WORD = re.compile(r"\b\w\w+\b")


def word_terms(text: str, stop_words: frozenset[str] = frozenset()) -> list[str]:
    """Word unigrams and bigrams of folded ``text``, as scikit-learn's ``word`` analyser with
    ``ngram_range=(1, 2)`` builds them: stop words dropped first, bigrams of what remains.

    >>> word_terms("Guidance and counselling for students", frozenset({"and", "for"}))
    ['guidance', 'counselling', 'students', 'guidance counselling', 'counselling students']
    """
    tokens = [w for w in _WORD.findall(fold_fast(text)) if w not in stop_words]
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def hash_terms(terms: Sequence[str], n_features: int) -> np.ndarray:
    """The ``HashingVectorizer`` column of each term (pure Python, for a few query terms)."""
    return np.array([_column(t, n_features) for t in terms], dtype=np.int64)


def used_columns(m: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
    """The columns ``m`` uses (sorted) and ``m`` narrowed to them: ``m[:, used]`` without
    scipy's column indexing, whose cost grows with the width of the hashed space (2**20
    columns) rather than with the few terms of a query. The entries keep their order, as
    scipy's indexing keeps it, so products with the narrowed matrix add in the same order
    and give the same values to the last bit."""
    m = sp.csr_matrix(m)
    used = np.unique(m.indices)
    narrow = sp.csr_matrix((m.data, np.searchsorted(used, m.indices), m.indptr),
                           shape=(m.shape[0], used.size))
    return used, narrow
