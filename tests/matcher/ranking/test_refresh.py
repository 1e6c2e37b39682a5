"""The search index refreshed after a registry grows, instead of fitted again whole: what
changed is found, a new organisation is found by a search, nothing changes where the fit
would not, and a deletion, a large change or a damaged index is built whole as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.ranking import index
from matcher.ranking.latent import LatentCollaboration
from matcher.ranking.ranker import Ranker
from matcher.ranking.refresh import Change, compare
from matcher.ranking.rows import replace_rows
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from matcher.values import Query
from tests.matcher.ranking.test_vectorise import THEMES, incidence, org

COUNTRIES = {"FI": "Finland", "DE": "Germany", "FR": "France", "ES": "Spain", "IT": "Italy"}
TITLES = ("Science education careers in schools", "Inquiry based science education",
          "Battery materials for electric vehicles", "Battery recycling and circular economy",
          "Guidance and counselling of first-year students", "Study guidance in universities",
          "Digital skills of teachers", "Teacher education for digital learning",
          "Sustainable tourism in rural regions", "Joint master programme in tourism",
          "Youth work and sport for inclusion", "Inclusion of migrants through sport")
NAMES = ("Helsingin yliopisto", "Technische Universitat Wien", "Universite de Lyon",
         "Opinto-ohjauksen kehittamiskeskus", "Digital Skills GmbH", "Universidad de Sevilla",
         "Tampereen yliopisto", "Universita di Bologna", "Akku Recycling GmbH",
         "Turismo Rural Asociacion", "Nuorisoseura ry", "Sport Inclusion e.V.",
         "Lycee Technique de Lyon", "Scuola Media Bologna", "Kasvatustieteen seura",
         "Energia Oy")
COUNTRY_OF = ("FI", "DE", "FR", "FI", "DE", "ES", "FI", "IT", "DE", "ES", "FI", "DE", "FR",
              "IT", "FI", "FI")
CONSORTIA = ((1, 2, 3), (3, 13, 15), (5, 9, 16), (9, 16, 2), (1, 4, 7), (7, 4, 15),
             (5, 13, 14), (14, 2, 7), (10, 6, 8), (6, 10, 3), (11, 12, 1), (12, 11, 6))


def _registry(orgs: Sequence[OrgProfile], projects: Sequence[ProjectInfo],
              consortia: Sequence[Sequence[int]], fingerprint: str) -> Registry:
    inc = incidence(orgs, consortia, len(projects))
    return Registry(tuple(orgs), tuple(projects), inc, THEMES, COUNTRIES, fingerprint)


def _orgs() -> list[OrgProfile]:
    return [org(i + 1, name, COUNTRY_OF[i], "ngo" if i in (3, 9, 10, 11) else
                "company" if i in (4, 8, 15) else "higher-education",
                themes=("guidance-counselling",) if i in (0, 3) else ())
            for i, name in enumerate(NAMES)]


def _projects(titles: Sequence[str] = TITLES) -> list[ProjectInfo]:
    return [ProjectInfo(100 + j, f"P{j}", "H2020", None, 2015 + j % 5, t, None)
            for j, t in enumerate(titles)]


def base() -> Registry:
    return _registry(_orgs(), _projects(), CONSORTIA, "base")


def grown(fingerprint: str = "grown") -> Registry:
    """The base and one new organisation, with one new project with two old ones."""
    orgs = [*_orgs(), org(17, "Quantum Battery Lab Oy", "FI", "company",
                          description="Solid state battery research")]
    projects = [*_projects(), ProjectInfo(200, "P-new", "Erasmus+", None, 2021,
                                          "Solid state battery recycling pilot", None)]
    return _registry(orgs, projects, [*CONSORTIA, (17, 5, 9)], fingerprint)


class Plain:
    """A registry that is no database, and can be replaced (an import)."""

    identity = "plain:refresh"

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def fingerprint(self) -> str:
        return self.registry.fingerprint

    def load(self) -> Registry:
        return self.registry


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    real = index.build

    def counting(*args: Any, **kwargs: Any) -> Any:
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "build", counting)
    return counted


def _ids(ranker: Ranker, query: Query, n: int = 10) -> list[int]:
    return [m.org.id for m in ranker.rank(query, n=n, explain=False)]


def _scores(ranker: Ranker, queries: Sequence[Query]) -> list[list[tuple[int, float]]]:
    return [[(m.org.id, m.score) for m in found]
            for found in ranker.rank(list(queries), n=10, explain=False)]


QUERIES = (Query(org_ids=(1,)), Query(org_ids=(5, 9)), Query(text="battery recycling"),
           Query(text="study guidance and counselling"), Query(themes=("ict-digital",)))


def test_compare_finds_new_and_changed_rows() -> None:
    old, new = base(), grown()
    change = compare(old, new)
    assert isinstance(change, Change)
    assert (change.new_orgs, change.new_projects) == (1, 1)
    # organisations 5 and 9 joined the new project: their participations changed
    assert change.changed_orgs == 2 and change.changed_projects == 0
    assert [int(new.orgs[r].id) for r in change.member_rows] == [5, 9, 17]
    assert change.project_columns.tolist() == [12]
    assert change.share == pytest.approx(4 / 30)
    assert compare(old, old).share == 0.0


def test_removed_or_renumbered_organisations_need_a_whole_fit() -> None:
    old = base()
    fewer = _registry(_orgs()[:-1], _projects(), CONSORTIA[:1], "fewer")
    assert compare(old, fewer) == "organisations were removed or renumbered"
    no_project = _registry(_orgs(), _projects()[1:], CONSORTIA[1:], "fewer projects")
    assert compare(old, no_project) == "projects were removed or renumbered"


def test_an_import_refreshes_the_index_and_finds_the_new_organisation(
        tmp_path: Path, builds: list[int]) -> None:
    source = Plain(base())
    notes: list[str] = []
    index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert builds == [1]
    source.registry = grown()
    ranker = index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert builds == [1]  # refreshed, not built
    assert notes[-1] == ("The registry changed since the search index was built: refreshing "
                         "it (1 new and 2 changed organisations, 1 new and 0 changed "
                         "projects).")
    info = index.read_info(index.index_dir(source, tmp_path))
    assert info is not None and info.refreshed_from == "base" and info.fingerprint == "grown"
    assert info.drift == pytest.approx(4 / 30, abs=1e-6) and info.change["new_orgs"] == 1
    assert "refreshed in" in info.summary() and info.n_orgs == 17
    # the new organisation: a partner of 5 and 9, and the one with this very text
    assert 17 in _ids(ranker, Query(org_ids=(5,)), n=3)
    assert 17 in _ids(ranker, Query(text="solid state battery recycling pilot"), n=3)
    # saved: the next search loads it as it is
    again = index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert builds == [1] and again.registry_.n_orgs == 17
    assert _scores(again, QUERIES) == _scores(ranker, QUERIES)
    assert _ids(again, Query(org_ids=(5,)), n=3) == _ids(ranker, Query(org_ids=(5,)), n=3)


def test_a_refresh_without_fitted_change_ranks_exactly_as_a_rebuild(
        tmp_path: Path, builds: list[int]) -> None:
    """A re-import that changes nothing, and a new website (read by no fitted part, but
    its organisation's rows are made again): the same scores as a whole fit."""
    source = Plain(base())
    index.load_or_build(source, cache_dir=tmp_path)
    orgs = _orgs()
    orgs[2] = dataclasses.replace(orgs[2], website="https://www.univ-lyon.fr")
    for changed in (dataclasses.replace(base(), fingerprint="again"),
                    _registry(orgs, _projects(), CONSORTIA, "website")):
        source.registry = changed
        refreshed = index.load_or_build(source, cache_dir=tmp_path)
        info = index.read_info(index.index_dir(source, tmp_path))
        assert info is not None and info.refreshed_from
        rebuilt = index.load_or_build(Plain(changed), cache_dir=tmp_path / "rebuilt",
                                      rebuild=True)
        assert _scores(refreshed, QUERIES) == _scores(rebuilt, QUERIES)
        assert np.array_equal(refreshed.space_.latent.item_factors_,
                              rebuilt.space_.latent.item_factors_)
    assert len(builds) == 3  # the base, and the two rebuilds to compare with


def test_a_refresh_with_new_text_is_close_to_a_rebuild(tmp_path: Path) -> None:
    source = Plain(base())
    index.load_or_build(source, cache_dir=tmp_path)
    source.registry = grown()
    refreshed = index.load_or_build(source, cache_dir=tmp_path)
    rebuilt = index.load_or_build(Plain(grown()), cache_dir=tmp_path / "rebuilt", rebuild=True)
    for query in QUERIES:
        top = set(_ids(rebuilt, query, n=5))
        assert len(top & set(_ids(refreshed, query, n=5))) >= 3, query


def test_deletion_a_large_change_or_a_damaged_index_is_built_whole(
        tmp_path: Path, builds: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    source = Plain(base())
    notes: list[str] = []
    index.load_or_build(source, cache_dir=tmp_path)
    source.registry = _registry(_orgs()[:-1], _projects(), CONSORTIA[:1], "fewer")
    index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert len(builds) == 2
    assert notes[-1] == ("The registry changed since the search index was built, and the "
                         "index is not refreshed (organisations were removed or renumbered): "
                         "rebuilding it.")
    info = index.read_info(index.index_dir(source, tmp_path))
    assert info is not None and not info.refreshed_from and info.drift == 0

    source.registry = base()
    index.load_or_build(source, cache_dir=tmp_path)
    assert len(builds) == 3
    monkeypatch.setattr(index, "MAX_DRIFT", 0.1)  # the grown registry is 13% new
    source.registry = grown()
    index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert len(builds) == 4
    assert "13.3% of the registry is new or changed since its full build" in notes[-1]

    monkeypatch.setattr(index, "MAX_DRIFT", 0.2)
    source.registry = base()
    index.load_or_build(source, cache_dir=tmp_path)  # organisation 17 removed: built whole
    source.registry = grown()
    index.load_or_build(source, cache_dir=tmp_path)
    assert len(builds) == 5  # refreshed: 13% new
    # the drift adds up over refreshes: 13% and then another 13% is over 20%
    more = grown("more")
    orgs = [*more.orgs, org(18, "Another Battery Oy", "FI", "company"),
            org(19, "Third Battery Oy", "FI", "company")]
    projects = [*more.projects, ProjectInfo(201, "P-2", "Erasmus+", None, 2022,
                                            "Battery pilot", None)]
    source.registry = _registry(orgs, projects, [*CONSORTIA, (17, 5, 9), (18, 19, 17)],
                                "more")
    index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert len(builds) == 6 and "refresh is made up to 20%" in notes[-1]

    directory = index.index_dir(source, tmp_path)
    with (directory / "word_idf.npy").open("r+b") as fh:
        fh.truncate(100)
    source.registry = dataclasses.replace(source.registry, fingerprint="after damage")
    ranker = index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert len(builds) == 7 and ranker.registry_.n_orgs == 19
    assert "(one of its files is damaged): rebuilding it." in notes[-1]


def test_new_themes_get_columns_and_a_new_country_needs_a_whole_fit(
        tmp_path: Path, builds: list[int]) -> None:
    source = Plain(base())
    index.load_or_build(source, cache_dir=tmp_path)
    themes = {**THEMES, "zz-new": dataclasses.replace(next(iter(THEMES.values())),
                                                      code="zz-new")}
    orgs = [*_orgs(), org(17, "Uusi teema ry", "FI", "ngo", themes=("zz-new",))]
    source.registry = dataclasses.replace(
        _registry(orgs, _projects(), CONSORTIA, "themes"), themes=themes)
    ranker = index.load_or_build(source, cache_dir=tmp_path)
    assert len(builds) == 1
    assert ranker.vectoriser_.theme_codes_[-1] == "zz-new"
    assert _ids(ranker, Query(themes=("zz-new",)))[0] == 17
    orgs = [*_orgs(), org(17, "Uusi teema ry", "FI", "ngo", themes=("zz-new",)),
            org(18, "Universidade de Lisboa", "PT")]
    source.registry = dataclasses.replace(_registry(orgs, _projects(), CONSORTIA, "country"),
                                          themes=themes)
    notes: list[str] = []
    index.load_or_build(source, cache_dir=tmp_path, progress=notes.append)
    assert len(builds) == 2 and "new organisation types or countries (PT)" in notes[-1]


def test_latent_refresh_folds_in_a_new_organisation() -> None:
    inc = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]],
                                 dtype=np.float32))
    latent = LatentCollaboration(factors=2, iterations=10).fit(inc)
    same = latent.refresh(inc, np.zeros(0, dtype=np.int64))
    assert np.array_equal(same.item_factors_, latent.item_factors_)
    # a fifth organisation in projects 0 and 1, as organisations 0 and 1 are
    grown = sp.csr_matrix(np.vstack([inc.toarray(), [[1, 1, 0]]]).astype(np.float32))
    refreshed = latent.refresh(grown, np.array([4]))
    assert np.array_equal(refreshed.item_factors_[:4], latent.item_factors_)
    scores = refreshed.scores(refreshed.fold_in([np.array([4])]))[0]
    assert int(np.argmax(np.where(np.arange(5) == 4, -np.inf, scores))) in (0, 1)


@pytest.mark.parametrize("dense", [False, True])
def test_replace_rows_keeps_old_rows_and_puts_fresh_ones(dense: bool) -> None:
    old = np.array([[1, 0], [0, 2], [3, 0]], dtype=np.float32)
    fresh = np.array([[5, 5], [7, 0]], dtype=np.float32)
    out = replace_rows(old if dense else sp.csr_matrix(old),
                       fresh if dense else sp.csr_matrix(fresh), np.array([1, 4]), 5)
    got = out if dense else out.toarray()
    assert got.tolist() == [[1, 0], [5, 5], [3, 0], [0, 0], [7, 0]]


def test_topical_refresh_counts_as_a_fit_and_finds_new_expressions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Projects only added: the same terms, document frequencies, idf and fixed
    expressions as a fit of the new registry, the new ones included."""
    from matcher.ranking import topical as topical_module
    from matcher.ranking.topical import TopicalIndex

    monkeypatch.setattr(topical_module, "COLLOCATION_MIN_DF", 2)
    titles = [*TITLES[:-2], "Solar cell materials", "Solar cell recycling"]
    old = _registry(_orgs(), _projects(titles), CONSORTIA, "base")
    projects = [*_projects(titles), ProjectInfo(200, "P-new", "Erasmus+", None, 2021,
                                                "Solid state battery cell", None),
                ProjectInfo(201, "P-new2", "Erasmus+", None, 2021,
                            "Solid state electrolytes", None)]
    new = _registry([*_orgs(), org(17, "Quantum Battery Lab Oy", "FI", "company",
                                   description="Solid state battery research")],
                    projects, [*CONSORTIA, (17, 5, 9), (17, 9)], "grown")
    change = compare(old, new)
    assert isinstance(change, Change)
    fitted = TopicalIndex().fit(old)
    refreshed = fitted.refresh(new, change.project_columns, change.org_rows)
    whole = TopicalIndex().fit(new)
    assert refreshed is not None
    assert np.array_equal(refreshed.columns_, whole.columns_)
    assert np.array_equal(refreshed.df_, whole.df_) and np.array_equal(refreshed.idf_,
                                                                       whole.idf_)
    assert refreshed.collocations_.tolist() == whole.collocations_.tolist()
    assert refreshed.collocation_roles_ is not None and whole.collocation_roles_ is not None
    assert refreshed.collocation_roles_.tolist() == whole.collocation_roles_.tolist()
    state = whole.column("solid state")
    assert state is not None and state in refreshed.collocations_[:, 2].tolist()
    assert np.array_equal(refreshed.context_, whole.context_)


def test_a_refreshed_index_is_refreshed_again_and_its_drift_adds_up(
        tmp_path: Path, builds: list[int]) -> None:
    source = Plain(base())
    index.load_or_build(source, cache_dir=tmp_path)
    source.registry = grown()
    index.load_or_build(source, cache_dir=tmp_path)
    first = index.read_info(index.index_dir(source, tmp_path))
    more = grown()
    orgs = [*more.orgs, org(18, "Toinen Akku Oy", "FI", "company",
                            description="Sodium battery chemistry")]
    source.registry = _registry(orgs, list(more.projects), [*CONSORTIA, (17, 5, 9)], "again")
    ranker = index.load_or_build(source, cache_dir=tmp_path)
    second = index.read_info(index.index_dir(source, tmp_path))
    assert builds == [1] and first is not None and second is not None
    assert second.refreshed_from == "grown" and second.fitted_at == first.fitted_at
    assert second.drift == pytest.approx(first.drift + 1 / 31, abs=1e-6)
    assert 18 in _ids(ranker, Query(text="sodium battery chemistry"), n=3)
