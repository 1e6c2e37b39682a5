"""Measure the recommender on real consortia the model never saw: the evaluation harness.

:func:`training_registry` cuts a registry at a year. Everything a model may see is the
*training registry*: the projects that started up to ``train_until`` and the organisations that
took part in at least one of them (the candidates), with their participations in those
projects only. Test queries come from the consortia that started in ``test_from..test_to``
with at least 3 organisations from at least 3 countries; two tasks read them:

``partner`` (:func:`partner_split`)
    Hide one partner: for each member that is a training organisation, that member is hidden
    and the query is the other members *that are training organisations* (a model cannot know
    organisations it has never seen) plus the project's themes (its H2020 programme part).
    Each query also records the project's words and call topic; the task does not give them
    to the model (training may).
    A query whose other members are all new organisations keeps only its theme.
``idea`` (:func:`idea_split`)
    The cold start of a user who has only a project idea: one query per consortium that has a
    title; text = title + call-topic title, topic = the call-topic code, themes = the
    programme part, no member given. Relevant: every member known in training.

:func:`evaluate` ranks every candidate that is not in the query for every query, in batches,
and reports recall@k, hit@k, MRR and nDCG@k (:mod:`matcher.evaluation.metrics`) per scorer.
Ties are broken by a fixed, seeded permutation of the candidates, the same for every scorer.

The organisation profiles (country, category, name) are kept as the registry holds them: they
are identity data (a PIC's registration), not collaborations, so they are not test-period
leakage. Project texts are those of the training projects only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from matcher.errors import QueryError
from matcher.evaluation.metrics import Metrics, ranks_many, summarise
from matcher.registry.snapshot import ProjectInfo, Registry

__all__ = ["TASKS", "EvalQuery", "EvaluationResult", "Scorer", "Split", "check_years",
           "evaluate", "idea_split", "partner_split", "training_registry",
           "whole_consortia"]

MIN_ORGS = 3
MIN_COUNTRIES = 3
TASKS = ("partner", "idea")


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One test query. ``members`` (given) and ``relevant`` (to find) are training rows."""

    project: str
    members: tuple[int, ...]
    relevant: tuple[int, ...]
    themes: tuple[str, ...]
    text: str = ""
    topic: str | None = None

    @property
    def hidden(self) -> int:
        """The one hidden member of a partner-task query."""
        return self.relevant[0]


@dataclass(frozen=True)
class Split:
    train: Registry
    queries: tuple[EvalQuery, ...]
    test_projects: int
    task: str = "partner"


class Scorer(Protocol):
    """A model under evaluation: fitted on the training registry, scores every candidate."""

    def fit(self, train: Registry) -> Scorer: ...

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        """``(len(queries), train.n_orgs)`` scores, higher is better."""
        ...


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    k: int
    queries: int
    candidates: int
    test_projects: int
    models: dict[str, Metrics]
    task: str = "partner"
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"task": self.task, "k": self.k, "queries": self.queries,
                "candidates": self.candidates, "test_projects": self.test_projects,
                "models": {name: m.to_json() for name, m in self.models.items()},
                **self.extra}


def training_registry(registry: Registry, until_year: int) -> Registry:
    """The projects started up to ``until_year`` and the organisations that took part."""
    years = registry.project_years
    cols = np.flatnonzero((years > 0) & (years <= until_year))
    inc = sp.csr_matrix(registry.incidence)[:, cols]
    rows = np.flatnonzero(np.diff(inc.indptr) > 0)
    return Registry(
        orgs=tuple(registry.orgs[i] for i in rows.tolist()),
        projects=tuple(registry.projects[j] for j in cols.tolist()),
        incidence=sp.csr_matrix(inc[rows]),
        themes=registry.themes,
        countries=registry.countries,
        fingerprint=f"{registry.fingerprint}@train<={until_year}",
        reference=registry.reference,
    )


def check_years(train_until: int, test_from: int, test_to: int | None = None) -> None:
    """``QueryError`` unless the test years come strictly after the training years."""
    if test_from <= train_until:
        raise QueryError(f"--test-from {test_from} must be after --train-until {train_until}: "
                         "test consortia must start after everything the model learns from")
    if test_to is not None and test_to < test_from:
        raise QueryError(f"--test-to {test_to} is before --test-from {test_from}")


def _test_consortia(registry: Registry, train: Registry, test_from: int, test_to: int | None,
                    ) -> list[tuple[ProjectInfo, list[int]]]:
    """``(project, its members' training rows)`` of every test consortium with at least
    :data:`MIN_ORGS` organisations from :data:`MIN_COUNTRIES` countries."""
    row_in_train = {org.id: i for i, org in enumerate(train.orgs)}
    years = registry.project_years
    last = test_to if test_to is not None else int(years.max())
    by_project = sp.csc_matrix(registry.incidence)
    out = []
    for j in np.flatnonzero((years >= test_from) & (years <= last)).tolist():
        members = by_project.indices[by_project.indptr[j]:by_project.indptr[j + 1]]
        orgs = [registry.orgs[i] for i in sorted(members.tolist())]
        if len(orgs) < MIN_ORGS or len({o.country for o in orgs}) < MIN_COUNTRIES:
            continue
        out.append((registry.projects[j],
                    [row_in_train[o.id] for o in orgs if o.id in row_in_train]))
    return out


def _train(registry: Registry, train_until: int, test_from: int,
           test_to: int | None) -> Registry:
    check_years(train_until, test_from, test_to)
    train = training_registry(registry, train_until)
    if train.n_orgs == 0:
        raise QueryError(f"no project started in or before {train_until}: nothing to learn from")
    return train


def _words(project: ProjectInfo) -> str:
    """A test project's idea in words: title + call-topic title."""
    return " ".join(t for t in (project.title, project.topic_title) if t)


def partner_split(registry: Registry, *, train_until: int, test_from: int,
                  test_to: int | None = None) -> Split:
    """The training registry and the hidden-partner queries of the test years. A member
    is hidden only when something is left to ask with: another member known in training or
    the project's themes (a consortium with one known member and no programme part gives no
    query)."""
    train = _train(registry, train_until, test_from, test_to)
    consortia = _test_consortia(registry, train, test_from, test_to)
    queries = [EvalQuery(project.identifier, tuple(r for r in known if r != hidden), (hidden,),
                         project.themes, text=_words(project), topic=project.topic_code)
               for project, known in consortia for hidden in known
               if len(known) > 1 or project.themes]
    return Split(train, tuple(queries), len(consortia), "partner")


def idea_split(registry: Registry, *, train_until: int, test_from: int,
               test_to: int | None = None, titled: bool = True) -> Split:
    """The training registry and one project-idea query per titled test consortium that has
    members known in training (``titled=False``: untitled consortia too, their idea being
    their themes)."""
    train = _train(registry, train_until, test_from, test_to)
    queries = [
        EvalQuery(project.identifier, (), tuple(known), project.themes,
                  text=_words(project), topic=project.topic_code)
        for project, known in _test_consortia(registry, train, test_from, test_to)
        if (project.title or not titled) and known]
    return Split(train, tuple(queries), len(queries), "idea")


def whole_consortia(queries: Sequence[EvalQuery], most: int, rng: np.random.Generator
                    ) -> tuple[list[EvalQuery], list[EvalQuery]]:
    """Whole consortia, in seeded random order, until ``most`` queries; the rest held out
    (a consortium's queries are never split between the two)."""
    projects = sorted({q.project for q in queries})
    position = dict(zip(projects, rng.permutation(len(projects)).tolist(), strict=True))
    ranked = sorted(queries, key=lambda q: position[q.project])  # stable within a project
    taken: set[str] = set()
    picked: list[EvalQuery] = []
    for q in ranked:
        if len(picked) >= most and q.project not in taken:
            break
        taken.add(q.project)
        picked.append(q)
    return picked, ranked[len(picked):]


def evaluate(data: Split, scorers: Mapping[str, Scorer], *, k: int = 10, batch: int = 256,
             seed: int = 0, progress: Callable[[int], None] | None = None) -> EvaluationResult:
    """Fit every scorer on ``data.train`` and measure it on ``data.queries``.

    ``progress`` is called with the number of queries just scored (once per scorer and batch).
    """
    if k < 1:
        raise QueryError(f"-k {k}: valid: a positive number of results")
    n = data.train.n_orgs
    tiebreak = np.random.default_rng(seed).permutation(n)
    queries = data.queries
    results: dict[str, Metrics] = {}
    for name, scorer in scorers.items():
        scorer.fit(data.train)
        found: list[np.ndarray] = []
        for start in range(0, len(queries), batch):
            chunk = queries[start:start + batch]
            scores = scorer.scores(chunk)
            excluded = np.zeros(scores.shape, dtype=bool)
            for i, q in enumerate(chunk):
                excluded[i, list(q.members)] = True
            found.extend(ranks_many(scores, [q.relevant for q in chunk], excluded, tiebreak))
            if progress is not None:
                progress(len(chunk))
        results[name] = summarise(found, k)
    return EvaluationResult(k, len(queries), n, data.test_projects, results, data.task)
