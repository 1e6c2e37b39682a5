"""The ``complete`` task: complete real consortia the model never saw, as a user would.

:func:`complete_split` takes the training registry of
:func:`~matcher.evaluation.harness.training_registry` and, as test consortia, the projects
that started in ``test_from..test_to`` with at least :data:`MIN_MEMBERS` organisations from
at least :data:`MIN_COUNTRIES` countries, every member known in training, and a coordinator.
Each gives one query (:class:`CompleteQuery`):

- given: the coordinator and one other member, chosen with the seed;
- idea: the programme part as theme, the title + call-topic title as text when it has them;
- asked: :data:`N_CONSORTIA` consortia of the real size, capped at :data:`MAX_SIZE`, under
  :data:`RULE` (at least 3 organisations from at least 3 countries, any country counting);
- hidden: the other real members.

Per query, with ``A_i`` the organisations the ``i``-th consortium adds and ``H`` the hidden
members (:func:`query_metrics`): ``precision_at_1 = |A_1 & H| / |A_1|``, ``best_of_5_recall =
max_i |A_i & H| / |H|``, ``any_hit_at_5`` is 1 when some ``A_i`` meets ``H``, and
``distinct_additions = |A_1 | ... | A_5|``. Each is averaged over the queries
(:func:`summarise`). A query the method answers with no consortium scores 0.

>>> m = query_metrics([(1, 2), (3, 4)], hidden=(2, 4, 9))
>>> m.precision_at_1, round(m.best_of_5_recall, 4), m.any_hit_at_5, m.distinct_additions
(0.5, 0.3333, 1.0, 4.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from matcher.consortium.rules import Call, RuleBook
from matcher.evaluation.harness import _train, _words
from matcher.registry.snapshot import OrgProfile, Registry

__all__ = ["MAX_SIZE", "N_CONSORTIA", "RULE", "CompleteMetrics", "CompleteQuery",
           "CompleteSplit", "Completer", "complete_split", "evaluation_call", "query_metrics",
           "summarise"]

MIN_MEMBERS = 4
MIN_COUNTRIES = 3
MAX_SIZE = 6
N_CONSORTIA = 5
#: The rule every consortium of the task must meet, as a rule book reads it: the minimum
#: of most collaborative H2020 and Erasmus+ actions, with every country counting.
RULE: dict[str, Any] = {
    "EVAL-3X3": {
        "label": "evaluation rule: 3 organisations from 3 countries",
        "source": "matcher evaluate --task complete (the usual minimum of collaborative "
                  "H2020 and Erasmus+ partnership actions)",
        "calls": [2000, 2100], "min_organisations": 3, "min_countries": 3,
        "counting_statuses": ["any"], "counting_label": "countries",
        "other_countries": "partner", "coordinator": "any", "eche_required": False,
        "higher_education_only_allowed": True}}


def evaluation_call(registry: Registry, year: int) -> Call:
    """:data:`RULE` for the countries of ``registry``, in call year ``year``."""
    (code, raw), = RULE.items()
    first, last = raw["calls"]
    countries = sorted({o.country for o in registry.orgs} | set(registry.countries))
    book = RuleBook.from_mapping(RULE, [{"country": c, "status": "any", "from_call": first,
                                         "to_call": last} for c in countries])
    return book.call(code, min(max(year, first), last))


@dataclass(frozen=True, slots=True)
class CompleteQuery:
    """One consortium to complete; ``given`` (coordinator first) and ``hidden`` are rows of
    the training registry."""

    project: str
    given: tuple[int, ...]
    hidden: tuple[int, ...]
    size: int
    themes: tuple[str, ...]
    text: str = ""
    year: int = 0

    @property
    def additions(self) -> int:
        return self.size - len(self.given)


@dataclass(frozen=True)
class CompleteSplit:
    train: Registry
    queries: tuple[CompleteQuery, ...]
    #: test consortia that qualify, before any sampling
    test_projects: int


def _lead_and_others(orgs: Sequence[OrgProfile], roles: Sequence[float],
                     row_in_train: Mapping[int, int]) -> tuple[int, list[int]] | None:
    """A test consortium's coordinator and other members as training rows, or None when it
    does not qualify: too few members or countries, a member unknown in training, or not
    exactly one coordinator."""
    known = [row_in_train.get(o.id) for o in orgs]
    leads = [k for k, role in zip(known, roles, strict=True) if role >= 2.0]
    if (len(orgs) < MIN_MEMBERS or len({o.country for o in orgs}) < MIN_COUNTRIES
            or None in known or len(leads) != 1):
        return None
    lead = leads[0]
    assert lead is not None
    return lead, sorted(k for k in known if k is not None and k != lead)


def complete_split(registry: Registry, *, train_until: int, test_from: int,
                   test_to: int | None = None, seed: int = 0,
                   max_queries: int | None = None) -> CompleteSplit:
    """The training registry and one :class:`CompleteQuery` per qualifying test consortium
    (a seeded sample of ``max_queries`` of them when there are more)."""
    train = _train(registry, train_until, test_from, test_to)
    row_in_train = {org.id: i for i, org in enumerate(train.orgs)}
    years = registry.project_years
    last = test_to if test_to is not None else int(years.max())
    by_project = sp.csc_matrix(registry.incidence)
    rng = np.random.default_rng(seed)
    queries = []
    for j in np.flatnonzero((years >= test_from) & (years <= last)).tolist():
        lo, hi = by_project.indptr[j], by_project.indptr[j + 1]
        rows, roles = by_project.indices[lo:hi], by_project.data[lo:hi]
        orgs = [registry.orgs[i] for i in rows.tolist()]
        found = _lead_and_others(orgs, roles.tolist(), row_in_train)
        if found is None:
            continue
        lead, others = found
        other = others[int(rng.integers(len(others)))]
        project = registry.projects[j]
        queries.append(CompleteQuery(
            project.identifier, (lead, other), tuple(k for k in others if k != other),
            min(len(orgs), MAX_SIZE), project.themes, _words(project),
            int(project.start_year or 0)))
    total = len(queries)
    if max_queries is not None and total > max_queries:
        keep = np.sort(np.random.default_rng(seed).choice(total, max_queries, replace=False))
        queries = [queries[i] for i in keep.tolist()]
    return CompleteSplit(train, tuple(queries), total)


@dataclass(frozen=True, slots=True)
class CompleteMetrics:
    precision_at_1: float
    best_of_5_recall: float
    any_hit_at_5: float
    distinct_additions: float

    def to_json(self) -> dict[str, float]:
        return {"precision_at_1": round(self.precision_at_1, 4),
                "best_of_5_recall": round(self.best_of_5_recall, 4),
                "any_hit_at_5": round(self.any_hit_at_5, 4),
                "distinct_additions": round(self.distinct_additions, 4)}


def query_metrics(consortia: Sequence[Sequence[int]], hidden: Sequence[int]
                  ) -> CompleteMetrics:
    """The figures of one query: ``consortia`` are the added rows of each consortium, best
    first (only the first :data:`N_CONSORTIA` count)."""
    sets = [set(c) for c in consortia[:N_CONSORTIA]]
    real = set(hidden)
    if not sets or not real:
        return CompleteMetrics(0.0, 0.0, 0.0, float(len(set().union(*sets))))
    found = [len(s & real) for s in sets]
    return CompleteMetrics(found[0] / max(len(sets[0]), 1), max(found) / len(real),
                           float(max(found) > 0), float(len(set().union(*sets))))


def summarise(per_query: Sequence[CompleteMetrics]) -> CompleteMetrics:
    """The means over queries."""
    if not per_query:
        return CompleteMetrics(0.0, 0.0, 0.0, 0.0)
    a = np.array([[m.precision_at_1, m.best_of_5_recall, m.any_hit_at_5,
                   m.distinct_additions] for m in per_query])
    means = a.mean(axis=0).tolist()
    return CompleteMetrics(*means)


class Completer(Protocol):
    """A method under evaluation: fitted on the training registry, it answers a query with
    up to :data:`N_CONSORTIA` consortia, each as the rows it adds, best first."""

    def fit(self, train: Registry) -> Completer: ...

    def consortia(self, query: CompleteQuery) -> list[tuple[int, ...]]: ...


@dataclass(frozen=True)
class CompleteResult:
    queries: int
    test_projects: int
    models: dict[str, CompleteMetrics]
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"task": "complete", "queries": self.queries,
                "test_projects": self.test_projects, "size_cap": MAX_SIZE,
                "models": {name: m.to_json() for name, m in self.models.items()},
                **self.extra}


def evaluate_complete(data: CompleteSplit, methods: Mapping[str, Completer], *,
                      progress: Any = None) -> CompleteResult:
    """Fit every method on ``data.train`` and measure it on ``data.queries``.

    ``progress`` is called with 1 after each query of each method.
    """
    results: dict[str, CompleteMetrics] = {}
    for name, method in methods.items():
        method.fit(data.train)
        per_query = []
        for q in data.queries:
            per_query.append(query_metrics(method.consortia(q), q.hidden))
            if progress is not None:
                progress(1)
        results[name] = summarise(per_query)
    return CompleteResult(len(data.queries), data.test_projects, results)
