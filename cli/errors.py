"""The one place where library errors become exit codes and ``Error: ...`` lines; a database
that fails under a command (SQLAlchemy's ``DBAPIError``) is a ``DatabaseError`` too."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from matcher.errors import MatcherError
from matcher.registry.database import DBAPIError, failure

F = TypeVar("F", bound=Callable[..., Any])


class MatcherClickError(click.ClickException):
    """A ``MatcherError`` shown as ``Error: message`` with the family's exit code."""

    def __init__(self, error: MatcherError) -> None:
        from matcher.cells import visible
        from matcher.i18n import Text, say

        context = click.get_current_context(silent=True)
        lang = getattr(context.find_root().obj, "lang", "en") if context else "en"
        said = error.args[0] if error.args and isinstance(error.args[0], Text) else str(error)
        super().__init__(visible(say(said, lang)))
        self.exit_code = error.exit_code  # type: ignore[misc]  # per-instance, by error family


def reports_errors(func: F) -> F:
    """Turn expected errors into clean messages; no traceback for anything the user can fix."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MatcherError as exc:
            raise MatcherClickError(exc) from exc
        except BrokenPipeError:
            raise  # the reader of stdout is gone (`| head`)
        except OSError as exc:  # stdout or a file on a full disk, a lost mount
            where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except DBAPIError as exc:  # the database stopped under the command
            context = click.get_current_context(silent=True)
            url = getattr(context.find_root().obj, "db_url", None) if context else None
            raise MatcherClickError(failure(exc, url)) from None

    return wrapper  # type: ignore[return-value]
