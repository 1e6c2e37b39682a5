"""The registry boundary: the only part of ``matcher`` that reads the database.

``snapshot`` and ``reference`` hold the registry as plain frozen values and arrays (what every
model reads), with no database; ``store`` reads them from the database; ``catalogue`` answers
small browsing queries (one organisation, a filtered listing, counts).
"""

from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo

__all__ = ["OrgProfile", "ProjectInfo", "Registry", "ThemeInfo"]
