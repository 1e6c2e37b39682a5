"""Partner search: a request as users make it, resolved, ranked, and said plainly.

:class:`SearchRequest` holds what a user typed (an organisation, words, themes, call topics,
filters); :func:`search_partners` resolves it with the registry's
:class:`~matcher.vocabulary.Vocabulary`, asks the ranker (many requests at once: one batch)
and returns a :class:`SearchResult` per request, with the notes a user should read: the
results are ranked by activity only because nothing matched the idea, or a filter left nothing
and how many organisations of that kind there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matcher.consortium.rules import RuleBook
from matcher.errors import MatcherError, QueryError, concerning
from matcher.i18n import category as category_text
from matcher.i18n import join, message
from matcher.ranking.explain import idea_terms
from matcher.ranking.ranker import Ranker, Ranking
from matcher.registry.records import values_of
from matcher.registry.snapshot import OrgProfile
from matcher.requests import IdeaFields, SearchFields, SearchRequest
from matcher.values import Filters, Match, Query
from matcher.vocabulary import Vocabulary

__all__ = ["IdeaFields", "SearchFields", "SearchRequest", "SearchResult", "search_partners"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A resolved request, its filters, the ranked matches and what to tell the user."""

    query: Query
    filters: Filters
    org: OrgProfile | None
    k: int
    matches: tuple[Match, ...]
    programme_countries_only: bool = False
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        org = self.org
        return {
            "query": {
                "org": None if org is None else {
                    "id": org.id, "pic": org.pic, "name": org.display_name,
                    "country": org.country, "type": org.category},
                "text": self.query.text,
                "themes": list(self.query.themes),
                "topics": list(self.query.topics),
                "countries": sorted(self.filters.countries),
                "exclude_countries": sorted(self.filters.exclude_countries),
                "types": sorted(self.filters.categories),
                "eche": self.filters.eche_only,
                "programme_countries_only": self.programme_countries_only,
                "k": self.k,
            },
            "results": [match_json(m) for m in self.matches],
            "notes": list(self.notes),
        }


def match_json(m: Match) -> dict[str, Any]:
    """One result as the CLI's ``--format json`` and the web API give it; ``closest`` is
    true for an idea's result without evidence of its topic."""
    return {"rank": m.rank, "id": m.org.id, "pic": m.org.pic, "name": m.org.display_name,
            "country": m.org.country, "type": m.org.category, "score": m.score,
            "closest": m.weak, "why": list(m.why)}


def search_partners(ranker: Ranker, vocabulary: Vocabulary, rulebook: RuleBook,
                    requests: Sequence[SearchRequest],
                    ) -> list[SearchResult | MatcherError]:
    """One result per request, in order; a request that cannot be resolved gives its error
    in its place (the others are answered: one bad row of a batch loses nothing else). The
    requests are checked already (:meth:`SearchRequest.check`)."""
    resolved: list[tuple[int, Query, Filters, OrgProfile | None, tuple[str, ...]]] = []
    out: list[SearchResult | MatcherError] = [QueryError("not answered")] * len(requests)
    for i, request in enumerate(requests):
        try:
            resolved.append((i, *_resolve(vocabulary, rulebook, request)))
        except MatcherError as exc:
            out[i] = exc
    by_k: dict[int, list[int]] = {}
    for j, (i, *_rest) in enumerate(resolved):
        by_k.setdefault(requests[i].k, []).append(j)
    for k, members in by_k.items():
        rankings = ranker.rankings([resolved[j][1] for j in members], n=k,
                                   filters=[resolved[j][2] for j in members])
        for j, ranking in zip(members, rankings, strict=True):
            i, query, filters, org, notes = resolved[j]
            said = list(notes)
            if ranking.topical is not None and not query.org_ids:
                said += _idea_notes(ranking, k, filters)
            elif ranking.by_activity:
                said.append(message("note.by_activity"))
            if not ranking.matches and (ranking.topical is None or query.org_ids):
                said.append(_empty(ranker, vocabulary, filters))
            elif (ranking.topical is None and not query.org_ids and not ranking.by_activity
                  and len(ranking.matches) < k):
                n = len(ranking.matches)
                said.append(message("note.only_in_topic", n=n))
            out[i] = SearchResult(query, filters, org, k, ranking.matches,
                                  requests[i].programme_countries_only, tuple(said))
    return out


def _resolve(vocabulary: Vocabulary, rulebook: RuleBook, request: SearchRequest,
             ) -> tuple[Query, Filters, OrgProfile | None, tuple[str, ...]]:
    with concerning("org"):
        org = (vocabulary.organisation(request.org) if request.org and request.org.strip()
               else None)
    topics, notes = vocabulary.topics(request.topics)
    themes = vocabulary.themes(request.themes)
    query = Query(org_ids=(org.id,) if org else (), text=request.text.strip(), themes=themes,
                  topics=topics)
    filters = vocabulary.filters(countries=request.countries,
                                 exclude_countries=request.exclude_countries,
                                 types=request.types, eche=request.eche,
                                 include_unnamed=request.include_unnamed)
    if request.programme_countries_only:
        counting = rulebook.countries_that_count(request.action)
        wanted = (filters.countries & counting) if filters.countries else counting
        if not wanted - filters.exclude_countries:
            with concerning("countries"):
                raise QueryError(
                    f"no country left: {', '.join(sorted(filters.countries)) or 'none'} "
                    f"{'is' if len(filters.countries) == 1 else 'are'} not among the countries "
                    f"that count for {rulebook.action(request.action).code} "
                    f"({', '.join(sorted(counting))})")
        filters = replace(filters, countries=wanted)
    return query, filters, org, notes


def _idea_notes(ranking: Ranking, k: int, filters: Filters) -> list[str]:
    """What to tell the user of an idea's answer: words the glossary did not know, and how
    many results have evidence of the idea's topic."""
    topical = ranking.topical
    assert topical is not None
    idea = topical.idea
    notes: list[str] = []
    if idea.translated and idea.unknown:
        language = (message(f"language.{idea.language}")
                    if idea.language in ("fi", "sv", "en") else idea.language)
        notes.append(message("note.unknown_words", language=language,
                             words=", ".join(idea.unknown)))
    topic: str = (idea_terms(topical.topic_words, quote=True) if topical.topic_words
                  else message("note.its_words"))
    strong, shown = ranking.strong, len(ranking.matches)
    filtered = bool(filters.countries or filters.exclude_countries or filters.categories
                    or filters.eche_only)
    among = message("note.among") if filtered else ""
    if not shown:
        notes.append(message("note.none", among=among, topic=topic))
    elif strong == 0:
        notes.append(message("note.only_closest", among=among, topic=topic, n=shown))
    elif strong < k:
        notes.append(message("note.only", n=strong, among=among, topic=topic,
                             after=message("note.after", shown=shown - strong)
                             if shown > strong else ""))
    return notes


def _empty(ranker: Ranker, vocabulary: Vocabulary, filters: Filters) -> str:
    """Why nothing was found: how many organisations each filter allows on its own."""
    orgs = ranker.registry_.orgs
    country = np.array(values_of(orgs, "country"))
    category = np.array(values_of(orgs, "category"))
    eche = np.array(values_of(orgs, "eche"), dtype=bool)
    parts, both = [], np.ones(len(orgs), dtype=bool)
    if filters.countries:
        here = np.isin(country, sorted(filters.countries))
        both &= here
        parts.append(message("note.empty.in", n=int(here.sum()),
                             codes=", ".join(sorted(filters.countries))))
    if filters.exclude_countries:
        here = ~np.isin(country, sorted(filters.exclude_countries))
        both &= here
        parts.append(message("note.empty.outside", n=int(here.sum()),
                             codes=", ".join(sorted(filters.exclude_countries))))
    if filters.categories:
        here = np.isin(category, sorted(filters.categories))
        both &= here
        parts.append(message("note.empty.of_type", n=int(here.sum()),
                             types=join(category_text(c, c) for c in sorted(filters.categories))))
    if filters.eche_only:
        both &= eche
        parts.append(message("note.empty.eche", n=int(eche.sum())))
    if filters.named_only:
        named = np.array([name is not None for name in values_of(orgs, "name")], dtype=bool)
        if not (both & named).any() and both.any():
            parts.append(message("note.empty.named", n=int(named.sum())))
        both &= named
    if not parts:
        return message("note.empty.none")
    return message("note.empty", parts=join(parts, "; "), n=int(both.sum()))
