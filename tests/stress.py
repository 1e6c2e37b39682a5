"""How hard the reliability tests push: a few runs in the suite, many with ``MATCHER_STRESS=1``
(``bench/bench_reliability.py`` sets it and prints the figures the README records)."""

from __future__ import annotations

import os

STRESS = os.environ.get("MATCHER_STRESS") == "1"


def scale(suite: int, stress: int) -> int:
    """``suite`` runs in the normal test suite, ``stress`` under ``MATCHER_STRESS=1``."""
    return stress if STRESS else suite
