"""Human reasons for a recommendation: the ``why`` of each :class:`~matcher.values.Match`.

Each sentence is built from the same evidence the score uses (the feature values of
:mod:`matcher.ranking.features`, the topical evidence of
:mod:`matcher.ranking.topical`), so a reason is never given for something that did not
count: past projects with the query's organisations, partners in common, the past projects
(or description) that are evidence of the idea's topic, cited by acronym, year and title with
what they match of it (its phrases and words, never a word shared in another sense), past
projects in the call-topic family, shared themes, type and country. An idea's result shown
as one of the closest says so, citing the project that comes nearest and what it shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from matcher.i18n import Text, category, country, join, message, term, theme
from matcher.language.english import english_words
from matcher.language.lexicon import in_finnish
from matcher.ranking.topics import family

if TYPE_CHECKING:
    from matcher.ranking.features import FeatureSpace, QueryBatch
    from matcher.ranking.topical import TopicalScores

__all__ = ["Explainer", "idea_terms"]

_CITED_PROJECTS = 2
_TITLE_CHARS = 90
_CALL_CHARS = 60


#: The latent collaboration fit (relative to the query's best candidate) from which it is said.
LATENT_SAID = 0.5


def _clip(text: str, limit: int = _TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def idea_terms(words: Sequence[str], *, quote: bool = False) -> Text:
    """Words of an idea, each said in Finnish when the glossary knows it; ``quote`` puts
    each between double quotes."""
    q = '"' if quote else ""
    return join(term(f"{q}{w}{q}", f"{q}{in_finnish(w) or w}{q}") for w in words)



class Explainer:
    """Reasons for candidates of a fitted :class:`~matcher.ranking.features.FeatureSpace`."""

    def __init__(self, space: FeatureSpace) -> None:
        self.space = space

    def _names(self, rows: list[int], limit: int = 3) -> str:
        orgs = self.space.registry.orgs
        shown = ", ".join(orgs[r].display_name for r in rows[:limit])
        more = len(rows) - limit
        return message("why.names_more", names=shown, more=more) if more > 0 else shown

    def _country(self, code: str) -> Text:
        return country(code, self.space.registry.countries.get(code, code))

    def explain(self, batch: QueryBatch, rows: np.ndarray, features: np.ndarray,
                i: int = 0, weak: np.ndarray | None = None) -> list[list[str]]:
        """Sentences, strongest evidence first, for each candidate of ``rows`` of query ``i``
        of ``batch``; ``features`` is ``(rows, FEATURES)`` of that query; ``weak`` marks
        an idea's candidates shown as the closest, without evidence of its topic."""
        from matcher.ranking.features import FEATURES

        query_rows = batch.rows[i]
        topical = batch.topical[i] if batch.topical else None
        if topical is not None and not query_rows.size:
            flags = weak if weak is not None else np.zeros(rows.size, dtype=bool)
            return [self._idea(batch, i, topical, int(row), dict(zip(FEATURES, f.tolist(),
                                                                      strict=True)), bool(w))
                    for row, f, w in zip(rows.tolist(), features, flags.tolist(), strict=True)]
        partners = (np.unique(self.space.graph.adjacency_[query_rows].indices)
                    if query_rows.size else np.zeros(0, dtype=np.int64))
        return [self._one(batch, i, query_rows, partners, int(row),
                          dict(zip(FEATURES, f.tolist(), strict=True)))
                for row, f in zip(rows.tolist(), features, strict=True)]

    def _one(self, batch: QueryBatch, i: int, query_rows: np.ndarray, partners: np.ndarray,
             row: int, f: dict[str, float]) -> list[str]:
        space = self.space
        registry = space.registry
        reasons: list[str] = []
        if query_rows.size:
            reasons += self._graph(query_rows, partners, row)
            fit = f.get("latent", 0.0)
            if fit >= LATENT_SAID:
                reasons.append(message("why.latent", fit=fit))
        topical = batch.topical[i] if batch.topical else None
        if topical is not None:
            reasons += self._evidence(topical, row)
        reasons += self._topics_and_themes(batch, i, row, f)
        org = registry.orgs[row]
        kind = category(org.category)
        if query_rows.size and not f.get("same_category"):
            theirs = sorted({registry.orgs[int(q)].category for q in query_rows.tolist()},
                            key=lambda c: c.replace("-", " "))
            reasons.append(message("why.complementary", category=kind,
                                   theirs=join(category(c) for c in theirs)))
        where = self._country(org.country)
        if f.get("new_country"):
            reasons.append(message("why.new_country", country=where))
        elif not query_rows.size:
            reasons.append(message("why.category_in", category=kind, country=where))
        projects = int(space.graph.participations_[row])
        if (projects and not query_rows.size) or len(reasons) <= 1:
            # when nothing query-specific stands out, say what lifted it: its track record
            reasons.append(message("why.experienced", n=projects) if projects
                           else message("why.no_projects"))
        return reasons

    def _idea(self, batch: QueryBatch, i: int, topical: TopicalScores, row: int,
              f: dict[str, float], weak: bool) -> list[str]:
        """An idea's reasons: the past projects (or the description) that are evidence of
        its topic, with what they match of it; for one of the closest, the document that
        comes nearest and the one topic word it shares."""
        space = self.space
        index = space.topical
        documents = index.documents_of(row)
        reasons: list[str] = []
        if weak:
            for j in index.best_documents(topical, documents.tolist(), 1, evidence=False):
                reasons.append(message("why.closest",
                                       cite=self._cite(j, index.matched(topical, j), only=True)))
        else:
            reasons += self._evidence(topical, row)
        reasons += self._topics_and_themes(batch, i, row, f)
        org = space.registry.orgs[row]
        reasons.append(message("why.category_in", category=category(org.category),
                               country=self._country(org.country)))
        projects = int(space.graph.participations_[row])
        reasons.append(message("why.experienced", n=projects) if projects
                       else message("why.no_projects"))
        return reasons

    def _evidence(self, topical: TopicalScores, row: int) -> list[str]:
        """The candidate's past projects (or description) that are evidence of the idea's
        topic, the best :data:`_CITED_PROJECTS` cited with what they match; nothing when it
        has none (a word shared in another sense is never cited)."""
        index = self.space.topical
        documents = index.documents_of(row)
        cited = index.best_documents(topical, documents.tolist(), _CITED_PROJECTS)
        reasons = [self._cite(j, index.matched(topical, j)) for j in cited]
        more = int(topical.evidence[documents].sum()) - len(cited)
        if more > 0:
            reasons.append(message("why.more_on_topic", n=more))
        if not reasons and topical.org_near[row]:
            # no evidence, but close to the idea: said as such, with what comes nearest
            reasons += [message("why.closest",
                                cite=self._cite(j, index.matched(topical, j), only=True))
                        for j in index.best_documents(topical, documents.tolist(), 1,
                                                      evidence=False)]
        return reasons

    def _topics_and_themes(self, batch: QueryBatch, i: int, row: int,
                           f: dict[str, float]) -> list[str]:
        """The candidate's past projects in the query's call-topic families, and the themes
        it shares with the query."""
        query = batch.queries[i]
        reasons: list[str] = []
        if f.get("topic_family", 0.0) > 0 and query.topics:
            n = round(float(np.expm1(f["topic_family"])))
            families = ", ".join(dict.fromkeys(family(t) for t in query.topics))
            reasons.append(message("why.topic_family", n=n, families=families))
        query_themes = set(batch.theme_codes(i, self.space))
        if query_themes and f.get("theme_sim", 0.0) > 0:
            reasons += self._themes(query_themes, row)
        return reasons

    def _cite(self, document: int, matched: list[str], *, only: bool = False) -> str:
        """A document as a reason: a project by label and title, or the organisation's own
        profile (description, declared themes), with what it matches of the idea."""
        registry = self.space.registry
        what: str = idea_terms(matched)
        if document < len(registry.projects):
            p = registry.projects[document]
            words = english_words(p.title or "")
            in_title = {*words, *(f"{a} {b}" for a, b in pairwise(words))}
            elsewhere = [t for t in matched if t not in in_title]
            if elsewhere and p.topic_title and p.title:
                # what the project's title does not say, its call's title does: say which
                shown = [t for t in matched if t not in elsewhere]
                in_call = message("why.in_call", words=idea_terms(elsewhere),
                                  call=_clip(p.topic_title, _CALL_CHARS))
                what = join([idea_terms(shown), in_call] if shown else [in_call], "; ")
        said: str = (message("why.shares_only", what=what) if only
                     else message("why.matches", what=what) if what else "")
        if document < len(registry.projects):
            title = p.title or p.topic_title
            return (message("why.took_part", label=p.label, title=_clip(title), said=said)
                    if title else message("why.took_part_untitled", label=p.label, said=said))
        return message("why.profile", said=said)

    def _graph(self, query_rows: np.ndarray, partners: np.ndarray, row: int) -> list[str]:
        shared = self.space.graph.shared_
        reasons: list[str] = []
        # the candidate's row (the matrix is symmetric): no element lookups
        start, end = shared.indptr[row], shared.indptr[row + 1]
        theirs, n_shared = shared.indices[start:end], shared.data[start:end]
        with_them = dict(zip(theirs.tolist(), n_shared.tolist(), strict=True))
        worked = [(q, int(with_them.get(q, 0))) for q in query_rows.tolist()]
        worked = [(q, k) for q, k in worked if k > 0]
        if worked:
            total = sum(k for _, k in worked)
            reasons.append(message("why.worked_with", names=self._names([q for q, _ in worked]),
                                   n=total))
        inside = np.isin(theirs, partners, assume_unique=True)
        theirs, n_shared = theirs[inside], n_shared[inside]
        unnamed = ~self.space.named[theirs]
        # named organisations first, then the most projects shared with the candidate
        common = theirs[np.lexsort((theirs, -n_shared, unnamed))].tolist()
        if common:
            reasons.append(message("why.partner_of", n=len(common),
                                   names=self._names(common)))
        return reasons

    def _themes(self, query_themes: set[str], row: int) -> list[str]:
        space = self.space
        vec = space.vectoriser
        themes = space.blocks.themes
        codes = vec.theme_codes_
        mine = themes.indices[themes.indptr[row]:themes.indptr[row + 1]].tolist()
        shared = [codes[c] for c in mine if codes[c] in query_themes]
        shared.sort(key=lambda c: (-float(vec.theme_idf_[vec.theme_col_[c]]), c))
        if not shared:
            return []
        info = space.registry.themes
        labels = [theme(info[c].label_en, info[c].label_fi) if c in info else c
                  for c in shared[:3]]
        return [message("why.shared_themes", themes=join(labels, "; "))]
