"""The JSON API: the facade's answers in the shapes of the CLI's ``--format json``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from cli.web.errors import TimedOut
from cli.web.fields import Body, model_of, request_values
from matcher import Matcher, limits
from matcher.batch.shared import SharedBatches
from matcher.i18n import said
from matcher.limits import ROWS
from matcher.live import LiveMatcher
from matcher.requests import ConsortiumRequest, SearchRequest

__all__ = ["CheckBody", "CompleteBody", "ProposeBody", "SearchQuery", "given", "health",
           "router", "searches_of"]

Many = Annotated[list[str], Query()]
#: The language of the answer's sentences (why, notes, violations, errors).
Lang = Annotated[str, Query(pattern="^(en|fi)$", description="en (default) or fi.")]
T = TypeVar("T")


def matcher_of(request: Request) -> Matcher:
    """The matcher answering now (opened once with its index loaded, renewed when the
    registry changes): a request takes it once and uses it to the end."""
    found: Matcher = request.app.state.matcher()
    return found


Facade = Annotated[Matcher, Depends(matcher_of)]


def searches_of(request: Request) -> SharedBatches:
    """The worker's partner searches: concurrent requests are ranked in shared batches."""
    found: SharedBatches = request.app.state.matcher.searches()
    return found


async def within_time(work: Callable[[], T]) -> T:
    """``work()`` in a thread, or :class:`TimedOut` (503) after :data:`matcher.limits.SECONDS`:
    the client gets its answer then, and the worker goes on serving (the thread finishes
    what it was doing on its own)."""
    seconds = limits.SECONDS
    try:
        return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, work),
                                      seconds)
    except TimeoutError:
        raise TimedOut(seconds) from None


def given(values: list[str] | None) -> list[str]:
    """The non-blank values (an HTML form sends an empty field as ``""``)."""
    return [v for v in values or () if v.strip()]


#: The bounds FastAPI checks before the library does (a ``k`` below 1 is the library's
#: sentence, the same as the command line's).
SEARCH_LIMITS = {"k": {"le": 1000}}
#: ``/api/search``'s parameters: the fields of a partner search.
SearchQuery = model_of(SearchRequest, "SearchQuery", limits=SEARCH_LIMITS)
_BUILD_LIMITS = {"n": {"ge": 1, "le": 50}}
#: ``/api/check``'s body: the fields of a consortium request that a check reads.
CheckBody = model_of(ConsortiumRequest, "CheckBody", base=Body, required=("action", "members"),
                     only=("action", "members", "coordinator", "call_year"))
#: ``/api/complete``'s body: every field of a consortium request.
CompleteBody = model_of(ConsortiumRequest, "CompleteBody", base=Body,
                        required=("action", "members"), limits=_BUILD_LIMITS)
#: ``/api/propose``'s body: a consortium request around a lead, who is its coordinator.
ProposeBody = model_of(ConsortiumRequest, "ProposeBody", base=Body, required=("action",),
                       leave=("members", "coordinator"), limits=_BUILD_LIMITS,
                       extra={"lead": (str, Field(description="The coordinator."))})


def _said(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = said(answer, lang)
    return out


def health(live: LiveMatcher) -> dict[str, Any]:
    """Whether this worker answers from the registry's current index (see
    :class:`matcher.live.Freshness`), and the saved index."""
    saved = live.current.index_status().to_json()
    saved.pop("checksums", None)
    saved.pop("stamps", None)
    return {**live.freshness().to_json(), "index": saved}


def router() -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/search", summary="Find partners for an organisation and/or a project idea")
    async def search(request: Request, query: Annotated[SearchQuery, Query()],  # type: ignore[valid-type]
                     lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher search --format json``: the resolved query, the ranked results with
        their ``why`` lines, and notes (in Finnish with ``lang=fi``). Searches that arrive
        together are ranked as one batch (the same answers, less work each)."""
        asked = SearchRequest(**request_values(SearchRequest, query))
        seconds = limits.SECONDS
        try:
            found = await asyncio.wait_for(
                asyncio.wrap_future(searches_of(request).submit(asked)), seconds)
        except TimeoutError:
            raise TimedOut(seconds) from None
        return _said(found.to_json(), lang)

    @api.get("/orgs", summary="List organisations by country, type, theme, name, ECHE")
    def orgs(matcher: Facade, countries: Many = [], types: Many = [],  # noqa: B006
             themes: Many = [], name: str | None = None, eche: bool = False,  # noqa: B006
             limit: Annotated[int, Query(ge=1, le=1000)] = 50,
             offset: Annotated[int, Query(ge=0, le=ROWS)] = 0) -> list[dict[str, Any]]:
        """As ``matcher orgs --format json``."""
        return [o.to_json() for o in matcher.orgs(
            countries=given(countries), types=given(types), themes=given(themes),
            name=name or None, eche=eche, limit=limit, offset=offset)]

    @api.get("/orgs/{org}", summary="One organisation: profile, themes, projects, partners")
    def show(matcher: Facade, org: str) -> dict[str, Any]:
        """As ``matcher show ORG --format json``; ORG is a PIC, OID, Erasmus code, #id
        (``%2312``) or name. 404 when it names no organisation."""
        return matcher.show(org).to_json()

    @api.get("/themes", summary="The theme vocabulary (English and Finnish labels)")
    def themes_(matcher: Facade, kind: str | None = None) -> list[dict[str, Any]]:
        """As ``matcher themes --format json``."""
        return [t.to_json() for t in matcher.themes(kind or None)]

    @api.post("/check", summary="Is a consortium eligible? Every rule it breaks")
    async def check(matcher: Facade, body: CheckBody,  # type: ignore[valid-type]
                    lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher check --format json`` (200 whether eligible or not: see
        ``eligible`` and ``violations``)."""
        asked = ConsortiumRequest(**request_values(ConsortiumRequest, body))
        return _said(await within_time(lambda: matcher.check(asked).to_json()), lang)

    @api.post("/complete", summary="Complete a consortium: the best eligible ones")
    async def complete(matcher: Facade, body: CompleteBody,  # type: ignore[valid-type]
                       lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher complete --format json``; 409 naming the constraint when no eligible
        consortium can be made."""
        asked = ConsortiumRequest(**request_values(ConsortiumRequest, body))
        return _said(await within_time(lambda: matcher.complete(asked).to_json()), lang)

    @api.post("/propose", summary="Propose whole consortia around a lead organisation")
    async def propose(matcher: Facade, body: ProposeBody,  # type: ignore[valid-type]
                      lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher propose --format json``."""
        asked = ConsortiumRequest(coordinator=body.lead,  # type: ignore[attr-defined]
                                  **request_values(ConsortiumRequest, body))
        return _said(await within_time(lambda: matcher.complete(asked).to_json()), lang)

    return api
