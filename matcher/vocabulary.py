"""Resolve what a user typed (PIC, OID, Erasmus code, internal id, organisation name, theme
label, country) into registry values, with the nearest valid values in the error when nothing
matches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from rapidfuzz import process

from matcher.names import NameIndex, looks_like_identifier, unknown_organisation
from matcher.registry.snapshot import OrgProfile, Registry, ThemeInfo
from models.errors import QueryError
from models.text import fold, normalise_erasmus_code

__all__ = ["OrgIndex", "fold", "normalise_erasmus_code", "resolve_countries", "resolve_themes"]


def _nearest(word: str, choices: Iterable[str], n: int = 3) -> str:
    found = process.extract(word, list(choices), limit=n, score_cutoff=50)
    return ", ".join(str(c[0]) for c in found) or "none close"


class OrgIndex:
    """Find organisations by PIC, OID, Erasmus code, internal id (``#12`` or ``12``) or name.

    Identifiers are looked up in a dictionary; anything else goes to a
    :class:`~matcher.names.NameIndex` (built on the first such lookup), with ``activity`` (the
    participations of each organisation) to order candidates and settle exact ties. Build it
    with :meth:`of` from a registry to have the activity.
    """

    def __init__(self, orgs: Sequence[OrgProfile], *, activity: ArrayLike | None = None) -> None:
        self.names: NameIndex[OrgProfile] = NameIndex(orgs, activity=activity)
        self._by_key: dict[str, OrgProfile] = {}
        for org in orgs:
            self._by_key[f"#{org.id}"] = org
            if org.erasmus_code:
                self._by_key.setdefault(normalise_erasmus_code(org.erasmus_code), org)
            if org.oid:
                self._by_key[org.oid.upper()] = org
            if org.pic:
                self._by_key[org.pic] = org

    @classmethod
    def of(cls, registry: Registry) -> OrgIndex:
        """The index of a registry's organisations, with their participations as activity."""
        return cls(registry.orgs, activity=np.diff(registry.incidence.indptr))

    def get(self, ref: str) -> OrgProfile:
        """The organisation ``ref`` names; a ``QueryError`` listing candidates when it names
        several or none (see :mod:`matcher.names`)."""
        text = ref.replace("\xa0", " ").strip()
        if not text:
            raise QueryError("empty organisation reference: give a PIC, OID, Erasmus code, id "
                             "or name")
        for key in (text, text.upper(), normalise_erasmus_code(text), f"#{text.lstrip('#')}"):
            org = self._by_key.get(key)
            if org is not None:
                return org
        if looks_like_identifier(text):
            raise QueryError(unknown_organisation(ref))
        return self.names.resolve(text, ref=ref)


def resolve_themes(values: Iterable[str], themes: Mapping[str, ThemeInfo]) -> tuple[str, ...]:
    """Theme codes for codes or labels (English or Finnish, any case); ``QueryError`` if unknown."""
    by_label: dict[str, str] = {}
    for t in themes.values():
        by_label[fold(t.code)] = t.code
        if t.code.startswith("h2020-"):  # H2020 parts by their own short names: ERC, MSCA, SC1
            by_label.setdefault(fold(t.code.removeprefix("h2020-")), t.code)
        by_label[fold(t.label_en)] = t.code
        if t.label_fi:
            by_label[fold(t.label_fi)] = t.code
    out: list[str] = []
    for value in values:
        code = by_label.get(fold(value))
        if code is None:
            raise QueryError(
                f"unknown theme {value!r}; nearest: {_nearest(value, sorted(themes))}. "
                "List them all with `matcher themes`."
            )
        if code not in out:
            out.append(code)
    return tuple(out)


def resolve_countries(values: Iterable[str], countries: Mapping[str, str]) -> frozenset[str]:
    """Erasmus codes for codes or English names; ``QueryError`` naming the nearest if unknown."""
    by_key: dict[str, str] = {}
    for code, name in countries.items():
        by_key[fold(name)] = code
    iso = {"gr": "EL", "gb": "UK"}
    out: set[str] = set()
    for value in values:
        key = fold(value)
        upper = value.strip().upper()
        found = upper if upper in countries else iso.get(key) or by_key.get(key)
        if found is None:
            raise QueryError(
                f"unknown country {value!r}: use an Erasmus code (FI, DE, EL for Greece, UK) "
                f"or an English name; nearest: {_nearest(value, [*countries, *countries.values()])}"
            )
        out.add(found)
    return frozenset(out)
