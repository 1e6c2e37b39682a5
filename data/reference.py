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

from models.schema import Country, Theme
from models.text import fold

__all__ = [
    "CATEGORIES",
    "CountryRef",
    "OrgTypeRef",
    "ThemeRef",
    "action_rules",
    "countries",
    "country_status",
    "fold",
    "org_types",
    "resolve_category",
    "resolve_country",
    "seed_reference",
    "themes",
]

REFERENCE_DIR = Path(__file__).with_name("reference")

#: The canonical organisation categories, in display order.
CATEGORIES: tuple[str, ...] = (
    "higher-education",
    "school",
    "research",
    "company",
    "ngo",
    "public-body",
    "network",
    "other",
)


@dataclass(frozen=True, slots=True)
class CountryRef:
    code: str  # Erasmus code: EL, UK, XK
    iso2: str
    name: str
    part_of: str | None


@dataclass(frozen=True, slots=True)
class OrgTypeRef:
    code: str
    scheme: str  # canonical | eplus | cordis
    label: str
    category: str


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
    for alias, code in {
        "great britain": "UK",
        "england": "UK",
        "scotland": "UK",
        "wales": "UK",
        "northern ireland": "UK",
        "czech republic": "CZ",
        "macedonia": "MK",
        "the netherlands": "NL",
        "holland": "NL",
        "turkiye": "TR",
        "suomi": "FI",
        "deutschland": "DE",
        "espana": "ES",
        "italia": "IT",
    }.items():
        index[alias] = code
    return index


def resolve_country(text: str) -> str | None:
    """Erasmus code for an Erasmus code, ISO code or English name; None when unknown."""
    return _country_index().get(fold(text))


@cache
def _category_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for t in org_types():
        index[fold(t.code)] = t.category
        index[fold(t.label)] = t.category
    for alias, cat in {
        "hei": "higher-education",
        "university": "higher-education",
        "higher education institution": "higher-education",
        "sme": "company",
        "enterprise": "company",
        "business": "company",
        "association": "ngo",
        "public": "public-body",
        "public authority": "public-body",
        "foundation": "network",
        "research institute": "research",
    }.items():
        index.setdefault(alias, cat)
    return index


def resolve_category(text: str) -> tuple[str, str] | None:
    """``(category, type_code)`` for a category name, Erasmus+ label or code, or CORDIS code.

    ``type_code`` is the source code when one was given (``EPLUS-NGO``, ``HES``), else the
    canonical category itself. None when unknown.
    """
    key = fold(text)
    cat = _category_index().get(key)
    if cat is None:
        return None
    code = next((t.code for t in org_types() if fold(t.code) == key), None)
    if code is None:
        code = next((t.code for t in org_types() if fold(t.label) == key), cat)
    return cat, code


def seed_reference(session: Session, *, apply: bool = True) -> int:
    """Insert or update countries and themes; return how many rows changed.

    ``apply=False`` only counts the rows that would change, and writes nothing.
    """
    changed = 0
    existing_c = {c.code: c for c in session.scalars(select(Country))}
    for ref in countries():
        row = existing_c.get(ref.code)
        if row is None:
            if apply:
                session.add(Country(code=ref.code, iso2=ref.iso2, name=ref.name,
                                    part_of=ref.part_of))
            changed += 1
        elif (row.iso2, row.name, row.part_of) != (ref.iso2, ref.name, ref.part_of):
            if apply:
                row.iso2, row.name, row.part_of = ref.iso2, ref.name, ref.part_of
            changed += 1
    existing_t = {t.code: t for t in session.scalars(select(Theme))}
    for tref in themes():
        trow = existing_t.get(tref.code)
        if trow is None:
            if apply:
                session.add(Theme(code=tref.code, kind=tref.kind, label_en=tref.label_en,
                                  label_fi=tref.label_fi))
            changed += 1
        elif (trow.kind, trow.label_en, trow.label_fi) != (tref.kind, tref.label_en,
                                                            tref.label_fi):
            if apply:
                trow.kind, trow.label_en, trow.label_fi = (tref.kind, tref.label_en,
                                                           tref.label_fi)
            changed += 1
    if apply:
        session.flush()
    return changed
