"""A request's fields, read from a plain mapping by one parser that names the field it fails on.

A request type (:class:`~matcher.partners.SearchRequest`, a batch row) is a frozen dataclass;
:func:`kinds` reads what each field holds from its annotation, and :func:`parse_fields` turns
the values of a CSV row, a JSON object, the web form or the command line's options into those
kinds. The same text is read the same way everywhere: a list from ``;``-separated text or a
list of text, a yes/no from ``1/0``, ``true/false``, ``yes/no`` (empty is no), a whole number,
a consortium size ``MIN..MAX`` or ``N``.

>>> parse_value("themes", "list", "SwafS; STEM")
('SwafS', 'STEM')
>>> parse_value("eche", "bool", "maybe")
Traceback (most recent call last):
...
matcher.fields.FieldError: eche: 'maybe' is not a yes/no value; use 1/0, true/false, yes/no
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from matcher.errors import QueryError, concerning
from matcher.text import quoted

__all__ = ["FieldError", "kinds", "parse_fields", "parse_size", "parse_value"]

#: What a field holds, by its annotation.
_KINDS = {"str": "str", "str | None": "str", "tuple[str, ...]": "list", "bool": "bool",
          "int": "int", "int | None": "int", "tuple[int, int] | None": "size",
          "float | None": "float"}
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"", "0", "false", "no", "n"}


class FieldError(QueryError):
    """One field's value cannot be read; the message names the field and what would be
    valid."""


def kinds(request_type: type) -> dict[str, str]:
    """Each field of the dataclass ``request_type`` with what it holds (``str``, ``list``,
    ``bool``, ``int``, ``size``, ``float``), in the order of its fields."""
    return {f.name: _KINDS[str(f.type)] for f in fields(request_type)}


def parse_fields(request_type: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` read as the fields of ``request_type``: a value that is None or empty is
    left out (the field keeps its default). ``FieldError`` naming the field for an unknown
    name or a value that cannot be read."""
    known = kinds(request_type)
    parsed: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise FieldError(f"unknown field {name!r}; valid fields: {', '.join(known)}")
        got = parse_value(name, known[name], value)
        if got is not None:
            parsed[name] = got
    return parsed


def parse_value(name: str, kind: str, value: Any) -> Any:
    """One value of field ``name`` read as ``kind``; None for an empty one."""
    if value is None:
        return None
    if kind == "list":
        return _list(name, value)
    if isinstance(value, (list, tuple, dict)) and kind != "size":
        raise FieldError(f"{name}: expected a single value, got {json.dumps(value)}")
    return _READERS[kind](name, value)


def _list(name: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise FieldError(f"{name}: expected text or a list of text, got {item!r}")
        out += [p.strip() for p in item.split(";") if p.strip()]
    return tuple(out)


def _text(name: str, value: Any) -> str | None:
    return str(value).strip() or None


def _yes_no(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise FieldError(f"{name}: {value!r} is not a yes/no value; use 1/0, true/false, yes/no")


def _whole(name: str, value: Any) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if isinstance(value, bool) or not re.fullmatch(r"[+-]?[0-9]+", text):
        raise FieldError(f"{name}: {value!r} is not a whole number")
    number = int(text)
    if name == "k" and not 1 <= number <= 1000:
        raise FieldError(f"k: {number} is out of range; use 1 to 1000")
    if number < 0:
        raise FieldError(f"{name}: {number} is not a year; give one such as 2027")
    return number


def _number(name: str, value: Any) -> float | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise FieldError(f"{name}: {value!r} is not a number") from None


def parse_size(value: Any) -> tuple[int, int] | None:
    """A consortium size, ``MIN..MAX`` or ``N`` (or a pair), as ``(min, max)``; None for an
    empty one. The one reader of a size: the command line's ``--size``, a batch row, the web.

    >>> parse_size("3..5"), parse_size("4"), parse_size([2, 3]), parse_size("")
    ((3, 5), (4, 4), (2, 3), None)
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        text = f"{value[0]}..{value[1]}"
    else:
        text = str(value).strip()
    if not text:
        return None
    found = re.fullmatch(r"([0-9]+)\s*(?:(?:\.\.|-)\s*([0-9]+))?", text)
    shown = quoted(value if isinstance(value, str) else text)
    with concerning("size"):
        if found is None:
            raise FieldError(f"{shown} is not MIN..MAX or N (e.g. 3..5)")
        low, high = int(found[1]), int(found[2] or found[1])
        if low > high or low < 1:
            raise FieldError(f"{shown}: MIN must be 1 or more and not above MAX")
    return (low, high)


def _size(name: str, value: Any) -> tuple[int, int] | None:
    try:
        return parse_size(value)
    except FieldError as exc:
        raise FieldError(f"{name}: {exc}") from None


_READERS = {"str": _text, "bool": _yes_no, "int": _whole, "size": _size,
            "float": _number}
