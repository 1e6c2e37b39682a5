"""Human reasons for a recommendation: the ``why`` of each :class:`~matcher.values.Match`.

Each sentence is built from the same evidence the score uses (shared themes, shared words,
past projects with the query organisations, partners in common, type and country), so a
reason is never given for a feature that did not count.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from matcher.ranking.documents import own_text, project_rows, project_text
from matcher.ranking.text import fold_fast
from matcher.ranking.vectorise import QueryVector
from matcher.values import Query

if TYPE_CHECKING:
    from matcher.ranking.ranker import Ranker

__all__ = ["explain", "matching_words"]

_STOP = frozenset({
    "and", "the", "for", "with", "from", "into", "that", "this", "these", "those", "are",
    "was", "were", "has", "have", "not", "but", "its", "our", "their", "your", "all", "any",
    "new", "use", "using", "via", "per", "about", "between", "within", "among", "also", "und",
    "der", "die", "das", "mit", "von", "fur", "den", "des", "eine", "einer", "ein", "zur",
    "zum", "auf", "les", "pour", "avec", "une", "dans", "sur", "par", "aux", "ja", "tai",
    "seka", "etta", "kanssa", "kuin", "myos",
})
_PREFIX = 5  # shared leading letters that make two words match (opintojen ~ opinto-ohjaus)


def _words(text: str) -> list[str]:
    return [w for w in fold_fast(text).split() if len(w) >= 3 and w not in _STOP]


def matching_words(query_text: str, document: str, limit: int = 5) -> list[str]:
    """Words of ``document`` that match a query word exactly or by a 5-letter stem.

    >>> matching_words("opintojen ohjaus", "Opinto-ohjauksen verkosto Helsinki")
    ['opinto', 'ohjauksen']
    """
    return _matching(_words(query_text), _words(document), limit)


def _matching(query_words: list[str], document_words: list[str], limit: int) -> list[str]:
    query = set(query_words)
    stems = {w[:_PREFIX] for w in query if len(w) >= _PREFIX}
    found: list[str] = []
    for word in document_words:
        hit = word in query or (len(word) >= _PREFIX and word[:_PREFIX] in stems)
        if hit and word not in found:
            found.append(word)
            if len(found) == limit:
                break
    return found


#: ranker -> {row: the words of its document}: the same candidates come back query after
#: query (a batch, or a consortium's pool), and folding their text is most of a ``why``.
#: Refitting a ranker on another registry starts a new cache.
_WORDS: weakref.WeakKeyDictionary[Ranker, tuple[object, dict[int, list[str]]]] = (
    weakref.WeakKeyDictionary())
_CACHED_ROWS = 50_000


def _document_words(ranker: Ranker, row: int) -> list[str]:
    registry, cache = _WORDS.get(ranker, (None, {}))
    if registry is not ranker.registry_:
        cache = {}
        _WORDS[ranker] = (ranker.registry_, cache)
    words = cache.get(row)
    if words is None:
        if len(cache) >= _CACHED_ROWS:
            cache.clear()
        words = cache[row] = _words(_document(ranker, row))
    return words


def _document(ranker: Ranker, row: int) -> str:
    registry = ranker.registry_
    texts = [own_text(registry.orgs[row])]
    texts += [project_text(registry.projects[j]) for j in project_rows(registry, row).tolist()]
    return " ".join(t for t in texts if t)


def _names(ranker: Ranker, rows: list[int], limit: int = 3) -> str:
    orgs = ranker.registry_.orgs
    shown = [orgs[r].display_name for r in rows[:limit]]
    more = len(rows) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def explain(ranker: Ranker, query: Query, qv: QueryVector, query_rows: np.ndarray, row: int,
            features: np.ndarray, partners: np.ndarray | None = None) -> tuple[str, ...]:
    """Sentences, strongest evidence first, for candidate ``row`` and the given query.

    ``partners`` (the query organisations' past partners, sorted) may be passed when
    explaining several candidates of one query.
    """
    from matcher.ranking.ranker import FEATURES

    f = dict(zip(FEATURES, features.tolist(), strict=True))
    registry = ranker.registry_
    org = registry.orgs[row]
    reasons: list[str] = []

    graph = ranker.graph_
    if query_rows.size:
        shared = graph.shared_
        with_whom = [(int(q), int(shared[int(q), row])) for q in query_rows.tolist()]
        worked = [(q, k) for q, k in with_whom if k > 0]
        if worked:
            total = sum(k for _, k in worked)
            reasons.append(f"worked with {_names(ranker, [q for q, _ in worked])} on {total} "
                           f"past project{'s' if total != 1 else ''}")
        if partners is None:
            partners = np.unique(graph.adjacency_[query_rows].indices)
        start, end = shared.indptr[row], shared.indptr[row + 1]
        theirs, n_shared = shared.indices[start:end], shared.data[start:end]
        inside = np.isin(theirs, partners, assume_unique=True)
        theirs, n_shared = theirs[inside], n_shared[inside]
        unnamed = np.array([registry.orgs[r].name is None
                            for r in theirs.tolist()], dtype=bool)
        # named organisations first, then the most projects shared with the candidate
        common = theirs[np.lexsort((theirs, -n_shared, unnamed))].tolist()
        if common:
            k = len(common)
            reasons.append(f"partner of {k} of your partner{'s' if k != 1 else ''}: "
                           f"{_names(ranker, common)}")

    theme_info = registry.themes
    query_themes = set(qv.theme_codes)
    if query_themes and f.get("theme_sim", 0.0) > 0:
        cand = ranker.blocks_.themes[row]
        codes = ranker.vectoriser_.theme_codes_
        idf = ranker.vectoriser_.theme_idf_
        shared_codes = [codes[c] for c in cand.indices.tolist() if codes[c] in query_themes]
        shared_codes.sort(key=lambda c: (-float(idf[ranker.vectoriser_.theme_col_[c]]), c))
        if shared_codes:
            labels = [theme_info[c].label_en if c in theme_info else c for c in shared_codes[:3]]
            reasons.append("shared themes: " + "; ".join(labels))

    if query.text.strip():
        words = _matching(_words(query.text), _document_words(ranker, row), 5)
        if words:
            reasons.append("matching words: " + ", ".join(words))
        elif f.get("text_sim", 0.0) > 0.1:
            reasons.append(f"similar wording (text similarity {f['text_sim']:.2f})")

    category = org.category.replace("-", " ")
    if f.get("new_category"):
        theirs = sorted({registry.orgs[int(q)].category.replace("-", " ")
                         for q in query_rows.tolist()})
        reasons.append(f"complementary type: {category} (query: {', '.join(theirs)})")
    country = registry.countries.get(org.country, org.country)
    if f.get("new_country"):
        reasons.append(f"adds a new country: {country}")
    elif not query_rows.size:
        reasons.append(f"{category} in {country}")
    projects = int(graph.participations_[row])
    if projects and not query_rows.size or len(reasons) == 1:
        # when nothing query-specific stands out, say what lifted it: its track record
        reasons.append(f"experienced: {projects} past project{'s' if projects != 1 else ''}"
                       if projects else "no past projects in the registry")
    return tuple(reasons)
