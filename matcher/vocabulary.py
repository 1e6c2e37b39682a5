"""One vocabulary per registry: what users type, resolved the same way by every command.

:class:`Vocabulary` is built once from a registry's :class:`~matcher.registry.reference.Reference`
and an organisation finder, and resolves

- **themes**: codes, English and Finnish labels, H2020 programme parts by their own short
  names (``ERC``, ``MSCA``, ``SC1``), any case and accents;
- **countries**: Erasmus codes (``EL``, ``UK``), ISO codes (``GR``, ``GB``), English names and
  the other names of the reference (``Deutschland``, ``Suomi``);
- **organisation types**: the canonical categories (``higher-education``, ``public body``),
  ``EPLUS-*`` and CORDIS codes, their labels, and common words (``university``, ``SME``);
- **call topics**: a code (``SwafS-09-2018``) or a family (``SwafS``, ``SC1-BHC``);
- **organisations**: PIC, OID, Erasmus code, ``#id`` or name (:mod:`matcher.names`).

Anything unknown is a :class:`~models.errors.QueryError` (exit 2) naming the value and the
nearest valid ones (:func:`nearest`), and saying where to list them all.

>>> from matcher.registry.reference import CountryInfo, OrgTypeRef, Reference
>>> ref = Reference((CountryInfo("DE", "DE", "Germany", None, ("Deutschland",)),
...                  CountryInfo("EL", "GR", "Greece", None)),
...                 (OrgTypeRef("company", "canonical", "Company", "company"),
...                  OrgTypeRef("EPLUS-ENT-SME", "eplus", "Small and medium sized enterprise",
...                              "company")), (), {})
>>> v = Vocabulary(ref)
>>> sorted(v.countries(["deutschland", "GR"])), sorted(v.categories(["EPLUS-ENT-SME"]))
(['DE', 'EL'], ['company'])
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike
from rapidfuzz import process, utils

from matcher.errors import QueryError, concerning
from matcher.i18n import message
from matcher.names import Identifiers, NameIndex, resolve_organisation
from matcher.ranking.topics import family
from matcher.registry.records import values_of
from matcher.registry.reference import Reference
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.text import fold, normalise_erasmus_code, quoted
from matcher.values import Filters

__all__ = ["OrgFinder", "OrgIndex", "Vocabulary", "nearest"]


def nearest(value: str, choices: Iterable[str], n: int = 3) -> str:
    """The ``n`` choices closest to ``value`` (the "did you mean" of every message)."""
    found = process.extract(value, list(dict.fromkeys(choices)), limit=n, score_cutoff=50,
                            processor=utils.default_process)  # any case
    return ", ".join(str(c[0]) for c in found) or "none close"


class OrgFinder(Protocol):
    """Finds one organisation from what a user typed (:class:`OrgIndex` is one)."""

    def get(self, ref: str) -> OrgProfile: ...


class OrgIndex:
    """Find organisations by PIC, OID, Erasmus code, internal id (``#12`` or ``12``) or name.

    Identifiers are looked up in dictionaries (made on the first lookup); anything else goes
    to a :class:`~matcher.names.NameIndex` (built on the first such lookup), with ``activity``
    (the participations of each organisation) to order candidates and settle exact ties.
    Build it with :meth:`of` from a registry to have the activity. Making it reads no
    organisation: a search that names none never decodes the registry's names.
    """

    def __init__(self, orgs: Sequence[OrgProfile], *, activity: ArrayLike | None = None) -> None:
        self.orgs = orgs
        self.names: NameIndex[OrgProfile] = NameIndex(orgs, activity=activity)
        self._keys: tuple[dict[str, int], dict[str, int], dict[str, int], dict[int, int]] | None
        self._keys = None

    def _identifiers(self) -> tuple[dict[str, int], dict[str, int], dict[str, int],
                                    dict[int, int]]:
        """Positions by PIC, by OID (upper case), by Erasmus code (normalised; one shared
        by several organisations names the first) and by id; read as columns."""
        if self._keys is None:
            orgs = self.orgs
            pics = {pic: i for i, pic in enumerate(values_of(orgs, "pic")) if pic}
            oids = {oid.upper(): i for i, oid in enumerate(values_of(orgs, "oid")) if oid}
            codes = values_of(orgs, "erasmus_code")
            first = {normalise_erasmus_code(codes[i]): i
                     for i in range(len(codes) - 1, -1, -1) if codes[i]}
            ids = {org_id: i for i, org_id in enumerate(values_of(orgs, "id"))}
            self._keys = (pics, oids, first, ids)
        return self._keys

    @classmethod
    def of(cls, registry: Registry) -> OrgIndex:
        """The index of a registry's organisations, with their participations as activity."""
        return cls(registry.orgs, activity=np.diff(registry.incidence.indptr))

    def get(self, ref: str) -> OrgProfile:
        """The organisation ``ref`` names; a ``QueryError`` listing candidates when it names
        several or none: :func:`matcher.names.resolve_organisation` over this index, as
        :func:`matcher.registry.catalogue.find_organisation` over the database."""
        return resolve_organisation(ref, self._identified,
                                    lambda text: self.names.resolve(text, ref=ref))

    def _identified(self, key: Identifiers) -> OrgProfile | None:
        pics, oids, codes, ids = self._identifiers()
        for found in (pics.get(key.pic), oids.get(key.oid), codes.get(key.erasmus_code),
                      ids.get(key.id) if key.id is not None else None):
            if found is not None:
                return self.orgs[found]
        return None


class Vocabulary:
    """Resolve user input against one registry; see the module docstring.

    ``orgs`` finds organisations (none: this vocabulary resolves no organisation);
    ``topic_families`` are the call-topic families the registry knows (for hints).
    """

    def __init__(self, reference: Reference, orgs: OrgFinder | None = None, *,
                 topic_families: Sequence[str] = ()) -> None:
        self.reference = reference
        self.orgs = orgs
        self.topic_families = tuple(topic_families)
        self._families = {f.casefold(): f for f in topic_families}
        self._themes: dict[str, str] = {}
        self._theme_labels: dict[str, str] = {}  # as written -> code, for the hints
        for theme in reference.themes.values():
            names = [theme.code, theme.label_en, theme.label_fi or ""]
            if theme.code.startswith("h2020-"):  # H2020 parts by their own short names
                names.append(theme.code.removeprefix("h2020-"))
            for name in filter(None, names):
                self._themes.setdefault(fold(name), theme.code)
                self._theme_labels.setdefault(name, theme.code)
        self._countries: dict[str, str] = {}
        for c in reference.countries:  # Erasmus codes first: GR/EL, GB/UK
            self._countries[_name_key(c.code)] = c.code
        for c in reference.countries:
            for name in (c.iso2, c.name, *c.aliases):
                self._countries.setdefault(_name_key(name), c.code)
        self._types: dict[str, str] = {}
        for t in reference.org_types:  # codes first, then labels and words
            self._types.setdefault(_type_key(t.code), t.category)
        for t in reference.org_types:
            self._types.setdefault(_type_key(t.label), t.category)

    # -- what every command resolves -----------------------------------------------------
    @concerning("themes")
    def themes(self, values: Iterable[str]) -> tuple[str, ...]:
        """Theme codes, in the order given, without repeats."""
        out: list[str] = []
        for value in values:
            code = self._themes.get(fold(value))
            if code is None:
                near = process.extract(value, list(self._theme_labels), limit=3,
                                       score_cutoff=50)
                hint = "; ".join(
                    f"{self._theme_labels[str(label)]} ({label})"
                    if self._theme_labels[str(label)] != label else str(label)
                    for label, *_ in near) or message("error.none_close")
                raise QueryError(message("error.unknown_theme", value=quoted(value),
                                         nearest=hint))
            if code not in out:
                out.append(code)
        return tuple(out)

    def countries(self, values: Iterable[str]) -> frozenset[str]:
        """Erasmus country codes."""
        out: set[str] = set()
        for value in values:
            code = self._countries.get(_name_key(value))
            if code is None:
                names = [n for c in self.reference.countries for n in (c.name, *c.aliases)]
                raise QueryError(message("error.unknown_country", value=quoted(value),
                                         nearest=nearest(value, names)))
            out.add(code)
        return frozenset(out)

    @concerning("types")
    def categories(self, values: Iterable[str]) -> frozenset[str]:
        """Canonical organisation categories."""
        out: set[str] = set()
        for value in values:
            category = self._types.get(_type_key(value))
            if category is None:
                valid = self.reference.categories
                raise QueryError(message("error.unknown_type", value=quoted(value),
                                         valid=", ".join(valid),
                                         nearest=nearest(value, valid)))
            out.add(category)
        return frozenset(out)

    @concerning("topics")
    def topics(self, values: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(topics, notes)``: the call topics (codes as given, families as the registry
        spells them), and a note for each whose family the registry has never seen."""
        out: list[str] = []
        notes: list[str] = []
        for value in values:
            code = value.strip()
            if not code:
                continue
            key = family(code)
            if not key:
                raise QueryError(f"call topic {quoted(value)} has no family: give a code such as "
                                 "SwafS-09-2018 or a family such as SwafS or SC1-BHC")
            known = self._families.get(key.casefold())
            if known is not None and code.casefold() == key.casefold():
                code = known  # a family as the registry spells it: SwafS, not swafs
            elif self._families and known is None:
                notes.append(message("note.family_unknown", family=key,
                                     nearest=nearest(key, self.topic_families)))
            if code not in out:
                out.append(code)
        return tuple(out), tuple(notes)

    def organisation(self, ref: str) -> OrgProfile:
        if self.orgs is None:
            raise QueryError("this vocabulary resolves no organisation")
        return self.orgs.get(ref)

    def organisations(self, refs: Iterable[str]) -> list[OrgProfile]:
        """Each organisation once, in the order given."""
        found = [self.organisation(ref) for ref in refs]
        return list({org.id: org for org in found}.values())

    def filters(self, *, countries: Iterable[str] = (), exclude_countries: Iterable[str] = (),
                types: Iterable[str] = (), eche: bool = False, include_unnamed: bool = False,
                exclude_ids: Iterable[int] = ()) -> Filters:
        with concerning("countries"):
            wanted = self.countries(countries)
        with concerning("exclude_countries"):
            unwanted = self.countries(exclude_countries)
        categories = self.categories(types)
        return Filters(countries=wanted, exclude_countries=unwanted, categories=categories,
                       eche_only=eche, exclude_ids=frozenset(exclude_ids),
                       named_only=not include_unnamed)


def _name_key(text: str) -> str:
    """:func:`~models.text.fold`, or for a name in another script (``Ελλάδα``, ``Србија``),
    its case- and accent-folded letters."""
    key = fold(text)
    if key:
        return key
    letters = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in letters if not unicodedata.combining(ch)).split())


def _type_key(text: str) -> str:
    """``Public body``, ``public-body`` and ``public_body`` are one type."""
    return fold(text.replace("-", " ").replace("_", " "))
