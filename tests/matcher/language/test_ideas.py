"""Reading ideas: language, English words, Finnish and Swedish through the glossary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.language.english import english_units, english_words, normal_form
from matcher.language.ideas import detect_language, document_words, read_idea
from matcher.language.lexicon import forms, glossary_rows, stop_words

IDEAS = Path(__file__).resolve().parents[3] / "bench" / "judged" / "ideas.jsonl"


def test_every_judged_idea_is_read_in_its_language() -> None:
    ideas = [json.loads(line) for line in IDEAS.read_text(encoding="utf-8").splitlines()]
    wrong = [(i["id"], detect_language(i["text"])) for i in ideas
             if detect_language(i["text"]) != i["lang"]]
    assert not wrong and len(ideas) == 61


@pytest.mark.parametrize(("text", "language"), [
    ("virtual mobility", "en"), ("Gamification", "en"), ("123", "en"),
    # an English plural the glossary has in its singular (Swedish knew "robots" as written)
    ("robots", "en"), ("teachers", "en"),
    ("virtuaaliliikkuvuus", "fi"), ("kestävä matkailu", "fi"),
    ("studievägledning för studenter", "sv"), ("Hållbart jordbruk", "sv"),
    ("Bildung für nachhaltige Entwicklung", "de"),
])
def test_languages(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_english_words_are_one_form_per_word() -> None:
    assert english_words("Key Competences of Universities' students, e-learning and well-being") \
        == ["key", "competence", "university", "student", "elearning", "wellbeing"]
    # an -ing or -ed form keeps its sense; some plurals are words of their own
    assert [normal_form(w) for w in ("training", "nursing", "media", "humanities", "lives")] \
        == ["training", "nursing", "media", "humanities", "lives"]
    # British spelling, derived nouns as their adjective, adjectives as their field
    assert english_words("counseling programs on sustainability, multilingualism and "
                         "educational technology") == [
        "counselling", "programme", "sustainable", "multilingual", "education", "technology"]
    words, joined = english_units("first-generation students in work-based learning")
    assert words == ["first", "generation", "student", "work", "based", "learning"]
    assert joined == {0, 3}


def test_finnish_inflections_and_compounds_become_english_words() -> None:
    idea = read_idea("kielten opetus ja monikielisyys peruskoulussa")
    assert idea.language == "fi" and idea.unknown == ()
    assert [s[0] for s in idea.slots] == ["language", "teaching", "multilingual",
                                          "comprehensive", "school"]
    # "työelämäyhteistyö" is working life + cooperation, "ja" (and) a stop word
    vet = read_idea("ammatillinen koulutus ja työelämäyhteistyö")
    assert [s[0] for s in vet.slots] == ["vocational", "education", "training", "work", "life",
                                         "cooperation"]
    # an inflected compound of two known words: korkeakoulu + opiskelija
    students = read_idea("korkeakouluopiskelijoiden mielenterveys")
    assert [s[0] for s in students.slots][:3] == ["higher", "education", "institution"]
    assert ("student",) in students.slots and ("mental",) in students.slots


def test_a_word_of_several_senses_keeps_them_all_and_unknown_words_are_said() -> None:
    idea = read_idea("digitaaliset ohjaustyökalut kiireisille opiskelijoille")
    assert {"guidance", "counselling", "supervision"} <= set(idea.slots[1])
    assert idea.unknown == ("kiireisille",)  # busy: not in the glossary
    # "uusi opiskelija" (a new student) is the glossary's first-year student
    new = read_idea("digitaaliset ohjaustyökalut uusille opiskelijoille")
    assert new.unknown == () and new.slots[3:] == (("first",), ("year",), ("student",))
    assert read_idea("Digitalisering av kulturarvssamlingar").slots[:3] == (
        ("digital",), ("culture",), ("heritage",))


def test_registry_texts_in_finnish_are_read_in_english() -> None:
    assert document_words("Opintojen ohjaus ja neuvonta")[0] == [
        "study", "guidance", "counselling"]
    assert document_words("Guidance for students") == (["guidance", "student"], [])


def test_the_shipped_resources_cover_the_languages() -> None:
    assert len(glossary_rows()) > 1700
    assert {"ja", "och", "and", "und"} <= stop_words("fi") | stop_words("sv") | \
        stop_words("en") | stop_words("de")
    # every Finnish glossary word is found from its inflected forms
    assert forms("fi")["opiskelijoille"] == "opiskelija"
    assert forms("sv")["studenter"] == "student"
