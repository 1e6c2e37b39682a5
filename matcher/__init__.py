"""The matching library: registry snapshots, profile vectors, ranking, eligibility rules,
the consortium builder and evaluation. Knows no click and no ORM sessions beyond
``matcher.registry.snapshot``, where rows become frozen values and arrays."""

from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo, load_registry

__all__ = ["OrgProfile", "ProjectInfo", "Registry", "ThemeInfo", "load_registry"]
