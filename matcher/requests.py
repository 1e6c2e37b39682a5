"""The requests of a job, each one value, spelt once: what a user asks, as typed.

:class:`SearchRequest` is a partner search, :class:`ConsortiumRequest` a consortium to
check, complete or propose. Every edge builds them the same way,
:meth:`SearchRequest.from_mapping` over plain values (the command line's options, a batch
row, a form, JSON), and the command line's options and a batch file's columns for a field
added here come from its field list (:func:`matcher.fields.kinds`). This module is light
(no numpy, no database) so that the command line can read the fields before anything loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

from matcher.errors import QueryError, concerning
from matcher.fields import parse_fields
from matcher.i18n import message
from matcher.limits import check_text, check_value, check_values

__all__ = ["ConsortiumRequest", "IdeaFields", "SearchFields", "SearchRequest"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaFields:
    """What a project is about (words, themes, call topics) and which organisations may be
    returned or added (the filters): the fields a partner search, a consortium request and
    every batch row share."""

    text: str = ""
    themes: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    exclude_countries: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    eche: bool = False
    include_unnamed: bool = False

    def idea_fields(self) -> dict[str, Any]:
        """These fields by name (what every request shares)."""
        return {f.name: getattr(self, f.name) for f in fields(IdeaFields)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchFields(IdeaFields):
    """The fields of a partner search as a user types them: an organisation, an idea and
    filters. :class:`SearchRequest` adds the action and ``k``; a batch row
    (:class:`~matcher.batch.rows.BatchQuery`) adds its place in the file. A new search option
    is a field here, so that a batch row carries it too."""

    org: str | None = None
    programme_countries_only: bool = False

    def search_fields(self) -> dict[str, Any]:
        """These fields by name (what a :class:`SearchRequest` is made of)."""
        return {f.name: getattr(self, f.name) for f in fields(SearchFields)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest(SearchFields):
    """What a user asks ``matcher search``; strings as typed, resolved by the vocabulary.

    ``action`` with ``programme_countries_only``: only organisations from the countries that
    count for that action's latest call.
    """

    action: str = "KA220-HED"
    k: int = 10

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """The request that plain values ask for (the command line's options, a batch row, a
        form, JSON), read by :func:`matcher.fields.parse_fields` and checked: a
        ``QueryError`` names the field that is wrong. Empty values keep the defaults."""
        request = cls(**parse_fields(cls, values))
        request.check()
        return request

    def check(self) -> None:
        """``QueryError`` for an empty request, a bad ``k`` or one over the bounds of
        :mod:`matcher.limits`, before anything is loaded."""
        check_text("text", self.text)
        check_value("org", self.org)
        check_value("action", self.action)
        for name in ("themes", "topics", "countries", "exclude_countries", "types"):
            check_values(name, getattr(self, name))
        if self.k < 1:
            with concerning("k"):
                raise QueryError(f"-k {self.k}: ask for at least 1 result")
        if not ((self.org or "").strip() or self.text.strip()
                or any(t.strip() for t in (*self.themes, *self.topics))):
            with concerning("text"):
                raise QueryError(message("error.empty_query"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsortiumRequest(IdeaFields):
    """A consortium job of ``action``'s call (``call_year``, default: its latest).

    With ``members``: ``check`` them, or ``complete`` them into the ``n`` best eligible
    consortia of ``size`` organisations (``(min, max)``; default: the action's minimum and one
    more). Without members, a ``coordinator`` and an idea (``text``, ``themes`` or
    ``topics``) ask for whole consortia around the coordinator: a proposal is a completion
    from a lead organisation alone. ``idea_weight`` (0 to 1): how much the additions'
    closeness to the idea counts (default: the learned objective's).
    """

    action: str = field(default="", metadata={"help": "KA220-HED, KA203, KA200 or KA210."})
    members: tuple[str, ...] = field(default=(), metadata={
        "help": "The members you already have: PIC, OID, Erasmus code, #id or name of each."})
    coordinator: str | None = field(default=None, metadata={
        "help": "The coordinator: a member or not (PIC, OID, Erasmus code, #id or name)."})
    size: tuple[int, int] | None = field(default=None, metadata={
        "help": "Organisations in the whole consortium: MIN..MAX or N (default: the "
                "minimum and one more)."})
    n: int = field(default=5, metadata={"help": "How many alternative consortia."})
    call_year: int | None = field(default=None, metadata={
        "help": "The call year (default: the action's latest call)."})
    idea_weight: float | None = field(default=None, metadata={
        "help": "How much the additions' closeness to the idea counts, 0 to 1 (default: as "
                "learned)."})

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """The request that plain values ask for, read by :func:`matcher.fields.parse_fields`
        (a ``QueryError`` names the field that is wrong). Empty values keep the defaults."""
        return cls(**parse_fields(cls, values))

    @property
    def proposal(self) -> bool:
        """Whether this asks for consortia around the coordinator alone."""
        return not self.members and self.coordinator is not None
