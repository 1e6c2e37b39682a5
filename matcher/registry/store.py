"""The registry's store: where the plain values of :mod:`matcher.registry.snapshot` and
:mod:`matcher.registry.reference` are read from the database.

Only this module and the browsing queries of :mod:`matcher.registry.catalogue` talk to the
database; everything downstream works on the values they return.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.registry.reference import (
    CountryInfo,
    OrgTypeRef,
    Reference,
    StatusRow,
    ThemeInfo,
)
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from models import schema
from models.schema import (
    ActionRule,
    Country,
    CountryStatus,
    Organisation,
    OrganisationAlias,
    OrgType,
    Participation,
    Project,
    Theme,
)

__all__ = ["Store", "fingerprint", "load_reference", "load_registry"]


def load_reference(session: Session) -> Reference:
    """The registry's reference tables (a few hundred rows: cheap to read per command)."""
    return Reference(
        countries=tuple(CountryInfo(c.code, c.iso2, c.name, c.part_of,
                                    tuple(a for a in (c.aliases or "").split("|") if a))
                        for c in session.scalars(select(Country).order_by(Country.code))),
        org_types=tuple(OrgTypeRef(t.code, t.scheme, t.label, t.category)
                        for t in session.scalars(select(OrgType).order_by(OrgType.position))),
        statuses=tuple(StatusRow(s.country, s.status, s.from_call, s.to_call, s.source)
                       for s in session.scalars(select(CountryStatus)
                                                .order_by(CountryStatus.id))),
        actions={a.code: json.loads(a.rules)
                 for a in session.scalars(select(ActionRule).order_by(ActionRule.code))},
        themes={t.code: ThemeInfo(t.code, t.kind, t.label_en, t.label_fi)
                for t in session.scalars(select(Theme).order_by(Theme.code))},
    )


@dataclass(frozen=True, slots=True)
class Store:
    """A registry's database as its search index sees it (:mod:`matcher.ranking.index`):
    what tells it apart from other databases, its fingerprint and its snapshot. The index
    asks these and never touches the session."""

    session: Session

    @property
    def identity(self) -> str:
        """A SQLite file's resolved path (written as an absolute URL, so an index keyed by one
        keeps its folder), else the database's URL without its password."""
        url = self.session.get_bind().engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not url.database.startswith("file:"):
            return f"sqlite:///{os.path.realpath(url.database)}"
        return url.render_as_string(hide_password=True)

    def fingerprint(self) -> str:
        return fingerprint(self.session)

    def load(self) -> Registry:
        return load_registry(self.session)


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
