"""The JSON API: the facade's answers in the shapes of the CLI's ``--format json``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cli.web.errors import TimedOut
from matcher import Matcher, limits
from matcher.batch.shared import SharedBatches
from matcher.consortium.builder import parse_size
from matcher.i18n import said
from matcher.limits import ROWS
from matcher.partners import SearchRequest

__all__ = ["CheckBody", "CompleteBody", "ProposeBody", "given", "health", "router",
           "searches_of"]

Many = Annotated[list[str], Query()]
#: The language of the answer's sentences (why, notes, violations, errors).
Lang = Annotated[str, Query(pattern="^(en|fi)$", description="en (default) or fi.")]
T = TypeVar("T")


def matcher_of(request: Request) -> Matcher:
    """The worker's matcher (opened once, with its index loaded)."""
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


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckBody(_Body):
    action: str = Field(description="KA220-HED, KA203, KA200 or KA210.")
    members: list[str] = Field(description="PIC, OID, Erasmus code, #id or name of each.")
    coordinator: str | None = None
    call_year: int | None = Field(None, description="Default: the action's latest call.")


class _Build(_Body):
    action: str = Field(description="KA220-HED, KA203, KA200 or KA210.")
    size: str | None = Field(None, description="Organisations in the whole consortium: "
                                               "MIN..MAX or N (default: the minimum and one "
                                               "more).")
    n: int = Field(5, ge=1, le=50, description="How many alternative consortia.")
    text: str = ""
    themes: list[str] = []
    topics: list[str] = []
    countries: list[str] = []
    exclude_countries: list[str] = []
    types: list[str] = []
    eche: bool = False
    include_unnamed: bool = False
    call_year: int | None = None
    idea_weight: float | None = Field(None, description="How much the additions' closeness "
                                      "to the idea counts, 0 to 1 (default: as learned).")

    def options(self) -> dict[str, Any]:
        return {"size": parse_size(self.size or None), "n": self.n, "text": self.text,
                "themes": given(self.themes), "topics": given(self.topics),
                "countries": given(self.countries),
                "exclude_countries": given(self.exclude_countries),
                "types": given(self.types), "eche": self.eche,
                "include_unnamed": self.include_unnamed, "call_year": self.call_year,
                "idea_weight": self.idea_weight}


class CompleteBody(_Build):
    members: list[str] = Field(description="The members you already have.")
    coordinator: str | None = None


class ProposeBody(_Build):
    lead: str = Field(description="The coordinator.")


def _said(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = said(answer, lang)
    return out


def health(matcher: Matcher) -> dict[str, Any]:
    """Whether this worker answers from the registry's current index: ``stale`` when the
    registry changed since the index was built (``matcher index`` rebuilds it; restart the
    server to load it)."""
    saved = matcher.index_status().to_json()
    saved.pop("checksums", None)
    registry = matcher.fingerprint()
    loaded = matcher.ranker().registry_fingerprint_
    fresh = loaded == registry
    return {"status": "ok" if fresh else "stale", "fresh": fresh,
            "loaded_fingerprint": loaded, "registry_fingerprint": registry, "index": saved}


def router() -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/search", summary="Find partners for an organisation and/or a project idea")
    async def search(request: Request, org: str | None = None, text: str = "",
                     themes: Many = [], topics: Many = [], countries: Many = [],  # noqa: B006
                     exclude_countries: Many = [], types: Many = [],  # noqa: B006
                     eche: bool = False, programme_countries_only: bool = False,
                     action: str = "KA220-HED", k: Annotated[int, Query(le=1000)] = 10,
                     include_unnamed: bool = False, lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher search --format json``: the resolved query, the ranked results with
        their ``why`` lines, and notes (in Finnish with ``lang=fi``). Searches that arrive
        together are ranked as one batch (the same answers, less work each)."""
        asked = SearchRequest(
            org=org, text=text, themes=tuple(given(themes)), topics=tuple(given(topics)),
            countries=tuple(given(countries)), exclude_countries=tuple(given(exclude_countries)),
            types=tuple(given(types)), eche=eche,
            programme_countries_only=programme_countries_only, action=action, k=k,
            include_unnamed=include_unnamed)
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
    async def check(matcher: Facade, body: CheckBody, lang: Lang = "en") -> dict[str, Any]:
        """As ``matcher check --format json`` (200 whether eligible or not: see
        ``eligible`` and ``violations``)."""
        return _said(await within_time(lambda: matcher.check(
            body.action, given(body.members), coordinator=body.coordinator or None,
            call_year=body.call_year).to_json()), lang)

    @api.post("/complete", summary="Complete a consortium: the best eligible ones")
    async def complete(matcher: Facade, body: CompleteBody, lang: Lang = "en"
                       ) -> dict[str, Any]:
        """As ``matcher complete --format json``; 409 naming the constraint when no eligible
        consortium can be made."""
        return _said(await within_time(lambda: matcher.complete(
            body.action, given(body.members), coordinator=body.coordinator or None,
            **body.options()).to_json()), lang)

    @api.post("/propose", summary="Propose whole consortia around a lead organisation")
    async def propose(matcher: Facade, body: ProposeBody, lang: Lang = "en"
                      ) -> dict[str, Any]:
        """As ``matcher propose --format json``."""
        return _said(await within_time(lambda: matcher.propose(
            body.action, body.lead, **body.options()).to_json()), lang)

    return api
