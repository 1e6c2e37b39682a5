"""English words as the topical index reads them: folded, stop words dropped, one form per word.

Project titles and ideas go through the same :func:`english_words`, so that "competences"
in an idea meets "Competence" in a title, "counseling" meets "counselling" and "e-learning"
stays one word. Only plural nouns are lemmatised (with ``simplemma``, offline): an ``-ing``
or ``-ed`` form keeps its own sense ("training" is not "train", "nursing" not "nurse"), and a
few plural-looking words are words of their own ("media", "humanities", "statistics").

>>> english_words("Key Competences for first-year students' e-learning")
['key', 'competence', 'first', 'year', 'student', 'elearning']
>>> english_words("Counseling and well-being of teachers")
['counselling', 'wellbeing', 'teacher']
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache, lru_cache
from pathlib import Path

from matcher.language.lexicon import stop_words

__all__ = ["english_words", "lemma_of", "normal_form", "split_words"]

_WORD = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*")
#: Spellings read as the British one the index stores.
_SPELLING = {
    "program": "programme", "programs": "programmes", "counseling": "counselling",
    "counselor": "counsellor", "counselors": "counsellors", "labor": "labour",
    "behavior": "behaviour", "behaviors": "behaviours", "center": "centre",
    "centers": "centres", "modeling": "modelling", "traveling": "travelling",
    "enrollment": "enrolment", "defense": "defence", "aging": "ageing",
    "catalog": "catalogue", "dialog": "dialogue", "theater": "theatre", "fiber": "fibre",
    "color": "colour", "neighborhood": "neighbourhood", "favor": "favour", "honor": "honour",
    "pediatric": "paediatric", "license": "licence", "mold": "mould",
}
#: Plural-looking words that are words of their own, and ``-ics`` fields.
_KEEP = frozenset({
    "media", "humanities", "statistics", "lives", "news", "series", "species", "data",
    "physics", "economics", "mathematics", "ethics", "politics", "logistics", "robotics",
    "genetics", "genomics", "electronics", "linguistics", "informatics", "analytics",
    "graphics", "dynamics", "mechanics", "athletics", "aeronautics", "photonics",
    "bioinformatics", "metabolomics", "proteomics", "optics", "acoustics", "gymnastics",
    "olympics", "tropics", "arts", "sports", "works", "goods", "means", "arms",
})
#: Irregular plurals (no final s) that are lemmatised all the same.
_IRREGULAR = frozenset({"children", "women", "men", "people", "criteria", "phenomena",
                        "curricula", "feet", "teeth", "mice", "alumni", "syllabi"})
#: Hyphenated words kept whole: their parts are stop words or a single letter.
_PREFIXES = ("e-", "m-", "co-", "re-", "pre-", "non-", "self-", "well-", "multi-")


def split_words(folded: str) -> list[str]:
    """Words of an already folded (lower-case, accentless) text, a hyphenated word as its
    parts unless a part is a stop word or one letter ("e-learning", "well-being",
    "co-creation" stay one word, without the hyphen)."""
    return [w for token in _WORD.findall(folded) for w in _parts(token)]


def _parts(token: str) -> list[str]:
    if "-" not in token:
        return [token]
    parts = token.split("-")
    stop = stop_words("en")
    if token.startswith(_PREFIXES) or any(len(p) < 2 or p in stop for p in parts):
        return ["".join(parts)]
    return parts


#: Derived nouns read as their adjective, so that an idea's "multilingualism" meets a
#: title's "multilingual" and "sustainability" meets "sustainable".
_DERIVED = (("ualism", "ual"), ("ability", "able"), ("ibility", "ible"))
#: Adjectives read as the noun of their field: an idea's "entrepreneurship education" meets
#: a title's "entrepreneurial educational" ... as the same words.
_FIELD = {
    "educational": "education", "pedagogical": "pedagogy", "entrepreneurial": "entrepreneurship",
    "scientific": "science", "technological": "technology", "environmental": "environment",
    "societal": "society", "cultural": "culture", "historical": "history",
    "musical": "music", "artistic": "art", "linguistic": "language", "medical": "medicine",
    "academical": "academic", "didactic": "didactics", "mathematical": "mathematics",
    "economic": "economy", "democratic": "democracy", "agricultural": "agriculture",
    "touristic": "tourism", "ecological": "ecology", "psychological": "psychology",
    "sociological": "sociology", "philosophical": "philosophy", "geographical": "geography",
    "biological": "biology", "chemical": "chemistry", "legal": "law", "civic": "citizen",
    "entrepreneur": "entrepreneurship", "entrepreneurs": "entrepreneurship",
    "smes": "sme", "ngos": "ngo", "heis": "hei", "moocs": "mooc", "phds": "phd",
    "digitalisation": "digital", "digitisation": "digital", "digitising": "digital",
    "digitalising": "digital", "digitised": "digital", "multilingualism": "multilingual",
    "nurse": "nursing", "nurses": "nursing", "engineer": "engineering",
    "engineers": "engineering", "tourist": "tourism", "tourists": "tourism",
    "athlete": "sport", "athletes": "sport", "sports": "sport", "sporting": "sport",
}


@lru_cache(maxsize=1 << 16)
def normal_form(word: str) -> str:
    """One form per word: British spelling, plural nouns as their singular, a few derived
    nouns as their adjective (``multilingualism`` -> ``multilingual``)."""
    word = _SPELLING.get(word, word)
    if word.endswith(("ization", "izations")):
        word = word.replace("ization", "isation")
    if word in _FIELD:
        return _FIELD[word]
    for ending, base in _DERIVED:
        for suffix in (ending, ending[:-1] + "ies"):
            if word.endswith(suffix) and len(word) > len(suffix) + 3:
                return word[: -len(suffix)] + base
    if word in _KEEP or len(word) < 4 or not (word.endswith("s") or word in _IRREGULAR):
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    lemma = lemma_of(word)
    # only a singular of the same word: "was" -> "be" or "lives" -> "live" are not
    if word in _IRREGULAR or (lemma != word and word.startswith(lemma[:max(3, len(lemma) - 2)])):
        return _SPELLING.get(lemma, lemma)
    return word


@cache
def _lemmas() -> dict[str, str]:
    """``simplemma``'s English lemma of each plural-looking word of its dictionary, the
    glossary and the bundled registry's texts, derived once (``scripts/build_lexicon.py``):
    reading them costs a tenth of loading the dictionary, which every English idea did."""
    with gzip.open(Path(__file__).with_name("english_lemmas.json.gz"), "rt",
                   encoding="utf-8") as f:
        table: dict[str, str] = json.load(f)
    return table


def lemma_of(word: str) -> str:
    """``simplemma.lemmatize(word, lang="en")``: from the derived table when it holds the
    word (the same answer), else from ``simplemma`` itself."""
    found = _lemmas().get(word)
    if found is not None:
        return found or word  # "": the word itself
    import simplemma

    lemma: str = simplemma.lemmatize(word, lang="en")
    return lemma


def english_words(text: str, *, folded: bool = False) -> list[str]:
    """The content words of ``text`` in the index's form, in their order."""
    return english_units(text, folded=folded)[0]


def english_units(text: str, *, folded: bool = False) -> tuple[list[str], frozenset[int]]:
    """:func:`english_words`, and the positions ``i`` whose word and the next were written
    as one hyphenated word ("first-generation", "inquiry-based"): a phrase by the writer's
    choice.

    >>> english_units("first-generation students and work-based learning")
    (['first', 'generation', 'student', 'work', 'based', 'learning'], frozenset({0, 3}))
    """
    from matcher.language.lexicon import fold_text

    stop = stop_words("en")
    words: list[str] = []
    joined: set[int] = set()
    for token in _WORD.findall(text if folded else fold_text(text)):
        kept = [normal_form(w) for w in _parts(token)
                if w not in stop and len(w) > 1 and not w.isdigit()]
        joined.update(range(len(words), len(words) + len(kept) - 1))
        words.extend(kept)
    return words, frozenset(joined)
