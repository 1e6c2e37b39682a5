"""The one place where library errors become exit codes and ``Error: ...`` lines."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from models.errors import MatcherError

F = TypeVar("F", bound=Callable[..., Any])


class MatcherClickError(click.ClickException):
    """A ``MatcherError`` shown as ``Error: message`` with the family's exit code."""

    def __init__(self, error: MatcherError) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code  # type: ignore[misc]  # per-instance, by error family


def reports_errors(func: F) -> F:
    """Turn expected errors into clean messages; no traceback for anything the user can fix."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MatcherError as exc:
            raise MatcherClickError(exc) from exc

    return wrapper  # type: ignore[return-value]
