"""The web's parameters, made from the request types' field lists (:func:`matcher.fields.kinds`).

A field added to :class:`~matcher.requests.SearchRequest` is a query parameter of
``/api/search``, of the search page and of its export, and a field added to
:class:`~matcher.requests.ConsortiumRequest` a member of the consortium bodies and a parameter
of the consortium page (each page's form draws it by its kind): in the OpenAPI
schema too, its description from the field's ``help`` metadata, with no other edit here. What
only the web knows stays here: the bounds FastAPI checks (``limits``) and which fields a body
must have (``required``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from matcher.fields import kinds, parse_size

__all__ = ["Body", "model_of", "request_values"]


def _unticked(value: Any) -> Any:
    """An HTML form sends an empty field as ``""``: for a yes/no, that is no."""
    return False if value == "" else value


def _blank(value: Any) -> Any:
    """An HTML form sends an empty field as ``""``: for an optional number, that is none."""
    return None if value == "" else value


#: The type a field of each kind has on the web: a list is a repeated parameter, a size its
#: text (``MIN..MAX`` or ``N``), read by :func:`matcher.fields.parse_size`.
_TYPES: dict[str, Any] = {"str": str, "list": list[str],
                          "bool": Annotated[bool, BeforeValidator(_unticked)],
                          "int": int, "size": str, "float": float}
#: The kinds whose optional fields take an empty text as none (a select's "latest" year).
_BLANK_IS_NONE = frozenset({"int", "float"})


class Body(BaseModel):
    """A JSON body: a member it does not know is refused, naming it."""

    model_config = ConfigDict(extra="forbid")


def model_of(request_type: type, name: str, *, base: type[BaseModel] = BaseModel,
             only: Iterable[str] | None = None, leave: Iterable[str] = (),
             required: Iterable[str] = (), limits: Mapping[str, Mapping[str, Any]] | None = None,
             defaults: Mapping[str, Any] | None = None,
             extra: Mapping[str, tuple[Any, Any]] | None = None, doc: str | None = None,
             ) -> type[BaseModel]:
    """A pydantic model named ``name`` with a member for each field of the dataclass
    ``request_type`` (those in ``only``, when given, and not in ``leave``), in the order of
    its fields: its type from the field's kind, its default the field's or the one in
    ``defaults`` (``required`` ones have none), its description the field's ``help``, the
    bounds in ``limits``; and the members in ``extra``."""
    found = kinds(request_type)
    wanted = set(found if only is None else only) - set(leave)
    needed = set(required)
    members: dict[str, Any] = {}
    for f in fields(request_type):
        if f.name not in wanted:
            continue
        default: Any = f.default if f.default_factory is MISSING else f.default_factory()
        default = (defaults or {}).get(f.name, default)
        kind = found[f.name]
        annotation = _TYPES[kind] if default is not None else _TYPES[kind] | None
        if default is None and kind in _BLANK_IS_NONE:
            annotation = Annotated[annotation, BeforeValidator(_blank)]
        options: dict[str, Any] = {"description": f.metadata.get("help"),
                                   **(limits or {}).get(f.name, {})}
        if f.name in needed:
            members[f.name] = (annotation, Field(..., **options))
        elif kind == "list":
            members[f.name] = (annotation, Field(default_factory=list, **options))
        else:
            members[f.name] = (annotation, Field(default, **options))
    members.update(extra or {})
    made: type[BaseModel] = create_model(name, __base__=base, __doc__=doc, **members)
    return made


def request_values(request_type: type, given: BaseModel) -> dict[str, Any]:
    """The members of ``given`` that are fields of ``request_type``, as the request holds
    them: a list as a tuple of its non-blank values (an HTML form sends an empty field as
    ``""``; the values are kept as given, so a message quotes them as sent), a size read by :func:`matcher.fields.parse_size`, an empty optional text as None."""
    found = kinds(request_type)
    values: dict[str, Any] = {}
    for name, value in given.model_dump().items():
        kind = found.get(name)
        if kind == "list":
            values[name] = tuple(v for v in value if v.strip())
        elif kind == "size":
            values[name] = parse_size(value or None)
        elif kind is not None:
            optional = next(f for f in fields(request_type) if f.name == name).default is None
            values[name] = None if optional and value == "" else value
    return values
