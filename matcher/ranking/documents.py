"""The texts the text features read: one place that says what an organisation's words are.

An organisation's document is its own text (name, other names, description) followed by the
texts of its latest :data:`MAX_PROJECTS` projects (acronym, title, call-topic title, summary).
The scorer (:mod:`matcher.ranking.vectorise`) and the explanations
(:mod:`matcher.ranking.explain`) both read documents through this module, so a reason never
cites words the score did not see.

>>> from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
>>> import scipy.sparse as sp
>>> org = OrgProfile(1, "999", None, None, "Opintoverkosto ry", "FI", None, "ngo", None, False,
...                  aliases=("OVK",))
>>> p = ProjectInfo(7, "7", "H2020", None, 2015, "Science education", None,
...                 acronym="PERFORM", topic_title="Science careers")
>>> reg = Registry((org,), (p,), sp.csr_matrix([[1.0]]), {}, {}, "x")
>>> org_documents(reg)
['Opintoverkosto ry OVK PERFORM Science education Science careers']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry

__all__ = ["MAX_PROJECTS", "OrgDocuments", "org_documents", "own_text", "project_rows", "project_text"]

#: Projects of an organisation that its document holds: the latest ones.
MAX_PROJECTS = 20


def own_text(org: OrgProfile) -> str:
    """What the organisation says of itself: name, other names, description."""
    return " ".join(t for t in (org.name, *org.aliases, org.description) if t)


def project_text(project: ProjectInfo) -> str:
    """What a project was about: acronym, title, call-topic title, summary."""
    return " ".join(t for t in (project.acronym, project.title, project.topic_title,
                                project.summary) if t)


def project_rows(registry: Registry, row: int, limit: int = MAX_PROJECTS) -> np.ndarray:
    """The project columns of organisation ``row`` in its document: the latest ``limit``
    (by start year, then by column order)."""
    inc = registry.incidence
    cols = inc.indices[inc.indptr[row]:inc.indptr[row + 1]]
    years = registry.project_years
    order = np.lexsort((cols, -years[cols]))
    picked: np.ndarray = cols[order][:limit]
    return picked


class OrgDocuments(Sequence[str]):
    """Every organisation's document (:func:`org_documents`), each made when it is read.

    A registry's documents repeat each project's text once per member: held whole they
    are most of the memory of fitting (750 MB at 250,000 organisations); read a chunk at a
    time, only the projects' own texts are held.
    """

    def __init__(self, registry: Registry, limit: int = MAX_PROJECTS) -> None:
        self.registry = registry
        self.limit = limit
        self._texts = [project_text(p) for p in registry.projects]
        self._has_text = any(self._texts)

    def __len__(self) -> int:
        return len(self.registry.orgs)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._document(row) for row in range(*index.indices(len(self)))]
        row = range(len(self))[index]  # IndexError out of range, as a list's
        return self._document(row)

    def _document(self, row: int) -> str:
        parts = [own_text(self.registry.orgs[row])]
        if self._has_text:
            parts.extend(self._texts[j]
                         for j in project_rows(self.registry, row, self.limit).tolist())
        return " ".join(p for p in parts if p)


def org_documents(registry: Registry, limit: int = MAX_PROJECTS) -> list[str]:
    """One text per organisation: :func:`own_text` then its latest projects' texts."""
    return list(OrgDocuments(registry, limit))
