"""The plain values that cross ``matcher``'s public API: queries, filters, matches."""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.registry.snapshot import OrgProfile

__all__ = ["Filters", "Match", "Query"]


@dataclass(frozen=True, slots=True)
class Query:
    """What the user is looking for: organisations (internal ids), free text, theme codes,
    call topics (codes such as ``SwafS-09-2018`` or families such as ``SwafS``).

    At least one part must be non-empty. ``org_ids`` are never returned as results.
    """

    org_ids: tuple[int, ...] = ()
    text: str = ""
    themes: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.org_ids or self.text.strip() or self.themes
                    or any(t.strip() for t in self.topics))


@dataclass(frozen=True, slots=True)
class Filters:
    """Hard constraints on candidates. Country codes are Erasmus codes (EL, UK)."""

    countries: frozenset[str] = frozenset()  # empty: any country
    exclude_countries: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()  # empty: any category
    eche_only: bool = False
    exclude_ids: frozenset[int] = field(default_factory=frozenset)
    #: Only organisations with a name: one known only by its PIC is hard to act on.
    named_only: bool = False
    #: Only these organisations (internal ids), when given: a consortium for an idea draws
    #: its new members from those that have worked on the idea's topic.
    only_ids: frozenset[int] | None = None

    def allows(self, org: OrgProfile) -> bool:
        return (
            (not self.countries or org.country in self.countries)
            and org.country not in self.exclude_countries
            and (not self.categories or org.category in self.categories)
            and (org.eche or not self.eche_only)
            and org.id not in self.exclude_ids
            and (org.name is not None or not self.named_only)
            and (self.only_ids is None or org.id in self.only_ids)
        )


@dataclass(frozen=True, slots=True)
class Match:
    """One recommended organisation: its score, and the human reasons for it."""

    rank: int
    org: OrgProfile
    score: float
    why: tuple[str, ...] = ()
    #: (feature, contribution to the score) pairs, largest first; for explanations and tests.
    contributions: tuple[tuple[str, float], ...] = ()
    #: An idea's result without evidence of its topic, shown as one of the closest because
    #: too few organisations have any.
    weak: bool = False
