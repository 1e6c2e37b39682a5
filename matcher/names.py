"""Find organisations by name: the one matcher behind every ORG a user types and ``orgs --name``.

:class:`~matcher.vocabulary.OrgIndex` (search, complete, propose, check, batch) and the
catalogue (``show``, ``orgs --name``) ask a :class:`NameIndex` once the text is not an
identifier, so the same words find the same organisation everywhere.

How a name matches. Legal names and aliases are folded (:func:`models.text.fold`) and split into
words. Two words match when equal, when the query's word (4+ letters) starts the name's (0.9:
``univ``), or when their rapidfuzz ``ratio`` is 80 or more (``ratio / 100``: ``helsinki`` /
``helsingin`` 82, ``tampere`` / ``tampereen`` 88, ``turku`` / ``turun`` 80; ``graz`` / ``gras``
75 does not). Nothing is translated: ``yliopisto`` is not ``university``. A word weighs
``log(1 + names / names with it)``, so ``university``, ``of``, ``gmbh`` weigh little. For a
query and a name, ``query_cover`` is the weighted share of the query's words found in the name
(at their similarity), ``name_cover`` the share of the name's words the query matches, and
``score`` their mean. Each organisation takes its best name, in the best of these tiers:

- ``EXACT``: the folded query is a name or alias, spaces aside (``CNRS``, ``m.p.g.``).
- ``FULL``: both covers 0.8 or more: the query names the whole organisation, with inflection or
  typos (``helsingin yliopsto``; ``Universität Graz`` for UNIVERSITAET GRAZ).
- ``WORDS``: ``query_cover`` 0.8 or more: the query is part of the name (``helsinki`` in
  HELSINGIN YLIOPISTO and in FORUM VIRIUM HELSINKI OY).
- ``SUBSTRING`` (listings only): the folded query is inside a folded name.
- ``CLOSE`` (hints only): some words match.

When one organisation wins:

- ``EXACT``: the only one. Organisations sharing that exact name (the French and the Lebanese
  CNRS) are told apart by activity alone: the most active wins with 10 times the
  participations of the next (``n + 1``: 9 projects beat none); otherwise it is ambiguous.
- ``FULL``: the best, when its score is 0.1 above every other ``FULL`` or ``WORDS`` candidate;
  ``FULL`` candidates closer than that go to the activity rule.
- ``WORDS``: only a single candidate. A word of several names (``helsinki``) names none of
  them, however active one is.

Otherwise the name is ambiguous (or, with no candidate, unknown): a
:class:`~models.errors.QueryError` (exit 2) listing up to five candidates as
``NAME (PIC, COUNTRY)``, most active first within a tier, and asking for the PIC.

The index is built on the first name lookup (about 0.2 s for 37k organisations), never for an
identifier; a lookup takes milliseconds.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, Protocol, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from rapidfuzz import fuzz, process

from matcher.errors import QueryError, UnknownOrganisation
from matcher.i18n import message
from matcher.text import fold, normalise_erasmus_code, quoted

__all__ = ["Identifiers", "NameIndex", "NameMatch", "Named", "NamedOrg", "OrgIdentity", "Tier",
           "fold_name", "looks_like_identifier", "resolve_organisation", "unknown_organisation"]

#: A query word that starts a name's word, with at least this many letters, matches it.
PREFIX_LETTERS = 4
#: The similarity of a word to a longer name word it starts (``univ`` / ``university``).
PREFIX_SIMILARITY = 0.9
#: rapidfuzz ``ratio`` from which two words are forms of one another.
WORD_RATIO = 80.0
#: Share of the query (``WORDS``) or of the name too (``FULL``) that must be matched.
COVER = 0.8
#: How much better the best ``FULL`` score must be than the next candidate's to win alone.
MARGIN = 0.1
#: How many times the participations (plus one) of the next the most active must have to win
#: a tie between equally good names.
DOMINANCE = 10
#: Candidates listed in an ambiguous or unknown message.
SHOWN = 5

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_IDENTIFIER = re.compile(r"#?\d+|[Ee]\d{8}")


def fold_name(text: str) -> str:
    """:func:`models.text.fold`, three times faster on ASCII text (most registry names).

    >>> fold_name("Max-Planck-Gesellschaft zur Förderung e.V."), fold_name("CNRS")
    ('max planck gesellschaft zur forderung e v', 'cnrs')
    """
    if text.isascii():
        return _NOT_WORD.sub(" ", text.lower()).strip()
    return fold(text)


class Named(Protocol):
    """What the index reads of an organisation (``OrgProfile`` and :class:`NamedOrg` have it)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str | None: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...

    @property
    def country(self) -> str: ...

    @property
    def ref(self) -> str: ...

    @property
    def display_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class OrgIdentity:
    """What identifies an organisation: its registry id, the identifiers users type, its
    name (None when no source named it) and country."""

    id: int
    pic: str | None
    oid: str | None
    erasmus_code: str | None
    name: str | None
    country: str

    @property
    def display_name(self) -> str:
        """The name, or what identifies an unnamed organisation: ``(unnamed, PIC ...)``."""
        if self.name:
            return self.name
        return f"(unnamed, PIC {self.pic})" if self.pic else f"(unnamed #{self.id})"

    @property
    def ref(self) -> str:
        """The identifier a user would type: PIC, else OID, else Erasmus code, else ``#id``."""
        return self.pic or self.oid or self.erasmus_code or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class NamedOrg(OrgIdentity):
    """An organisation as far as names go, for callers without ``OrgProfile`` values."""

    aliases: tuple[str, ...] = ()


T = TypeVar("T", bound=Named)
#: What a store finds an organisation as (its profile, its id).
Found = TypeVar("Found")


class Tier(IntEnum):
    """How a name matched, best first (see the module docstring)."""

    EXACT = 0
    FULL = 1
    WORDS = 2
    SUBSTRING = 3
    CLOSE = 4


@dataclass(frozen=True, slots=True)
class NameMatch(Generic[T]):
    """One organisation a query matched, how, and through which of its names."""

    org: T
    tier: Tier
    #: ``(query_cover + name_cover) / 2``; 1 for an exact name.
    score: float
    #: The weighted share of the query's words found in the name.
    cover: float
    #: Participations in the registry.
    activity: int
    #: The name or alias that matched best, as written.
    matched: str

    def label(self) -> str:
        """``NAME (PIC, COUNTRY)``, as messages list candidates."""
        return f"{self.org.display_name} ({self.org.ref}, {self.org.country})"


@dataclass(frozen=True, slots=True)
class _Built:
    """The arrays of a built index: one row per distinct (organisation, folded name)."""

    keys: list[str]
    names: list[str]
    owner: NDArray[np.int64]
    exact: dict[str, list[int]]  # name without spaces -> its rows
    words: list[str]
    col: dict[str, int]
    sorted_words: list[str]
    sorted_cols: NDArray[np.int64]
    rows: sp.csr_matrix  # names x words, 1 where the name has the word
    postings: sp.csr_matrix  # words x names
    weight: NDArray[np.float64]  # per word
    row_weight: NDArray[np.float64]  # per name: sum of its words' weights
    activity: NDArray[np.int64]  # per organisation


class NameIndex(Generic[T]):
    """Organisations by name: exact names and aliases, then fuzzy word matching.

    ``activity[i]`` is how many projects ``orgs[i]`` took part in (ties go to the more
    active). Nothing is computed until the first lookup.

    >>> from matcher.names import NameIndex, NamedOrg
    >>> index = NameIndex([
    ...     NamedOrg(1, "999994535", None, "SF HELSINK01", "HELSINGIN YLIOPISTO", "FI"),
    ...     NamedOrg(2, "997664207", None, None, "HELSINGIN KAUPUNKI", "FI"),
    ...     NamedOrg(3, "999997930", None, None, "CENTRE NATIONAL DE LA RECHERCHE "
    ...              "SCIENTIFIQUE CNRS", "FR", ("CNRS",))], activity=[215, 4, 1078])
    >>> index.resolve("Helsingin yliopsto").id, index.resolve("cnrs").id
    (1, 3)
    >>> [m.org.id for m in index.search("helsinki")]
    [1, 2]
    """

    def __init__(self, orgs: Sequence[T], *, activity: ArrayLike | None = None) -> None:
        self.orgs = orgs
        self.activity = activity
        self._built: _Built | None = None

    def _index(self) -> _Built:
        if self._built is None:
            self._built = self._build()
        return self._built

    def _build(self) -> _Built:
        counts = (np.zeros(len(self.orgs), dtype=np.int64) if self.activity is None
                  else np.asarray(self.activity, dtype=np.int64).ravel())
        if counts.shape != (len(self.orgs),):
            raise ValueError(f"activity has {counts.size} counts for {len(self.orgs)} "
                             "organisations")
        keys: list[str] = []
        names: list[str] = []
        owner: list[int] = []
        # records read as columns when they have them (a loaded index's): none is made
        column = getattr(self.orgs, "column", None)
        pairs = (zip(column("name"), column("aliases")) if column is not None
                 else ((org.name, org.aliases) for org in self.orgs))
        for pos, (org_name, aliases) in enumerate(pairs):
            first = len(keys)
            for name in (org_name, *aliases) if org_name else aliases:
                key = fold_name(name)
                if key and key not in keys[first:]:  # a few names each: a list will do
                    keys.append(key)
                    names.append(name)
                    owner.append(pos)
        exact: dict[str, list[int]] = {}
        for row, key in enumerate(keys):
            exact.setdefault(key.replace(" ", ""), []).append(row)
        # fold leaves single spaces: one split over all names, one dict lookup per word
        col: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        indices = np.fromiter(map(col.__getitem__, " ".join(keys).split(" ")) if keys else (),
                              dtype=np.int64)
        indptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([key.count(" ") + 1 for key in keys], out=indptr[1:])
        n_names, n_words = len(keys), len(col)
        rows = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n_names, n_words))
        rows.sum_duplicates()  # a word twice in one name counts once
        rows.data[:] = 1.0
        frequency = np.bincount(rows.indices, minlength=n_words)
        weight = np.log1p(n_names / np.maximum(frequency, 1))
        words = list(col)
        order = sorted(range(n_words), key=words.__getitem__)
        return _Built(
            keys=keys, names=names, owner=np.asarray(owner, dtype=np.int64), exact=exact,
            words=words, col=dict(col), sorted_words=[words[i] for i in order],
            sorted_cols=np.asarray(order, dtype=np.int64), rows=rows,
            postings=rows.T.tocsr(), weight=weight,
            row_weight=np.add.reduceat(weight[rows.indices], rows.indptr[:-1])
            if rows.nnz else np.zeros(n_names), activity=counts)

    def _similar_words(self, built: _Built, word: str) -> dict[int, float]:
        """Vocabulary columns of the forms of ``word``, with their similarity."""
        found = {int(i): score / 100.0 for _, score, i in process.extract(
            word, built.words, scorer=fuzz.ratio, score_cutoff=WORD_RATIO, limit=None)}
        if len(word) >= PREFIX_LETTERS:
            start = bisect.bisect_left(built.sorted_words, word)
            stop = bisect.bisect_left(built.sorted_words, word + "\x7f", lo=start)
            for j in built.sorted_cols[start:stop]:
                found[int(j)] = max(found.get(int(j), 0.0), PREFIX_SIMILARITY)
        return found

    def _scored(self, key: str, *, fuzzy: bool = True, substring: bool = False,
                close: int = 0) -> dict[int, NameMatch[T]]:
        """The organisations ``key`` matches, by position, each with its best name: exactly;
        with ``fuzzy``, word by word (and, when no name has all the words, about ``close``
        that have some); with ``substring``, as part of a name."""
        built = self._index()
        best: dict[int, NameMatch[T]] = {}

        def offer(row: int, tier: Tier, score: float, cover: float) -> None:
            pos = int(built.owner[row])
            have = best.get(pos)
            if have is None or (tier, -score) < (have.tier, -have.score):
                best[pos] = NameMatch(self.orgs[pos], tier, score, cover,
                                      int(built.activity[pos]), built.names[row])

        for row in built.exact.get(key.replace(" ", ""), ()):
            offer(row, Tier.EXACT, 1.0, 1.0)
        if not fuzzy:
            return best
        for row, tier, score, cover in self._word_matches(built, key, close):
            offer(row, tier, score, cover)
        if substring:
            for row, name in enumerate(built.keys):
                if key in name:
                    have = best.get(int(built.owner[row]))
                    offer(row, Tier.SUBSTRING, have.score if have else 0.0,
                          have.cover if have else 0.0)
        return best

    def _word_matches(self, built: _Built, key: str, close: int,
                      ) -> Iterator[tuple[int, Tier, float, float]]:
        """The name rows ``key`` matches word by word (each word or a form close to it), with
        their tier, score and how much of the query they cover; when none covers the query,
        about ``close`` of those that cover some."""
        words = list(dict.fromkeys(key.split()))
        similar = [self._similar_words(built, w) for w in words]
        max_weight = math.log1p(max(len(built.keys), 1))
        weights = np.array([
            built.weight[built.col[w]] if w in built.col
            else built.weight[max(s, key=s.__getitem__)] if s else max_weight
            for w, s in zip(words, similar, strict=True)])
        columns = sorted({c for s in similar for c in s})
        if not columns:
            return
        hit = np.unique(built.postings[columns].indices)
        sub = built.rows[hit]
        starts = sub.indptr[:-1]
        per_word = np.zeros((len(words), len(built.words)))
        for i, s in enumerate(similar):
            per_word[i, list(s)] = list(s.values())
        # rounded, so that a ratio of exactly 80 is not lost to float noise at COVER
        query_cover = np.round(sum(
            weights[i] * np.maximum.reduceat(per_word[i, sub.indices], starts)
            for i in range(len(words))) / weights.sum(), 6)
        best_form = per_word.max(axis=0)[sub.indices]
        name_cover = np.round(np.add.reduceat(built.weight[sub.indices] * best_form, starts)
                              / built.row_weight[hit], 6)
        score = np.round((query_cover + name_cover) / 2, 6)
        keep = query_cover >= COVER
        if close and not keep.any():  # only the best few, for the hint
            keep[np.lexsort((-score, -query_cover))[:close * 10]] = True
        for i in np.flatnonzero(keep).tolist():
            q, n = float(query_cover[i]), float(name_cover[i])
            tier = (Tier.FULL if q >= COVER and n >= COVER
                    else Tier.WORDS if q >= COVER else Tier.CLOSE)
            yield int(hit[i]), tier, float(score[i]), q

    def _ranked(self, key: str, *, fuzzy: bool = True, substring: bool = False,
                close: int = 0) -> list[NameMatch[T]]:
        return sorted(self._scored(key, fuzzy=fuzzy, substring=substring,
                                   close=close).values(), key=_order)

    def search(self, text: str) -> list[NameMatch[T]]:
        """Organisations whose name or alias matches ``text`` exactly, word by word or as a
        substring: tier by tier, most active first within a tier."""
        key = fold_name(text)
        return self._ranked(key, substring=True) if key else []

    def resolve(self, text: str, *, ref: str | None = None) -> T:
        """The one organisation ``text`` names; ``QueryError`` when it names several or none
        (``ref``: the reference as the user typed it, for the message)."""
        shown = text if ref is None else ref
        key = fold_name(text)
        if not key:
            raise QueryError(message("error.no_letters", ref=quoted(shown)))
        ranked = self._ranked(key, fuzzy=False)  # an exact name settles it
        if not ranked:
            ranked = self._ranked(key, close=SHOWN)
        matches = [m for m in ranked if m.tier <= Tier.WORDS]
        winner = _winner(matches)
        if winner is not None:
            return winner.org
        if matches:
            raise QueryError(message("error.ambiguous", ref=quoted(shown),
                                     candidates=_listed(matches)))
        hint = "; ".join(m.label() for m in ranked[:SHOWN])
        raise UnknownOrganisation(unknown_organisation(shown, hint))


@dataclass(frozen=True, slots=True)
class Identifiers:
    """What a typed reference would be as each kind of identifier: ``pic`` as typed, ``oid``
    in upper case, ``erasmus_code`` without its spaces, ``id`` the internal id of ``12`` or
    ``#12`` (None for anything else, and for 9 digits: that is a PIC, never an id)."""

    pic: str
    oid: str
    erasmus_code: str
    id: int | None

    @classmethod
    def of(cls, text: str) -> Identifiers:
        number = text.removeprefix("#")
        return cls(text, text.upper(), normalise_erasmus_code(text),
                   int(number) if number.isdigit() and len(number) < 9 else None)


def resolve_organisation(ref: str, identified: Callable[[Identifiers], Found | None],
                         named: Callable[[str], Found]) -> Found:
    """The organisation ``ref`` names, the one way for every store of them: trimmed (a
    no-break space is a space), then ``identified`` (the store's lookup of a PIC, OID, Erasmus
    code or internal id, in that order), then, unless it looks like an identifier,
    ``named`` (the store's :meth:`NameIndex.resolve`). ``QueryError`` for an empty
    reference, ``UnknownOrganisation`` for an identifier that names none."""
    text = ref.replace("\xa0", " ").strip()
    if not text:
        raise QueryError("empty organisation reference: give a PIC, OID, Erasmus code, id "
                         "or name")
    if not text.isascii() and not _encodable(text):  # bytes of a non-UTF-8 terminal
        raise QueryError(f"organisation {quoted(ref)} is not valid text: it holds bytes that "
                         "are not UTF-8; type it again in a UTF-8 terminal")
    found = identified(Identifiers.of(text))
    if found is not None:
        return found
    if looks_like_identifier(text):
        raise UnknownOrganisation(unknown_organisation(ref))
    return named(text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def looks_like_identifier(text: str) -> bool:
    """A PIC (9 digits), OID (E + 8 digits) or internal id (``#12``, ``12``): not a name."""
    return _IDENTIFIER.fullmatch(text.strip()) is not None


def unknown_organisation(ref: str, hint: str = "") -> str:
    """The message for a reference that names no organisation, with close names if any."""
    return message("error.unknown_organisation", ref=quoted(ref),
                   hint=message("error.names_close", names=hint) if hint else "")


def _order(m: NameMatch[T]) -> tuple[int, float, float, float, str, int]:
    """Tier; within a tier, most active first, except close names: the most of the query."""
    if m.tier is Tier.CLOSE:
        return (m.tier, -m.cover, -m.score, -m.activity, m.org.display_name, m.org.id)
    return (m.tier, -m.activity, -m.score, -m.cover, m.org.display_name, m.org.id)


def _listed(matches: Sequence[NameMatch[T]]) -> str:
    more = len(matches) - SHOWN
    return ("; ".join(m.label() for m in matches[:SHOWN])
            + (f" and {more} more" if more > 0 else ""))


def _dominant(tied: Sequence[NameMatch[T]]) -> NameMatch[T] | None:
    """The most active of equally good matches, if it is 10 times as active as the next."""
    if len(tied) == 1:
        return tied[0]
    first, second = sorted(tied, key=lambda m: -m.activity)[:2]
    return first if first.activity + 1 >= DOMINANCE * (second.activity + 1) else None


def _winner(matches: Sequence[NameMatch[T]]) -> NameMatch[T] | None:
    """The match that wins alone (module docstring), from matches ranked by tier."""
    if not matches:
        return None
    tier = matches[0].tier
    if tier is Tier.EXACT:
        return _dominant([m for m in matches if m.tier is Tier.EXACT])
    if tier is Tier.WORDS:
        return matches[0] if len(matches) == 1 else None
    full = sorted((m for m in matches if m.tier is Tier.FULL), key=lambda m: -m.score)
    top = full[0].score
    rest = max((m.score for m in matches if m is not full[0]), default=0.0)
    if top - rest >= MARGIN:
        return full[0]
    tied = [m for m in full if top - m.score < MARGIN]
    others = max((m.score for m in matches if m.tier is Tier.WORDS), default=0.0)
    return _dominant(tied) if top - others >= MARGIN else None
