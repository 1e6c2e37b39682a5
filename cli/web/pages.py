"""The server-rendered pages: search, organisation, consortium builder, and the exports.

Every page is a GET whose state is all in the URL (bookmark it, share it); forms are plain
HTML and work without JavaScript. The pages call the same facade methods as the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathPart
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from cli.web.api import Facade, SearchQuery, given, searches_of
from cli.web.errors import error_body, status_of
from cli.web.fields import model_of, request_values
from cli.web.i18n import TEXT, choose, translator
from matcher import (
    Completion,
    ConsortiumRequest,
    Matcher,
    SearchRequest,
    SearchResult,
    Verdict,
)
from matcher.cells import page_text
from matcher.errors import MatcherError
from matcher.export import PartnerRow, to_csv, to_xlsx
from matcher.fields import kinds
from matcher.i18n import country_name, date, message, number, say
from matcher.names import OrgIdentity

__all__ = ["TEMPLATES", "pic_of", "render_error", "router", "website_link"]

Many = Annotated[list[str], Query()]
#: Every template autoescapes, whatever its file name (Starlette's default only does it for
#: ``.html``, ``.htm`` and ``.xml``), and shows a text's bidirectional overrides as escapes
#: (:func:`~matcher.cells.page_text`: a name cannot reverse the page's text after it).
TEMPLATES = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, finalize=page_text))
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def link(path: str, params: Iterable[tuple[str, Any]] = ()) -> str:
    """``path`` with the non-empty ``params`` as its query string."""
    kept = [(k, str(v)) for k, v in params if v not in (None, "", False)]
    return path + ("?" + urlencode(kept) if kept else "")


def each(name: str, values: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, value)`` for each value: a repeated URL parameter."""
    return [(name, v) for v in values]


def org_path(ref: str) -> str:
    return "/orgs/" + quote(ref, safe="")


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
#: A host name (letters of any script: www.iespeñacastillo.es), an optional port and path.
_HOST = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]+)+\.?(?::[0-9]{1,5})?(?:[/?#]\S*)?")


def website_link(website: str | None) -> str | None:
    """The link an organisation's website may be: ``http``/``https`` only, its scheme in lower
    case; a website without a scheme (``www.example.org``, as most of the ECHE list writes
    them) is ``https://``. Anything else (``javascript:``, ``data:``, ``vbscript:``, stray
    text) is None: the page shows it as text, never as a link.

    >>> website_link(" HTTPS://Example.org/a "), website_link("www.uni.fi")
    ('https://Example.org/a', 'https://www.uni.fi')
    >>> website_link("JaVaScRiPt:alert(1)") is None, website_link("data:text/html,x") is None
    (True, True)
    """
    text = (website or "").strip()
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        return None
    scheme = _SCHEME.match(text)
    if scheme is not None and "." not in scheme[1]:  # "www.uni.fi:8080" has no scheme
        rest = text[scheme.end():]
        if scheme[1].lower() not in ("http", "https") or not _HOST.fullmatch(
                rest.removeprefix("//")) or not rest.startswith("//"):
            return None
        return f"{scheme[1].lower()}:{rest}"
    return "https://" + text if _HOST.fullmatch(text) else None


def pic_of(org: OrgIdentity, lang: str) -> str:
    """The organisation's PIC, or that it has none (never its internal ``#id``)."""
    return org.pic or translator(lang)("no_pic")


def language_of(request: Request, lang: str | None = None) -> str:
    """The language of the answer to ``request``: ``?lang=``, else its Accept-Language."""
    return choose(lang or request.query_params.get("lang"),
                  request.headers.get("accept-language"))


def _render(request: Request, template: str, lang: str, status: int = 200,
            **context: Any) -> HTMLResponse:
    lang = language_of(request, lang)
    other = "fi" if lang == "en" else "en"
    here = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return TEMPLATES.TemplateResponse(request, template, {
        "t": translator(lang), "lang": lang, "link": link, "each": each, "org_path": org_path,
        "website_link": website_link, "pic_of": pic_of,
        "num": lambda value, spec="": number(value, lang, spec),
        "country_name": lambda code, english=None: country_name(code, lang, english),
        "date": lambda value: date(value, lang),
        "other_lang": other, "other_url": link(request.url.path, [*here, ("lang", other)]),
        **context}, status_code=status)


def render_error(request: Request, status: int, body: dict[str, Any]) -> HTMLResponse:
    """An error as a page (the API's JSON handlers' counterpart)."""
    return _render(request, "error.html", "", status, error=body)


def _theme_groups(matcher: Matcher, lang: str) -> list[tuple[str, list[Choice]]]:
    """The themes by kind, each found by its code and both labels, for the search form."""
    groups: dict[str, list[Choice]] = {}
    for theme in matcher.reference.themes.values():
        label = (theme.label_fi or theme.label_en) if lang == "fi" else theme.label_en
        groups.setdefault(theme.kind, []).append(Choice(
            theme.code, label, " ".join(dict.fromkeys([theme.code, theme.label_en,
                                                       theme.label_fi or ""])), theme.kind))
    order = ("seed", "priority", "topic", "programme-part")
    return [(kind, sorted(groups[kind], key=lambda c: fold_label(c.label)))
            for kind in sorted(groups, key=lambda k: order.index(k) if k in order else 9)]


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a picker: its value, label in the page's language, the words it is
    found by (code, English and Finnish names) and the groups it belongs to."""

    value: str
    label: str
    search: str
    groups: str = ""


def _country_choices(matcher: Matcher, lang: str, action: str,
                     members: Sequence[str]) -> list[Choice]:
    """The countries of the search form, each in its groups: ``eu`` (member states),
    ``associated`` (the other countries that count for the action), ``partner`` (the rest),
    ``notyet`` (countries that count and that no member of the consortium is from)."""
    book = matcher.rulebook
    try:
        rules = book.action(action)
    except MatcherError:
        rules = book.action("KA220-HED")
    counting = book.countries_that_count(rules.code)
    eu = {c.code for c in matcher.reference.countries if book.status(c.code, 2021) == "member"}
    if rules.last_call <= 2020:
        eu.add("UK")
    have: set[str] = set()
    for ref in members:
        try:
            have.add(book.region_of(matcher.vocabulary.organisation(ref).country))
        except MatcherError:
            pass
    out = []
    for c in matcher.reference.countries:
        here = book.region_of(c.code)
        groups = ["eu" if here in eu else "associated" if here in counting else "partner"]
        if members and here in counting and here not in have:
            groups.append("notyet")
        fi = country_name(c.code, "fi", c.name)
        label = country_name(c.code, lang, c.name)
        out.append(Choice(c.code, f"{label} ({c.code})",
                          " ".join(dict.fromkeys([c.code, c.iso2, c.name, fi, *c.aliases])),
                          " ".join(groups)))
    return sorted(out, key=lambda c: fold_label(c.label))


def fold_label(text: str) -> str:
    """A label as sorted (accents after their letter, as a reader expects: Åland with A)."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(ch))


#: The search page's parameters: the fields of a partner search (at most 100 results on a
#: page; an export may ask for up to 1000, as the API).
SearchForm = model_of(SearchRequest, "SearchForm", limits={"k": {"ge": 1, "le": 100}})
#: The fields that search.html draws with a widget of their own (a picker, a list of
#: choices); every other field of the request is drawn by its kind.
WIDGETS = frozenset({"text", "org", "topics", "themes", "countries", "types", "action",
                     "programme_countries_only", "eche", "k"})


#: The consortium page's parameters: the fields of a consortium request; the page asks for
#: three alternatives of the action it starts on unless told otherwise.
ConsortiumForm = model_of(ConsortiumRequest, "ConsortiumForm",
                          defaults={"action": "KA220-HED", "n": 3},
                          limits={"n": {"ge": 1, "le": 50}})
#: The fields that consortium.html draws with a widget of its own (the action and year
#: selects, the members' table and box, the idea); every other field of the request is
#: drawn by its kind.
CONSORTIUM_WIDGETS = frozenset({"action", "call_year", "members", "text"})


def _state(form: Any) -> list[tuple[str, Any]]:
    """The form's fields other than the members that differ from their defaults, as URL
    parameters (a list one for each value, a yes as ``true``): what every link and form of
    the consortium page carries on."""
    out: list[tuple[str, Any]] = []
    for name, info in type(form).model_fields.items():
        value = getattr(form, name)
        if name == "members" or value in (None, "", False) or value == info.default:
            continue
        if isinstance(value, list):
            out += [(name, v) for v in value if v.strip()]
        else:
            out.append((name, "true" if value is True else value))
    return out


def _label(name: str) -> str:
    """The catalogue key of a consortium field's label: the builder's own, else the search
    form's (the fields they share); a key the catalogue lacks shows the field's name."""
    return f"cons.field.{name}" if f"cons.field.{name}" in TEXT else f"search.{name}"


def _search(request: Request, asked: SearchRequest) -> SearchResult:
    """The search of a page, ranked with the searches that arrive with it."""
    return searches_of(request).search(asked)


def _year(call_year: str) -> int | None:
    return int(call_year) if call_year.strip().isdigit() else None


def _export(rows: Sequence[PartnerRow], name: str, fmt: str) -> Response:
    body = to_xlsx(rows, title=name) if fmt == "xlsx" else to_csv(rows).encode("utf-8")
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def router() -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/", response_class=HTMLResponse)
    def search_page(request: Request, matcher: Facade,
                    query: Annotated[SearchForm, Query()],  # type: ignore[valid-type]
                    members: Many = [], lang: str = "") -> HTMLResponse:  # noqa: B006
        form = request_values(SearchRequest, query)
        asked = SearchRequest(**form)
        result, error, status = None, None, 200
        if (asked.org or "").strip() or asked.text.strip() or asked.themes or asked.topics:
            try:
                result = _search(request, asked)
            except MatcherError as exc:
                error, status = error_body(exc), status_of(exc)
        reference = matcher.reference
        lang = language_of(request, lang)
        found = kinds(SearchRequest)
        return _render(
            request, "search.html", lang, status, result=result, error=error,
            form={**form, "org": asked.org or "", "topics": " ".join(asked.topics)},
            more=[(name, kind) for name, kind in found.items() if name not in WIDGETS],
            members=given(members),
            theme_groups=_theme_groups(matcher, lang),
            countries=_country_choices(matcher, lang, asked.action, given(members)),
            categories=reference.categories, actions=sorted(matcher.rulebook.actions),
            export=request.url.query)

    @pages.get("/orgs/{org}", response_class=HTMLResponse)
    def org_page(request: Request, matcher: Facade, org: str, members: Many = [],  # noqa: B006
                 lang: str = "") -> HTMLResponse:
        detail = matcher.show(org)
        indexing = not matcher.indexed(detail.id)
        if indexing:  # imported since the index in use was built: check for it now
            request.app.state.matcher.live.poke()
        return _render(request, "org.html", lang, detail=detail, members=given(members),
                       indexing=indexing)

    @pages.get("/consortium", response_class=HTMLResponse)
    def consortium_page(request: Request, matcher: Facade,
                        query: Annotated[ConsortiumForm, Query()],  # type: ignore[valid-type]
                        do: str = "", lang: str = "") -> HTMLResponse:
        refs = list(dict.fromkeys(given(query.members)))  # type: ignore[attr-defined]
        verdict: Verdict | None = None
        found: Completion | None = None
        error, status = None, 200
        try:
            asked = ConsortiumRequest(**{**request_values(ConsortiumRequest, query),
                                         "members": tuple(refs)})
            if refs:
                verdict = matcher.check(asked)
            if refs and do == "complete":
                found = matcher.complete(asked)
            elif refs and do == "propose":  # around the coordinator, else the first member
                found = matcher.complete(replace(asked, members=(),
                                                 coordinator=asked.coordinator or refs[0]))
        except MatcherError as exc:
            error, status = error_body(exc), status_of(exc)
        form = query.model_dump()  # type: ignore[attr-defined]
        call_year = "" if form["call_year"] is None else str(form["call_year"])
        return _render(request, "consortium.html", lang, status, refs=refs, verdict=verdict,
                       found=found, error=error, action=query.action,  # type: ignore[attr-defined]
                       call_year=call_year, text=query.text, do=do,  # type: ignore[attr-defined]
                       form=form, state=_state(query), label=_label,
                       more=[(name, kind) for name, kind in kinds(ConsortiumRequest).items()
                             if name not in CONSORTIUM_WIDGETS],
                       actions=sorted(matcher.rulebook.actions),
                       years=_years(matcher, query.action))  # type: ignore[attr-defined]

    @pages.get("/export/search.{fmt}")
    def export_search(request: Request, fmt: Annotated[str, PathPart(pattern="^(csv|xlsx)$")],
                      query: Annotated[SearchQuery, Query()],  # type: ignore[valid-type]
                      lang: str = "") -> Response:
        result = _search(request, SearchRequest(**request_values(SearchRequest, query)))
        lang = language_of(request, lang)
        return _export([PartnerRow.of(m.org, [say(w, lang) for w in m.why])
                        for m in result.matches], "shortlist", fmt)

    @pages.get("/export/consortium.{fmt}")
    def export_consortium(request: Request, matcher: Facade,
                          fmt: Annotated[str, PathPart(pattern="^(csv|xlsx)$")],
                          members: Many = [], action: str = "KA220-HED",  # noqa: B006
                          call_year: str = "", lang: str = "") -> Response:
        verdict = matcher.check(action, list(dict.fromkeys(given(members))),
                                call_year=_year(call_year))
        lang = language_of(request, lang)
        state = say(message("export.eligible" if verdict.eligible else "export.not_yet",
                            action=verdict.action, year=str(verdict.call_year)), lang)
        together = matcher.reasons_together(verdict.members)
        n = len(verdict.members)
        return _export([PartnerRow.of(o, (say(message("export.member", i=i, of=n), lang),
                                          state, *(say(w, lang) for w in why)))
                        for i, (o, why) in enumerate(zip(verdict.members, together,
                                                         strict=True), 1)],
                       "consortium", fmt)

    return pages


def _years(matcher: Matcher, action: str) -> list[int]:
    try:
        rules = matcher.rulebook.action(action)
    except MatcherError:
        return []
    return list(range(rules.last_call, rules.first_call - 1, -1))
