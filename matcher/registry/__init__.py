"""The registry boundary: the only part of ``matcher`` that reads the database.

``snapshot`` turns the rows into frozen values and arrays (what every model reads);
``catalogue`` answers small browsing queries (one organisation, a filtered listing, counts).
"""

from matcher.registry.snapshot import (
    OrgProfile,
    ProjectInfo,
    Registry,
    ThemeInfo,
    fingerprint,
    load_registry,
)

__all__ = ["OrgProfile", "ProjectInfo", "Registry", "ThemeInfo", "fingerprint", "load_registry"]
