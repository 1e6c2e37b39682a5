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


def test_similar_projects_and_own_words() -> None:
    orgs = [org(0, "Opinto-ohjauksen keskus", "FI"), org(1, "Robotics lab", "DE"),
            org(2, "Water institute", "FR")]
    reg = make_registry(orgs, [[0, 1], [1, 2], [2]],
                        titles=["Guidance for students", "Robots in schools",
                                "Clean water for cities"])
    texts = ProjectTexts(min_df=1, top_k=1).fit(reg)
    top = texts.top(texts.similarities(["water in cities", "guidance of students"]))
    assert [row.indices.tolist() for row in top] == [[2], [0]]
    assert texts.uses_words(texts.terms(["robotics", "keskus", "nothing"])).tolist() == [
        [False, True, False], [True, False, False], [False, False, False]]
    assert texts.work_profiles_.shape[0] == 3
    assert np.allclose(np.linalg.norm(texts.work_profiles_, axis=1), 1.0, atol=1e-5)
