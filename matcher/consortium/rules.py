"""Eligibility rules of the Erasmus+ partnership actions, read from data.

The rules themselves live in ``data/reference/actions.json`` (minimum organisations and
countries, which country statuses count, who may coordinate, ECHE, validity period, source) and
``data/reference/country_status.csv`` (each country's status by call year). The CLI hands both
to :meth:`RuleBook.from_mapping`; ``matcher`` never reads files of ``data``.

:meth:`RuleBook.check` returns *every* violation, each as a sentence a coordinator understands,
so that one run shows everything to fix.

Examples
--------
>>> book = RuleBook.from_mapping(
...     {"KA203": {"label": "Strategic Partnerships", "source": "Guide 2020", "calls": [2014, 2020],
...                "min_organisations": 3, "min_countries": 3,
...                "counting_statuses": ["programme"], "other_countries": "partner"}},
...     [{"country": c, "status": "programme", "from_call": 2014, "to_call": 2020}
...      for c in ("FI", "DE", "UK")])
>>> sorted(book.countries_that_count("KA203", 2019))
['DE', 'FI', 'UK']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.errors import QueryError
from matcher.i18n import Text, field, message
from matcher.i18n import counting as counting_text
from matcher.registry.reference import Reference
from matcher.registry.snapshot import OrgProfile
from matcher.text import quoted

__all__ = ["RULES", "ActionRules", "Call", "RuleBook", "Team", "Violation"]

HIGHER_EDUCATION = "higher-education"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its name (``min_countries``) and a sentence saying what to fix."""

    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class ActionRules:
    """The rules of one action for its calls ``first_call..last_call``."""

    code: str
    label: str
    source: str
    first_call: int
    last_call: int
    min_organisations: int
    min_countries: int
    counting_statuses: frozenset[str]
    counting_label: str
    #: ``"partner"``: other countries may join as partners; ``"not eligible"``: they may not.
    other_countries: str
    #: ``"counting"``: the coordinator must be in a country that counts; ``"any"``: anyone.
    coordinator: str
    eche_required: bool
    higher_education_only_allowed: bool
    #: False where the registry cannot tell (it knows the 2021-27 ECHE holders only).
    eche_checked: bool = True
    field: str = ""
    duration_months: tuple[int, int] | None = None
    budget_eur: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_mapping(cls, code: str, raw: Mapping[str, Any]) -> ActionRules:
        try:
            first, last = (int(y) for y in raw["calls"])
            duration = raw.get("duration_months")
            return cls(
                code=code,
                label=str(raw["label"]),
                source=str(raw["source"]),
                first_call=first,
                last_call=last,
                min_organisations=int(raw["min_organisations"]),
                min_countries=int(raw["min_countries"]),
                counting_statuses=frozenset(raw["counting_statuses"]),
                counting_label=str(raw.get("counting_label", "countries that count")),
                other_countries=str(raw.get("other_countries", "partner")),
                coordinator=str(raw.get("coordinator", "counting")),
                eche_required=bool(raw.get("eche_required", True)),
                eche_checked=bool(raw.get("eche_checked", True)),
                higher_education_only_allowed=bool(
                    raw.get("higher_education_only_allowed", True)),
                field=str(raw.get("field", "")),
                duration_months=(int(duration[0]), int(duration[1])) if duration else None,
                budget_eur=tuple(sorted(dict(raw.get("budget_eur", {})).items())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"action {code}: malformed rule ({exc!r})") from exc

    @property
    def calls(self) -> range:
        return range(self.first_call, self.last_call + 1)


class RuleBook:
    """Every action's rules plus each country's status by call year.

    ``regions`` maps outermost regions to their member state (``RE -> FR``): an organisation
    there counts as one of the member state.
    """

    def __init__(self, actions: Mapping[str, ActionRules],
                 status: Mapping[str, Sequence[tuple[int, int, str]]],
                 regions: Mapping[str, str] | None = None) -> None:
        self.actions = dict(actions)
        self._status = {c: tuple(rows) for c, rows in status.items()}
        self.regions = dict(regions or {})
        self._counting: dict[tuple[str, int], frozenset[str]] = {}

    @classmethod
    def from_mapping(cls, actions: Mapping[str, Mapping[str, Any]],
                     country_status: Iterable[Mapping[str, Any]], *,
                     regions: Mapping[str, str] | None = None) -> RuleBook:
        """Build from ``actions.json`` and the rows of ``country_status.csv``."""
        status: dict[str, list[tuple[int, int, str]]] = {}
        for row in country_status:
            status.setdefault(str(row["country"]), []).append(
                (int(row["from_call"]), int(row["to_call"]), str(row["status"])))
        return cls({code: ActionRules.from_mapping(code, raw) for code, raw in actions.items()},
                   status, regions)

    @classmethod
    def from_reference(cls, reference: Reference) -> RuleBook:
        """The rules a registry holds (seeded from ``data/reference``)."""
        return cls.from_mapping(
            reference.actions,
            [{"country": s.country, "status": s.status, "from_call": s.from_call,
              "to_call": s.to_call} for s in reference.statuses],
            regions=reference.regions)

    def call(self, action: str, call_year: int | None = None) -> Call:
        """The call being checked: ``action``'s rules in ``call_year`` (default: its latest)."""
        rules = self.action(action)
        year = self.call_year(rules.code, call_year)
        return Call(self, rules, year, self.countries_that_count(rules.code, year))

    # -- lookups -------------------------------------------------------------------------
    def action(self, code: str) -> ActionRules:
        """The rules of ``code`` (any case); ``QueryError`` naming the valid actions."""
        rules = self.actions.get(code.strip().upper())
        if rules is None:
            raise QueryError(f"unknown action {quoted(code)}; valid actions: "
                             f"{', '.join(sorted(self.actions))}")
        return rules

    def call_year(self, action: str, call_year: int | None = None) -> int:
        """``call_year``, checked against the action's calls; default: its latest call."""
        rules = self.action(action)
        if call_year is None:
            return rules.last_call
        if call_year not in rules.calls:
            raise QueryError(
                f"{rules.code} had calls from {rules.first_call} to {rules.last_call}, not in "
                f"{call_year}; give a call year in {rules.first_call}..{rules.last_call}"
                + self._successor_hint(rules, call_year))
        return call_year

    def _successor_hint(self, rules: ActionRules, year: int) -> str:
        others = sorted(code for code, r in self.actions.items()
                        if year in r.calls and r.field == rules.field and code != rules.code)
        return f", or use {' / '.join(others)} for {year} calls" if others else ""

    def region_of(self, country: str) -> str:
        """The member state of an outermost region (``RE -> FR``), else ``country``."""
        return self.regions.get(country, country)

    def country_of(self, org: OrgProfile) -> str:
        """The country an organisation counts as (an outermost region as its member state)."""
        return self.regions.get(org.country, org.country)

    def status(self, country: str, call_year: int) -> str | None:
        """``programme`` / ``member`` / ``associated``, or None (partner / third country)."""
        for first, last, status in self._status.get(self.regions.get(country, country), ()):
            if first <= call_year <= last:
                return status
        return None

    def countries_that_count(self, action: str, call_year: int | None = None) -> frozenset[str]:
        """Country codes that count towards ``action``'s minimum in ``call_year``."""
        rules = self.action(action)
        year = self.call_year(action, call_year)
        key = (rules.code, year)
        if key not in self._counting:
            self._counting[key] = frozenset(
                c for c in self._status if self.status(c, year) in rules.counting_statuses)
        return self._counting[key]

    def counts(self, action: str, org: OrgProfile, call_year: int | None = None) -> bool:
        return self.country_of(org) in self.countries_that_count(action, call_year)

    # -- the check -----------------------------------------------------------------------
    def check(self, action: str, members: Sequence[OrgProfile], *,
              coordinator: OrgProfile | None = None,
              call_year: int | None = None) -> list[Violation]:
        """Every rule of ``action`` that the consortium ``members`` breaks; see
        :meth:`Call.check`."""
        return self.call(action, call_year).check(members, coordinator=coordinator)

    def _successor_hint_field(self, year: int) -> str:
        others = sorted(code for code, r in self.actions.items()
                        if year in r.calls and r.field == "higher education")
        return message("rule.field_hint", actions=" / ".join(others)) if others else ""

    def admissible(self, action: str, org: OrgProfile, call_year: int | None = None) -> bool:
        """See :meth:`Call.admissible`."""
        return self.call(action, call_year).admissible(org)


@dataclass(frozen=True)
class Call:
    """One call being checked: an action's rules in one call year, with the countries that
    count then. Made by :meth:`RuleBook.call`; what ``check``, ``complete`` and ``propose``
    work on."""

    book: RuleBook
    rules: ActionRules
    year: int
    counting: frozenset[str]

    @property
    def label(self) -> Text:
        return message("rule.call", action=self.rules.code, year=Text(str(self.year)))

    def country_of(self, org: OrgProfile) -> str:
        return self.book.country_of(org)

    def counts(self, org: OrgProfile) -> bool:
        """Whether ``org``'s country counts towards the minimum."""
        return self.book.country_of(org) in self.counting

    def check(self, members: Sequence[OrgProfile], *,
              coordinator: OrgProfile | None = None) -> list[Violation]:
        """Every rule the consortium ``members`` breaks; empty if eligible.

        ``coordinator`` (one of ``members``, or added to them) is checked against the
        coordinator rule; without it, at least one member must be able to coordinate. Each rule
        of :data:`RULES` is checked in turn, in that order.
        """
        people = list(members)
        if coordinator is not None and coordinator.id not in {m.id for m in people}:
            people.append(coordinator)
        unique = tuple({m.id: m for m in people}.values())
        counted = tuple(sorted({self.country_of(m) for m in unique
                                if self.country_of(m) in self.counting}))
        team = Team(unique, coordinator, counted)
        return [violation for _, rule in RULES for violation in rule(self, team)]

    def admissible(self, org: OrgProfile) -> bool:
        """Whether ``org`` can be in some eligible consortium on its own terms (ECHE if a
        counting-country HEI; a counting country when others may not take part)."""
        rules = self.rules
        inside = self.counts(org)
        if not inside and rules.other_countries != "partner":
            return False
        return not (rules.eche_required and rules.eche_checked and inside
                    and org.category == HIGHER_EDUCATION and not org.eche)


@dataclass(frozen=True, slots=True)
class Team:
    """The consortium a rule reads: its members (each once, the coordinator among them), the
    coordinator if named, and the countries that count which the members come from."""

    members: tuple[OrgProfile, ...]
    coordinator: OrgProfile | None
    counted: tuple[str, ...]


def _min_organisations(call: Call, team: Team) -> Iterator[Violation]:
    wanted, have = call.rules.min_organisations, len(team.members)
    if have < wanted:
        yield Violation("min_organisations", message(
            "rule.min_organisations", where=call.label, min=wanted, have=have,
            missing=wanted - have))


def _min_countries(call: Call, team: Team) -> Iterator[Violation]:
    rules, inside = call.rules, team.counted
    if len(inside) >= rules.min_countries:
        return
    have = ", ".join(inside) if inside else message("rule.none")
    regions = call.book.regions
    others = sorted({m.country for m in team.members} - set(inside)
                    - {c for c in regions if regions[c] in inside})
    aside = (message("rule.aside", n=len(others), others=", ".join(others),
                     year=Text(str(call.year))) if others else "")
    yield Violation("min_countries", message(
        "rule.min_countries", where=call.label, min=rules.min_countries,
        counting=counting_text(rules.counting_label), have=len(inside), codes=have,
        aside=aside, missing=rules.min_countries - len(inside)))


def _other_countries(call: Call, team: Team) -> Iterator[Violation]:
    outside = [m for m in team.members if not call.counts(m)]
    if outside and call.rules.other_countries != "partner":
        names = "; ".join(f"{m.display_name} ({m.country})" for m in outside)
        yield Violation("other_countries", message(
            "rule.other_countries", where=call.label,
            counting=counting_text(call.rules.counting_label), names=names))


def _coordinator(call: Call, team: Team) -> Iterator[Violation]:
    rules, coordinator = call.rules, team.coordinator
    if rules.coordinator != "counting":
        return
    if coordinator is not None and not call.counts(coordinator):
        yield Violation("coordinator", message(
            "rule.coordinator", where=call.label, counting=counting_text(rules.counting_label),
            name=coordinator.display_name, country=coordinator.country))
    elif coordinator is None and team.members and not team.counted:
        yield Violation("coordinator", message(
            "rule.no_coordinator", where=call.label,
            counting=counting_text(rules.counting_label)))


def _eche(call: Call, team: Team) -> Iterator[Violation]:
    rules = call.rules
    if not (rules.eche_required and rules.eche_checked):
        return
    for m in team.members:
        if m.category == HIGHER_EDUCATION and not m.eche and call.counts(m):
            yield Violation("eche", message(
                "rule.eche", name=m.display_name, country=m.country,
                counting=counting_text(rules.counting_label), action=rules.code))


def _field(call: Call, team: Team) -> Iterator[Violation]:
    rules = call.rules
    if not rules.higher_education_only_allowed and team.members \
            and all(m.category == HIGHER_EDUCATION for m in team.members):
        yield Violation("field", message(
            "rule.field", action=rules.code, field=field(rules.field),
            hint=call.book._successor_hint_field(call.year)))


#: Each rule key of ``actions.json`` with the function that checks it; a rule reads its
#: parameters from the call's :class:`ActionRules`. :meth:`Call.check` runs them in this order.
RULES: tuple[tuple[str, Callable[[Call, Team], Iterable[Violation]]], ...] = (
    ("min_organisations", _min_organisations),
    ("min_countries", _min_countries),
    ("other_countries", _other_countries),
    ("coordinator", _coordinator),
    ("eche", _eche),
    ("field", _field),
)
