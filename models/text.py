"""Normalisation shared by the importers (``data``) and the lookups (``matcher``).

Stored here, in the bottom layer, so both can use one implementation: the registry's
``normalised_name`` column is written by importers and matched by queries with the same rule.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "normalise_erasmus_code", "quoted"]

#: Characters of a user's input quoted back in a message (``matcher.limits.SHOWN``).
SHOWN = 80


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key.

    >>> fold("Pädagogische\\xa0Hochschule  NÖ")
    'padagogische hochschule no'
    """
    if not text.isascii():  # ASCII has nothing to decompose (most names: a third faster)
        text = unicodedata.normalize("NFKD", text.replace("\xa0", " "))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub(" ", text.casefold()).strip()


def normalise_erasmus_code(code: str) -> str:
    """The lookup key of an Erasmus code: no spaces, upper case.

    >>> normalise_erasmus_code("a\\xa0 baden01")
    'ABADEN01'
    """
    return re.sub(r"\s+", "", code.replace("\xa0", " ")).upper()


def quoted(text: str, limit: int = SHOWN) -> str:
    """``text`` as a message quotes it (``repr``), cut to ``limit`` characters with its length
    said: a message never echoes a huge input back in full.

    >>> quoted("Narnia")
    "'Narnia'"
    >>> quoted("x" * 20_000)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (20,000 characters)"
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit - 1] + '…'!r} ({len(text):,} characters)"
