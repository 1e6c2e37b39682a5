"""The library's errors, for its callers: the exception tree of :mod:`models.errors` (drawn
there) and :func:`concerning`, which names the parameter an error is about, re-exported so that
an edge such as the command line, and the parts that work on plain values (``ranking``,
``consortium``), use them without reaching below the library."""

from models.errors import (
    ConstraintError,
    DatabaseError,
    DataFileError,
    MatcherError,
    NoRegistry,
    NotEligible,
    NotYetIndexed,
    QueryError,
    RowError,
    UnknownOrganisation,
    concerning,
)

__all__ = ["ConstraintError", "DataFileError", "DatabaseError", "MatcherError", "NoRegistry",
           "NotEligible", "NotYetIndexed", "QueryError", "RowError", "UnknownOrganisation",
           "concerning"]
