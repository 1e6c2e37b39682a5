"""How much one request may ask: the bounds that every edge (the web API and pages, the
command line, batch rows) applies, all from here."""

from __future__ import annotations

__all__ = ["ROWS"]

#: A listing's ``limit`` and ``offset``: more than any registry, and within SQL's integers.
ROWS = 10**9
