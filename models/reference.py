"""Reference values that both the seeder (``data``) and the library (``matcher``) hold: plain
frozen values, no SQLAlchemy, defined here once because both may import ``models``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OrgTypeRef"]


@dataclass(frozen=True, slots=True)
class OrgTypeRef:
    """An organisation type of a scheme and the canonical category it counts as."""

    code: str
    scheme: str  # canonical | eplus | cordis | word
    label: str
    category: str
