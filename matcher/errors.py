"""The library's errors, for its callers: the exception tree of :mod:`models.errors` (drawn
there), re-exported so that an edge such as the command line maps them without reaching below
the library."""

from models.errors import (
    ConstraintError,
    DatabaseError,
    DataFileError,
    MatcherError,
    NoRegistry,
    NotEligible,
    QueryError,
    RowError,
    UnknownOrganisation,
)

__all__ = ["ConstraintError", "DataFileError", "DatabaseError", "MatcherError", "NoRegistry",
           "NotEligible", "QueryError", "RowError", "UnknownOrganisation"]
