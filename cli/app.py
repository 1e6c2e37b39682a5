"""The CLI's context: which database, opened lazily, set up on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from models.db import Database, open_database

if TYPE_CHECKING:
    from matcher.ranking.ranker import Ranker


@dataclass
class App:
    """Carried in ``click.Context.obj``; commands ask it for sessions."""

    db_url: str | None = None
    quiet: bool = False
    _db: Database | None = field(default=None, repr=False)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.db_url)
            from data.bootstrap import ensure_registry

            ensure_registry(self._db, announce=self.say)
        return self._db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.db.sessions.begin() as session:
            yield session

    def ranker(self) -> Ranker:
        """The fitted ranker of the registry: the cached index, rebuilt when stale."""
        from matcher.ranking.index import load_or_build

        with self.session() as session:
            return load_or_build(session, progress=None if self.quiet else self.say)

    def close(self) -> None:
        """Release the database's connections (PostgreSQL keeps them open otherwise)."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def say(self, message: str) -> None:
        """A message for people: stderr, unless ``--quiet``."""
        if not self.quiet:
            click.echo(message, err=True)


pass_app = click.make_pass_decorator(App)
