"""How much one request may ask: the bounds that every edge (the web API and pages, the
command line, batch rows) applies, all from here.

A request over a bound is refused before any work, with a sentence naming the field and the
bound (a :class:`~models.errors.QueryError`: exit 2, HTTP 422); a value quoted back in a
message is cut to :data:`SHOWN` characters (:func:`models.text.quoted`). The web server also
refuses a request body over :data:`BODY` bytes (413) and answers 503 when a search or a
consortium takes over :data:`SECONDS`.

>>> check_text("text", "virtual mobility")
>>> check_values("members", ["x"] * 51, limit=MEMBERS)
Traceback (most recent call last):
...
models.errors.QueryError: members: 51 values; at most 50 may be given: ask for fewer
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.errors import QueryError, concerning
from matcher.i18n import message, parameter
from matcher.text import SHOWN, quoted

__all__ = ["BODY", "MEMBERS", "ROWS", "SECONDS", "SHOWN", "TEXT", "VALUE", "VALUES",
           "check_text", "check_value", "check_values"]

#: Characters of a project idea.
TEXT = 2000
#: Characters of one value: an organisation (PIC, OID, Erasmus code, #id or name), a theme, a
#: call topic, a country, a type, an action, a size. The longest real name is under 250.
VALUE = 300
#: Organisations named in one consortium request (members, or a batch row's).
MEMBERS = 50
#: Values of one list: countries, excluded countries, types, themes, call topics.
VALUES = 100
#: A listing's ``limit`` and ``offset``: more than any registry, and within SQL's integers.
ROWS = 10**9
#: Bytes of a web request's body.
BODY = 1024**2
#: Seconds a web request may take ranking or building consortia.
SECONDS = 30


def check_text(field: str, text: str | None, *, limit: int = TEXT) -> None:
    """``QueryError`` (about ``field``) when ``text`` is longer than ``limit`` characters."""
    if text is not None and len(text) > limit:
        with concerning(field):
            raise QueryError(message("error.too_long", field=parameter(field), n=len(text),
                                     limit=limit))


def check_value(field: str, value: str | None) -> None:
    """``QueryError`` when one value is longer than :data:`VALUE` characters."""
    if value is not None and len(value) > VALUE:
        with concerning(field):
            raise QueryError(message("error.value_too_long", field=parameter(field),
                                     value=quoted(value), limit=VALUE))


def check_values(field: str, values: Sequence[str] | None, *, limit: int = VALUES) -> None:
    """``QueryError`` when ``values`` holds more than ``limit`` values or one of them is too
    long."""
    if not values:
        return
    if len(values) > limit:
        with concerning(field):
            raise QueryError(message("error.too_many", field=parameter(field), n=len(values),
                                     limit=limit))
    for value in values:
        check_value(field, value)
