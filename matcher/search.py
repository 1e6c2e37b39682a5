"""Partner search from what a user typed: the library behind ``matcher search``.

:func:`search` resolves an organisation reference (PIC, OID, Erasmus code, ``#id``), theme
codes or labels (English or Finnish), country codes or names and organisation types into a
:class:`~matcher.values.Query` and :class:`~matcher.values.Filters`, asks the ranker, and returns
a :class:`SearchResult` whose :meth:`~SearchResult.to_json` is the issue's JSON shape::

    {"query": {...}, "results": [{"rank", "id", "pic", "name", "country", "type", "score",
                                  "why": [...]}, ...]}

Anything unknown is a :class:`~models.errors.QueryError` naming the value and the nearest
valid ones. ``matcher`` cannot read ``data``: callers that know more spellings (ISO country
codes, ``EPLUS-*`` and CORDIS type codes) pass ``country_resolver`` / ``type_resolver``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import process

from matcher.registry.snapshot import OrgProfile, Registry, ThemeInfo
from matcher.values import Filters, Match, Query
from matcher.vocabulary import OrgIndex
from models.errors import QueryError
from models.text import fold

if TYPE_CHECKING:
    from matcher.ranking.ranker import Ranker

__all__ = ["CATEGORIES", "SearchResult", "check_query", "resolve_categories", "resolve_search_themes",
           "search"]

#: The canonical organisation categories (as ``data/reference/org_types.csv``).
CATEGORIES: tuple[str, ...] = ("higher-education", "school", "research", "company", "ngo",
                               "public-body", "network", "other")

Resolver = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A resolved query, its filters and the ranked matches."""

    query: Query
    filters: Filters
    org: OrgProfile | None
    k: int
    matches: tuple[Match, ...]
    programme_countries_only: bool = False

    def to_json(self) -> dict[str, Any]:
        org = self.org
        return {
            "query": {
                "org": None if org is None else {
                    "id": org.id, "pic": org.pic, "name": org.display_name, "country": org.country,
                    "type": org.category},
                "text": self.query.text,
                "themes": list(self.query.themes),
                "countries": sorted(self.filters.countries),
                "exclude_countries": sorted(self.filters.exclude_countries),
                "types": sorted(self.filters.categories),
                "eche": self.filters.eche_only,
                "programme_countries_only": self.programme_countries_only,
                "k": self.k,
            },
            "results": [
                {"rank": m.rank, "id": m.org.id, "pic": m.org.pic, "name": m.org.display_name,
                 "country": m.org.country, "type": m.org.category, "score": m.score,
                 "why": list(m.why)}
                for m in self.matches
            ],
        }


@dataclass(frozen=True, slots=True)
class _Lookups:
    """What resolving user strings needs, built once per registry (folding every label and
    name on each query would cost more than the ranking of a small registry)."""

    orgs: OrgIndex
    theme_by_key: dict[str, str]  # folded code or label -> code
    theme_labels: dict[str, str]  # code or label as written -> code
    country_by_key: dict[str, str]  # folded Erasmus code, name (or GR/GB) -> Erasmus code
    country_names: dict[str, str]


def _themes_by_key(themes: Mapping[str, ThemeInfo]) -> tuple[dict[str, str], dict[str, str]]:
    by_key: dict[str, str] = {}
    shown: dict[str, str] = {}
    for t in themes.values():
        for label in (t.code, t.label_en, t.label_fi):
            if label:
                by_key[fold(label)] = t.code
                shown[label] = t.code
    return by_key, shown


_CACHE: dict[int, tuple[Registry, _Lookups]] = {}


def _lookups(registry: Registry) -> _Lookups:
    cached = _CACHE.get(id(registry))
    if cached is None or cached[0] is not registry:
        known = registry.countries or {o.country: o.country for o in registry.orgs}
        countries = {fold(name): code for code, name in known.items()}
        countries |= {"gr": "EL", "gb": "UK"} | {fold(code): code for code in known}
        themes, labels = _themes_by_key(registry.themes)
        _CACHE.clear()
        cached = _CACHE[id(registry)] = (registry, _Lookups(
            OrgIndex.of(registry), themes, labels, countries, dict(known)))
    return cached[1]


def _nearest(value: str, choices: Iterable[str], n: int = 3) -> str:
    found = process.extract(value, list(choices), limit=n, score_cutoff=50)
    return ", ".join(str(c[0]) for c in found) or "none close"


def resolve_search_themes(values: Iterable[str], themes: Mapping[str, ThemeInfo], *,
                          _keys: tuple[dict[str, str], dict[str, str]] | None = None,
                          ) -> tuple[str, ...]:
    """Theme codes for codes or labels (English or Finnish, any case or accents).

    An unknown value is a ``QueryError`` naming the nearest codes and labels.
    """
    by_key, shown = _keys if _keys is not None else _themes_by_key(themes)
    out: list[str] = []
    for value in values:
        code = by_key.get(fold(value))
        if code is None:
            near = process.extract(value, list(shown), limit=3, score_cutoff=50)
            hint = "; ".join(f"{shown[str(label)]} ({label})" if shown[str(label)] != label
                             else str(label) for label, *_ in near) or "none close"
            raise QueryError(f"unknown theme {value!r}; nearest: {hint}. "
                             "List them all with `matcher themes`.")
        if code not in out:
            out.append(code)
    return tuple(out)


def resolve_categories(values: Iterable[str], resolver: Resolver | None = None,
                       ) -> frozenset[str]:
    """Canonical categories for category names (``company``, ``public body``) or, through
    ``resolver``, any other spelling (``EPLUS-ENT-SME``, ``PRC``)."""
    out: set[str] = set()
    for value in values:
        key = fold(value).replace(" ", "-").replace("_", "-")
        category = key if key in CATEGORIES else (resolver(value) if resolver else None)
        if category not in CATEGORIES:
            raise QueryError(f"unknown organisation type {value!r}; valid types: "
                             f"{', '.join(CATEGORIES)} (or an EPLUS-* / CORDIS type code); "
                             f"nearest: {_nearest(key, CATEGORIES)}")
        out.add(str(category))
    return frozenset(out)


def _countries(values: Sequence[str], lookups: _Lookups,
               resolver: Resolver | None) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        code = resolver(value) if resolver else lookups.country_by_key.get(fold(value))
        if code is None:
            known = lookups.country_names
            raise QueryError(
                f"unknown country {value!r}: use an Erasmus code (FI, DE, EL for Greece, UK), "
                f"an ISO code or an English name; nearest: "
                f"{_nearest(value, [*known, *known.values()])}")
        out.add(code)
    return frozenset(out)


def check_query(*, org: str | None, text: str, themes: Sequence[str], k: int) -> None:
    """``QueryError`` for an empty query or a bad ``k``: checked before anything is loaded."""
    if k < 1:
        raise QueryError(f"-k {k}: ask for at least 1 result")
    if not ((org or "").strip() or text.strip() or any(t.strip() for t in themes)):
        raise QueryError("empty query: give an organisation (--org), a project idea (--text) "
                         "or at least one theme (--theme)")


def search(ranker: Ranker, *, org: str | None = None, text: str = "",
           themes: Sequence[str] = (), countries: Sequence[str] = (),
           exclude_countries: Sequence[str] = (), types: Sequence[str] = (),
           eche: bool = False, programme_countries: frozenset[str] | None = None,
           k: int = 10, country_resolver: Resolver | None = None,
           type_resolver: Resolver | None = None) -> SearchResult:
    """The ``k`` best partners for an organisation and/or a project idea.

    ``programme_countries``: when given, only organisations from these countries (those that
    count for the action and call year) are returned. The query organisation never is.
    """
    check_query(org=org, text=text, themes=themes, k=k)
    registry = ranker.registry_
    lookups = _lookups(registry)
    found = lookups.orgs.get(org) if org is not None else None
    query = Query(org_ids=(found.id,) if found else (), text=text.strip(),
                  themes=resolve_search_themes(themes, registry.themes, _keys=(
                      lookups.theme_by_key, lookups.theme_labels)))
    wanted = _countries(countries, lookups, country_resolver)
    excluded = _countries(exclude_countries, lookups, country_resolver)
    if programme_countries is not None:
        allowed = (wanted & programme_countries) if wanted else programme_countries
        if not allowed - excluded:
            raise QueryError(
                f"no country left: {', '.join(sorted(wanted)) or 'none'} "
                f"{'is' if len(wanted) == 1 else 'are'} not among the countries that count "
                f"for the action ({', '.join(sorted(programme_countries))})")
        wanted = allowed
    filters = Filters(countries=wanted, exclude_countries=excluded,
                      categories=resolve_categories(types, type_resolver), eche_only=eche)
    matches = ranker.rank(query, n=k, filters=filters)
    return SearchResult(query=query, filters=filters, org=found, k=k, matches=tuple(matches),
                        programme_countries_only=programme_countries is not None)
