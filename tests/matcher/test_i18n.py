"""``matcher.i18n``: one catalogue, both languages complete, and English unchanged."""

from __future__ import annotations

import pickle
import string

from matcher.i18n import Text, category, country, join, message, number, said, say
from matcher.i18n.catalogue import MESSAGES


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_sentence_has_both_languages_with_the_same_values() -> None:
    for key, (english, finnish) in MESSAGES.items():
        assert english.strip() and finnish.strip(), key
        assert _fields(english) == _fields(finnish), key


def test_a_text_is_its_english_sentence_and_says_itself_in_finnish() -> None:
    text = message("why.category_in", category=category("higher-education"),
                   country=country("EL", "Greece"))
    assert text == "higher education in Greece"
    assert say(text, "fi") == "korkeakoulu, Kreikka"
    assert say(text, "en") == text and say("HELSINGIN YLIOPISTO", "fi") == "HELSINGIN YLIOPISTO"
    assert say(message("why.experienced", n=1), "fi") == "kokemusta: 1 aiempi hanke"
    back = pickle.loads(pickle.dumps(text))
    assert isinstance(back, Text) and say(back, "fi") == "korkeakoulu, Kreikka"


def test_numbers_and_nested_texts_in_the_finnish_format() -> None:
    assert number(116241, "fi", ",") == "116\u00a0241" and number(0.918, "fi", ".3f") == "0,918"
    nested = message("why.shared_themes", themes=join([country("FI", "Finland"),
                                                        country("UK", "United Kingdom")], "; "))
    assert say(nested, "fi") == "yhteiset teemat: Suomi; Iso-Britannia"
    assert said({"a": [nested], "b": 1}, "fi") == {"a": [say(nested, "fi")], "b": 1}
