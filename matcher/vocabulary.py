"""Resolve what a user typed (PIC, OID, Erasmus code, internal id, theme label, country) into
registry values, with the nearest valid values in the error when nothing matches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import process, utils

from matcher.registry.snapshot import OrgProfile, ThemeInfo
from models.errors import QueryError
from models.text import fold, normalise_erasmus_code

__all__ = ["OrgIndex", "fold", "normalise_erasmus_code", "resolve_countries", "resolve_themes"]


def _nearest(word: str, choices: Iterable[str], n: int = 3) -> str:
    found = process.extract(word, list(choices), limit=n, score_cutoff=50)
    return ", ".join(str(c[0]) for c in found) or "none close"


class OrgIndex:
    """Find organisations by PIC, OID, Erasmus code or internal id (``#12`` or ``12``)."""

    def __init__(self, orgs: Sequence[OrgProfile]) -> None:
        self._orgs = orgs
        self._by_key: dict[str, OrgProfile] = {}
        for org in orgs:
            self._by_key[f"#{org.id}"] = org
            if org.erasmus_code:
                self._by_key.setdefault(normalise_erasmus_code(org.erasmus_code), org)
            if org.oid:
                self._by_key[org.oid.upper()] = org
            if org.pic:
                self._by_key[org.pic] = org

    def get(self, ref: str) -> OrgProfile:
        """The organisation ``ref`` names, or a ``QueryError`` with the nearest names."""
        text = ref.strip()
        if not text:
            raise QueryError("empty organisation reference: give a PIC, OID, Erasmus code or id")
        for key in (text, text.upper(), normalise_erasmus_code(text), f"#{text.lstrip('#')}"):
            org = self._by_key.get(key)
            if org is not None:
                return org
        names = {o.name: o for o in self._orgs if o.name}
        near = process.extract(text, list(names), limit=3, score_cutoff=60,
                               processor=utils.default_process)  # any case
        hint = "; ".join(f"{names[str(n)].name} ({names[str(n)].ref})" for n, *_ in near)
        raise QueryError(
            f"unknown organisation {ref!r}: give a 9-digit PIC, an OID (E + 8 digits), an "
            f"Erasmus code (e.g. 'SF HELSINK01') or an internal id (#12)"
            + (f"; names close to it: {hint}" if hint else "")
            + ". Find one with `matcher orgs --name ...`."
        )


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
