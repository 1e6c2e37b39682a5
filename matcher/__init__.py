"""Erasmus+ Partner Matcher, the library: :class:`Matcher` is its front door.

>>> from matcher import Matcher   # doctest: +SKIP
>>> m = Matcher.open()            # doctest: +SKIP
>>> m.search(text="virtual mobility", countries=["DE"], k=3)  # doctest: +SKIP

The parts, for those who need them: ``matcher.registry`` (the only part that reads the
database: snapshots, reference data, browsing), ``matcher.ranking`` (profiles, similar
projects, graph, features, the ranker and its index), ``matcher.consortium`` (rules, the
objective, beam search, the builder), ``matcher.batch`` and ``matcher.evaluation``.
"""

from matcher.consortium.builder import Consortium, Member
from matcher.consortium.rules import Call, RuleBook, Violation
from matcher.facade import Completion, IndexStatus, Matcher, Verdict
from matcher.partners import SearchResult
from matcher.registry.catalogue import OrgDetail, OrgSummary, ThemeRow
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from matcher.requests import ConsortiumRequest, SearchRequest
from matcher.values import Filters, Match, Query

__all__ = [
    "Call",
    "Completion",
    "Consortium",
    "ConsortiumRequest",
    "Filters",
    "IndexStatus",
    "Match",
    "Matcher",
    "Member",
    "OrgDetail",
    "OrgProfile",
    "OrgSummary",
    "ProjectInfo",
    "Query",
    "Registry",
    "RuleBook",
    "SearchRequest",
    "SearchResult",
    "ThemeRow",
    "Verdict",
    "Violation",
]
