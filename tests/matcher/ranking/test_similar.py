"""Project texts: pure-Python query hashing equals scikit-learn's, similar projects, words of
organisations' own texts."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from matcher.ranking import similar
from matcher.ranking.similar import ProjectTexts
from tests.matcher.ranking.test_vectorise import make_registry, org


def test_pure_python_terms_equal_scikit_learn(shared_data: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with gzip.open(shared_data / "cordis-h2020" / "projects.csv.gz", "rt",
                   encoding="utf-8") as fh:
        titles = [f"{r['acronym']} {r['title']} {r['topic_title']}"
                  for _, r in zip(range(300), csv.DictReader(fh), strict=False)]
    titles += ["Opinto-ohjauksen kehittäminen", "École d'ingénieurs", "a b x2", ""]
    reg = make_registry([org(0, "A", "FI")], [[0]], titles=["x"])
    texts = ProjectTexts().fit(reg)
    monkeypatch.setattr(similar, "_PURE_PYTHON_TEXTS", 10**9)
    pure = texts.terms(titles)
    monkeypatch.setattr(similar, "_PURE_PYTHON_TEXTS", 0)
    compiled = texts.terms(titles)
    assert pure.nnz > 3000 and abs(pure - compiled).sum() == 0


def test_similar_projects_and_work_profiles() -> None:
    orgs = [org(0, "Opinto-ohjauksen keskus", "FI"), org(1, "Robotics lab", "DE"),
            org(2, "Water institute", "FR")]
    reg = make_registry(orgs, [[0, 1], [1, 2], [2]],
                        titles=["Guidance for students", "Robots in schools",
                                "Clean water for cities"])
    texts = ProjectTexts(min_df=1, top_k=1).fit(reg)
    top = texts.top(texts.similarities(["water in cities", "guidance of students"]))
    assert [row.indices.tolist() for row in top] == [[2], [0]]
    assert texts.work_profiles_.shape[0] == 3
    assert np.allclose(np.linalg.norm(texts.work_profiles_, axis=1), 1.0, atol=1e-5)


def test_narrowed_query_columns_are_scipys_column_indexing_to_the_last_bit() -> None:
    """``used_columns`` replaces ``m[:, used]`` (whose cost grows with the 2**20 hashed
    columns): the same entries in the same order, so products add in the same order."""
    import scipy.sparse as sp

    from matcher.ranking.text import used_columns

    rng = np.random.default_rng(3)
    cols = rng.choice(2**20, 60, replace=False)  # unsorted within rows, as products leave them
    m = sp.csr_matrix((rng.random(60, dtype=np.float32), cols, np.arange(0, 61, 12)),
                      shape=(5, 2**20))
    assert not m.has_sorted_indices
    expected = m.copy()[:, np.unique(m.indices)]
    used, narrow = used_columns(m)
    assert not m.has_sorted_indices  # the caller's matrix is left as it was
    assert used.tolist() == sorted(cols.tolist())
    assert narrow.shape == expected.shape
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(narrow, name), getattr(expected, name)), name
    postings = sp.csc_matrix(sp.random(40, 2**20, density=2e-4, format="csc", rng=rng,
                                       dtype=np.float32))
    assert np.array_equal((postings[:, used] @ narrow.T).toarray(),
                          (postings[:, used] @ expected.T).toarray())
