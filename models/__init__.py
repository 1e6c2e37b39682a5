"""Storage layer: the SQLAlchemy 2.0 schema, engine and session set-up, and the error tree.

Imports nothing else of this project, so every other package may depend on it.
"""

from models.db import (
    DEFAULT_DB_ENV,
    Database,
    default_database_path,
    open_database,
    resolve_url,
)
from models.errors import MatcherError
from models.schema import (
    Base,
    Country,
    ImportRecord,
    Organisation,
    Participation,
    Project,
    Theme,
)

__all__ = [
    "DEFAULT_DB_ENV",
    "Base",
    "Country",
    "Database",
    "ImportRecord",
    "MatcherError",
    "Organisation",
    "Participation",
    "Project",
    "Theme",
    "default_database_path",
    "open_database",
    "resolve_url",
]
