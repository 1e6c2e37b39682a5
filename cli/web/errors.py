"""The one place where library errors become HTTP statuses: the API answers JSON, the pages
an HTML page with the same sentence the CLI prints. Never a stack trace.

==============================  ======  ==========================================
``UnknownOrganisation``         404     a reference that names no organisation
``QueryError``, bad parameters  422     the sentence and the parameter (``field``)
``ConstraintError``             409     the sentence and the constraint
``NotYetIndexed``               503     an organisation imported since the index in use
                                        was built: being refreshed (``Retry-After``: 5)
``DatabaseError``, SQLAlchemy's  503     the registry's database is not answering
``DBAPIError``                          (with ``Retry-After``; the log has the details)
``TimedOut``                    503     a search or consortium over its time budget
a body over 1 MB                413     said, never echoed (``cli.web.security``)
any other ``MatcherError``      400
anything else                   500     "internal error" (the log has the details)
==============================  ======  ==========================================
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from cli.web.security import HEADERS, BodyTooLarge
from matcher.errors import (
    ConstraintError,
    DatabaseError,
    MatcherError,
    NotYetIndexed,
    QueryError,
    UnknownOrganisation,
)
from matcher.i18n import Text, invalid, message, said
from matcher.live import CHECK_EVERY
from matcher.registry.database import DBAPIError

__all__ = ["RETRY_AFTER", "RETRY_INDEXING", "TimedOut", "error_body", "install", "status_of"]

_LOG = logging.getLogger("matcher.web")
#: Seconds a client is asked to wait before asking again when the database is not answering.
RETRY_AFTER = 30
#: ... and when the index is being refreshed: about how often a worker checks its registry.
RETRY_INDEXING = round(CHECK_EVERY)
#: Said for a database that fails under a request: where it is and why stay in the log.
DATABASE_DOWN = message("web.database_down")
_STATUS: tuple[tuple[type[MatcherError], int], ...] = (
    (UnknownOrganisation, 404), (QueryError, 422), (ConstraintError, 409), (NotYetIndexed, 503),
    (DatabaseError, 503), (MatcherError, 400))


class TimedOut(Exception):
    """A request that took longer than :data:`matcher.limits.SECONDS` (503)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(message("web.timed_out", seconds=seconds))


def status_of(exc: MatcherError) -> int:
    return next(code for kind, code in _STATUS if isinstance(exc, kind))


def error_body(exc: MatcherError) -> dict[str, Any]:
    """``{"error": class, "message": the CLI's sentence, "field": parameter or null}`` (and
    ``"constraint"`` for a consortium that cannot be made)."""
    said = exc.args[0] if exc.args and isinstance(exc.args[0], Text) else str(exc)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": said,
                            "field": exc.parameter}
    if isinstance(exc, ConstraintError):
        body["constraint"] = exc.constraint
    return body


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/health"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``; pages render ``error.html`` through ``app.state``."""

    def answer(request: Request, status: int, body: dict[str, Any]) -> Response:
        response: Response
        if _wants_json(request):
            lang = request.query_params.get("lang", "en")
            response = JSONResponse(said(body, lang), status_code=status)
        else:
            response = request.app.state.render_error(request, status, body)
        if status == 503:
            response.headers["Retry-After"] = str(
                RETRY_INDEXING if body["error"] == NotYetIndexed.__name__ else RETRY_AFTER)
        return response

    @app.exception_handler(MatcherError)
    async def matcher_error(request: Request, exc: MatcherError) -> Response:
        return answer(request, status_of(exc), error_body(exc))

    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: DBAPIError) -> Response:
        _LOG.error("the database failed on %s: %s", request.url.path,
                   str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else exc)
        return answer(request, 503, {"error": "DatabaseError", "message": DATABASE_DOWN,
                                     "field": None})

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "body",
                                                                           "path")]
        return answer(request, 422, {"error": "QueryError",
                                     "message": invalid(".".join(loc) or "request",
                                                        first.get("msg", "invalid"),
                                                        first.get("type", ""),
                                                        first.get("ctx") or {}),
                                     "field": loc[0] if loc else None})

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return answer(request, 413, {"error": "TooLarge", "message": exc.detail,
                                     "field": None})

    @app.exception_handler(TimedOut)
    async def timed_out(request: Request, exc: TimedOut) -> Response:
        return answer(request, 503, {"error": "TimedOut", "message": exc.args[0],
                                     "field": None})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        said_: Any = (message("web.not_found", path=request.url.path)
                      if exc.status_code == 404 and exc.detail == "Not Found" else str(exc.detail))
        return answer(request, exc.status_code, {"error": "HTTPError", "message": said_,
                                                 "field": None})

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        _LOG.exception("internal error on %s", request.url.path)
        response = answer(request, 500, {"error": "InternalError",
                                         "message": "internal error: the server's log has the "
                                                    "details", "field": None})
        # Starlette answers a crash outside every middleware: the headers are set here
        response.headers.update(HEADERS)
        return response
