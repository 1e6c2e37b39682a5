"""``complete`` / ``propose`` from what a user typed: organisation references, theme labels,
country names and category names, resolved against the ranker's registry. Shared by the CLI
and the batch engine; answers in the JSON shape of ``matcher complete --format json``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matcher.consortium.builder import Consortium, Scorer, complete, propose
from matcher.consortium.rules import RuleBook
from matcher.values import Filters
from matcher.vocabulary import OrgIndex, resolve_countries, resolve_themes
from models.errors import QueryError
from models.text import fold

__all__ = ["CATEGORIES", "complete_request", "propose_request", "resolve_filters"]

#: The canonical organisation categories (as ``data/reference/org_types.csv``).
CATEGORIES: tuple[str, ...] = ("higher-education", "school", "research", "company", "ngo",
                               "public-body", "network", "other")


def resolve_filters(ranker: Scorer, *, countries: Sequence[str] = (),
                    exclude_countries: Sequence[str] = (), types: Sequence[str] = (),
                    eche: bool = False) -> Filters:
    """Filters from country codes or names and category names; ``QueryError`` if unknown."""
    known = ranker.registry_.countries or {o.country: o.country for o in ranker.registry_.orgs}
    categories: set[str] = set()
    for value in types:
        key = fold(value).replace(" ", "-")
        if key not in CATEGORIES:
            raise QueryError(f"unknown organisation type {value!r}; valid types: "
                             f"{', '.join(CATEGORIES)}")
        categories.add(key)
    return Filters(countries=resolve_countries(countries, known),
                   exclude_countries=resolve_countries(exclude_countries, known),
                   categories=frozenset(categories), eche_only=eche)


_INDEX: dict[int, tuple[object, OrgIndex]] = {}


def _org_index(ranker: Scorer) -> OrgIndex:
    """One OrgIndex per registry: building it over 100k organisations is not free."""
    registry = ranker.registry_
    cached = _INDEX.get(id(registry))
    if cached is None or cached[0] is not registry:
        _INDEX.clear()
        cached = _INDEX[id(registry)] = (registry, OrgIndex.of(registry))
    return cached[1]


def to_json(action: str, found: Sequence[Consortium]) -> dict[str, Any]:
    return {"action": action, "call_year": found[0].call_year if found else None,
            "consortia": [c.to_json() for c in found]}


def complete_request(ranker: Scorer, rulebook: RuleBook, *, action: str,
                     members: Sequence[str], size: tuple[int, int] | None = None, n: int = 5,
                     text: str = "", themes: Sequence[str] = (), countries: Sequence[str] = (),
                     exclude_countries: Sequence[str] = (), types: Sequence[str] = (),
                     eche: bool = False, call_year: int | None = None,
                     coordinator: str | None = None) -> dict[str, Any]:
    """:func:`matcher.consortium.builder.complete` for user strings; the ``complete`` JSON."""
    index = _org_index(ranker)
    orgs = [index.get(ref) for ref in members]
    lead = index.get(coordinator) if coordinator else None
    code = rulebook.action(action).code
    found = complete(
        ranker, rulebook, action=code, members=orgs, size=size, n=n, text=text,
        themes=resolve_themes(themes, ranker.registry_.themes),
        filters=resolve_filters(ranker, countries=countries,
                                exclude_countries=exclude_countries, types=types, eche=eche),
        call_year=call_year, coordinator=lead)
    return to_json(code, found)


def propose_request(ranker: Scorer, rulebook: RuleBook, *, action: str, lead: str,
                    size: tuple[int, int] | None = None, n: int = 5, text: str = "",
                    themes: Sequence[str] = (), countries: Sequence[str] = (),
                    exclude_countries: Sequence[str] = (), types: Sequence[str] = (),
                    eche: bool = False, call_year: int | None = None) -> dict[str, Any]:
    """:func:`matcher.consortium.builder.propose` for user strings; the ``complete`` JSON."""
    org = _org_index(ranker).get(lead)
    code = rulebook.action(action).code
    found = propose(
        ranker, rulebook, action=code, lead=org, size=size, n=n, text=text,
        themes=resolve_themes(themes, ranker.registry_.themes),
        filters=resolve_filters(ranker, countries=countries,
                                exclude_countries=exclude_countries, types=types, eche=eche),
        call_year=call_year)
    return to_json(code, found)
