"""The pages' language: English or Finnish, chosen by ``?lang=`` (kept in every link, so a
shared link opens in the same language), else by the browser's ``Accept-Language``. Every
text comes from the catalogue of :mod:`matcher.i18n`; theme labels from the registry, which
has both languages."""

from __future__ import annotations

from collections.abc import Callable

from matcher.i18n import LANGUAGES, Text, said, say
from matcher.i18n.catalogue import MESSAGES

__all__ = ["LANGUAGES", "TEXT", "choose", "said", "translator"]

TEXT = MESSAGES


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text of ``key`` in ``lang`` (English when unknown); a
    catalogue :class:`~matcher.i18n.Text` (a reason, a note, a violation) said in ``lang``."""
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        if isinstance(key, Text):
            return say(key, lang)
        pair = TEXT.get(key)
        if pair is None and " " in key:  # a sentence, not a key: "'x' is not MIN..MAX or N"
            return key
        # a key the catalogue lacks (a role or field a newer registry has): its own name
        text = key.partition(".")[2] or key if pair is None else pair[index]
        return text.format(**values) if values else text

    return t


def choose(asked: str | None, accept_language: str | None) -> str:
    """The language of an answer: ``asked`` (``?lang=``) when it is one of ours, else the
    first of ours in ``Accept-Language`` by its weight, else English.

    >>> choose(None, "fi-FI,fi;q=0.9,en;q=0.8"), choose("en", "fi"), choose(None, "de, en;q=0.5")
    ('fi', 'en', 'en')
    """
    if asked in LANGUAGES:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, i, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return "en"
