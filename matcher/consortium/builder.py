"""Complete a partial consortium, or propose whole ones, that are eligible by construction.

Two steps:

1. **Candidates.** The ranker scores the organisations for the combined query "the given
   members + text + themes + call topics" and returns the top ``pool`` (200) that the filters
   allow and that could ever be in an eligible consortium of the call (no higher-education
   institution without ECHE in a country that counts; for actions closed to other
   countries, only countries that count). With an idea (text, themes or topics), each
   candidate's relevance to the idea alone is scored too (the ranker's idea model).
2. **Beam search** (:mod:`matcher.consortium.beam`) over sets of added members for the
   objective of :mod:`matcher.consortium.pool`, weighted as learned from real consortia
   (:mod:`matcher.consortium.objective`); alternatives differ in at least two members, and
   with the objective's ``reuse`` penalty each one after the best is searched again with
   the members of better ones penalised, so that the alternatives cover more organisations.
   Each returned consortium is verified with :meth:`Call.check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from matcher.consortium.beam import beam_search, differs, diverse
from matcher.consortium.objective import Objective, load_objective
from matcher.consortium.pool import CandidatePool
from matcher.consortium.rules import HIGHER_EDUCATION, Call
from matcher.errors import ConstraintError, QueryError, concerning
from matcher.fields import parse_size
from matcher.i18n import Text, category, counting, join, message
from matcher.registry.snapshot import OrgProfile, Registry
from matcher.values import Filters, Match, Query

__all__ = ["CandidateRanker", "Consortium", "Member", "Request", "complete", "parse_size",
           "prepare", "propose", "search"]

#: How the ranker's reasons about a query's idea begin (matcher.ranking.explain).
#: The reasons about the request's idea, themes or topics (catalogue keys): an added
#: member's line shows its strongest reason and the best of these.
_IDEA_REASONS = frozenset({"why.took_part", "why.took_part_untitled", "why.profile",
                           "why.closest", "why.shared_themes", "why.topic_family",
                           "why.topic_family.one"})
_FIXABLE = frozenset({"min_organisations", "min_countries", "field"})
_NO_FILTERS = Filters()


class CandidateRanker(Protocol):
    """What the builder needs of a ranker to find and score candidate members
    (:class:`matcher.ranking.ranker.Ranker` is one)."""

    @property
    def registry_(self) -> Registry: ...

    def rank(self, query: Query, n: int = 10, filters: Filters = ..., *,
             explain: bool = ...) -> list[Match]: ...

    def why_many(self, query: Query, rows: Sequence[int]) -> list[tuple[str, ...]]: ...

    def score(self, query: Query, rows: np.ndarray) -> np.ndarray: ...

    def idea_relevance(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def collaboration_factors(self, rows: np.ndarray) -> np.ndarray | None: ...


@dataclass(frozen=True, slots=True)
class Member:
    """One organisation of a consortium; ``added`` when the builder chose it."""

    org: OrgProfile
    added: bool
    why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Consortium:
    """An eligible consortium: members (given ones first), its score and the reasons."""

    rank: int
    score: float
    action: str
    call_year: int
    members: tuple[Member, ...]
    why: tuple[str, ...]
    eligible: bool = True

    @property
    def overall(self) -> tuple[str, ...]:
        """The reasons about the whole consortium: ``why`` without its first lines, one for
        each added member, which repeat that member's own ``why``."""
        return self.why[sum(m.added for m in self.members):]

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank, "score": round(self.score, 4), "eligible": self.eligible,
            "members": [{"id": m.org.id, "pic": m.org.pic, "name": m.org.display_name,
                         "country": m.org.country, "type": m.org.category, "added": m.added}
                        for m in self.members],
            "why": list(self.why),
        }


def _size_range(size: tuple[int, int] | None, min_orgs: int, n_given: int) -> tuple[int, int]:
    lo_default = max(min_orgs, n_given + 1)
    lo, hi = size if size is not None else (lo_default, lo_default + 1)
    if lo > hi:
        raise QueryError(f"size {lo}..{hi}: the minimum is above the maximum")
    return max(lo, n_given + 1, min_orgs), hi


def _sizes(call: Call, given: Sequence[OrgProfile], size: tuple[int, int] | None,
           coordinator: OrgProfile | None) -> tuple[int, int]:
    """The size range of the whole consortium, once the given members are known to fit in
    it and in some eligible consortium of ``call``."""
    rules = call.rules
    if not given:
        with concerning("members"):
            raise QueryError(message("error.no_members"))
    if size is not None and size[1] < rules.min_organisations:
        raise ConstraintError(
            f"size {size[0]}..{size[1]} is below {rules.code}'s minimum of "
            f"{rules.min_organisations} organisations; ask for --size "
            f"{rules.min_organisations}..{max(size[1], rules.min_organisations)} or more",
            constraint="min_organisations")
    with concerning("size"):
        lo, hi = _size_range(size, rules.min_organisations, len(given))
    if hi <= len(given):
        raise ConstraintError(f"size {lo}..{hi}: the {len(given)} given members already fill "
                              f"the consortium; ask for a larger --size", constraint="size")
    bad = [v for v in call.check(given, coordinator=coordinator)
           if v.rule not in _FIXABLE and not (v.rule == "coordinator" and coordinator is None)]
    if bad:
        raise ConstraintError(
            message("error.cannot_be_eligible", action=rules.code,
                    violations=join([v.message for v in bad], " ")),
            constraint=", ".join(dict.fromkeys(v.rule for v in bad)))
    return lo, hi


@dataclass(frozen=True)
class Request:
    """A consortium request ready for the search: the given members, the query the pool was
    ranked for, the candidates as arrays and the size range of the whole consortium."""

    call: Call
    given: tuple[OrgProfile, ...]
    query: Query
    pool: CandidatePool
    lo: int
    hi: int
    coordinator: OrgProfile | None = None


def prepare(ranker: CandidateRanker, call: Call, *, members: Sequence[OrgProfile],
            size: tuple[int, int] | None = None, text: str = "",
            themes: Sequence[str] = (), topics: Sequence[str] = (),
            filters: Filters = _NO_FILTERS, coordinator: OrgProfile | None = None,
            pool: int = 200) -> Request:
    """Step 1 of :func:`complete`: check the request and rank its candidates."""
    given = list({m.id: m for m in members}.values())
    lo, hi = _sizes(call, given, size, coordinator)
    registry = ranker.registry_
    query = Query(org_ids=tuple(o.id for o in given), text=text, themes=tuple(themes),
                  topics=tuple(topics))
    idea = Query(text=text, themes=tuple(themes), topics=tuple(topics))
    topical = None
    if text.strip():
        # an idea in words: new members come from the organisations with a past project
        # or description likely related to it (a topic word in its sense); those without
        # evidence of it count half their topical score, as the closest do in a search; the
        # members' collaborations cannot bring in an organisation with nothing of the topic
        topical, evidence, likely = ranker.idea_relevance(text)
        topical = np.where(evidence, topical, topical / 2)
        if not likely.any():
            with concerning("text"):
                raise ConstraintError(message("error.no_evidence"), constraint="text")
        ids = np.array([o.id for o in registry.orgs], dtype=np.int64)
        on_topic = frozenset(ids[likely].tolist())
        filters = replace(filters, only_ids=on_topic if filters.only_ids is None
                          else filters.only_ids & on_topic)
    matches = _candidates(ranker, call, query, idea, pool, filters)
    relevance = None
    if matches and not idea.is_empty:
        rows = np.array([registry.row_of[m.org.id] for m in matches])
        scores = topical[rows] if topical is not None else ranker.score(idea, rows)
        relevance = scores / max(float(scores.max()), 1e-12)
    return Request(call, tuple(given), query,
                   CandidatePool(call, given, matches, registry, relevance,
                                 ranker.collaboration_factors), lo, hi,
                   coordinator)



def search(request: Request, *, n: int = 5, objective: Objective | None = None,
           beam: int = 64) -> list[tuple[float, tuple[int, ...]]]:
    """Step 2 of :func:`complete`: the ``n`` best diverse sets of added members (pool
    indices) by ``objective`` (default: the shipped one), with their scores; empty when
    none is eligible."""
    if n < 1:
        with concerning("n"):
            raise QueryError(f"n={n}: ask for at least 1 consortium")
    rules, pool = request.call.rules, request.pool
    chosen = objective or load_objective()
    weights = pool.weights(chosen)

    def run(penalty: np.ndarray | None = None) -> list[tuple[float, tuple[int, ...]]]:
        return beam_search(pool, lo=request.lo, hi=request.hi,
                           min_countries=rules.min_countries,
                           need_non_hei=not rules.higher_education_only_allowed,
                           weights=weights, beam=beam, penalty=penalty)

    if chosen.reuse <= 0:
        return diverse(run(), n)
    # each alternative is searched again with a penalty on the members that better ones
    # already use: alternatives then cover more organisations (the learned ``reuse``)
    kept: list[tuple[float, tuple[int, ...]]] = []
    used = np.zeros(pool.size)
    for _ in range(n):
        found = run(chosen.reuse * used if kept else None)
        key = next((key for _, key in found if differs(key, [k for _, k in kept])), None)
        if key is None:
            break
        kept.append((pool.objective(key, chosen) if kept else found[0][0], key))
        used[list(key)] = 1.0
    return sorted(kept, key=lambda t: (-t[0], t[1]))


def complete(ranker: CandidateRanker, call: Call, *, members: Sequence[OrgProfile],
             size: tuple[int, int] | None = None, n: int = 5, text: str = "",
             themes: Sequence[str] = (), topics: Sequence[str] = (),
             filters: Filters = _NO_FILTERS, coordinator: OrgProfile | None = None,
             pool: int = 200, beam: int = 64,
             objective: Objective | None = None) -> list[Consortium]:
    """The ``n`` best eligible consortia of ``call`` that contain ``members``, best first.

    ``size`` is (min, max) organisations in the whole consortium; default: the action's
    minimum (or one more than the members given) and one more. ``objective``: the weights
    consortia are ranked by (default: the learned ``objective_weights.json``).
    ``ConstraintError`` when the request cannot be met, naming the constraint.
    """
    if n < 1:
        with concerning("n"):
            raise QueryError(f"n={n}: ask for at least 1 consortium")
    request = prepare(ranker, call, members=members, size=size, text=text, themes=themes,
                      topics=topics, filters=filters, coordinator=coordinator, pool=pool)
    picked = search(request, n=n, objective=objective, beam=beam)
    cands, given, rules = request.pool, list(request.given), call.rules
    if not picked:
        message, constraint = _why_impossible(call, given, cands.matches, request.lo,
                                              request.hi)
        raise ConstraintError(message, constraint=constraint)
    # explanations only for the members shown (the pool was ranked without them)
    registry = ranker.registry_
    used = sorted({i for _, key in picked for i in key})
    whys = dict(zip(used, ranker.why_many(request.query, [registry.row_of[cands.orgs[i].id]
                                                          for i in used]), strict=True))
    matches = tuple(replace(m, why=whys[i]) if i in whys else m
                    for i, m in enumerate(cands.matches))
    out: list[Consortium] = []
    for score, key in picked:
        added = sorted(key, key=lambda i: (-cands.fit[i], cands.orgs[i].id))
        orgs = given + [cands.orgs[i] for i in added]
        if call.check(orgs, coordinator=coordinator):
            continue  # cannot happen by construction; never return an ineligible one
        out.append(Consortium(
            rank=len(out) + 1, score=score, action=rules.code, call_year=call.year,
            members=tuple([Member(o, False) for o in given]
                          + [Member(cands.orgs[i], True, matches[i].why) for i in added]),
            why=_explain(call, cands, given, added, matches)))
    return out


def propose(ranker: CandidateRanker, call: Call, *, lead: OrgProfile,
            size: tuple[int, int] | None = None, n: int = 5, text: str = "",
            themes: Sequence[str] = (), topics: Sequence[str] = (),
            filters: Filters = _NO_FILTERS, pool: int = 200, beam: int = 64,
            objective: Objective | None = None) -> list[Consortium]:
    """Whole consortia around ``lead`` (the coordinator) for a project on ``text``, ``themes``
    or call ``topics``."""
    if not text.strip() and not themes and not topics:
        with concerning("text"):
            raise QueryError(message("error.propose_needs_idea"))
    return complete(ranker, call, members=[lead], size=size, n=n, text=text, themes=themes,
                    topics=topics, filters=filters, coordinator=lead, pool=pool, beam=beam,
                    objective=objective)


def _candidates(ranker: CandidateRanker, call: Call, query: Query, idea: Query, pool: int,
                filters: Filters) -> list[Match]:
    """The ``pool`` best admissible candidates for the whole request, and with an idea also
    the ``pool`` best for the idea alone (scored for the whole request): without them, a
    consortium of well-connected members is filled from its members' past partners whatever
    the project is about."""
    allowed = _pool_filters(call, ranker.registry_, filters)
    ranked = ranker.rank(query, n=pool, filters=allowed, explain=False)
    if not idea.is_empty:
        seen = {m.org.id for m in ranked} | set(query.org_ids)  # the members are not candidates
        extra = [m.org for m in ranker.rank(idea, n=pool, filters=allowed, explain=False)
                 if m.org.id not in seen]
        if extra:
            fits = ranker.score(query, np.array([ranker.registry_.row_of[o.id] for o in extra],
                                                dtype=np.int64))
            ranked += [Match(0, o, float(f)) for o, f in zip(extra, fits, strict=True)]
    return [m for m in ranked if call.admissible(m.org) and filters.allows(m.org)]


def _pool_filters(call: Call, registry: Registry, filters: Filters) -> Filters:
    """The request's filters, plus what the call excludes: other countries when the action
    is closed to them, and higher-education institutions without ECHE where it is required."""
    rules = call.rules
    exclude = set(filters.exclude_countries)
    if rules.other_countries != "partner":
        known = set(registry.countries) or {o.country for o in registry.orgs}
        exclude |= {c for c in known if call.book.region_of(c) not in call.counting}
    blocked: frozenset[int] = frozenset()
    if rules.eche_required and rules.eche_checked:
        blocked = frozenset(o.id for o in registry.orgs
                            if o.category == HIGHER_EDUCATION and not o.eche and call.counts(o))
    return replace(filters, exclude_countries=frozenset(exclude),
                   exclude_ids=filters.exclude_ids | blocked)


def _why_impossible(call: Call, given: Sequence[OrgProfile], matches: Sequence[Match],
                    lo: int, hi: int) -> tuple[str, str]:
    """The message, and the constraint that cannot be met."""
    rules = call.rules
    have = sorted({call.country_of(o) for o in given} & call.counting)
    more = sorted({call.country_of(m.org) for m in matches} & call.counting - set(have))
    if len(have) + min(len(more), hi - len(given)) < rules.min_countries:
        none = message("rule.none")
        return (message("error.too_few_countries", action=rules.code, min=rules.min_countries,
                        counting=counting(rules.counting_label), have=len(have),
                        codes=", ".join(have) or none, candidates=len(matches),
                        more=len(more), more_codes=", ".join(more) or none, hi=hi),
                "min_countries")
    if len(matches) < lo - len(given):
        return (message("error.too_few_candidates", candidates=len(matches),
                        needed=lo - len(given)), "min_organisations")
    return (message("error.no_consortium", action=rules.code, lo=Text(str(lo)),
                    hi=Text(str(hi)), candidates=len(matches)), "rules")


def _explain(call: Call, pool: CandidatePool, given: Sequence[OrgProfile],
             added: Sequence[int], matches: Sequence[Match]) -> tuple[str, ...]:
    rules = call.rules
    orgs = list(given) + [pool.orgs[i] for i in added]
    out = []
    for i in added:
        org, reasons = pool.orgs[i], matches[i].why
        # the strongest reason, and the best one about the idea when that is another
        shown = list(reasons[:1]) + [r for r in reasons[1:]
                                     if getattr(r, "key", "") in _IDEA_REASONS][:1]
        kind = category(org.category, org.category)
        out.append(message("cons.adds", name=org.display_name, country=org.country,
                           category=kind, reasons=join(shown, "; ")) if shown
                   else message("cons.adds_bare", name=org.display_name, country=org.country,
                                category=kind))
    inside = sorted({call.country_of(o) for o in orgs} & call.counting)
    out.append(message("cons.counting", n=len(inside), counting=counting(rules.counting_label),
                       codes=", ".join(inside), action=rules.code, min=rules.min_countries))
    partners = sorted({o.country for o in orgs if call.country_of(o) not in call.counting})
    if partners:
        out.append(message("cons.partners", codes=", ".join(partners)))
    cats = sorted({o.category for o in orgs})
    out.append(message("cons.types", n=len(cats), types=join(category(c, c) for c in cats)))
    pairs = int(pool.pairs(added))
    m = len(orgs)
    if pairs:
        out.append(message("cons.pairs", n=pairs, total=m * (m - 1) // 2))
    return tuple(out)
