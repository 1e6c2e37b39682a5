"""The English lemmas derived once (``english_lemmas.json.gz``) answer as ``simplemma``
does, cover what the glossary and the bundled registry hold, and spare an English idea the
dictionary's load."""

from __future__ import annotations

import random
import subprocess
import sys

import simplemma

from matcher.language import english
from matcher.language.ideas import glossary_rows
from matcher.language.lexicon import fold_text


def test_the_derived_lemmas_are_simplemmas() -> None:
    table = english._lemmas()
    assert len(table) > 40_000
    sample = random.Random(0).sample(sorted(table), 400) + ["competences", "teachers",
                                                             "universities", "children"]
    for word in sample:
        assert english.lemma_of(word) == simplemma.lemmatize(word, lang="en"), word


def test_every_lemmatised_word_of_the_glossary_is_derived() -> None:
    """A glossary edited without running ``scripts/build_lexicon.py`` again fails here."""
    table = english._lemmas()
    words = {w for row in glossary_rows() for term in row["en"]
             for w in english.split_words(fold_text(term))}
    missing = sorted(w for w in words if (w.endswith("s") and len(w) >= 4
                                          and w not in english._KEEP
                                          and not w.endswith(("ss", "us", "is")))
                     and w not in table)
    assert not missing, f"run scripts/build_lexicon.py: {missing[:10]}"


def test_a_word_outside_the_table_is_still_lemmatised() -> None:
    word = "zorblaxes"
    assert word not in english._lemmas()
    assert english.lemma_of(word) == simplemma.lemmatize(word, lang="en")


def test_an_english_idea_does_not_load_the_dictionary() -> None:
    """In a new process, with ``simplemma`` unable to lemmatise, English and Finnish ideas
    are read all the same: the derived table answers for their words."""
    code = ("import simplemma\n"
            "def boom(*a, **k): raise SystemExit('simplemma was asked')\n"
            "simplemma.lemmatize = boom\n"
            "from matcher.language.ideas import read_idea\n"
            "for text in ('Key competences of teachers at universities',\n"
            "             'science education in schools, inquiry-based learning',\n"
            "             'kielten opetus ja monikielisyys peruskoulussa'):\n"
            "    print(read_idea(text).language)\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["en", "en", "fi"]
