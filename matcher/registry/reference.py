"""The reference data a registry holds: countries and their other names, organisation types,
the themes, each country's status by call year, and the eligibility rules of each action.

``data`` seeds them from ``data/reference/`` (with their sources and validity periods); the
library reads them from the registry (:func:`matcher.registry.store.load_reference`), so that every command, the web API and a batch
worker resolve the same input the same way and check the same rules.

>>> ref = Reference.from_json({"countries": [["FI", "FI", "Finland", None, ["Suomi"]]],
...     "org_types": [["HES", "cordis", "Higher education", "higher-education"]],
...     "statuses": [["FI", "member", 2021, 2027, "Guide"]], "actions": {}, "themes": []})
>>> ref.country_names, ref.categories
({'FI': 'Finland'}, ())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.reference import OrgTypeRef

__all__ = ["CountryInfo", "OrgTypeRef", "Reference", "StatusRow", "ThemeInfo"]


@dataclass(frozen=True, slots=True)
class ThemeInfo:
    code: str
    kind: str
    label_en: str
    label_fi: str | None


@dataclass(frozen=True, slots=True)
class CountryInfo:
    code: str  # Erasmus code: EL, UK, XK
    iso2: str
    name: str
    part_of: str | None  # the member state of an outermost region (RE -> FR)
    aliases: tuple[str, ...] = ()  # native and other names


@dataclass(frozen=True, slots=True)
class StatusRow:
    country: str
    status: str  # programme | member | associated
    from_call: int
    to_call: int
    source: str


@dataclass(frozen=True)
class Reference:
    """Everything a vocabulary and a rule book are made of, as plain values."""

    countries: tuple[CountryInfo, ...]
    org_types: tuple[OrgTypeRef, ...]
    statuses: tuple[StatusRow, ...]
    actions: dict[str, dict[str, Any]]  # action code -> its rules, as actions.json has them
    themes: dict[str, ThemeInfo] = field(default_factory=dict)

    @property
    def categories(self) -> tuple[str, ...]:
        """The canonical organisation categories, in the reference file's order."""
        return tuple(t.code for t in self.org_types if t.scheme == "canonical")

    @property
    def country_names(self) -> dict[str, str]:
        return {c.code: c.name for c in self.countries}

    @property
    def regions(self) -> dict[str, str]:
        """Outermost region -> its member state (``RE`` -> ``FR``)."""
        return {c.code: c.part_of for c in self.countries if c.part_of}

    def to_json(self) -> dict[str, Any]:
        return {
            "countries": [[c.code, c.iso2, c.name, c.part_of, list(c.aliases)]
                          for c in self.countries],
            "org_types": [[t.code, t.scheme, t.label, t.category] for t in self.org_types],
            "statuses": [[s.country, s.status, s.from_call, s.to_call, s.source]
                         for s in self.statuses],
            "actions": self.actions,
            "themes": [[t.code, t.kind, t.label_en, t.label_fi] for t in self.themes.values()],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Reference:
        return cls(
            countries=tuple(CountryInfo(c[0], c[1], c[2], c[3], tuple(c[4]))
                            for c in raw["countries"]),
            org_types=tuple(OrgTypeRef(*t) for t in raw["org_types"]),
            statuses=tuple(StatusRow(s[0], s[1], int(s[2]), int(s[3]), s[4])
                           for s in raw["statuses"]),
            actions={str(k): dict(v) for k, v in raw["actions"].items()},
            themes={t[0]: ThemeInfo(*t) for t in raw["themes"]},
        )
