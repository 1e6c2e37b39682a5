"""Human reasons for a recommendation: the ``why`` of each :class:`~matcher.values.Match`.

Each sentence is built from the same evidence the score uses (the feature values of
:mod:`matcher.ranking.features`, the same documents, the same similar projects), so a
reason is never given for a feature that did not count: past projects with the query's
organisations, partners in common, past projects like the idea (cited by acronym, year and
title), past projects in the call-topic family, shared themes, matching words, type and
country.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from matcher.ranking.documents import own_text, project_rows, project_text
from matcher.ranking.text import fold_fast, hash_terms, word_terms
from matcher.ranking.topics import family

if TYPE_CHECKING:
    from matcher.ranking.features import FeatureSpace, QueryBatch

__all__ = ["Explainer", "matching_words"]

_STOP = frozenset({
    "and", "the", "for", "with", "from", "into", "that", "this", "these", "those", "are",
    "was", "were", "has", "have", "not", "but", "its", "our", "their", "your", "all", "any",
    "new", "use", "using", "via", "per", "about", "between", "within", "among", "also", "und",
    "der", "die", "das", "mit", "von", "fur", "den", "des", "eine", "einer", "ein", "zur",
    "zum", "auf", "les", "pour", "avec", "une", "dans", "sur", "par", "aux", "ja", "tai",
    "seka", "etta", "kanssa", "kuin", "myos",
})
_PREFIX = 5  # shared leading letters that make two words match (opintojen ~ opinto-ohjaus)
_ENDING = 2  # ... leaving at most this many letters of the shorter word
_COVER = 0.6  # ... or covering this share of the longer one
_CACHED_ROWS = 50_000
_CITED_PROJECTS = 2
#: Distinct words of the idea a past project's text must share to be cited by name ...
_CITED_SHARING = 2
#: ... among the candidate's most similar projects; the words' other forms are looked for in
#: the texts of the first few of them.
_EXAMINED = 10
_BY_FORM = 3
_TITLE_CHARS = 90


def _words(text: str) -> list[str]:
    return [w for w in fold_fast(text).split() if len(w) >= 3 and w not in _STOP]


def matching_words(query_text: str, document: str, limit: int = 5) -> list[str]:
    """Words of ``document`` that match a query word exactly or as another form of it
    (:func:`same_stem`).

    >>> matching_words("opintojen ohjaus", "Opinto-ohjauksen verkosto Helsinki")
    ['opinto', 'ohjauksen']
    >>> matching_words("intercultural exchange", "interglacial climate, exchanges")
    ['exchanges']
    """
    return _matching(_words(query_text), _words(document), limit)


def same_stem(a: str, b: str) -> bool:
    """Whether two words are forms of one word: the same, or sharing a prefix of at least
    :data:`_PREFIX` letters that leaves at most :data:`_ENDING` letters of the shorter word
    or covers :data:`_COVER` of the longer one (``opinto`` ~ ``opintojen``, ``mobile`` ~
    ``mobility``, ``learning`` ~ ``learners``; not ``intercultural`` ~ ``interglacial`` or
    ``internal``, which share only a prefix).

    >>> [same_stem("intercultural", w) for w in ("interculturality", "internal", "interactive")]
    [True, False, False]
    """
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= _PREFIX and (shared >= min(len(a), len(b)) - _ENDING
                                  or shared >= _COVER * max(len(a), len(b)))


def _by_stem(words: Iterable[str]) -> dict[str, list[str]]:
    """Words of at least :data:`_PREFIX` letters by their first :data:`_PREFIX` letters."""
    out: dict[str, list[str]] = {}
    for w in dict.fromkeys(words):
        if len(w) >= _PREFIX:
            out.setdefault(w[:_PREFIX], []).append(w)
    return out


def _matching(query_words: list[str], document_words: list[str], limit: int) -> list[str]:
    query = set(query_words)
    stems = _by_stem(query)
    found: list[str] = []
    for word in document_words:
        # inline: most words are neither a query word nor share its first letters
        if word in query:
            hit = True
        else:
            near = stems.get(word[:_PREFIX]) if len(word) >= _PREFIX else None
            hit = near is not None and any(same_stem(word, other) for other in near)
        if hit and word not in found:
            found.append(word)
            if len(found) == limit:
                break
    return found


def _kept(cache: dict[int, list[str]], key: int, read: Callable[[], list[str]]) -> list[str]:
    """``cache[key]``, read first if missing; the cache is emptied when it holds
    :data:`_CACHED_ROWS` entries, so that it stays bounded."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= _CACHED_ROWS:
            cache.clear()
        found = cache[key] = read()
    return found


def _clip(text: str, limit: int = _TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class Explainer:
    """Reasons for candidates of a fitted :class:`~matcher.ranking.features.FeatureSpace`.

    Keeps the folded words of the documents it has read (bounded): the same candidates come
    back query after query (a batch, a consortium's pool).
    """

    def __init__(self, space: FeatureSpace) -> None:
        self.space = space
        self._words: dict[int, list[str]] = {}
        self._project_words: dict[int, list[str]] = {}

    def document_words(self, row: int) -> list[str]:
        """The folded words of organisation ``row``'s own text and its projects' texts."""
        def read() -> list[str]:
            registry = self.space.registry
            texts = [own_text(registry.orgs[row])]
            texts += [project_text(registry.projects[j])
                      for j in project_rows(registry, row).tolist()]
            return _words(" ".join(t for t in texts if t))

        return _kept(self._words, row, read)

    def _names(self, rows: list[int], limit: int = 3) -> str:
        orgs = self.space.registry.orgs
        shown = [orgs[r].display_name for r in rows[:limit]]
        more = len(rows) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    def explain(self, batch: QueryBatch, rows: np.ndarray, features: np.ndarray,
                i: int = 0) -> list[list[str]]:
        """Sentences, strongest evidence first, for each candidate of ``rows`` of query ``i``
        of ``batch``; ``features`` is ``(rows, FEATURES)`` of that query."""
        from matcher.ranking.features import FEATURES

        query_rows = batch.rows[i]
        partners = (np.unique(self.space.graph.adjacency_[query_rows].indices)
                    if query_rows.size else np.zeros(0, dtype=np.int64))
        similar = batch.similar[i]
        sims = dict(zip(similar.indices.tolist(), similar.data.tolist(), strict=True))
        idea_words = self._word_columns(_words(batch.queries[i].text)) if sims else None
        out = []
        for row, f in zip(rows.tolist(), features, strict=True):
            values = dict(zip(FEATURES, f.tolist(), strict=True))
            out.append(self._one(batch, i, query_rows, partners, sims, idea_words, int(row),
                                 values))
        return out

    def _one(self, batch: QueryBatch, i: int, query_rows: np.ndarray, partners: np.ndarray,
             sims: dict[int, float], idea_words: dict[int, str] | None,
             row: int, f: dict[str, float]) -> list[str]:
        space = self.space
        registry = space.registry
        query = batch.queries[i]
        reasons: list[str] = []
        if query_rows.size:
            reasons += self._graph(query_rows, partners, row)
        if idea_words is not None:
            reasons += self._projects(sims, row, idea_words)
        if f.get("topic_family", 0.0) > 0 and query.topics:
            n = round(float(np.expm1(f["topic_family"])))
            families = ", ".join(dict.fromkeys(family(t) for t in query.topics))
            reasons.append(f"{n} past project{'s' if n != 1 else ''} in call-topic family "
                           f"{families}")
        query_themes = set(batch.theme_codes(i, space))
        if query_themes and f.get("theme_sim", 0.0) > 0:
            reasons += self._themes(query_themes, row)
        if query.text.strip():
            words = _matching(_words(query.text), self.document_words(row), 5)
            if words:
                reasons.append("matching words: " + ", ".join(words))
        org = registry.orgs[row]
        category = org.category.replace("-", " ")
        if query_rows.size and not f.get("same_category"):
            theirs = sorted({registry.orgs[int(q)].category.replace("-", " ")
                             for q in query_rows.tolist()})
            reasons.append(f"complementary type: {category} (query: {', '.join(theirs)})")
        country = registry.countries.get(org.country, org.country)
        if f.get("new_country"):
            reasons.append(f"adds a new country: {country}")
        elif not query_rows.size:
            reasons.append(f"{category} in {country}")
        projects = int(space.graph.participations_[row])
        if (projects and not query_rows.size) or len(reasons) <= 1:
            # when nothing query-specific stands out, say what lifted it: its track record
            reasons.append(f"experienced: {projects} past project{'s' if projects != 1 else ''}"
                           if projects else "no past projects in the registry")
        return reasons

    def _graph(self, query_rows: np.ndarray, partners: np.ndarray, row: int) -> list[str]:
        registry = self.space.registry
        shared = self.space.graph.shared_
        reasons = []
        # the candidate's row (the matrix is symmetric): no element lookups
        start, end = shared.indptr[row], shared.indptr[row + 1]
        theirs, n_shared = shared.indices[start:end], shared.data[start:end]
        with_them = dict(zip(theirs.tolist(), n_shared.tolist(), strict=True))
        worked = [(q, int(with_them.get(q, 0))) for q in query_rows.tolist()]
        worked = [(q, k) for q, k in worked if k > 0]
        if worked:
            total = sum(k for _, k in worked)
            reasons.append(f"worked with {self._names([q for q, _ in worked])} on {total} "
                           f"past project{'s' if total != 1 else ''}")
        inside = np.isin(theirs, partners, assume_unique=True)
        theirs, n_shared = theirs[inside], n_shared[inside]
        unnamed = np.array([registry.orgs[r].name is None for r in theirs.tolist()], dtype=bool)
        # named organisations first, then the most projects shared with the candidate
        common = theirs[np.lexsort((theirs, -n_shared, unnamed))].tolist()
        if common:
            k = len(common)
            reasons.append(f"partner of {k} of your partner{'s' if k != 1 else ''}: "
                           f"{self._names(common)}")
        return reasons

    def project_words(self, j: int) -> list[str]:
        """The folded words of project ``j``'s text."""
        return _kept(self._project_words, j,
                     lambda: _words(project_text(self.space.registry.projects[j])))

    def _word_columns(self, query_words: list[str]) -> dict[int, str]:
        """The idea's distinct words that the project texts index, by their hashed column
        there (a word their hashing drops, such as a stop word, has none)."""
        texts = self.space.texts
        out: dict[int, str] = {}
        for w in dict.fromkeys(query_words):
            terms = word_terms(w, texts.stop_words_)[:1]
            if terms:
                out.setdefault(int(hash_terms(terms, texts.n_features)[0]), w)
        return out

    def _projects(self, sims: dict[int, float], row: int, words: dict[int, str],
                  ) -> list[str]:
        """The candidate's past projects most like the idea, cited: the most similar ones
        whose words include at least :data:`_CITED_SHARING` of the idea's distinct ``words``
        (by their hashed columns in the texts the similarity reads, or, for the
        :data:`_BY_FORM` most similar, in another form in the text; all of them for a
        shorter idea), among its :data:`_EXAMINED` most similar. When none does, the most
        similar is cited with the one word it shares, so that a generic word ("education")
        is seen for what it is."""
        inc = self.space.graph.incidence_
        mine = inc.indices[inc.indptr[row]:inc.indptr[row + 1]].tolist()
        found = sorted(((sims[j], j) for j in mine if j in sims), key=lambda p: (-p[0], p[1]))
        if not found:
            return []
        terms = self.space.texts.matrix_
        needed = min(_CITED_SHARING, len(words))
        cited: list[int] = []
        first: list[str] = []
        order = list(words.values())  # the idea's words, in its order
        for n, (_, j) in enumerate(found[:_EXAMINED]):
            columns = set(terms.indices[terms.indptr[j]:terms.indptr[j + 1]].tolist())
            has = [w for c, w in words.items() if c in columns]
            if len(has) < needed and n < _BY_FORM:
                # other forms of the idea's words (teacher ~ teachers), from the text itself:
                # the idea's words that the project's words match, the roles of matching_words
                # swapped (the match is symmetric)
                has = _matching(self.project_words(j), order, len(order))
            if n == 0:
                first = has
            if needed and len(has) >= needed:
                cited.append(j)
                if len(cited) == _CITED_PROJECTS:
                    break
        weak = not cited and bool(first)
        if weak:
            cited = [found[0][1]]
        reasons = []
        for j in cited:
            p = self.space.registry.projects[j]
            title = p.title or p.topic_title
            reasons.append(f"took part in {p.label}" + (f": {_clip(title)}" if title else "")
                           + (f" (shares only: {', '.join(first)})" if weak else ""))
        more = len(found) - len(cited)
        if more > 0:
            reasons.append(f"{'and ' if cited else ''}{more} "
                           f"{'more ' if cited else ''}past project{'s' if more != 1 else ''} "
                           "like the idea")
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
        labels = [info[c].label_en if c in info else c for c in shared[:3]]
        return ["shared themes: " + "; ".join(labels)]
