"""A fitted ranker brought up to date with a registry that grew, without fitting it again.

After an import the registry holds the organisations and projects it held (same ids, same
order: rows and columns are kept) and new ones after them, and some of the old ones' texts
or participations changed. :func:`compare` says which rows and columns that touches, and
how large a share of the registry they are; :func:`refresh` then keeps everything *fitted*
(the profile vectoriser's vocabularies, idf and SVD, the project texts' idf and SVD, the
latent factors, the learned weights) and computes only:

- the text vectors of the organisations whose document changed (new ones, those with new,
  lost or changed projects, those whose own text changed) and of the new and changed
  projects, with the fitted idf and SVD; the other rows are the saved ones;
- the latent factors of the organisations whose projects changed (and new ones), by least
  squares with the projects' factors fixed (:meth:`LatentCollaboration.refresh`);
- the topical (BM25F) index's documents of those projects and organisations, weighed with
  the fitted mean field lengths; new terms get columns, and the document frequencies and
  idf are counted again (as a fit does); the fixed expressions (collocations) are kept;
- what is cheap and global from the new registry: the theme, type and country blocks, the
  collaboration graph and the evidence counts.

Themes new in the registry get columns after the fitted ones (their idf from the new
registry). An organisation, project or theme removed, ids in another order, a type or
country the fit did not see: :func:`compare` or :func:`refresh` say why the index must be built again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.ranking.features import FeatureSpace
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.ranker import Ranker
from matcher.ranking.topical import TopicalIndex
from matcher.registry.records import array_of, values_of
from matcher.registry.snapshot import Registry

__all__ = ["Change", "compare", "refresh"]

#: The fields of an organisation and of a project that the index reads.
ORG_FIELDS = ("pic", "oid", "erasmus_code", "name", "country", "city", "category",
              "type_code", "eche", "themes", "description", "website", "aliases")
PROJECT_FIELDS = ("identifier", "programme", "action", "start_year", "title", "summary",
                  "themes", "acronym", "topic_code", "topic_title")


@dataclass(frozen=True)
class Change:
    """What differs between the registry an index was fitted on and a newer one."""

    n_orgs: int
    n_projects: int
    new_orgs: int
    new_projects: int
    #: Old organisations whose own fields or participations differ.
    changed_orgs: int
    #: Old projects whose fields or members differ.
    changed_projects: int
    #: Organisation rows whose document is made again (new, changed, members of changed
    #: and new projects), and those whose participations differ (new ones included).
    org_rows: np.ndarray
    member_rows: np.ndarray
    #: Project columns made again (new and changed).
    project_columns: np.ndarray

    @property
    def share(self) -> float:
        """New and changed organisations and projects, over all of the new registry's."""
        total = self.n_orgs + self.n_projects
        touched = self.new_orgs + self.new_projects + self.changed_orgs + self.changed_projects
        return touched / total if total else 0.0

    def describe(self) -> str:
        return (f"{self.new_orgs:,} new and {self.changed_orgs:,} changed organisations, "
                f"{self.new_projects:,} new and {self.changed_projects:,} changed projects")

    def to_json(self) -> dict[str, Any]:
        return {"new_orgs": self.new_orgs, "changed_orgs": self.changed_orgs,
                "new_projects": self.new_projects, "changed_projects": self.changed_projects,
                "share": round(self.share, 6)}


def _changed(old: Sequence[Any], new: Sequence[Any], fields: Sequence[str]) -> np.ndarray:
    """Which of ``old``'s records differ from the first ``len(old)`` of ``new`` in a field."""
    n = len(old)
    differs = np.zeros(n, dtype=bool)
    for name in fields:
        before, after = values_of(old, name), values_of(new, name)[:n]
        differs |= np.fromiter((a != b for a, b in zip(before, after, strict=True)),
                               dtype=bool, count=n)
    return differs


def _kept_prefix(old: np.ndarray, new: np.ndarray) -> bool:
    return old.size <= new.size and bool(np.array_equal(old, new[:old.size]))


def compare(old: Registry, new: Registry) -> Change | str:
    """What ``new`` adds to and changes in ``old``; a sentence saying why the index must be
    fitted again instead when ``new`` lost or reordered organisations or projects."""
    old_orgs, new_orgs = array_of(old.orgs, "id", np.int64), array_of(new.orgs, "id", np.int64)
    if not _kept_prefix(old_orgs, new_orgs):
        return "organisations were removed or renumbered"
    old_projects = array_of(old.projects, "id", np.int64)
    new_projects = array_of(new.projects, "id", np.int64)
    if not _kept_prefix(old_projects, new_projects):
        return "projects were removed or renumbered"
    n_orgs, n_projects = old_orgs.size, old_projects.size
    inc_new = sp.csr_matrix(new.incidence)
    before = sp.csr_matrix(old.incidence, dtype=np.float32)
    after = sp.csr_matrix(inc_new[:n_orgs, :n_projects], dtype=np.float32)
    diff = sp.csr_matrix(after - before)
    diff.eliminate_zeros()
    # members changed: a participation added, lost or of another role
    members = np.zeros(new_orgs.size, dtype=bool)
    members[:n_orgs] = np.diff(diff.indptr) > 0
    members[np.diff(sp.csr_matrix(inc_new[:, n_projects:]).indptr) > 0] = True
    members[n_orgs:] = True
    projects = np.zeros(new_projects.size, dtype=bool)
    projects[:n_projects] = _changed(old.projects, new.projects, PROJECT_FIELDS)
    projects[np.unique(diff.indices)] = True
    projects[n_projects:] = True
    own = np.zeros(new_orgs.size, dtype=bool)
    own[:n_orgs] = _changed(old.orgs, new.orgs, ORG_FIELDS)
    # an organisation's document holds its projects' texts: the members of a changed
    # project, now or before, are made again
    cols = np.flatnonzero(projects)
    touched = np.zeros(new_orgs.size, dtype=bool)
    touched[np.unique(sp.csc_matrix(inc_new)[:, cols].indices)] = True
    old_cols = cols[cols < n_projects]
    touched[np.unique(sp.csc_matrix(before)[:, old_cols].indices)] = True
    rows = members | own | touched
    return Change(
        n_orgs=int(new_orgs.size), n_projects=int(new_projects.size),
        new_orgs=int(new_orgs.size - n_orgs), new_projects=int(new_projects.size - n_projects),
        changed_orgs=int(np.count_nonzero((members | own)[:n_orgs])),
        changed_projects=int(np.count_nonzero(projects[:n_projects])),
        org_rows=np.flatnonzero(rows), member_rows=np.flatnonzero(members),
        project_columns=cols)


def refresh(ranker: Ranker, registry: Registry, change: Change) -> Ranker | str:
    """``ranker`` (fitted on an older registry) brought up to date with ``registry`` as
    :func:`compare` found it changed (module docstring); a sentence saying why it cannot be,
    and must be fitted again, instead."""
    space = ranker.space_
    vectoriser = space.vectoriser.extended(registry)
    if isinstance(vectoriser, str):
        return vectoriser
    if not space.texts.refreshable:
        return "the saved index lacks the project texts' components (an earlier version)"
    blocks = vectoriser.refresh(registry, space.blocks, change.org_rows)
    texts = space.texts.refresh(registry, change.project_columns, change.org_rows)
    topical = space.topical.refresh(registry, change.project_columns, change.org_rows)
    if topical is None:  # an index saved without the mean field lengths: fitted again
        topical = TopicalIndex(**space.topical.get_params()).fit(registry)  # type: ignore[arg-type]
    graph = CollaborationGraph.from_registry(registry)
    latent = space.latent.refresh(registry.incidence, change.member_rows)
    fresh = Ranker(weights=ranker.weights, n_content=ranker.n_content,
                   n_neighbours=ranker.n_neighbours, batch=ranker.batch,
                   model_share=ranker.model_share, weak_min=ranker.weak_min)
    fresh._set_fitted(FeatureSpace(registry, vectoriser, blocks, graph, texts, topical,
                                   latent))
    return fresh
