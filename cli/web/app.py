"""The application: :func:`create_app` for a function that opens the matcher, and
:func:`app_from_environment` for ``uvicorn --factory`` (one per worker process).

The matcher is opened once per process, with ``build=False``, and follows its registry
(:class:`matcher.live.LiveMatcher`): a request never builds the search index; when an import
changes the registry, a thread of the worker brings the new index in while requests are
answered from the old one, then swaps. ``/health`` says which. Read-only: nothing here writes
to the registry.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from cli.web import api, errors, pages
from cli.web.security import BodyLimit, SecurityHeaders
from matcher import Matcher
from matcher.batch.shared import SharedBatches
from matcher.live import CHECK_EVERY, LiveMatcher

__all__ = ["SERVE_DB_ENV", "app_from_environment", "create_app"]

#: The registry the workers of ``matcher serve`` open (its ``--db``; unset: the default).
SERVE_DB_ENV = "MATCHER_SERVE_DB"
HERE = Path(__file__).resolve().parent


class _Served:
    """The worker's live matcher (:class:`matcher.live.LiveMatcher`: opened once, renewed in
    the background when the registry changes) and its shared partner searches."""

    def __init__(self, live: LiveMatcher) -> None:
        self.live = live
        self._lock = threading.Lock()
        self._searches: SharedBatches | None = None

    def __call__(self) -> Matcher:
        """The matcher answering now (a request takes it once)."""
        return self.live.current

    def searches(self) -> SharedBatches:
        """The worker's partner searches, ranked in shared batches (one ranking thread),
        each batch by the matcher answering when it starts."""
        if self._searches is None:
            with self._lock:
                if self._searches is None:
                    self._searches = SharedBatches(self.live)
        return self._searches

    def close(self) -> None:
        if self._searches is not None:
            self._searches.close()
        self.live.close()


def create_app(matcher_factory: Callable[[], Matcher], *,
               check_every: float | None = CHECK_EVERY,
               progress: Callable[[str], None] | None = None) -> FastAPI:
    """The web page and JSON API on the matcher ``matcher_factory`` returns (called once),
    renewed when its registry changes (checked every ``check_every`` seconds; ``None``:
    never); ``progress`` hears when a new index comes in."""
    once = _Served(LiveMatcher(matcher_factory, check_every=check_every, progress=progress))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        once.live.start()  # load the index at start-up, not on the first request
        yield
        once.close()

    # Swagger UI's files served by the app itself, so /docs works offline (no CDN); the page
    # itself is ours (below): FastAPIOffline's sets Swagger UI up in an inline script, which
    # the Content-Security-Policy forbids (ReDoc, which needs inline styles, is left out)
    app: FastAPI = FastAPIOffline(
        docs_url=None, redoc_url=None,
        title="Erasmus+ Partner Matcher",
        summary="Find partners and build eligible consortia for Erasmus+ higher-education "
                "partnerships.",
        description="The JSON answers have the shapes of the CLI's `--format json`. Errors: "
                    "`{\"error\", \"message\", \"field\"}` with 422 (bad input), 404 (unknown "
                    "organisation) or 409 (a consortium that cannot be made; `constraint` names "
                    "the rule).",
        version="0.1.0", lifespan=lifespan)
    app.state.matcher = once
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)  # the outer one: on the 413 too
    errors.install(app)
    app.include_router(api.router())
    app.include_router(pages.router())
    app.state.render_error = pages.render_error
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return pages.TEMPLATES.TemplateResponse(request, "docs.html", {
            "title": f"{app.title} - Swagger UI", "root": request.scope.get("root_path", ""),
            "openapi_url": app.openapi_url})

    @app.get("/health", summary="Whether the index answering is the registry's current one")
    def health() -> dict[str, Any]:
        """``status``: ``ok``; ``stale`` when the registry changed since the index was built
        (noticed within a few seconds); ``refreshing`` while the new index is brought in
        (answers come from the old one meanwhile); ``refresh_failed`` when bringing it in
        failed (``error`` says why; the old one answers on and it is tried again)."""
        return api.health(once.live)

    return app


def app_from_environment() -> FastAPI:
    """The application on the registry ``$MATCHER_SERVE_DB`` names (else the default one):
    what each ``matcher serve`` worker runs."""
    url = os.environ.get(SERVE_DB_ENV) or None

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    return create_app(lambda: Matcher.open(url, build=False, progress=say), progress=say)
