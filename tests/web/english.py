"""What English of the catalogue a Finnish text has left, proper names and titles aside:
the check of tests/web/test_finnish.py and of the browser journeys in Finnish."""

from __future__ import annotations

import html
import re
import string
from functools import cache
from typing import Any

from matcher.i18n.catalogue import COUNTING, FIELDS, MESSAGES

_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL)


@cache
def _english() -> tuple[re.Pattern[str], ...]:
    """The catalogue's English that its Finnish does not also use: multi-word fragments
    between the values, and words of 4 letters or more."""
    finnish = " ".join(fi for _, fi in [*MESSAGES.values(), *COUNTING.values(),
                                         *FIELDS.values()]).casefold()
    fragments: set[str] = set()
    for english, _ in [*MESSAGES.values(), *COUNTING.values(), *FIELDS.values()]:
        for literal, *_ in string.Formatter().parse(english):
            literal = re.sub(r"`[^`]*`|\([A-Z, ]+\)|[^\w' -]", " ", literal)
            words = literal.split()
            if len(words) >= 2:
                fragments.add(" ".join(words))
            fragments |= {w for w in words if len(w) >= 4 and w.isalpha()}
    return tuple(re.compile(rf"(?<!\w){re.escape(f)}(?!\w)", re.IGNORECASE)
                 for f in sorted(fragments) if f.casefold() not in finnish)


def proper_names(default_matcher: Any) -> list[str]:
    """What stays in its own language: organisation names, project labels and titles (as
    cited: shortened to 90 or 60 characters), longest first."""
    from matcher.ranking.explain import _CALL_CHARS, _clip

    registry = default_matcher.ranker().registry_
    out = {o.display_name for o in registry.orgs}
    for p in registry.projects:
        for title in (p.title, p.topic_title):
            if title:
                out |= {title, _clip(title), _clip(title, _CALL_CHARS)}
        out.add(p.label)
    return sorted((s for s in out if len(s) > 3), key=len, reverse=True)


def english_left(text: str, proper: list[str]) -> list[str]:
    text = re.sub(r'"[^"\n]*"', " ", text)  # words of the user's idea, quoted back
    for name in proper:
        if name in text:
            text = text.replace(name, " ")
    return [m.group(0) for pattern in _english() for m in pattern.finditer(text)]


def visible(page: str) -> str:
    """The text a reader sees, and the labels a screen reader says."""
    labels = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', page))
    return html.unescape(_TAGS.sub("\n", page) + "\n" + labels)
