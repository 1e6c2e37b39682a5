"""A project idea in any supported language, as the English words the registry's texts use.

The registry's project texts are mostly English; an idea may be English, Finnish or Swedish.
:func:`read_idea` detects the language (from the words each language's lexicon knows, and
``py3langid`` when they do not tell), lemmatises Finnish and Swedish words with the forms of
``simplemma``'s dictionaries, splits Finnish and Swedish compounds into known words
("työelämäyhteistyö" -> "työelämä" + "yhteistyö"), and replaces each word or phrase with its
English terms from the glossary, keeping the idea's word order (Finnish and English compounds
both put the modifier first, so "kielten opetus" gives "language teaching"). Stop words of the
language are dropped; a word the glossary lacks is left out and reported.

The result is a sequence of *slots*: each slot is one English word, or several alternatives
when a word has two senses in this field (Finnish "koulutus": education or training).

>>> read_idea("Language teaching and multilingualism in basic education").slots
(('language',), ('teaching',), ('multilingual',), ('basic',), ('education',))
>>> idea = read_idea("kielten opetus ja monikielisyys peruskoulussa")
>>> idea.language, idea.slots[:3]
('fi', (('language',), ('teaching',), ('multilingual',)))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from matcher.language.english import english_units, english_words, split_words
from matcher.language.lexicon import GLOSSARY_LANGUAGES, fold_text, forms, glossary_rows, stop_words

__all__ = ["IdeaWords", "detect_language", "document_words", "read_idea"]

#: Languages whose ideas are translated through the glossary.
TRANSLATED = tuple(lang for lang in GLOSSARY_LANGUAGES if lang != "en")
#: Languages ``py3langid`` may answer (those of the programme's users), when words do not tell.
_CANDIDATES = ("en", "fi", "sv", "de", "fr", "es", "it", "nl", "pt", "pl", "et", "da", "no",
               "cs", "sk", "sl", "hr", "hu", "ro", "bg", "el", "lt", "lv", "tr")
_LONGEST_PHRASE = 4
_SHORTEST_PART = 3


@dataclass(frozen=True, slots=True)
class IdeaWords:
    """An idea read for the topical index: its language, its English slots (each a tuple of
    alternative words in the index's form, the main one first), and the words of a
    translated idea that the glossary does not know."""

    text: str
    language: str
    slots: tuple[tuple[str, ...], ...]
    unknown: tuple[str, ...] = ()
    #: Positions ``i`` whose slot and the next were written as one word (a hyphenated
    #: word, a compound, a glossary phrase): phrases by the writer's choice.
    joined: frozenset[int] = frozenset()

    @property
    def translated(self) -> bool:
        return self.language in TRANSLATED

    @property
    def english(self) -> str:
        """The idea in English words: each slot's main word, in order."""
        return " ".join(slot[0] for slot in self.slots)

    @property
    def words(self) -> tuple[str, ...]:
        """Every English word of the slots, alternatives included, once each."""
        return tuple(dict.fromkeys(w for slot in self.slots for w in slot))


@dataclass(frozen=True, slots=True)
class _Glossary:
    """One language's glossary: phrases of base forms -> English slots."""

    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    bases: frozenset[str]


def _slots_of(alternatives: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The slots of a glossary cell's English alternatives: the first one's words, each
    position with the words the alternatives of the same length have there; one-word
    alternatives of a longer first one join its last word (the head)."""
    words = [english_words(a) for a in alternatives]
    words = [w for w in words if w]
    if not words:
        return ()
    first = words[0]
    slots = [[w] for w in first]
    for other in words[1:]:
        moved = any(w in first and first.index(w) != k for k, w in enumerate(other))
        if len(other) == len(first) and not moved:
            # "teacher education|teacher training", "comprehensive school|basic education":
            # position by position (not "working life cooperation|cooperation with working
            # life", whose words change places)
            for slot, w in zip(slots, other, strict=True):
                if w not in slot:
                    slot.append(w)
        elif len(other) == 1 and other[0] not in slots[-1]:
            slots[-1].append(other[0])
    return tuple(tuple(s) for s in slots)


def _base(word: str, table: dict[str, str]) -> str:
    return table.get(word, word)


@cache
def _glossary(language: str) -> _Glossary:
    """The glossary of ``language``: each term read as an idea's words are (base forms, stop
    words out) -> the English slots of its row. A one-word term in several rows ("ohjaus":
    guidance, supervision, counselling, governance) has one slot with all their one-word
    English terms, first the one of the row where it is the first term of its cell."""
    table = forms(language)
    stop = stop_words(language)
    found: dict[tuple[str, ...], list[tuple[int, tuple[tuple[str, ...], ...]]]] = {}
    for row in glossary_rows():
        english = _slots_of(row["en"])
        if not english:
            continue
        for rank, term in enumerate(row[language]):
            # read as an idea's words are: stop words out ("ensimmäisen polven ...")
            key = tuple(_base(w, table) for w in _words(fold_text(term))
                        if w not in stop or len(term.split()) == 1)
            if key:
                found.setdefault(key, []).append((rank, english))
    phrases: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for key, senses in found.items():
        senses.sort(key=lambda s: s[0])  # stable: the first row among equals
        first = senses[0][1]
        if len(first) == 1 and len(senses) > 1:
            words = [w for _, english in senses if len(english) == 1 for w in english[0]]
            first = (tuple(dict.fromkeys(words)),)
        phrases[key] = first
    bases = frozenset(w for key in phrases for w in key)
    return _Glossary(phrases, bases)


def _words(folded: str) -> list[str]:
    """A translated language's words: hyphenated words as their parts (``tutkinto-ohjelma``),
    except a short first part (``pk-yritys``), which stays joined to the rest."""
    out: list[str] = []
    for token in folded.split():
        parts = [p for p in token.split("-") if p]
        if len(parts) > 1 and len(parts[0]) < _SHORTEST_PART:
            parts = ["-".join(parts)]
        out.extend(parts)
    return out


def _pieces(word: str, table: dict[str, str], bases: frozenset[str],
            memo: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """A compound as written, cut into known words, the longest last piece first
    (``tyoelamayhteistyo`` -> ``tyoelama``, ``yhteistyo``); None when it does not split."""
    if word in memo:
        return memo[word]
    memo[word] = None
    for k in range(_SHORTEST_PART, len(word) - _SHORTEST_PART + 1):
        head, rest = word[k:], word[:k]
        if head not in table:
            continue
        if rest in table or rest in bases:
            front: tuple[str, ...] | None = (rest,)
        elif rest.endswith("s") and rest[:-1] + "nen" in table:
            # a Finnish adjective's compound form: "aikuis-" of "aikuinen"
            front = (rest[:-1] + "nen",)
        elif rest.endswith("s") and rest[:-1] in table:
            # a Swedish compound's linking s: "kulturarvs-" of "kulturarv"
            front = (rest[:-1],)
        else:
            front = _pieces(rest, table, bases, memo)
        if front is not None:
            memo[word] = (*front, head)
            return memo[word]
    return None


def _known_front(word: str, table: dict[str, str]) -> str | None:
    """The base form of the longest known first part of ``word`` (at least 5 letters),
    a linking s dropped; None when it has none."""
    for k in range(len(word) - _SHORTEST_PART, 4, -1):
        for front in (word[:k], word[:k - 1] if word[k - 1] == "s" else ""):
            if front and front in table:
                return table[front]
    return None


@dataclass(frozen=True, slots=True)
class _Unit:
    """A content word of a translated idea: as written, its base form as one word (a
    compound: its first pieces as written, then its last piece's base form:
    ``opettajankoulutuksessa`` -> ``opettajankoulutus``) and the base forms of its pieces."""

    word: str
    whole: str
    parts: tuple[str, ...]


def _units(language: str, folded: str) -> list[_Unit]:
    table = forms(language)
    glossary = _glossary(language)
    stop = stop_words(language)
    memo: dict[str, tuple[str, ...] | None] = {}
    units = []
    for word in _words(folded):
        if word in stop or len(word) < 2:
            continue
        base = table.get(word)
        if base is not None and ((base,) in glossary.phrases
                                 or _pieces(base, table, glossary.bases, memo) is None):
            units.append(_Unit(word, base, (base,)))
            continue
        # a compound: its pieces, read from its base form when the lexicon knows it
        # ("korkeakouluopiskelijoilla" -> "korkeakouluopiskelija" -> two known words)
        pieces = _pieces(base or word, table, glossary.bases, memo)
        if base is not None and pieces is not None:
            units.append(_Unit(word, base, tuple(_base(p, table) for p in pieces)))
            continue
        if pieces is None:
            # a compound with an unknown last part: its known first part at least
            # ("kulturarvssamlingar": cultural heritage, of its collections)
            front = _known_front(word, table)
            if front is not None:
                units.append(_Unit(word, front, (front,)))
                continue
        if pieces is None:
            units.append(_Unit(word, word, (word,)))
        else:
            units.append(_Unit(word, "".join(pieces[:-1]) + table[pieces[-1]],
                               tuple(_base(p, table) for p in pieces)))
    return units


def _translate(language: str, folded: str) -> IdeaWords:
    """A Finnish or Swedish idea's English slots, its words the glossary lacks, and which
    slots came from one word or one glossary term."""
    glossary = _glossary(language)
    units = _units(language, folded)
    slots: list[tuple[str, ...]] = []
    joined: set[int] = set()
    unknown: list[str] = []
    i = 0
    while i < len(units):
        # the longest glossary phrase starting here, words taken whole ("opettajankoulutus"
        # is an entry of its own); else the word's pieces, each as a word of its own
        for n in range(min(_LONGEST_PHRASE, len(units) - i), 0, -1):
            english = glossary.phrases.get(tuple(u.whole for u in units[i:i + n]))
            if english:
                joined.update(range(len(slots), len(slots) + len(english) - 1))
                slots.extend(english)
                i += n
                break
        else:
            start = len(slots)
            found = [glossary.phrases.get((part,)) for part in units[i].parts]
            for english in found:
                slots.extend(english or ())
            joined.update(range(start, len(slots) - 1))
            if not any(found):
                unknown.append(units[i].word)
            i += 1
    # a word said twice in a row (a glossary phrase and the word after it) counts once
    kept = [k for k in range(len(slots)) if k == 0 or slots[k] != slots[k - 1]]
    joined = {kept.index(k) for k in joined if k in kept and k + 1 in kept}
    return IdeaWords(folded, language, tuple(slots[k] for k in kept), tuple(unknown),
                     frozenset(joined))


def _score(language: str, words: Sequence[str]) -> int:
    """How many of ``words`` the language's lexicon knows (stop words, glossary words and
    their forms, compounds of them)."""
    stop = stop_words(language)
    if language == "en":
        known = _english_known()
        return sum(1 for w in words if w in stop or w in known)
    table = forms(language)
    bases = _glossary(language).bases
    memo: dict[str, tuple[str, ...] | None] = {}
    return sum(1 for w in words if w in stop or w in table
               or (len(w) > 2 * _SHORTEST_PART and _pieces(w, table, bases, memo) is not None))


@cache
def _english_known() -> frozenset[str]:
    """The glossary's English words as written, and in the index's form (each distinct
    word read once: the same set as reading every term, in a fifteenth of the time)."""
    words = {w for row in glossary_rows() for term in row["en"]
             for w in split_words(fold_text(term))}
    known = set(words)
    for word in words:
        known.update(english_words(word))
    return frozenset(known)


def _all_english(words: Sequence[str]) -> bool:
    """Whether the English lexicon knows every word, as written or in the index's form
    ("teachers" as "teacher"): then English is the answer without reading the other
    languages' lexicons (their glossaries and dictionaries are most of a search's start)."""
    stop, known = stop_words("en"), _english_known()
    return all(w in stop or w in known or any(f in known for f in english_words(w))
               for w in words)


def detect_language(text: str) -> str:
    """The language of an idea: the one whose lexicon knows most of its words (English
    when tied), when it knows at least half of them; else what ``py3langid`` says among the
    programme's languages.

    >>> [detect_language(t) for t in ("virtual mobility", "virtuaaliliikkuvuus",
    ...                                "studievägledning för studenter",
    ...                                "Bildung für nachhaltige Entwicklung")]
    ['en', 'fi', 'sv', 'de']
    """
    words = [w for token in fold_text(text).split() for w in token.split("-")
             if w and not w.isdigit()]
    if not words:
        return "en"
    if _all_english(words):
        return "en"
    scores = {lang: _score(lang, words) for lang in GLOSSARY_LANGUAGES}
    best = max(scores.values())
    if best > 0 and 2 * best >= len(words):
        return "en" if scores["en"] == best else max(scores, key=lambda k: scores[k])
    return _langid(text)


def _langid(text: str) -> str:
    language: str = _identifier().classify(text)[0]
    return language


@cache
def _identifier() -> Any:
    """``py3langid``'s identifier (its model is a numpy file, no pickle), limited to the
    programme's languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages(list(_CANDIDATES))
    return identifier


def read_idea(text: str, language: str | None = None) -> IdeaWords:
    """``text`` as English slots (see the module docstring); ``language`` skips detection."""
    language = language or detect_language(text)
    folded = fold_text(text)
    if language in TRANSLATED:
        read = _translate(language, folded)
        return IdeaWords(text, language, read.slots, read.unknown, read.joined)
    words, joined = english_units(folded, folded=True)
    if language != "en":  # a language without a glossary: its own stop words at least
        stop = stop_words(language)
        kept = [i for i, w in enumerate(words) if w not in stop]
        joined = frozenset(kept.index(i) for i in joined
                           if i in kept and i + 1 in kept and kept.index(i + 1) == kept.index(i) + 1)
        words = [words[i] for i in kept]
    return IdeaWords(text, language, tuple((w,) for w in words), (), joined)


def document_words(text: str) -> tuple[list[str], list[str]]:
    """The English index words of a registry text (a description, a summary), in order, and
    the other alternatives of its translated words: as written when English, through the
    glossary when Finnish or Swedish, so that a Finnish description is found by the English
    and the Finnish idea alike. Pairs of words are read from the first list only.

    >>> document_words("Opintojen ohjaus ja neuvonta")
    (['study', 'guidance', 'counselling'], ['academic', 'advising'])
    """
    language = detect_language(text)
    if language not in TRANSLATED:
        return english_words(text), []
    slots = read_idea(text, language).slots
    return [slot[0] for slot in slots], [w for slot in slots for w in slot[1:]]
