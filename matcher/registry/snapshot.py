"""A read-only, array-shaped snapshot of the registry: what every model in ``matcher`` reads.

The ORM stops here: downstream code sees frozen ``OrgProfile`` values, numpy arrays and a
sparse organisation x project incidence matrix, never sessions or rows.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.names import OrgIdentity
from matcher.registry.reference import Reference, ThemeInfo, load_reference
from models import schema
from models.schema import Country, Organisation, OrganisationAlias, Participation, Project, Theme

__all__ = ["OrgProfile", "ProjectInfo", "Registry", "ThemeInfo", "fingerprint", "load_registry"]


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

    orgs: tuple[OrgProfile, ...]
    projects: tuple[ProjectInfo, ...]
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
        object.__setattr__(self, "row_of", {o.id: i for i, o in enumerate(self.orgs)})
        years = np.array([p.start_year or -1 for p in self.projects], dtype=np.int32)
        years.flags.writeable = False
        object.__setattr__(self, "project_years", years)

    @property
    def n_orgs(self) -> int:
        return len(self.orgs)


def fingerprint(session: Session) -> str:
    """A cheap digest that changes whenever an import changes the registry."""
    parts = [
        session.scalar(select(func.count()).select_from(Organisation)),
        session.scalar(select(func.max(Organisation.id))),
        session.scalar(select(func.count()).select_from(Project)),
        session.scalar(select(func.count()).select_from(Participation)),
        session.scalar(select(func.count()).select_from(schema.ImportRecord)),
        session.scalar(select(func.max(schema.ImportRecord.id))),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def load_registry(session: Session, *, until_year: int | None = None) -> Registry:
    """Read the whole registry; with ``until_year``, only projects started up to that year."""
    theme_code = dict(session.execute(select(Theme.id, Theme.code)).all())
    themes = {
        t.code: ThemeInfo(t.code, t.kind, t.label_en, t.label_fi)
        for t in session.scalars(select(Theme))
    }
    countries = dict(session.execute(select(Country.code, Country.name)).all())

    org_themes: dict[int, list[str]] = defaultdict(list)
    for oid, tid in session.execute(select(schema.organisation_theme.c.organisation_id,
                                           schema.organisation_theme.c.theme_id)):
        org_themes[oid].append(theme_code[tid])
    proj_themes: dict[int, list[str]] = defaultdict(list)
    for pid, tid in session.execute(select(schema.project_theme.c.project_id, schema.project_theme.c.theme_id)):
        proj_themes[pid].append(theme_code[tid])

    aliases: dict[int, list[str]] = defaultdict(list)
    for oid, name in session.execute(select(OrganisationAlias.organisation_id,
                                            OrganisationAlias.name)
                                     .order_by(OrganisationAlias.id)):
        aliases[oid].append(name)

    o = Organisation
    orgs = tuple(
        OrgProfile(
            id=r.id, pic=r.pic, oid=r.oid, erasmus_code=r.erasmus_code, name=r.legal_name,
            country=r.country, city=r.city, category=r.category, type_code=r.type_code,
            eche=r.eche_end is not None, themes=tuple(sorted(org_themes.get(r.id, ()))),
            description=r.description, website=r.website,
            aliases=tuple(aliases.get(r.id, ())),
        )
        for r in session.execute(
            select(o.id, o.pic, o.oid, o.erasmus_code, o.legal_name, o.country, o.city,
                   o.category, o.type_code, o.eche_end, o.description, o.website).order_by(o.id)
        )
    )
    p = Project
    query = select(p.id, p.identifier, p.programme, p.action, p.start_year, p.title,
                   p.summary, p.acronym, p.topic_code, p.topic_title).order_by(p.id)
    if until_year is not None:
        query = query.where(p.start_year <= until_year)
    projects = tuple(
        ProjectInfo(r.id, r.identifier, r.programme, r.action, r.start_year, r.title, r.summary,
                    tuple(sorted(proj_themes.get(r.id, ()))), r.acronym, r.topic_code,
                    r.topic_title)
        for r in session.execute(query)
    )
    row_of_org = {org.id: i for i, org in enumerate(orgs)}
    col_of_project = {pr.id: j for j, pr in enumerate(projects)}
    rows, cols, vals = [], [], []
    for pid, oid, role in session.execute(
        select(Participation.project_id, Participation.organisation_id, Participation.role)
    ):
        j = col_of_project.get(pid)
        if j is None:
            continue
        rows.append(row_of_org[oid])
        cols.append(j)
        vals.append(2.0 if role == "coordinator" else 1.0)
    incidence = sp.csr_matrix(
        (np.array(vals, dtype=np.float32), (np.array(rows, dtype=np.int64),
                                            np.array(cols, dtype=np.int64))),
        shape=(len(orgs), len(projects)),
    )
    return Registry(
        orgs=orgs, projects=projects, incidence=incidence, themes=themes,
        countries=countries,
        fingerprint=fingerprint(session) + ("" if until_year is None else f"@{until_year}"),
        reference=load_reference(session),
    )
