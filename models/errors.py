"""The project's exception tree. Every expected failure is a ``MatcherError``.

::

    MatcherError                      exit 1   anything the user can fix
    ├── DatabaseError                 exit 1   cannot open / migrate the database
    │   └── NoRegistry                exit 1   a read command names a database that does not
    │                                          exist (a mistyped ``--db``): never created
    ├── DataFileError                 exit 1   a file to import is missing, unreadable, malformed
    │   └── RowError                  exit 1   one row: ``file:line: field: problem; valid: ...``
    ├── QueryError                    exit 2   bad option values: unknown theme, country or
    │   │                                      type, ambiguous name, empty query
    │   └── UnknownOrganisation       exit 2   a reference that names no organisation
    ├── NotYetIndexed                 exit 1   an organisation the registry has and the
    │                                          search index in use does not yet (a server
    │                                          refreshing its index: ask again shortly)
    ├── ConstraintError               exit 4   a consortium request that cannot be met
    └── NotEligible                   exit 3   ``check`` found violations (not a crash)

The CLI maps each family to its exit code in one place (``cli/errors.py``); library code only
raises. ``parameter`` names the argument an error is about (``countries``, ``members``) when
the library knows it: set by :func:`concerning`, read by the web API; ``ConstraintError``'s
``constraint`` names the rule or limit that cannot be met. Lives in ``models`` because it is the one package every other package may import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

__all__ = [
    "ConstraintError",
    "DataFileError",
    "DatabaseError",
    "MatcherError",
    "NoRegistry",
    "NotEligible",
    "NotYetIndexed",
    "QueryError",
    "RowError",
    "UnknownOrganisation",
    "concerning",
]


class MatcherError(Exception):
    """Something went wrong that the user can fix."""

    exit_code: ClassVar[int] = 1
    #: The argument the error is about, when known (see :func:`concerning`).
    parameter: str | None = None


class DatabaseError(MatcherError):
    """The database cannot be opened, created or migrated."""


class NoRegistry(DatabaseError):
    """There is no registry at that location; only imports and ``matcher init`` create one."""


class DataFileError(MatcherError):
    """A data file is missing, unreadable, empty or has the wrong layout."""

    def __init__(self, path: object, message: str) -> None:
        self.path = str(path)
        self.detail = message
        super().__init__(f"{self.path}: {message}")


class RowError(DataFileError):
    """One row of a data file is invalid: names the file, line and field."""

    def __init__(self, path: object, line: int, field: str, message: str) -> None:
        self.line = line
        self.field = field
        self.problem = message
        DataFileError.__init__(self, path, f"{line}: {field}: {message}")
        self.args = (f"{self.path}:{line}: {field}: {message}",)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.problem}"


class QueryError(MatcherError):
    """A query names something that does not exist or asks for nothing."""

    exit_code: ClassVar[int] = 2


class UnknownOrganisation(QueryError):
    """A reference (PIC, OID, Erasmus code, id or name) that names no organisation."""


class NotYetIndexed(MatcherError):
    """An organisation imported after the search index in use was built: the registry has
    it, the index does not yet (it is being refreshed)."""


class ConstraintError(MatcherError):
    """A consortium request whose constraints cannot all be met."""

    exit_code: ClassVar[int] = 4

    def __init__(self, message: str, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class NotEligible(MatcherError):
    """The consortium breaks at least one rule of the action."""

    exit_code: ClassVar[int] = 3


@contextmanager
def concerning(parameter: str) -> Iterator[None]:
    """Errors raised inside are about ``parameter``, unless they already name one."""
    try:
        yield
    except MatcherError as exc:
        if exc.parameter is None:
            exc.parameter = parameter
        raise
