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

import numpy as np

from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry

__all__ = ["MAX_PROJECTS", "org_documents", "own_text", "project_rows", "project_text"]

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


def org_documents(registry: Registry, limit: int = MAX_PROJECTS) -> list[str]:
    """One text per organisation: :func:`own_text` then its latest projects' texts."""
    texts = [project_text(p) for p in registry.projects]
    has_text = any(texts)
    docs = []
    for row, org in enumerate(registry.orgs):
        parts = [own_text(org)]
        if has_text:
            parts.extend(texts[j] for j in project_rows(registry, row, limit).tolist())
        docs.append(" ".join(p for p in parts if p))
    return docs
