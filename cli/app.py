"""The CLI's context: which database, opened lazily, set up on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from matcher.registry.database import Database, Session, open_registry, read_snapshot

if TYPE_CHECKING:
    from matcher import Matcher


@dataclass
class App:
    """Carried in ``click.Context.obj``; commands ask it for sessions."""

    db_url: str | None = None
    quiet: bool = False
    #: The language of reasons, notes, violations and errors (``--lang``).
    lang: str = "en"
    #: Whether ``--lang`` (or ``$MATCHER_LANG``) chose it; else an idea's language does.
    lang_given: bool = False
    _db: Database | None = field(default=None, repr=False)
    _matcher: Matcher | None = field(default=None, repr=False)
    _said: set[str] = field(default_factory=set, repr=False)

    def open(self, *, write: bool = False) -> Database:
        """The registry, opened once per command.

        Read commands never create one: a ``--db`` or ``$MATCHER_DB`` that names nothing is an
        error (a typo must not look like an empty registry), and an SQLite file they cannot
        write is opened read-only. ``write=True`` (imports, ``init``) creates a missing one.
        The default registry is built from the bundled data on first use by any command.
        """
        if self._db is None:
            self._db = open_registry(self.db_url, write=write, announce=self.say_once)
        return self._db

    @property
    def db(self) -> Database:
        return self.open()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read transaction over one consistent snapshot, even while an import commits."""
        with self.db.sessions.begin() as session:
            read_snapshot(session)
            yield session

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A transaction that may write (creating the registry if needed): committed on
        success, rolled back on error. Importers take the registry's write lock in it."""
        with self.open(write=True).sessions.begin() as session:
            yield session

    def matcher(self) -> Matcher:
        """The library's front door on this registry (set up on first use)."""
        if self._matcher is None:
            from matcher import Matcher

            self._matcher = Matcher(self.open(), progress=None if self.quiet else self.say)
        return self._matcher

    def close(self) -> None:
        """Release the database's connections (PostgreSQL keeps them open otherwise)."""
        if self._db is not None:
            self._db.dispose()
            self._db = None
            self._matcher = None

    def follow_idea(self, text: str | None) -> None:
        """Answer in the language of the idea ``text`` (Finnish or English) unless ``--lang``
        said which."""
        if not self.lang_given and text and text.strip():
            from matcher.i18n import language_of

            self.lang = language_of(text)

    def say(self, message: str) -> None:
        """A message for people: stderr, unless ``--quiet``."""
        if not self.quiet:
            from cli.output import echo

            echo(message, err=True)

    def say_once(self, message: str) -> None:
        """:meth:`say`, but a message already said in this command is not repeated (waiting
        for another import's lock can happen at set-up and again at the import)."""
        if message not in self._said:
            self._said.add(message)
            self.say(message)


pass_app = click.make_pass_decorator(App)
