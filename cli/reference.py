"""Where the CLI hands ``data``'s reference files to ``matcher`` (which never imports ``data``):
the action rules, outermost regions, and organisation-type codes. Used by several commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matcher.consortium.rules import RuleBook


def regions() -> dict[str, str]:
    """Outermost region -> its member state (``RE`` -> ``FR``)."""
    from data.reference import countries

    return {c.code: c.part_of for c in countries() if c.part_of}


def rulebook() -> RuleBook:
    """The rules of ``data/reference/actions.json`` and ``country_status.csv``."""
    from data.reference import action_rules, country_status
    from matcher.consortium.rules import RuleBook

    return RuleBook.from_mapping(action_rules(), country_status(), regions=regions())


def category_of(value: str) -> str | None:
    """A canonical category for a category name or an EPLUS-* / CORDIS type code or label."""
    from data.reference import resolve_category

    found = resolve_category(value)
    return found[0] if found else None
