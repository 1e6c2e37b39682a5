"""Every sentence the tool says, in English and Finnish, from one catalogue
(:mod:`matcher.i18n.catalogue`).

The library speaks English: a reason, a note or a rule violation is a :class:`Text`, a ``str``
whose value is the English sentence, so every caller that prints, compares or writes it as
JSON keeps working. A :class:`Text` also remembers its catalogue key and its values, so that
:func:`say` can say it in another language, its values too (a country, an organisation type,
a theme, a glossary term, a number in the language's format)::

    >>> t = message("why.experienced", n=3)
    >>> t, say(t, "fi")
    ('experienced: 3 past projects', 'kokemusta: 3 aiempaa hanketta')
    >>> say(message("why.category_in", category=category("ngo"), country=country("FR", "France")), "fi")
    'kansalaisjärjestö, Ranska'
    >>> say(message("why.latent", fit=0.75), "fi")[:42]
    'sopii kaltaisiisi konsortioihin: 0,75 parh'

A plain ``str`` is said as it is: a proper name, a project title, a code.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Self

from matcher.i18n.catalogue import COUNTING, FIELDS, MESSAGES

__all__ = ["LANGUAGES", "Text", "category", "counting", "country", "country_name", "date",
           "field", "invalid", "join", "language_of", "message", "number", "parameter", "said",
           "say", "term", "theme"]

#: The languages of the catalogue, English first (the library's own).
LANGUAGES = ("en", "fi")
_ISO = {"EL": "GR", "UK": "GB"}  # Erasmus codes that are not ISO 3166


class Text(str):
    """An English sentence that knows its catalogue ``key`` and ``values``."""

    key: str
    values: Mapping[str, Any]

    def __new__(cls, english: str, key: str = "", values: Mapping[str, Any] | None = None
                ) -> Self:
        text = super().__new__(cls, english)
        text.key = key
        text.values = dict(values or {})
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole: batch workers, Dask
        return (Text, (str(self), self.key, dict(self.values)))


def _index(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else 0


def _template(key: str, lang: str, values: Mapping[str, Any]) -> str:
    n = values.get("n")
    if isinstance(n, int) and n == 1 and f"{key}.one" in MESSAGES:
        key = f"{key}.one"
    pair = MESSAGES[key]
    return pair[_index(lang)] or pair[0]


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Text):
            return str(format(say(value, self.lang), format_spec))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return number(value, self.lang, format_spec)
        return str(super().format_field(value, format_spec))


def message(key: str, **values: Any) -> Text:
    """The catalogue's sentence ``key`` with ``values``, in English, able to be said in any
    language of the catalogue."""
    return Text(_Formatter("en").vformat(_template(key, "en", values), (), values), key,
                values)


def language_of(idea: str) -> str:
    """The language to answer an idea in: its own when the catalogue has it, else English.

    >>> language_of("kielten opetus ja monikielisyys peruskoulussa"), language_of("virtual mobility")
    ('fi', 'en')
    >>> language_of("studievägledning för studenter")  # Swedish: no catalogue yet
    'en'
    """
    from matcher.language.ideas import detect_language

    found = detect_language(idea)
    return found if found in LANGUAGES else "en"


def say(text: str, lang: str) -> str:
    """``text`` in ``lang``: a :class:`Text` from the catalogue, anything else as it is."""
    if not isinstance(text, Text) or not text.key or _index(lang) == 0:
        return str(text)
    values = text.values
    kind = text.key
    if kind == "@country":
        return country_name(values["code"], lang, str(text))
    if kind == "@category":
        return MESSAGES[f"type.{values['code']}"][_index(lang)]
    if kind in ("@theme", "@term"):
        return str(values.get(lang) or text)
    if kind == "@counting":
        return COUNTING.get(str(text), (str(text),) * 2)[_index(lang)]
    if kind == "@invalid":
        known = f"invalid.{values['type']}"
        detail = (_Formatter(lang).vformat(MESSAGES[known][_index(lang)], (), values["ctx"])
                  if known in MESSAGES else values["detail"])
        return f"{say(values['field'], lang)}: {detail}"
    if kind == "@param":
        return MESSAGES.get(f"field.{text}", (str(text),) * 2)[_index(lang)]
    if kind == "@field":
        return FIELDS.get(str(text), (str(text),) * 2)[_index(lang)]
    if kind == "@join":
        return str(values["sep"]).join(say(item, lang) for item in values["items"])
    return _Formatter(lang).vformat(_template(kind, lang, values), (), values)


def said(value: Any, lang: str) -> Any:
    """``value`` (an answer as JSON) with every catalogue text in it said in ``lang``.

    >>> said({"why": [message("why.no_projects")], "n": 1}, "fi")
    {'why': ['ei aiempia hankkeita rekisterissä'], 'n': 1}
    """
    if isinstance(value, Text):
        return say(value, lang)
    if isinstance(value, dict):
        return {k: said(v, lang) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [said(v, lang) for v in value]
    return value


def number(value: float, lang: str, spec: str = "") -> str:
    """``value`` formatted by ``spec``, with the decimal and group marks of ``lang``
    (Finnish: ``0,918``, ``116 241``)."""
    text = format(value, spec)
    if _index(lang) == 0:
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def date(value: dt.date | str | None, lang: str) -> str:
    """A date as ``lang`` writes it (Finnish ``31.12.2027``); empty for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    return day.isoformat() if _index(lang) == 0 else f"{day.day}.{day.month}.{day.year}"


def country(code: str, english: str) -> Text:
    """A country named in English, said in the reader's language."""
    return Text(english, "@country", {"code": code})


def category(code: str, english: str | None = None) -> Text:
    """An organisation type (``higher-education``) as words (``higher education``), or as
    ``english`` when given."""
    return Text(code.replace("-", " ") if english is None else english, "@category",
                {"code": code})


def theme(english: str, finnish: str | None) -> Text:
    return Text(english, "@theme", {"fi": finnish})


def term(english: str, finnish: str | None) -> Text:
    """A word or phrase of an idea, said in Finnish when the glossary knows it."""
    return Text(english, "@term", {"fi": finnish})


def counting(label: str) -> Text:
    """Which countries count for an action (``programme countries``)."""
    return Text(label, "@counting")


def field(label: str) -> Text:
    """An action's field (``higher education``)."""
    return Text(label, "@field")


def parameter(name: str) -> Text:
    """A request's parameter (``countries``), said by its name in the reader's language."""
    return Text(name, "@param")


def invalid(field: str, detail: str, kind: str, context: Mapping[str, Any]) -> Text:
    """A request's parameter that fails its type or bounds, as the web framework says it in
    English (``k: Input should be a valid integer``); said in Finnish by the error's ``kind``
    when the catalogue has it (``invalid.int_parsing``)."""
    return Text(f"{field}: {detail}", "@invalid",
                {"field": parameter(field), "detail": detail, "type": kind,
                 "ctx": {k: v for k, v in context.items() if isinstance(v, (str, int, float))}})


def join(items: Iterable[str], sep: str = ", ") -> Text:
    """``items`` joined by ``sep``, each said in the reader's language."""
    items = tuple(items)
    return Text(sep.join(items), "@join", {"items": items, "sep": sep})


@cache
def _territories(lang: str) -> Mapping[str, str]:
    from babel import Locale

    return dict(Locale.parse(lang).territories)


def country_name(code: str, lang: str, english: str | None = None) -> str:
    """The name of the country of Erasmus code ``code`` in ``lang`` (CLDR's names through
    Babel; ``english``, else the code, when it has none)."""
    if _index(lang) == 0:
        return english or code
    return _territories(lang).get(_ISO.get(code, code), english or code)
