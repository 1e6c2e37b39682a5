"""Browse the registry: find one organisation, list organisations by filters, profile one,
count what is there, list the theme vocabulary.

These functions read a ``Session`` directly (unlike the models, which read a ``Registry``
snapshot): a listing or a profile touches a few rows, so loading the whole registry would be
waste. They return frozen values with ``to_json()`` (or plain dicts); the CLI only formats
them. Example: ``list_organisations(session, countries=["Finland"], categories=["ngo"])``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from matcher.names import Identifiers, NamedOrg, NameIndex, resolve_organisation
from matcher.registry.snapshot import OrgProfile
from models.errors import QueryError
from models.schema import (
    Country,
    Organisation,
    OrganisationAlias,
    Participation,
    Project,
    Theme,
    organisation_theme,
    project_theme,
)
from models.text import fold, quoted

__all__ = [
    "ListedOrg",
    "OrgDetail",
    "OrgSummary",
    "PartnerCount",
    "ProjectRole",
    "ThemeCount",
    "ThemeRow",
    "find_organisation",
    "list_organisations",
    "list_themes",
    "name_index",
    "organisation_profile",
    "profiles",
    "registry_stats",
]

@dataclass(frozen=True, slots=True)
class ListedOrg:
    """What every listing of an organisation starts with: its identifiers, the name it is
    shown by (``(unnamed, PIC ...)`` when no source named it) and its country."""

    id: int
    pic: str | None
    oid: str | None
    erasmus_code: str | None
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class OrgSummary(ListedOrg):
    """One line of ``matcher orgs``."""

    city: str | None
    category: str
    type_code: str | None
    eche: bool
    projects: int
    #: Where the record came from (``file:row``), then each other spelling merged into it
    #: by an import (``name (file)``); filled by ``list_organisations(merged=True)`` only.
    merged_from: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.merged_from:
            del out["merged_from"]
        else:
            out["merged_from"] = list(self.merged_from)
        return out


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """A theme of ``matcher show``: declared by the organisation, or counted in its
    projects."""

    code: str
    label_en: str
    count: int  # projects of the organisation with this theme; 0 for declared themes
    label_fi: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectRole:
    """One project of ``matcher show``, with the organisation's role in it."""

    identifier: str
    programme: str
    action: str | None
    year: int | None
    role: str
    title: str | None


@dataclass(frozen=True, slots=True)
class PartnerCount:
    """A partner of ``matcher show``: an organisation it shared ``shared`` projects with."""

    id: int
    ref: str
    name: str
    country: str
    category: str
    shared: int


@dataclass(frozen=True, slots=True)
class OrgDetail(ListedOrg):
    """Everything ``matcher show`` prints about one organisation."""

    country_name: str
    city: str | None
    category: str
    type_code: str | None
    website: str | None
    eche_start: dt.date | None
    eche_end: dt.date | None
    eche_valid: bool
    description: str | None
    declared_themes: tuple[ThemeCount, ...]
    project_themes: tuple[ThemeCount, ...]
    projects: tuple[ProjectRole, ...]
    partners: tuple[PartnerCount, ...]
    source: str | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("eche_start", "eche_end"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def _name(org: Organisation) -> str:
    return org.display_name


def _ref(pic: str | None, oid: str | None, code: str | None, id_: int) -> str:
    return pic or oid or code or f"#{id_}"


def find_organisation(session: Session, ref: str) -> int:
    """The id of the organisation ``ref`` names: PIC, OID, Erasmus code (any spacing),
    internal id (``12`` or ``#12``) or name; ``QueryError`` listing candidates when it names
    several or none. :func:`matcher.names.resolve_organisation` over the database, as
    :meth:`matcher.vocabulary.OrgIndex.get` over a snapshot."""
    return resolve_organisation(ref, lambda key: _identified(session, key),
                                lambda text: _named(session, text, ref))


def _identified(session: Session, key: Identifiers) -> int | None:
    """The id of the organisation with that PIC, OID or Erasmus code (the first by id), else
    with that internal id."""
    o = Organisation
    conditions: list[ColumnElement[bool]] = [
        o.pic == key.pic,
        o.oid == key.oid,
        func.replace(func.replace(o.erasmus_code, " ", ""), "\xa0", "") == key.erasmus_code,
    ]
    found = session.scalars(select(o.id).where(or_(*conditions)).order_by(o.id)).first()
    if found is None and key.id is not None and session.get(o, key.id) is not None:
        return key.id
    return found


def _named(session: Session, text: str, ref: str) -> int:
    # An exact name or alias is settled among the organisations that have it (matcher.names):
    # find those with SQL rather than read every name.
    key = fold(text).replace(" ", "")
    o, a = Organisation, OrganisationAlias
    exact = set(session.scalars(
        select(o.id).where(func.replace(o.normalised_name, " ", "") == key)
        .union(select(a.organisation_id).where(func.replace(a.normalised, " ", "") == key))
    )) if key else set()
    return name_index(session, exact or None).resolve(text, ref=ref).id


def name_index(session: Session, ids: Collection[int] | None = None) -> NameIndex[NamedOrg]:
    """The names and aliases of the registry's organisations (or of ``ids``), with their
    participations: what ``OrgIndex.of(load_registry(session))`` holds, in three queries."""
    o, a, p = Organisation, OrganisationAlias, Participation

    def some(column: Any) -> ColumnElement[bool]:
        return true() if ids is None else column.in_(sorted(ids))

    aliases: dict[int, list[str]] = defaultdict(list)
    for org_id, name in session.execute(select(a.organisation_id, a.name)
                                        .where(some(a.organisation_id)).order_by(a.id)):
        aliases[org_id].append(name)
    activity = dict(session.execute(select(p.organisation_id, func.count())
                                    .where(some(p.organisation_id))
                                    .group_by(p.organisation_id)).all())
    named = or_(o.legal_name.is_not(None), exists().where(a.organisation_id == o.id))
    rows = session.execute(select(o.id, o.pic, o.oid, o.erasmus_code, o.legal_name, o.country)
                           .where(named, some(o.id)).order_by(o.id))
    orgs = [NamedOrg(r.id, r.pic, r.oid, r.erasmus_code, r.legal_name, r.country,
                     tuple(aliases.get(r.id, ()))) for r in rows]
    return NameIndex(orgs, activity=[activity.get(org.id, 0) for org in orgs])


def profiles(session: Session, ids: Sequence[int]) -> list[OrgProfile]:
    """The :class:`OrgProfile` of each organisation id, in order (what the rules check)."""
    o = Organisation
    rows = {r.id: r for r in session.execute(
        select(o.id, o.pic, o.oid, o.erasmus_code, o.legal_name, o.country, o.city,
               o.category, o.type_code, o.eche_end, o.description, o.website)
        .where(o.id.in_(sorted(set(ids)))))}
    return [OrgProfile(id=r.id, pic=r.pic, oid=r.oid, erasmus_code=r.erasmus_code,
                       name=r.legal_name, country=r.country, city=r.city, category=r.category,
                       type_code=r.type_code, eche=r.eche_end is not None,
                       description=r.description, website=r.website)
            for r in (rows[i] for i in ids)]


def _has_theme(theme_ids: Sequence[int]) -> ColumnElement[bool]:
    """Declared the theme, or took part in a project that has it."""
    declared = exists().where(organisation_theme.c.organisation_id == Organisation.id,
                              organisation_theme.c.theme_id.in_(theme_ids))
    via_project = exists().where(Participation.organisation_id == Organisation.id,
                                 project_theme.c.project_id == Participation.project_id,
                                 project_theme.c.theme_id.in_(theme_ids))
    return or_(declared, via_project)


def list_organisations(
    session: Session, *, countries: Collection[str] = (), categories: Collection[str] = (),
    themes: Collection[str] = (), name: str | None = None, eche: bool = False, limit: int = 50,
    offset: int = 0, merged: bool = False,
) -> list[OrgSummary]:
    """Organisations matching every given filter (values within one filter: any of them).
    ``countries`` are Erasmus codes, ``categories`` canonical categories and ``themes`` theme
    codes (resolved by the caller, :class:`matcher.vocabulary.Vocabulary`).

    Without ``name``: named organisations first, by name, then unnamed ones by id. ``name``
    finds organisations whose name or alias contains it (case- and accent-insensitive) or
    matches it word by word, allowing inflection and typos; they come best match first (see
    :meth:`matcher.names.NameIndex.search`).

    ``merged``: only organisations into which an import merged other spellings, each with
    where it came from (``merged_from``).
    """
    if limit < 1 or offset < 0:
        raise QueryError(f"limit must be at least 1 and offset at least 0, not {limit}/{offset}")
    if name is not None and not fold(name):
        raise QueryError(f"--name {quoted(name)} has no letters or digits to search for")
    o = Organisation
    where = _list_filters(session, countries, categories, themes, eche, merged)
    # correlated, so that only the rows of the page are counted
    n_projects = (select(func.count()).where(Participation.organisation_id == o.id)
                  .correlate(o).scalar_subquery())
    found: list[tuple[Organisation, int]]
    if name is None:
        found = [(org, n) for org, n in session.execute(
            select(o, n_projects).where(*where)
            .order_by(o.legal_name.is_(None), o.normalised_name, o.id)
            .limit(limit).offset(offset))]
    else:
        ranked = [m.org.id for m in name_index(session).search(name)]
        if where:
            allowed = set(session.scalars(select(o.id).where(*where)))
            ranked = [i for i in ranked if i in allowed]
        page = ranked[offset:offset + limit]
        rows: dict[int, tuple[Organisation, int]] = {}
        for start in range(0, len(page), 500):  # under every backend's bound-parameter limit
            rows.update((org.id, (org, n)) for org, n in session.execute(
                select(o, n_projects).where(o.id.in_(page[start:start + 500]))))
        found = [rows[i] for i in page]
    origins = _merged_origins(session, [org for org, _ in found]) if merged else {}
    return [
        OrgSummary(id=org.id, pic=org.pic, oid=org.oid, erasmus_code=org.erasmus_code,
                   name=_name(org), country=org.country, city=org.city, category=org.category,
                   type_code=org.type_code, eche=org.eche_end is not None, projects=int(n),
                   merged_from=tuple(origins.get(org.id, ())))
        for org, n in found
    ]


def _list_filters(session: Session, countries: Collection[str], categories: Collection[str],
                  themes: Collection[str], eche: bool, merged: bool,
                  ) -> list[ColumnElement[bool]]:
    """The conditions of :func:`list_organisations`' filters, each given one."""
    o = Organisation
    where: list[ColumnElement[bool]] = []
    if countries:
        where.append(o.country.in_(sorted(countries)))
    if categories:
        where.append(o.category.in_(sorted(categories)))
    if themes:
        ids = list(session.scalars(select(Theme.id).where(Theme.code.in_(sorted(themes)))))
        where.append(_has_theme(ids))
    if eche:
        where.append(o.eche_end.is_not(None))
    if merged:
        where.append(exists().where((OrganisationAlias.organisation_id == o.id)
                                    & (OrganisationAlias.kind == "spelling")))
    return where


def _merged_origins(session: Session, orgs: Sequence[Organisation]) -> dict[int, list[str]]:
    """Where each of ``orgs`` came from: its own file and row, then each spelling merged
    into it (with its file)."""
    origins: dict[int, list[str]] = defaultdict(list)
    if not orgs:
        return origins
    for org in orgs:
        if org.source_file:
            origins[org.id].append(f"{org.source_file}:{org.source_row}")
    for oid, alias, source in session.execute(
            select(OrganisationAlias.organisation_id, OrganisationAlias.name,
                   OrganisationAlias.source_file)
            .where(OrganisationAlias.organisation_id.in_([org.id for org in orgs]),
                   OrganisationAlias.kind == "spelling")
            .order_by(OrganisationAlias.id)):
        origins[oid].append(f"{alias} ({source})" if source else alias)
    return origins


def organisation_profile(session: Session, ref: str, *, today: dt.date | None = None,
                         n_partners: int = 20) -> OrgDetail:
    """The profile of the organisation ``ref`` names (see ``find_organisation``)."""
    org = session.get(Organisation, find_organisation(session, ref))
    assert org is not None
    today = today or dt.date.today()
    country = session.get(Country, org.country)
    declared = tuple(ThemeCount(t.code, t.label_en, 0, t.label_fi)
                     for t in sorted(org.themes, key=lambda t: t.code))
    theme_rows = session.execute(
        select(Theme.code, Theme.label_en, func.count(), Theme.label_fi)
        .join(project_theme, project_theme.c.theme_id == Theme.id)
        .join(Participation, Participation.project_id == project_theme.c.project_id)
        .where(Participation.organisation_id == org.id)
        .group_by(Theme.code, Theme.label_en, Theme.label_fi)
        .order_by(func.count().desc(), Theme.code)
    )
    projects = session.execute(
        select(Project, Participation.role)
        .join(Participation, Participation.project_id == Project.id)
        .where(Participation.organisation_id == org.id)
        .order_by(Project.start_year.desc(), Project.programme, Project.identifier)
    )
    return OrgDetail(
        id=org.id, pic=org.pic, oid=org.oid, erasmus_code=org.erasmus_code, name=_name(org),
        country=org.country, country_name=country.name if country else org.country,
        city=org.city, category=org.category, type_code=org.type_code, website=org.website,
        eche_start=org.eche_start, eche_end=org.eche_end,
        eche_valid=org.eche_end is not None and org.eche_end >= today
        and (org.eche_start is None or org.eche_start <= today),
        description=org.description, declared_themes=declared,
        project_themes=tuple(ThemeCount(c, label, int(n), fi)
                             for c, label, n, fi in theme_rows),
        projects=tuple(ProjectRole(p.identifier, p.programme, p.action, p.start_year, role,
                                   p.title) for p, role in projects),
        partners=_past_partners(session, org.id, n_partners),
        source=f"{org.source_file}:{org.source_row}" if org.source_file else None,
    )


def _past_partners(session: Session, org_id: int, n: int) -> tuple[PartnerCount, ...]:
    mine, theirs, o = aliased(Participation), aliased(Participation), Organisation
    shared = func.count().label("shared")
    rows = session.execute(
        select(o, shared)
        .join(theirs, theirs.organisation_id == o.id)
        .join(mine, and_(mine.project_id == theirs.project_id, mine.organisation_id == org_id))
        .where(o.id != org_id)
        .group_by(o.id)
        .order_by(shared.desc(), o.id)
        .limit(n)
    )
    return tuple(PartnerCount(p.id, _ref(p.pic, p.oid, p.erasmus_code, p.id), _name(p),
                              p.country, p.category, int(k)) for p, k in rows)


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """One theme of ``matcher themes``: code, kind, labels, and how many projects have it."""

    code: str
    kind: str
    label_en: str
    label_fi: str | None
    projects: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def list_themes(session: Session, kind: str | None = None) -> list[ThemeRow]:
    """The theme vocabulary (code, kind, English, Finnish, projects), optionally one kind."""
    kinds = sorted(session.scalars(select(Theme.kind).distinct()))
    if kind is not None and kind not in kinds:
        raise QueryError(f"unknown theme kind {quoted(kind)}; valid kinds: {', '.join(kinds)}")
    n_projects = (select(project_theme.c.theme_id, func.count().label("n"))
                  .group_by(project_theme.c.theme_id).subquery())
    query = (select(Theme, func.coalesce(n_projects.c.n, 0))
             .outerjoin(n_projects, n_projects.c.theme_id == Theme.id)
             .order_by(Theme.kind, Theme.code))
    if kind is not None:
        query = query.where(Theme.kind == kind)
    return [ThemeRow(t.code, t.kind, t.label_en, t.label_fi, int(n))
            for t, n in session.execute(query)]


def _grouped(session: Session, column: Any, *, top: int | None = None,
             by_count: bool = True) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    query = query.order_by(func.count().desc(), column) if by_count else query.order_by(column)
    if top is not None:
        query = query.limit(top)
    return {str(key): int(n) for key, n in session.execute(query)}


def registry_stats(session: Session, *, top_countries: int = 15) -> dict[str, Any]:
    """How much is in the registry, with breakdowns. Keys ``organisations``, ``projects``,
    ``participations`` and ``themes`` are always there."""

    def count(*where: ColumnElement[bool], of: Any = Organisation) -> int:
        return int(session.scalar(select(func.count()).select_from(of).where(*where)) or 0)

    bind = session.get_bind()
    return {
        "organisations": count(),
        "projects": count(of=Project),
        "participations": count(of=Participation),
        "themes": count(of=Theme),
        "named_organisations": count(Organisation.legal_name.is_not(None)),
        "projects_with_title": count(Project.title.is_not(None), of=Project),
        "eche_holders": count(Organisation.eche_end.is_not(None)),
        "organisations_with_projects": int(session.scalar(
            select(func.count(Participation.organisation_id.distinct()))) or 0),
        "countries": int(session.scalar(select(func.count(Organisation.country.distinct())))
                         or 0),
        "by_category": _grouped(session, Organisation.category),
        "by_country_top": _grouped(session, Organisation.country, top=top_countries),
        "projects_by_programme": _grouped(session, Project.programme),
        "projects_by_year": _grouped(session, Project.start_year, by_count=False),
        "backend": bind.dialect.name,
        "database": bind.engine.url.render_as_string(hide_password=True)
        if hasattr(bind, "engine") else None,
    }
