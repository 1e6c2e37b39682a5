"""Hide one partner of a real consortium: is it recommended? The evaluation harness.

:func:`split` cuts a registry at a year. Everything a model may see is the *training
registry*: the projects that started up to ``train_until`` and the organisations that took
part in at least one of them (the candidates), with their participations in those projects
only. Test queries come from consortia that started in ``test_from..test_to`` with at least
3 organisations from at least 3 countries: for each member that is a training organisation,
that member is hidden and the query is the other members *that are training organisations*
(a model cannot know organisations it has never seen) plus the project's themes (its H2020
programme part). A query whose other members are all new organisations keeps only its theme.

:func:`evaluate` ranks every candidate that is not in the query for every query, in batches,
and reports Recall@k, MRR and nDCG@k (:mod:`matcher.evaluation.metrics`) per scorer. Ties are broken by
a fixed, seeded permutation of the candidates, the same for every scorer.

The organisation profiles (country, category) are kept as the registry holds them: they are
identity data (a PIC's registration), not collaborations, so they are not test-period leakage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from matcher.evaluation.metrics import Metrics, ranks, summarise
from matcher.registry.snapshot import Registry
from models.errors import QueryError

__all__ = ["EvaluationResult", "HiddenPartner", "Scorer", "Split", "check_years", "evaluate",
           "split",
           "training_registry"]

MIN_ORGS = 3
MIN_COUNTRIES = 3


@dataclass(frozen=True, slots=True)
class HiddenPartner:
    """One test query: ``members`` and ``hidden`` are rows of the training registry."""

    project: str
    members: tuple[int, ...]
    hidden: int
    themes: tuple[str, ...]


@dataclass(frozen=True)
class Split:
    train: Registry
    queries: tuple[HiddenPartner, ...]
    test_projects: int


class Scorer(Protocol):
    """A model under evaluation: fitted on the training registry, scores every candidate."""

    def fit(self, train: Registry) -> Scorer: ...

    def scores(self, queries: Sequence[HiddenPartner]) -> np.ndarray:
        """``(len(queries), train.n_orgs)`` scores, higher is better."""
        ...


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    k: int
    queries: int
    candidates: int
    test_projects: int
    models: dict[str, Metrics]

    def to_json(self) -> dict[str, object]:
        return {"k": self.k, "queries": self.queries, "candidates": self.candidates,
                "test_projects": self.test_projects,
                "models": {name: m.to_json() for name, m in self.models.items()}}


def training_registry(registry: Registry, until_year: int) -> Registry:
    """The projects started up to ``until_year`` and the organisations that took part."""
    years = registry.project_years
    cols = np.flatnonzero((years > 0) & (years <= until_year))
    inc = sp.csr_matrix(registry.incidence)[:, cols]
    rows = np.flatnonzero(np.diff(inc.indptr) > 0)
    return Registry(
        orgs=tuple(registry.orgs[i] for i in rows),
        projects=tuple(registry.projects[j] for j in cols),
        incidence=sp.csr_matrix(inc[rows]),
        themes=registry.themes,
        countries=registry.countries,
        fingerprint=f"{registry.fingerprint}@train<={until_year}",
    )


def check_years(train_until: int, test_from: int, test_to: int | None = None) -> None:
    """``QueryError`` unless the test years come strictly after the training years."""
    if test_from <= train_until:
        raise QueryError(f"--test-from {test_from} must be after --train-until {train_until}: "
                         "test consortia must start after everything the model learns from")
    if test_to is not None and test_to < test_from:
        raise QueryError(f"--test-to {test_to} is before --test-from {test_from}")


def split(registry: Registry, *, train_until: int, test_from: int,
          test_to: int | None = None) -> Split:
    """The training registry and the hidden-partner queries of the test years."""
    check_years(train_until, test_from, test_to)
    train = training_registry(registry, train_until)
    if train.n_orgs == 0:
        raise QueryError(f"no project started in or before {train_until}: nothing to learn from")
    row_in_train = {org.id: i for i, org in enumerate(train.orgs)}
    years = registry.project_years
    last = test_to if test_to is not None else int(years.max())
    test_cols = np.flatnonzero((years >= test_from) & (years <= last))
    by_project = sp.csc_matrix(registry.incidence)
    queries: list[HiddenPartner] = []
    n_projects = 0
    for j in test_cols.tolist():
        members = by_project.indices[by_project.indptr[j]:by_project.indptr[j + 1]]
        orgs = [registry.orgs[i] for i in sorted(members.tolist())]
        if len(orgs) < MIN_ORGS or len({o.country for o in orgs}) < MIN_COUNTRIES:
            continue
        n_projects += 1
        known = [row_in_train[o.id] for o in orgs if o.id in row_in_train]
        project = registry.projects[j]
        for hidden in known:
            queries.append(HiddenPartner(project.identifier,
                                         tuple(r for r in known if r != hidden), hidden,
                                         project.themes))
    return Split(train, tuple(queries), n_projects)


def evaluate(data: Split, scorers: Mapping[str, Scorer], *, k: int = 10, batch: int = 512,
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
        found = np.zeros(len(queries), dtype=np.int64)
        for start in range(0, len(queries), batch):
            chunk = queries[start:start + batch]
            scores = scorer.scores(chunk)
            excluded = np.zeros(scores.shape, dtype=bool)
            for i, q in enumerate(chunk):
                excluded[i, list(q.members)] = True
            hidden = np.array([q.hidden for q in chunk], dtype=np.int64)
            found[start:start + len(chunk)] = ranks(scores, hidden, excluded, tiebreak)
            if progress is not None:
                progress(len(chunk))
        results[name] = summarise(found, k)
    return EvaluationResult(k, len(queries), n, data.test_projects, results)

