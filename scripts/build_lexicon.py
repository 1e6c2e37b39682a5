"""Derive the language resources of ``matcher/language`` from their sources.

    python scripts/build_lexicon.py          # needs the `lexicon` extra: simplemma, stop-words

- ``stopwords.json``: English from scikit-learn's list without the content words it holds
  (topics such as "fire safety" or "serious games", and "system"); the other languages
  from the ``stop-words`` package.
- ``forms.json.gz``: for Finnish and Swedish, every form that ``simplemma``'s dictionary
  maps to a word of the glossary (``glossary.csv``), folded, with that base form folded;
  glossary words the dictionary lacks (compounds such as "opiskelijaliikkuvuus") get the
  forms of their longest known last part, with the first part as written.

- ``english_lemmas.json.gz``: ``simplemma``'s English lemma of every word that
  :func:`matcher.language.english.normal_form` would lemmatise (plural-looking, or an
  irregular plural) among the dictionary's words, the glossary's and those of the bundled
  registry's texts (``data/bundled``); ``""`` when the lemma is the word itself. A word
  outside it is lemmatised by ``simplemma`` at run time, as before.

Run it again after editing the glossary or upgrading ``simplemma``; the result is committed,
so that nothing is derived at run time.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.language.lexicon import fold_text

HERE = ROOT / "matcher" / "language"
#: Content words in scikit-learn's English stop list: topics of ideas and titles, and the
#: first words of fixed expressions that tell a word's sense ("next generation").
ENGLISH_CONTENT = {"system", "fire", "serious", "interest", "detail", "amount", "bill",
                   "mill", "full", "front", "back", "bottom", "side", "part", "call", "move",
                   "name", "show", "top", "empty", "thick", "thin", "cry", "first", "find",
                   "found", "describe", "next", "last"}
OTHER_LANGUAGES = ("fi", "sv", "de", "fr", "es", "it", "nl", "pt", "da", "no", "pl", "ro",
                   "hu", "cs", "sk", "sl", "hr", "bg", "el", "lt", "lv", "et", "tr")
TRANSLATED = ("fi", "sv")
#: Words of the stop lists that carry a topic in ideas (Finnish "aika" is "time", but
#: "työaika" and "vapaa-aika" are topics; such words stay searchable).
KEEP = {"fi": {"nuori", "nuoret", "vanha", "kehitys", "uusi", "yhteinen"},
        "sv": {"ung", "unga", "ny", "nya"}}


def stop_lists() -> dict[str, list[str]]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import AVAILABLE_LANGUAGES, LANGUAGE_MAPPING, get_stop_words

    known = set(AVAILABLE_LANGUAGES) | set(LANGUAGE_MAPPING)
    out = {"en": sorted(ENGLISH_STOP_WORDS - ENGLISH_CONTENT)}
    for lang in OTHER_LANGUAGES:
        if lang not in known:
            print(f"stop words: the stop-words package has no list for {lang!r}")
            continue
        words = get_stop_words(lang)
        keep = KEEP.get(lang, set())
        out[lang] = sorted({w for w in words if w not in keep})
    return out


def glossary_words(language: str) -> set[str]:
    import csv

    words: set[str] = set()
    with (HERE / "glossary.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for term in (row.get(language) or "").split("|"):
                for token in term.strip().lower().split():
                    for part in token.split("-"):
                        if part:
                            words.add(part)
                    if "-" in token:
                        words.add(token)
    return words


def forms_of(language: str) -> dict[str, str]:
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory().get_dictionary(language)
    words = glossary_words(language)
    by_lemma: dict[str, list[str]] = defaultdict(list)
    for form, lemma in dictionary.items():
        by_lemma[lemma].append(form)
    out: dict[str, str] = {}
    # a glossary word written inflected ("tekniikan" in "tekniikan ala") is read as its
    # base form, as the same word in an idea is
    for word in sorted(words):
        lemma = dictionary.get(word) or word
        found = by_lemma.get(lemma)
        if not found:
            # a compound the dictionary lacks: its longest known last part's forms
            for k in range(1, len(lemma) - 2):
                head = lemma[k:]
                if head in by_lemma:
                    found = [lemma[:k] + f for f in by_lemma[head]]
                    break
        base = fold_text(lemma)
        out.setdefault(fold_text(word), base)
        out.setdefault(base, base)
        for form in found or ():
            out.setdefault(fold_text(form), base)
    return out


def _lemmatised(word: str) -> bool:
    """Whether :func:`~matcher.language.english.normal_form` asks the lemmatiser for
    ``word`` (an ASCII word, folded)."""
    from matcher.language import english

    if word in english._IRREGULAR:
        return True
    return (word.endswith("s") and len(word) >= 4 and word not in english._KEEP
            and not word.endswith(("ss", "us", "is")))


def _bundled_words() -> set[str]:
    """Every word of the bundled registry's text files, folded."""
    import csv
    import io

    from matcher.language.english import split_words

    words: set[str] = set()
    for path in sorted((ROOT / "data" / "bundled").iterdir()):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            for row in csv.reader(text):
                for cell in row:
                    words.update(split_words(fold_text(cell)))
    return words


def english_lemmas() -> dict[str, str]:
    import simplemma
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    from matcher.language.english import split_words

    dictionary = DefaultDictionaryFactory().get_dictionary("en")
    words = {w for form in dictionary for w in split_words(fold_text(form))}
    words |= {w for term in glossary_words("en") for w in split_words(fold_text(term))}
    words |= _bundled_words()
    out: dict[str, str] = {}
    for word in sorted(w for w in words if _lemmatised(w)):
        lemma = simplemma.lemmatize(word, lang="en")
        out[word] = "" if lemma == word else lemma
    return out


def _write_gz(path: Path, value: object) -> None:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(data.encode("utf-8"))


def main() -> None:
    stops = stop_lists()
    (HERE / "stopwords.json").write_text(json.dumps(stops, ensure_ascii=False, indent=0,
                                                   sort_keys=True) + "\n", encoding="utf-8")
    forms = {lang: forms_of(lang) for lang in TRANSLATED}
    _write_gz(HERE / "forms.json.gz", forms)
    for lang, table in forms.items():
        print(f"{lang}: {len(table):,} forms of {len(set(table.values())):,} words")
    lemmas = english_lemmas()
    _write_gz(HERE / "english_lemmas.json.gz", lemmas)
    print(f"en: {len(lemmas):,} plural-looking words, "
          f"{sum(1 for v in lemmas.values() if v):,} with a lemma of their own")
    print("stop words: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(stops.items())))


if __name__ == "__main__":
    main()
