"""A read-only, array-shaped snapshot of the registry: what every model in ``matcher`` reads.

Plain values, no database: downstream code sees frozen ``OrgProfile`` values, numpy arrays and
a sparse organisation x project incidence matrix, never sessions or rows.
:mod:`matcher.registry.store` reads them from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matcher.names import OrgIdentity
from matcher.registry.records import LazyRecords, array_of, values_of
from matcher.registry.reference import Reference, ThemeInfo

__all__ = ["OrgProfile", "ProjectInfo", "Registry", "ThemeInfo"]


@dataclass(frozen=True, slots=True)
class OrgProfile(OrgIdentity):
    """One organisation as the models see it. ``name`` is None when no source named it."""

    city: str | None
    category: str
    type_code: str | None
    eche: bool
    themes: tuple[str, ...] = ()
    description: str | None = None
    website: str | None = None
    #: Other names it is known by: another legal name, short names (``CNRS``).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """One project as the models and the reasons see it (``start_year`` None when unknown)."""

    id: int
    identifier: str
    programme: str
    action: str | None
    start_year: int | None
    title: str | None
    summary: str | None
    themes: tuple[str, ...] = ()
    acronym: str | None = None
    #: The call topic (``SwafS-09-2018``) and its title.
    topic_code: str | None = None
    topic_title: str | None = None

    @property
    def label(self) -> str:
        """How a reason cites it: ``PERFORM (2015)``, else its identifier."""
        name = self.acronym or f"{self.programme} {self.identifier}"
        return f"{name} ({self.start_year})" if self.start_year else name


@dataclass(frozen=True)
class Registry:
    """Organisations, projects and who took part in what, as arrays.

    ``incidence[i, j]`` is 2.0 when organisation row ``i`` coordinated project row ``j``,
    1.0 when it was a partner, 0 otherwise.
    """

    #: A tuple, or (a loaded index) :class:`~matcher.registry.records.LazyRecords` that make
    #: each record when first read: :func:`~matcher.registry.records.values_of` reads a
    #: field of them all without making them.
    orgs: Sequence[OrgProfile]
    projects: Sequence[ProjectInfo]
    incidence: sp.csr_matrix
    themes: dict[str, ThemeInfo]
    countries: dict[str, str]
    fingerprint: str
    #: The registry's reference data (vocabulary and rules), when read from a database.
    reference: Reference | None = field(default=None, repr=False, compare=False)
    row_of: dict[int, int] = field(init=False, repr=False)
    #: Start year of each project column; -1 when unknown.
    project_years: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = array_of(self.orgs, "id", np.int64).tolist()
        object.__setattr__(self, "row_of", dict(zip(ids, range(len(ids)))))
        # a loaded index saved these years (-1 when unknown): no value made again
        saved = self.projects.raw("start_year") if isinstance(self.projects, LazyRecords) else None
        years = (np.array(saved, dtype=np.int32) if saved is not None
                 else np.array([y or -1 for y in values_of(self.projects, "start_year")],
                               dtype=np.int32))
        years.flags.writeable = False
        object.__setattr__(self, "project_years", years)

    @property
    def n_orgs(self) -> int:
        return len(self.orgs)
