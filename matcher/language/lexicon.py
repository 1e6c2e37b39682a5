"""The language resources shipped with the package, read once and kept.

- ``stopwords.json``: stop words by language (English: scikit-learn's list without the
  content words it holds, such as "system", "serious" and "fire"; the others from the
  ``stop-words`` package);
- ``glossary.csv``: English / Finnish / Swedish terms of education and of the topics that
  project ideas are about, one concept a row, alternatives separated by ``|``;
- ``forms.json.gz``: for Finnish and Swedish, every inflected form ``simplemma``'s
  dictionaries know of the glossary's words, folded, with its base form (so a query is
  lemmatised without loading a whole language's dictionary, which takes seconds).

``scripts/build_lexicon.py`` derives ``stopwords.json`` and ``forms.json.gz`` from those
packages and the glossary; nothing is downloaded at run time.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import unicodedata
from functools import cache
from importlib import resources

__all__ = ["GLOSSARY_LANGUAGES", "fold_text", "forms", "glossary_rows", "in_finnish",
           "stop_words"]

#: The languages of the glossary's columns, English first.
GLOSSARY_LANGUAGES = ("en", "fi", "sv")
_NOT_WORD = re.compile(r"[^0-9a-z-]+")
_LOOSE_HYPHEN = re.compile(r"(?:^|\s)-+|-+(?:\s|$)")


def fold_text(text: str) -> str:
    """Lower case, accents off, punctuation to spaces; hyphens inside words are kept.

    >>> fold_text("Työelämä-yhteistyö, e-Learning!")
    'tyoelama-yhteistyo e-learning'
    """
    text = unicodedata.normalize("NFKD", text.replace("\xa0", " "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_WORD.sub(" ", text.casefold().replace("'", ""))
    return " ".join(_LOOSE_HYPHEN.sub(" ", text).split())


def _read(name: str) -> bytes:
    return resources.files("matcher.language").joinpath(name).read_bytes()


@cache
def _stop_words() -> dict[str, frozenset[str]]:
    raw = json.loads(_read("stopwords.json"))
    return {lang: frozenset(fold_text(w) for w in words) for lang, words in raw.items()}


def stop_words(language: str) -> frozenset[str]:
    """The folded stop words of ``language`` (empty for a language without a list)."""
    return _stop_words().get(language, frozenset())


@cache
def glossary_rows() -> tuple[dict[str, tuple[str, ...]], ...]:
    """Each glossary row as ``{language: (alternatives...)}``, the cells as written."""
    text = _read("glossary.csv").decode("utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        rows.append({lang: tuple(a.strip() for a in (row.get(lang) or "").split("|")
                                 if a.strip())
                     for lang in GLOSSARY_LANGUAGES})
    return tuple(rows)


@cache
def _forms() -> dict[str, dict[str, str]]:
    raw: dict[str, dict[str, str]] = json.loads(gzip.decompress(_read("forms.json.gz")))
    return raw


def forms(language: str) -> dict[str, str]:
    """Folded inflected form -> folded base form, for the glossary's words of ``language``."""
    return _forms().get(language, {})


@cache
def _in_finnish() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in glossary_rows():
        for english in row.get("en", ()):
            if row.get("fi"):
                out.setdefault(fold_text(english), row["fi"][0])
    return out


def in_finnish(english: str) -> str | None:
    """The glossary's Finnish for an English term (``tourism`` -> ``matkailu``), or None.

    >>> in_finnish("tourism"), in_finnish("no such words")
    ('matkailu', None)
    """
    return _in_finnish().get(fold_text(english))
