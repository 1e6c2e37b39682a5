"""The two batch handlers: a row of ``matcher batch`` answered exactly as ``search`` /
``complete`` would answer the same options, through the same :class:`~matcher.Matcher`.

Each task is a small picklable value (the saved search index's folder and a few settings): a
worker process or Dask worker builds its handler from it once, opening the index there
(:meth:`Matcher.from_index`: the index holds the reference data, so a worker needs no
database). A search handler answers a chunk of rows as one batch (``many``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.batch.rows import BatchQuery
from matcher.errors import MatcherError, QueryError
from matcher.facade import Matcher
from matcher.partners import match_json
from matcher.requests import ConsortiumRequest, SearchRequest

__all__ = ["COMPLETE_COLUMNS", "SEARCH_COLUMNS", "CompleteHandler", "CompleteTask",
           "SearchHandler", "SearchTask"]

#: CSV columns of an output that got no result at all (else: the first result's fields).
SEARCH_COLUMNS = ("rank", "id", "pic", "name", "country", "type", "score", "closest", "why")
COMPLETE_COLUMNS = ("rank", "score", "eligible", "members", "why")

Results = Sequence[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SearchTask:
    """Rows as ``matcher search``; ``action``: whose countries count for rows with
    ``programme_countries_only``."""

    index_dir: str
    k: int = 10
    action: str = "KA220-HED"

    def __call__(self) -> SearchHandler:
        return SearchHandler(Matcher.from_index(Path(self.index_dir)), self.k, self.action)


@dataclass(frozen=True, slots=True)
class SearchHandler:
    matcher: Matcher
    k: int
    action: str

    def request(self, q: BatchQuery) -> SearchRequest:
        return SearchRequest(**q.search_fields(), action=self.action, k=q.k or self.k)

    def __call__(self, q: BatchQuery) -> Results:
        found = self.many([q])[0]
        if isinstance(found, MatcherError):
            raise found
        return found

    def many(self, rows: Sequence[BatchQuery]) -> list[Results | MatcherError]:
        """Every row's results (or error), the rows ranked as one batch."""
        answers = self.matcher.search([self.request(q) for q in rows])
        return [a if isinstance(a, MatcherError) else [match_json(m) for m in a.matches]
                for a in answers]


@dataclass(frozen=True, slots=True)
class CompleteTask:
    """Rows as ``matcher complete``; ``action``: for rows without one."""

    index_dir: str
    action: str | None = None
    k: int = 5

    def __call__(self) -> CompleteHandler:
        return CompleteHandler(Matcher.from_index(Path(self.index_dir)), self.action, self.k)


@dataclass(frozen=True, slots=True)
class CompleteHandler:
    matcher: Matcher
    action: str | None
    k: int

    def __call__(self, q: BatchQuery) -> Results:
        action = q.action or self.action
        if not action:
            raise QueryError("no action: give this row an `action` (e.g. KA220-HED) or the "
                             "batch an --action")
        if not q.members and not q.coordinator:
            raise QueryError("no members: give this row `members` (PICs, OIDs, Erasmus codes "
                             "or names, ;-separated), or a `coordinator` and an idea to "
                             "propose consortia around it")
        found = self.matcher.complete(ConsortiumRequest(
            **q.idea_fields(), **{**q.consortium_fields(), "action": action},
            n=q.k or self.k))
        return [c.to_json() for c in found.consortia]
