"""The two batch handlers: a row of ``matcher batch`` answered exactly as ``search`` /
``complete`` would answer the same options.

Each task is a small picklable value (the Ranker's artefact directory and a few settings):
a worker process or Dask worker builds its handler from it once, loading the Ranker there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.batch.engine import Handler
from matcher.batch.rows import BatchQuery
from models.errors import QueryError

if TYPE_CHECKING:
    from matcher.ranking.ranker import Ranker

__all__ = ["CompleteTask", "SearchTask"]

#: CSV columns of an output that got no result at all (else: the first result's fields).
SEARCH_COLUMNS = ("rank", "id", "pic", "name", "country", "type", "score", "why")
COMPLETE_COLUMNS = ("rank", "score", "eligible", "members", "why")


def _load(directory: str) -> Ranker:
    from matcher.ranking.ranker import Ranker

    return Ranker.load(Path(directory))


@dataclass(frozen=True, slots=True)
class SearchTask:
    """Rows as ``matcher search``. ``programme_countries``: the countries that count for the
    batch's action, for rows with ``programme_countries_only``; the resolvers: what the CLI
    passes to :func:`matcher.search.search` (module-level functions, so they pickle)."""

    ranker_dir: str
    k: int = 10
    programme_countries: frozenset[str] | None = None
    country_resolver: Callable[[str], str | None] | None = None
    type_resolver: Callable[[str], str | None] | None = None

    def __call__(self) -> Handler:
        return self.handler(_load(self.ranker_dir))

    def handler(self, ranker: Ranker) -> Handler:
        from matcher.search import search

        def handle(q: BatchQuery) -> Sequence[dict[str, Any]]:
            result = search(
                ranker, org=q.org, text=q.text, themes=q.themes, countries=q.countries,
                exclude_countries=q.exclude_countries, types=q.types, eche=q.eche,
                programme_countries=(self.programme_countries if q.programme_countries_only
                                     else None),
                k=q.k or self.k, country_resolver=self.country_resolver,
                type_resolver=self.type_resolver,
            )
            results: list[dict[str, Any]] = result.to_json()["results"]
            return results

        return handle


@dataclass(frozen=True, slots=True)
class CompleteTask:
    """Rows as ``matcher complete``. ``rules``: JSON of ``{"actions": ..., "country_status":
    [...], "regions": {...}}`` (what the CLI reads from ``data.reference``; JSON, so that the
    task stays hashable)."""

    ranker_dir: str
    rules: str
    action: str | None = None
    k: int = 5

    def __call__(self) -> Handler:
        return self.handler(_load(self.ranker_dir))

    def handler(self, ranker: Ranker) -> Handler:
        from matcher.consortium.requests import complete_request
        from matcher.consortium.rules import RuleBook

        rules = json.loads(self.rules)
        rulebook = RuleBook.from_mapping(rules["actions"], rules["country_status"],
                                         regions=rules.get("regions"))

        def handle(q: BatchQuery) -> Sequence[dict[str, Any]]:
            action = q.action or self.action
            if not action:
                raise QueryError("no action: give this row an `action` (e.g. KA220-HED) "
                                 "or the batch an --action")
            if not q.members:
                raise QueryError("no members: give this row `members` (PICs, OIDs or Erasmus "
                                 "codes, ;-separated)")
            found: dict[str, Any] = complete_request(
                ranker, rulebook, action=action, members=q.members, size=q.size,
                n=q.k or self.k, text=q.text, themes=q.themes, countries=q.countries,
                exclude_countries=q.exclude_countries, types=q.types, eche=q.eche,
                call_year=q.call_year,
            )
            consortia: list[dict[str, Any]] = found["consortia"]
            return consortia

        return handle
