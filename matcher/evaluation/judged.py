"""Graded judgements of topical fit: project ideas, readers' grades, and what they measure.

The other tasks of :mod:`matcher.evaluation` ask whether the tool finds who *joined* a real
consortium; this one asks what a user asks of an idea search: are the organisations listed
ones that have worked on the idea's topic? A judgement set is

- ideas (:class:`JudgedIdea`): Erasmus+ project ideas as users type them, in English and as
  Finnish or Swedish twins of English ones, with the countries and organisation types a
  user would ask for, each in a ``dev`` (used for choosing settings) or ``test`` split;
- grades (:class:`Grade`): for an (idea, organisation) pair, a reader's 0 (off-topic),
  1 (related) or 2 (clearly on topic), given from the organisation's past projects shown
  beside the idea (:func:`evidence_projects`), without knowing which system proposed it.

Two readers grade each pair; a pair's grade is their mean. A top-10 is scored by
precision@10 (the share of its results graded related or better: mean grade at least 1),
"clearly on topic"@10 (mean grade at least 1.5) and nDCG@10 (gain: the mean grade; the
ideal ordering is that of every graded organisation of the idea). Results that no reader
graded are counted as off-topic and reported (:attr:`Scored.unjudged`), so the figures are
a lower bound until they are graded.

:class:`KeywordBaseline` is the plain keyword search a user could do without the tool:
scikit-learn TF-IDF over each organisation's past project titles (English stop words,
sublinear tf), cosine, the same filters.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.files import json_lines
from matcher.registry.snapshot import OrgProfile, Registry

__all__ = ["Grade", "JudgedIdea", "KeywordBaseline", "Scored", "evidence_projects",
           "org_key", "read_grades", "read_ideas", "score_ranking", "summarise_scored",
           "twin_overlap"]

K = 10


@dataclass(frozen=True, slots=True)
class JudgedIdea:
    """One idea of the judgement set."""

    id: str
    text: str
    language: str = "en"
    twin: str | None = None
    countries: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    split: str = "dev"
    priority: str = ""

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> JudgedIdea:
        return cls(id=str(raw["id"]), text=str(raw["text"]),
                   language=str(raw.get("lang") or "en"), twin=raw.get("twin"),
                   countries=tuple(raw.get("countries") or ()),
                   types=tuple(raw.get("types") or ()), split=str(raw.get("split") or "dev"),
                   priority=str(raw.get("priority") or ""))


@dataclass(frozen=True, slots=True)
class Grade:
    idea: str
    org: str
    grade: int
    reader: str


def org_key(org: OrgProfile) -> str:
    """How grades name an organisation: its PIC, else its registry id (``#123``)."""
    return org.pic if org.pic else f"#{org.id}"


def read_ideas(path: Path) -> list[JudgedIdea]:
    return [JudgedIdea.from_json(raw) for raw in json_lines(path)]


def read_grades(paths: Iterable[Path]) -> list[Grade]:
    out = []
    for path in paths:
        for raw in json_lines(path):
            out.append(Grade(str(raw["idea"]), str(raw["org"]), int(raw["grade"]),
                             str(raw.get("reader", path.stem))))
    return out


def mean_grades(grades: Iterable[Grade]) -> dict[str, dict[str, float]]:
    """idea -> organisation -> mean grade over its readers."""
    by: dict[tuple[str, str], list[int]] = defaultdict(list)
    for g in grades:
        by[(g.idea, g.org)].append(g.grade)
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (idea, org), values in by.items():
        out[idea][org] = sum(values) / len(values)
    return out


@dataclass(frozen=True, slots=True)
class Scored:
    """One idea's top-10 against the grades."""

    idea: str
    shown: int
    related: float  # precision@10: share graded related or better
    clearly: float  # share graded clearly on topic
    ndcg: float
    unjudged: int


def score_ranking(idea: str, ranked: Sequence[str], grades: Mapping[str, float],
                  k: int = K) -> Scored:
    """``ranked`` (organisation keys, best first) against an idea's mean ``grades``.
    Precision is over the results shown (up to ``k``); an idea with none scores 0."""
    top = list(ranked[:k])
    gains = [grades.get(o, 0.0) for o in top]
    unjudged = sum(1 for o in top if o not in grades)
    related = sum(1 for g in gains if g >= 1.0) / len(top) if top else 0.0
    clearly = sum(1 for g in gains if g >= 1.5) / len(top) if top else 0.0
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return Scored(idea, len(top), related, clearly, dcg / idcg if idcg > 0 else 0.0, unjudged)


def summarise_scored(scored: Sequence[Scored]) -> dict[str, float]:
    """Means over ideas, and the unjudged results in all."""
    n = max(len(scored), 1)
    return {"ideas": len(scored), "p10": sum(s.related for s in scored) / n,
            "clearly10": sum(s.clearly for s in scored) / n,
            "ndcg10": sum(s.ndcg for s in scored) / n,
            "shown": sum(s.shown for s in scored) / n,
            "unjudged": sum(s.unjudged for s in scored)}


def twin_overlap(rankings: Mapping[str, Sequence[str]], ideas: Sequence[JudgedIdea],
                 k: int = K) -> dict[str, int]:
    """For each translated idea, how many of its top ``k`` are in its English twin's."""
    return {i.id: len(set(rankings[i.id][:k]) & set(rankings[i.twin][:k]))
            for i in ideas if i.twin and i.id in rankings and i.twin in rankings}


class KeywordBaseline:
    """TF-IDF cosine of the idea with each organisation's past project titles."""

    def fit(self, registry: Registry) -> KeywordBaseline:
        from sklearn.feature_extraction.text import TfidfVectorizer

        titles = [p.title or "" for p in registry.projects]
        inc = sp.csr_matrix(registry.incidence)
        docs = [" ".join(titles[j] for j in inc.indices[inc.indptr[i]:inc.indptr[i + 1]])
                for i in range(registry.n_orgs)]
        self.vectoriser_ = TfidfVectorizer(stop_words="english", sublinear_tf=True,
                                           dtype=np.float32)
        self.orgs_ = self.vectoriser_.fit_transform(docs)
        self.registry_ = registry
        return self

    def rank(self, text: str, allowed: np.ndarray, k: int = K) -> list[int]:
        """The rows of the ``k`` best allowed organisations with a score above zero."""
        q = self.vectoriser_.transform([text])
        scores = np.asarray((self.orgs_ @ q.T).toarray()).ravel()
        scores = np.where(allowed & (scores > 0), scores, -1.0)
        order = np.lexsort((np.arange(scores.size), -scores))[:k]
        return [int(r) for r in order if scores[r] > 0]


@dataclass(frozen=True, slots=True)
class ShownProject:
    label: str
    title: str
    topic: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a reader sees of a candidate: who it is and some of its past projects."""

    org: OrgProfile
    projects: tuple[ShownProject, ...]
    n_projects: int
    description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def evidence_projects(registry: Registry, row: int, picks: Sequence[Sequence[int]],
                      limit: int = 6) -> Evidence:
    """The projects shown to a reader for organisation ``row``: all its titled projects
    when it has at most ``limit``, else the union of ``picks`` (project columns chosen by
    several selectors, taken in turn), up to ``limit``."""
    inc = sp.csr_matrix(registry.incidence)
    mine = inc.indices[inc.indptr[row]:inc.indptr[row + 1]].tolist()
    titled = [j for j in mine if registry.projects[j].title]
    picks = [[j for j in pick if registry.projects[j].title] for pick in picks]
    if len(titled) <= limit:
        chosen = titled
    else:
        chosen = []
        for depth in range(limit):
            for pick in picks:
                if depth < len(pick) and pick[depth] not in chosen and len(chosen) < limit:
                    chosen.append(pick[depth])
    shown = []
    for j in chosen:
        p = registry.projects[j]
        shown.append(ShownProject(p.label, p.title or "", p.topic_title or ""))
    org = registry.orgs[row]
    return Evidence(org, tuple(shown), len(mine), org.description)
