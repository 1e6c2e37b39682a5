"""ProfileVectoriser: idf-weighted themes, word + character n-gram text, type/country codes."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.ranking import text as text_hashing
from matcher.ranking.documents import org_documents
from matcher.ranking.vectorise import ProfileVectoriser
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo

THEMES = {
    "guidance-counselling": ThemeInfo("guidance-counselling", "seed",
                                      "Study guidance and counselling",
                                      "Opintojen ohjaus ja neuvonta"),
    "ict-digital": ThemeInfo("ict-digital", "topic", "ICT - digital competences", None),
    "h2020-sc4": ThemeInfo("h2020-sc4", "programme-part", "Smart, green transport", None),
}


def org(i: int, name: str, country: str, category: str = "higher-education", *,
        themes: tuple[str, ...] = (), eche: bool = False,
        description: str | None = None) -> OrgProfile:
    return OrgProfile(id=i, pic=f"{900000000 + i}", oid=None, erasmus_code=None, name=name,
                      country=country, city=None, category=category, type_code=None, eche=eche,
                      themes=themes, description=description)


def incidence(orgs: Sequence[OrgProfile], consortia: Sequence[Sequence[int]],
              n_projects: int) -> sp.csr_matrix:
    """Organisations x projects: ``consortia[j]`` lists the org ids of project j, its first
    member the coordinator (2.0), the others 1.0."""
    row_of = {o.id: i for i, o in enumerate(orgs)}
    rows, cols, vals = [], [], []
    for j, members in enumerate(consortia):
        for k, oid in enumerate(members):
            rows.append(row_of[oid])
            cols.append(j)
            vals.append(2.0 if k == 0 else 1.0)
    return sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                         shape=(len(orgs), n_projects))


def make_registry(orgs: Sequence[OrgProfile], consortia: Sequence[Sequence[int]] = (), *,
                  project_themes: Sequence[tuple[str, ...]] | None = None,
                  titles: Sequence[str | None] | None = None,
                  year: int = 2017) -> Registry:
    """``consortia[j]`` lists the org ids of project j; its first member coordinates."""
    inc = incidence(orgs, consortia, len(consortia))
    projects = tuple(
        ProjectInfo(j, f"P{j}", "H2020", None, year,
                    titles[j] if titles else None, None,
                    project_themes[j] if project_themes else ())
        for j in range(len(consortia)))
    return Registry(tuple(orgs), projects, inc, THEMES,
                    {"FI": "Finland", "DE": "Germany", "FR": "France", "ES": "Spain",
                     "IT": "Italy"}, "test-fingerprint")


def test_rare_themes_weigh_more() -> None:
    orgs = [org(i, f"Org {i}", "FI", themes=("ict-digital",)) for i in range(5)]
    orgs.append(org(5, "Org 5", "FI", themes=("ict-digital", "guidance-counselling")))
    reg = make_registry(orgs)
    vec = ProfileVectoriser().fit(reg)
    col = vec.theme_col_
    assert vec.theme_idf_[col["guidance-counselling"]] > vec.theme_idf_[col["ict-digital"]]
    row = vec.transform(reg).themes[5].toarray().ravel()
    assert row[col["guidance-counselling"]] > row[col["ict-digital"]] > 0
    assert np.linalg.norm(row) == pytest.approx(1.0, abs=1e-6)


def test_project_themes_count_for_their_members() -> None:
    orgs = [org(1, "A", "FI"), org(2, "B", "DE"), org(3, "C", "FR")]
    reg = make_registry(orgs, [[1, 2]], project_themes=[("h2020-sc4",)])
    blocks = ProfileVectoriser().fit(reg).transform(reg)
    assert blocks.themes[0].nnz == 1 and blocks.themes[1].nnz == 1 and blocks.themes[2].nnz == 0


@pytest.mark.parametrize(("query", "best"), [
    ("opintojen ohjauksen kehittäminen", 0),  # Finnish, inflected
    ("Hochschulen für Technik", 1),  # German plural, no umlaut in the profile
    ("école d'ingénieurs", 2),  # accents folded
])
def test_text_matches_across_languages(query: str, best: int) -> None:
    orgs = [org(0, "Opinto-ohjaus ja neuvonta verkosto", "FI"),
            org(1, "Hochschule fur Technik Stuttgart", "DE"),
            org(2, "Ecole nationale d'ingenieurs de Brest", "FR"),
            org(3, "Robotics and automation laboratory", "IT")]
    reg = make_registry(orgs)
    vec = ProfileVectoriser().fit(reg)
    blocks = vec.transform(reg)
    scores = (blocks.text @ vec.transform_text([query]).T).toarray().ravel()
    assert int(np.argmax(scores)) == best
    assert np.all(scores <= 1.0 + 1e-5) and np.all(scores >= 0.0)


def test_documents_use_names_descriptions_and_project_titles() -> None:
    orgs = [org(0, None, "FI", description="Career services"), org(1, "B", "DE")]
    reg = make_registry(orgs, [[0, 1]], titles=["Virtual mobility toolkit"])
    docs = org_documents(reg)
    assert docs[0] == "Career services Virtual mobility toolkit"
    assert docs[1] == "B Virtual mobility toolkit"


def test_large_text_is_reduced_with_svd_to_dense_float32() -> None:
    words = ["digital", "guidance", "energy", "climate", "robotics", "health", "teacher",
             "mobility", "language", "water"]
    orgs = [org(i, f"{words[i % 10]} {words[(i * 3) % 10]} centre {i}", "FI")
            for i in range(60)]
    reg = make_registry(orgs)
    vec = ProfileVectoriser(max_sparse_nnz=100, text_dims=16).fit(reg)
    blocks = vec.transform(reg)
    assert isinstance(blocks.text, np.ndarray)
    assert blocks.text.dtype == np.float32 and blocks.text.shape == (60, 16)
    scores = blocks.text @ vec.transform_text(["digital energy"])[0]
    best = str(orgs[int(np.argmax(scores))].name)
    assert "digital" in best or "energy" in best


def test_pure_python_hashing_equals_scikit_learn(shared_data: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Queries are hashed without importing scikit-learn: the columns must be identical."""
    with open(shared_data / "eche" / "eche-holders-2021-2027.csv", encoding="cp1252") as f:
        next(f)
        names = [row["Legal Name"] for _, row in zip(range(300), csv.DictReader(f, delimiter=";"),
                                                     strict=False)]
    names += ["Opinto-ohjauksen kehittäminen", "École d'ingénieurs", "a b x2", ""]
    vec = ProfileVectoriser()
    monkeypatch.setattr(text_hashing, "PURE_PYTHON_WORDS", 10**9)
    pure = vec._raw_text(names)
    monkeypatch.setattr(text_hashing, "PURE_PYTHON_WORDS", 0)
    sklearn = vec._raw_text(names)
    for mine, theirs in zip(pure, sklearn, strict=True):
        assert mine.nnz > 1000 and abs(mine - theirs).sum() == 0


def test_searching_does_not_import_scikit_learn(tmp_path: Path) -> None:
    """Importing scikit-learn takes over a second: a loaded ranker must answer without it."""
    orgs = [org(0, "Opinto-ohjaus ja neuvonta", "FI"), org(1, "Robotics lab", "DE")]
    from matcher.ranking.ranker import Ranker

    Ranker().fit(make_registry(orgs, [[0, 1]])).save(tmp_path)
    code = ("import sys; from pathlib import Path; from matcher.ranking.ranker import Ranker; "
            "from matcher.values import Query; "
            f"r = Ranker.load(Path({str(tmp_path)!r})); "
            "r.rank(Query(org_ids=(0,), text='ohjaus')); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.strip() == "[]"


def test_transform_before_fit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        ProfileVectoriser().transform(make_registry([org(0, "A", "FI")]))
