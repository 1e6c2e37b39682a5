"""The library's front door: :class:`Matcher`, one object per registry.

::

    from matcher import Matcher
    m = Matcher.open()                        # or Matcher.open("postgresql://HOST/DB")
    hits = m.search(text="virtual mobility", countries=["DE"], k=10)
    found = m.complete("KA220-HED", members=["SF HELSINK01", "999994535"], n=5)
    verdict = m.check("KA220-HED", members=["999994535", "965934440"], call_year=2025)

Every method takes what a user types (PICs, names, labels, country names) and returns typed
values (:class:`~matcher.partners.SearchResult`, :class:`Completion`, :class:`Verdict`,
:class:`~matcher.registry.catalogue.OrgDetail`...); JSON is made only at the edge, with their
``to_json()``. The parts are made once, when first needed: the reference data and its
:class:`~matcher.vocabulary.Vocabulary` (one per registry), the rule book, and the search
index (loaded from the cache, rebuilt when stale unless ``build=False``). ``check`` and the
browsing methods never load the index.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, overload

from sqlalchemy.orm import Session

from matcher import limits
from matcher.consortium.builder import Consortium, complete, propose
from matcher.consortium.objective import Objective, load_objective
from matcher.consortium.rules import Call, RuleBook, Violation
from matcher.i18n import message
from matcher.limits import check_text, check_value, check_values
from matcher.partners import SearchResult, search_partners
from matcher.ranking.index import IndexInfo, index_dir, load_index, load_or_build, status
from matcher.ranking.ranker import Ranker
from matcher.registry.catalogue import (
    OrgDetail,
    OrgSummary,
    ThemeRow,
    find_organisation,
    list_organisations,
    list_themes,
    organisation_profile,
    profiles,
    registry_stats,
)
from matcher.registry.reference import Reference
from matcher.registry.snapshot import OrgProfile
from matcher.registry.store import Store, fingerprint, load_reference
from matcher.requests import ConsortiumRequest, IdeaFields, SearchRequest
from matcher.values import Filters, Query
from matcher.vocabulary import OrgIndex, Vocabulary
from models.db import Database, open_registry
from models.errors import (
    DatabaseError,
    MatcherError,
    NotYetIndexed,
    QueryError,
    UnknownOrganisation,
    concerning,
)
from models.locks import read_snapshot
from models.text import quoted

__all__ = ["Completion", "IndexStatus", "Matcher", "Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What ``check`` found: the call, the members, and every rule they break."""

    action: str
    label: str
    call_year: int
    members: tuple[OrgProfile, ...]
    coordinator: OrgProfile | None
    violations: tuple[Violation, ...]

    @property
    def eligible(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "call_year": self.call_year, "eligible": self.eligible,
                "members": [_member(o) for o in self.members],
                "coordinator": None if self.coordinator is None else _member(self.coordinator),
                "violations": [{"rule": v.rule, "message": v.message}
                               for v in self.violations]}


@dataclass(frozen=True, slots=True)
class Completion:
    """The consortia ``complete`` or ``propose`` found for a call, best first."""

    action: str
    call_year: int
    consortia: tuple[Consortium, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "call_year": self.call_year,
                "consortia": [c.to_json() for c in self.consortia], "notes": list(self.notes)}


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """The search index of a registry: what it holds, and why it cannot be used as it is."""

    info: IndexInfo | None
    problem: str | None
    built: bool = False

    @property
    def fresh(self) -> bool:
        return self.info is not None and self.problem is None

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"fresh": self.fresh, "problem": self.problem, "built": self.built,
                **(asdict(self.info) if self.info is not None else {})}


def _member(org: OrgProfile) -> dict[str, Any]:
    return {"id": org.id, "pic": org.pic, "name": org.display_name, "country": org.country,
            "type": org.category, "eche": org.eche}


def _within_limits(*, text: str = "", members: Sequence[str] = (),
                   **values: str | Sequence[str] | None) -> None:
    """``QueryError`` for a request over the bounds of :mod:`matcher.limits`, before any
    work: ``values`` are single values (``action``, ``lead``...) or lists (``countries``...)."""
    check_text("text", text)
    check_values("members", members, limit=limits.MEMBERS)
    for name, value in values.items():
        if isinstance(value, str) or value is None:
            check_value(name, value)
        else:
            check_values(name, value)


def _tuples(fields: dict[str, Any]) -> dict[str, Any]:
    """Keyword fields of a request with their lists as tuples (a request is frozen)."""
    return {name: tuple(v) if isinstance(v, list) else v for name, v in fields.items()}


def _objective(idea_weight: float | None) -> Objective | None:
    """The learned objective with the idea's weight the user asked for (``None``: as learned)."""
    if idea_weight is None:
        return None
    with concerning("idea_weight"):
        return load_objective().with_idea_weight(idea_weight)


@dataclass
class Matcher:
    """Partner search, eligibility and consortium building on one registry.

    Make one with :meth:`open` (a database) or :meth:`from_index` (a saved search index
    only: what a batch worker on another machine has). ``progress`` receives the one-line
    notes of slow steps (building the index); ``build=False`` never builds or rebuilds the
    index (a server: a stale index is used and reported by :meth:`index_status`).
    """

    db: Database | None
    cache_dir: Path | None = None
    progress: Callable[[str], None] | None = None
    build: bool = True
    _reference: Reference | None = field(default=None, repr=False)
    _ranker: Ranker | None = field(default=None, repr=False)
    _vocabulary: Vocabulary | None = field(default=None, repr=False)
    _rulebook: RuleBook | None = field(default=None, repr=False)
    #: (when, whether) the registry was last found to have changed since the loaded index
    _behind: tuple[float, bool] | None = field(default=None, repr=False)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, create: bool = False,
             cache_dir: Path | None = None, progress: Callable[[str], None] | None = None,
             build: bool = True) -> Matcher:
        """The registry at ``url`` (default: ``$MATCHER_DB``, else the default registry).

        A named registry that does not exist is an error (``NoRegistry``), unless ``create``.
        The default registry is created from the bundled data on first use, by this call as by
        the first ``matcher`` command (``progress``, else stderr, gets the note).
        """
        return cls(open_registry(url, write=create, announce=progress),
                   cache_dir=cache_dir, progress=progress, build=build)

    def renewed(self) -> Matcher:
        """A matcher on the same database whose parts are read again when first needed, its
        search index loaded, or built when stale (``build=True``); this one is left as it is
        and keeps answering from what it has loaded."""
        return Matcher(self.db, cache_dir=self.cache_dir, progress=self.progress, build=True)

    @classmethod
    def from_index(cls, directory: Path) -> Matcher:
        """A matcher that answers from a saved search index alone (no database)."""
        ranker = Ranker.load(Path(directory))
        if ranker.registry_.reference is None:
            raise QueryError(f"the index in {directory} holds no reference data: rebuild it "
                             "with `matcher index --rebuild`")
        return cls(None, _reference=ranker.registry_.reference, _ranker=ranker)

    def close(self) -> None:
        """Release the database's connections."""
        if self.db is not None:
            self.db.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read transaction over one consistent snapshot of the registry."""
        if self.db is None:
            raise QueryError("this matcher has no database (it was made from a saved index): "
                             "open one with Matcher.open(URL)")
        with self.db.sessions.begin() as session:
            read_snapshot(session)
            yield session

    # -- the parts, made once ------------------------------------------------------------
    @property
    def reference(self) -> Reference:
        if self._reference is None:
            with self.session() as s:
                self._reference = load_reference(s)
            if not self._reference.actions:
                raise DatabaseError("the registry holds no reference data (rules, countries, "
                                    "types) yet: set it up with `matcher init` (with the same "
                                    "--db), or any other `matcher` command")
        return self._reference

    @property
    def rulebook(self) -> RuleBook:
        if self._rulebook is None:
            self._rulebook = RuleBook.from_reference(self.reference)
        return self._rulebook

    def ranker(self) -> Ranker:
        """The registry's fitted ranker: the cached search index, built when missing and
        (unless ``build=False``) rebuilt when stale."""
        if self._ranker is None:
            with self.session() as s:
                if self.build:
                    self._ranker = load_or_build(Store(s), cache_dir=self.cache_dir,
                                                 progress=self.progress)
                else:
                    self._ranker = load_index(Store(s), cache_dir=self.cache_dir,
                                              progress=self.progress)
        return self._ranker

    @property
    def vocabulary(self) -> Vocabulary:
        """The vocabulary of the registry, organisations included (loads the index)."""
        if self._vocabulary is None:
            ranker = self.ranker()
            self._vocabulary = Vocabulary(self.reference, OrgIndex.of(ranker.registry_),
                                          topic_families=ranker.space_.topics.families_)
        return self._vocabulary

    def _words(self) -> Vocabulary:
        """The vocabulary without organisations: themes, countries, types (no index)."""
        if self._vocabulary is not None:
            return self._vocabulary
        return Vocabulary(self.reference)

    def call(self, action: str, call_year: int | None = None) -> Call:
        """The call of ``action`` in ``call_year`` (default: its latest)."""
        self._known_action(action)
        with concerning("call_year"):
            return self.rulebook.call(action, call_year)

    # -- 1. partners ---------------------------------------------------------------------
    @overload
    def search(self, request: SearchRequest | None = None, /, **fields: Any) -> SearchResult:
        ...

    @overload
    def search(self, request: Sequence[SearchRequest], /,
               ) -> list[SearchResult | MatcherError]:
        ...

    def search(self, request: SearchRequest | Sequence[SearchRequest] | None = None, /,
               **fields: Any) -> SearchResult | list[SearchResult | MatcherError]:
        """The ``k`` best partners for an organisation and/or a project idea, explained.

        ``request``: a :class:`~matcher.partners.SearchRequest`, or its fields by keyword
        (``m.search(text="virtual mobility", k=3)``). Organisations known only by their PIC
        are left out unless ``include_unnamed``. A list of requests is answered as one batch:
        a list of results in the same order, a request that cannot be answered giving its
        error in its place.
        """
        if request is None:
            request = SearchRequest(**_tuples(fields))
        if isinstance(request, SearchRequest):
            self.validate(request)
            found = self._search_checked([request])[0]
            if isinstance(found, MatcherError):
                raise found
            return found
        requests = list(request)
        refused: dict[int, MatcherError] = {}
        for i, one in enumerate(requests):
            try:
                one.check()
            except MatcherError as exc:
                refused[i] = exc
        answers = iter(self._search_checked(
            [one for i, one in enumerate(requests) if i not in refused]))
        return [refused[i] if i in refused else next(answers) for i in range(len(requests))]

    def validate(self, request: SearchRequest) -> None:
        """``QueryError`` for a search that is wrong in itself (empty, a bad ``k``, an unknown
        action), found before anything is ranked or the index is loaded."""
        request.check()
        self._known_action(request.action)

    def _known_action(self, action: str) -> None:
        """``QueryError`` (concerning ``action``) unless the rule book has ``action``."""
        with concerning("action"):
            self.rulebook.action(action)

    def _search_checked(self, requests: Sequence[SearchRequest],
                        ) -> list[SearchResult | MatcherError]:
        if requests:
            self._known_action(requests[0].action)  # an unknown action fails every row
        found = search_partners(self.ranker(), self.vocabulary, self.rulebook, requests)
        return [self._not_yet_indexed(answer, [asked.org])
                if isinstance(answer, UnknownOrganisation) and asked.org else answer
                for asked, answer in zip(requests, found, strict=True)]

    def _not_yet_indexed(self, exc: UnknownOrganisation, refs: Sequence[str]) -> MatcherError:
        """``exc``, or :class:`NotYetIndexed` when one of ``refs`` names an organisation that
        the registry has and the loaded index does not (imported since the index was built:
        a server refreshing its index). On the error's path only, and only when the registry
        changed since the index was built: a reference that names nothing (a typo, a name
        read against every name of the registry) costs no more than the fingerprint, read
        at most once a second."""
        if self.db is None or not self._index_behind():
            return exc
        known = self.ranker().registry_.row_of
        with self.session() as s:
            for ref in refs:
                try:
                    org_id = find_organisation(s, ref)
                except MatcherError:
                    continue
                if org_id not in known:
                    behind = NotYetIndexed(message("error.not_yet_indexed", ref=quoted(ref)))
                    behind.parameter = exc.parameter
                    return behind
        return exc

    def _index_behind(self) -> bool:
        """Whether the registry changed since the loaded index was built (read again when
        the last answer is over a second old)."""
        now = time.monotonic()
        if self._behind is None or now - self._behind[0] > 1.0:
            self._behind = (now, self.fingerprint() != self.ranker().registry_fingerprint_)
        return self._behind[1]

    def indexed(self, org_id: int) -> bool:
        """Whether the loaded search index knows the organisation (internal id) ``org_id``:
        not yet when it was imported after the index was built."""
        return org_id in self.ranker().registry_.row_of

    # -- 2. consortia --------------------------------------------------------------------
    def check(self, request: ConsortiumRequest | str, members: Sequence[str] = (), *,
              coordinator: str | None = None, call_year: int | None = None) -> Verdict:
        """Whether the consortium is eligible for the call; every rule it breaks.

        ``request``: a :class:`~matcher.requests.ConsortiumRequest` (its action, members,
        coordinator and call year are read), or the action with the rest by keyword.
        """
        if isinstance(request, ConsortiumRequest):
            action, members = request.action, request.members
            coordinator, call_year = request.coordinator, request.call_year
        else:
            action = request
        _within_limits(action=action, members=members, coordinator=coordinator)
        call = self.call(action, call_year)
        with self.session() as s:
            with concerning("members"):
                ids = [find_organisation(s, ref) for ref in members]
            if coordinator:
                with concerning("coordinator"):
                    ids.append(find_organisation(s, coordinator))
            orgs = profiles(s, ids)
        given = list({o.id: o for o in orgs[:len(members)]}.values())
        lead = orgs[-1] if coordinator else None
        return Verdict(call.rules.code, call.label, call.year, tuple(given), lead,
                       tuple(call.check(given, coordinator=lead)))

    def complete(self, request: ConsortiumRequest | str, members: Sequence[str] = (),
                 **fields: Any) -> Completion:
        """The ``n`` best eligible consortia that contain ``members``, best first; added
        members have a name unless ``include_unnamed``. ``idea_weight`` (0 to 1): how much the
        additions' closeness to the idea counts (default: the learned objective's).

        ``request``: a :class:`~matcher.requests.ConsortiumRequest`, or its action with the
        members and the other fields by keyword. A request without members but with a
        coordinator is a proposal (:meth:`propose`).
        """
        if isinstance(request, str):
            request = ConsortiumRequest(action=request, members=tuple(members),
                                        **_tuples(fields))
        lead_is = "lead" if request.proposal else "coordinator"
        _within_limits(action=request.action, members=request.members,
                       **{lead_is: request.coordinator}, text=request.text,
                       themes=request.themes, topics=request.topics,
                       countries=request.countries,
                       exclude_countries=request.exclude_countries, types=request.types)
        call = self.call(request.action, request.call_year)
        objective = _objective(request.idea_weight)
        words = self.vocabulary
        try:
            with concerning("members"):
                given = words.organisations(request.members)
            with concerning(lead_is):
                lead = words.organisation(request.coordinator) if request.coordinator else None
        except UnknownOrganisation as exc:
            raise self._not_yet_indexed(exc, [*request.members, request.coordinator or ""]
                                        ) from None
        found_themes, found_topics, notes, filters = self._idea_and_filters(request)
        asked: dict[str, Any] = {
            "size": request.size, "n": request.n, "text": request.text, "themes": found_themes,
            "topics": found_topics, "filters": filters, "objective": objective}
        if request.proposal:
            assert lead is not None
            found = propose(self.ranker(), call, lead=lead, **asked)
        else:
            found = complete(self.ranker(), call, members=given, coordinator=lead, **asked)
        return Completion(call.rules.code, call.year, tuple(found), notes)

    def propose(self, action: str, lead: str, **fields: Any) -> Completion:
        """Whole eligible consortia around ``lead`` (the coordinator) for a project idea:
        :meth:`complete` of a request with that coordinator and no members."""
        return self.complete(ConsortiumRequest(action=action, coordinator=lead,
                                               **_tuples(fields)))

    def _idea_and_filters(self, request: IdeaFields,
                          ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], Filters]:
        """A consortium request's themes, call topics (with their notes) and filters."""
        words = self.vocabulary
        found_topics, notes = words.topics(request.topics)
        return (words.themes(request.themes), found_topics, notes,
                words.filters(countries=request.countries,
                              exclude_countries=request.exclude_countries,
                              types=request.types, eche=request.eche,
                              include_unnamed=request.include_unnamed))

    # -- browsing the registry -----------------------------------------------------------
    def orgs(self, *, countries: Sequence[str] = (), types: Sequence[str] = (),
             themes: Sequence[str] = (), name: str | None = None, eche: bool = False,
             limit: int = 50, offset: int = 0, merged: bool = False) -> list[OrgSummary]:
        """Organisations matching every filter; by name, best match first. ``merged``:
        only those into which an import merged other spellings, with where each came
        from."""
        _within_limits(countries=countries, types=types, themes=themes, name=name)
        words = self._words()
        with concerning("countries"):
            found_countries = words.countries(countries)
        categories, found_themes = words.categories(types), words.themes(themes)
        with self.session() as s:
            return list_organisations(s, countries=found_countries, categories=categories,
                                      themes=found_themes, name=name, eche=eche, limit=limit,
                                      offset=offset, merged=merged)

    def reasons_together(self, members: Sequence[OrgProfile]) -> list[tuple[str, ...]]:
        """Why each member belongs with the others: the ranker's reasons for it when the
        rest of the consortium is the query (past projects together, partners in common,
        shared themes, type, country). Empty for a member the index does not know."""
        ranker = self.ranker()
        known = [o for o in members if o.id in ranker.registry_.row_of]
        out: list[tuple[str, ...]] = []
        for org in members:
            others = tuple(o.id for o in known if o.id != org.id)
            if org not in known or not others:
                out.append(())
                continue
            out.append(ranker.why(Query(org_ids=others), ranker.registry_.row_of[org.id]))
        return out

    def show(self, org: str, *, today: dt.date | None = None) -> OrgDetail:
        """One organisation: identifiers, type, ECHE, themes, projects, past partners."""
        _within_limits(org=org)
        with self.session() as s, concerning("org"):
            return organisation_profile(s, org, today=today)

    def stats(self) -> dict[str, Any]:
        """How much the registry holds, with breakdowns."""
        with self.session() as s:
            return registry_stats(s)

    def themes(self, kind: str | None = None) -> list[ThemeRow]:
        """The theme vocabulary, optionally one kind."""
        with self.session() as s, concerning("kind"):
            return list_themes(s, kind)

    # -- the search index ----------------------------------------------------------------
    def index_status(self) -> IndexStatus:
        """The saved index and whether it can be used as it is (fresh and intact)."""
        with self.session() as s:
            info, problem = status(Store(s), cache_dir=self.cache_dir)
        return IndexStatus(info, problem)

    def build_index(self, *, rebuild: bool = False) -> IndexStatus:
        """Build the index when it is missing, stale or damaged (always with ``rebuild``);
        a stale one is refreshed instead when the registry only grew by a little since
        (:func:`matcher.ranking.index.refresh`; its manifest says so)."""
        from matcher.ranking.index import update

        current = self.index_status()
        if current.fresh and not rebuild:
            return current
        with self.session() as s:
            self._ranker, info, _made = update(Store(s), cache_dir=self.cache_dir,
                                               progress=self.progress, rebuild=rebuild)
        self._vocabulary = None
        return IndexStatus(info, None, built=True)

    def index_directory(self) -> Path:
        with self.session() as s:
            return index_dir(Store(s), self.cache_dir)

    def fingerprint(self) -> str:
        with self.session() as s:
            return fingerprint(s)
