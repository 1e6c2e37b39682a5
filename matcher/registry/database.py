"""The registry's database, for the edges: opening it (the default registry built on first
use), a read transaction over one snapshot, and what to tell a user when it fails under a
command. The command line and the web reach the database through here and
:class:`~matcher.Matcher`, never through :mod:`models` or SQLAlchemy themselves.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.db import DEFAULT_DB_ENV, Database, failure, open_registry
from models.locks import read_snapshot

__all__ = ["DEFAULT_DB_ENV", "DBAPIError", "Database", "Session", "failure", "open_registry",
           "read_snapshot"]
