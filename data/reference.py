"""Load the versioned reference files of ``data/reference/`` and seed them into the registry.

The files, their sources and validity periods are described in ``data/reference/SOURCES.md``.
Loaders return plain values so that ``matcher`` (which never imports ``data``) can be handed
them by the CLI.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.reference import OrgTypeRef
from models.schema import ActionRule, Country, CountryStatus, OrgType, Theme
from models.text import fold

__all__ = [
    "CATEGORIES",
    "CountryRef",
    "OrgTypeRef",
    "ThemeRef",
    "action_rules",
    "countries",
    "country_names",
    "country_status",
    "fold",
    "org_types",
    "resolve_category",
    "resolve_country",
    "seed_reference",
    "themes",
]

REFERENCE_DIR = Path(__file__).with_name("reference")

@dataclass(frozen=True, slots=True)
class CountryRef:
    code: str  # Erasmus code: EL, UK, XK
    iso2: str
    name: str
    part_of: str | None


@dataclass(frozen=True, slots=True)
class ThemeRef:
    code: str
    kind: str  # seed | topic | priority | programme-part
    label_en: str
    label_fi: str
    keywords: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def countries() -> tuple[CountryRef, ...]:
    return tuple(
        CountryRef(r["code"], r["iso2"], r["name"], r["part_of"] or None)
        for r in _rows("countries.csv")
    )


@cache
def country_status() -> tuple[dict[str, Any], ...]:
    """Rows ``{"country", "status", "from_call", "to_call", "source"}``, years as ints."""
    return tuple(
        {**r, "from_call": int(r["from_call"]), "to_call": int(r["to_call"])}
        for r in _rows("country_status.csv")
    )


@cache
def org_types() -> tuple[OrgTypeRef, ...]:
    return tuple(
        OrgTypeRef(r["code"], r["scheme"], r["label"], r["category"])
        for r in _rows("org_types.csv")
    )


#: The canonical organisation categories, in display order: the ``canonical`` rows of
#: ``org_types.csv`` (the one list; the registry holds it too, for the library).
CATEGORIES: tuple[str, ...] = tuple(t.code for t in org_types() if t.scheme == "canonical")


@cache
def themes() -> tuple[ThemeRef, ...]:
    return tuple(
        ThemeRef(
            r["code"],
            r["kind"],
            r["label_en"],
            r["label_fi"],
            tuple(k for k in r["keywords"].split("|") if k),
        )
        for r in _rows("themes.csv")
    )


def action_rules() -> dict[str, Any]:
    """The action rules of ``actions.json`` (rules as data, with source and validity)."""
    with (REFERENCE_DIR / "actions.json").open(encoding="utf-8") as fh:
        rules: dict[str, Any] = json.load(fh)
    return rules


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in countries():
        index[fold(c.name)] = c.code
        index[c.iso2.casefold()] = c.code
    for c in countries():  # Erasmus codes win over ISO codes (GR/EL, GB/UK)
        index[c.code.casefold()] = c.code
    for code, names in country_names().items():
        for name in names:
            index.setdefault(fold(name), code)
    return index


def resolve_country(text: str) -> str | None:
    """Erasmus code for an Erasmus code, ISO code or English name; None when unknown."""
    return _country_index().get(fold(text))


@cache
def _category_index() -> dict[str, OrgTypeRef]:
    index: dict[str, OrgTypeRef] = {}
    for t in org_types():  # codes first: a code never loses to another type's label
        index.setdefault(fold(t.code), t)
    for t in org_types():
        index.setdefault(fold(t.label), t)
    return index


def resolve_category(text: str) -> tuple[str, str] | None:
    """``(category, type_code)`` for a category name, a word for one (``university``), an
    Erasmus+ label or code, or a CORDIS code.

    ``type_code`` is the source code when one was given (``EPLUS-NGO``, ``HES``), else the
    canonical category itself. None when unknown.
    """
    found = _category_index().get(fold(text))
    if found is None:
        return None
    return found.category, found.category if found.scheme == "word" else found.code


@cache
def country_names() -> dict[str, tuple[str, ...]]:
    """Other names of each country (``country_names.csv``: native names, usual variants)."""
    out: dict[str, list[str]] = {}
    for r in _rows("country_names.csv"):
        out.setdefault(r["code"], []).append(r["name"])
    return {code: tuple(names) for code, names in out.items()}


def _reference_rows() -> list[tuple[type[Any], tuple[str, ...], list[dict[str, Any]], bool]]:
    """``(table, key columns, wanted rows, whether rows not wanted are deleted)``."""
    other = country_names()
    actions = action_rules()
    return [
        (Country, ("code",), [{"code": c.code, "iso2": c.iso2, "name": c.name,
                               "part_of": c.part_of,
                               "aliases": "|".join(other.get(c.code, ())) or None}
                              for c in countries()], False),
        # themes of kind topic come from imports: never deleted here
        (Theme, ("code",), [{"code": t.code, "kind": t.kind, "label_en": t.label_en,
                             "label_fi": t.label_fi} for t in themes()], False),
        (OrgType, ("code",), [{"code": t.code, "position": i, "scheme": t.scheme,
                               "label": t.label, "category": t.category}
                              for i, t in enumerate(org_types())], True),
        (ActionRule, ("code",), [{"code": code, "label": raw["label"], "source": raw["source"],
                                  "first_call": int(raw["calls"][0]),
                                  "last_call": int(raw["calls"][1]),
                                  "rules": json.dumps(raw, sort_keys=True)}
                                 for code, raw in actions.items()], True),
        (CountryStatus, ("country", "status", "from_call", "to_call"),
         [{"country": r["country"], "status": r["status"], "from_call": r["from_call"],
           "to_call": r["to_call"], "source": r["source"]} for r in country_status()], True),
    ]


def seed_reference(session: Session, *, apply: bool = True) -> int:
    """Bring the reference tables (countries, themes, organisation types, action rules,
    country statuses) to the files of ``data/reference``; return how many rows changed.

    ``apply=False`` only counts the rows that would change, and writes nothing.
    """
    changed = 0
    for table, key, wanted, prune in _reference_rows():
        existing = {tuple(getattr(row, k) for k in key): row
                    for row in session.scalars(select(table))}
        seen = set()
        for values in wanted:
            ident = tuple(values[k] for k in key)
            seen.add(ident)
            row = existing.get(ident)
            if row is None:
                changed += 1
                if apply:
                    session.add(table(**values))
            elif any(getattr(row, k) != v for k, v in values.items()):
                changed += 1
                if apply:
                    for k, v in values.items():
                        setattr(row, k, v)
        if prune:
            for ident, row in existing.items():
                if ident not in seen:
                    changed += 1
                    if apply:
                        session.delete(row)
    if apply:
        session.flush()
    return changed
