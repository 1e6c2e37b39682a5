"""Topical evidence for a project idea: which texts are about it, and who wrote them.

:class:`TopicalIndex` follows scikit-learn (``fit(registry)``, attributes ending in ``_``).
Its documents are the registry's projects (title, call-topic title, summary) followed by the
organisations' own texts (description, declared themes' labels), indexed as BM25F (one saturation over the fields' weighted,
length-normalised term frequencies) over the English words of
:func:`~matcher.language.english.english_words` and their adjacent pairs, hashed with
CRC-32 into a compact column space.

An idea (:class:`~matcher.language.ideas.IdeaWords`, any language) is read as *slots* (its
words, or a word's alternatives) of three kinds: **topic** words, which say what the idea
is about ("tourism", "nursing", "climate"), words of **education** ("students", "teaching",
:data:`EDUCATION`), and **generic** words of project ideas ("programme", "development",
:data:`GENERIC`). An idea made only of generic and education words has as topic its
glossary phrases ("key competence") or its words of education.

**Word senses.** A slot matches a document *in its sense* unless

- it is a generic or education word bound in one of the idea's phrases (a glossary phrase,
  a pair the corpus uses together, a hyphenated word or a compound) and the document lacks
  the phrase: "key" of "key competences" is not the key of "quantum key distribution",
  "joint" of "joint master" not that of "joint programme";
- or the document uses the word in a fixed expression of the corpus whose other word the
  idea does not have (:meth:`TopicalIndex._collocations`): "mobility" in "urban mobility"
  for "virtual mobility", "generation" in "next generation" for "first-generation students",
  "stem" in "stem cell" for "STEM teaching".

A match in another sense counts :data:`OTHER_SENSE` of its weight and is no evidence.

**Features** of each document that matches anything (:data:`DOC_FEATURES`):

=========== ===========================================================================
``rel``     BM25F score over the idea's whole weight (every slot's ``idf``, times
            :data:`GENERIC_WEIGHT` or :data:`EDUCATION_WEIGHT`, matched once in a
            title), idea phrases held adding :data:`PHRASE_BONUS`
``topic``   the same, for the topic slots matched in their sense only
``edu``     the same, for the education slots matched in their sense (0: none in idea)
``phrase``  share of the idea's phrases the document holds
``rarest``  1 when it matches the idea's weightiest topic word in its sense
``all``     1 when it matches every topic word in its sense
``context`` 1 when the document is about education (its title or call topic has a word
            of :data:`EDUCATION_CONTEXT`)
=========== ===========================================================================

A document's **quality** is the expected grade a reader would give it for the idea (0
off-topic, 1 related, 2 clearly on topic): ``P(related) + P(clearly on topic)`` from two
logistic models of these features learned on graded judgements (``topical_weights.json``,
:mod:`scripts/train_topical.py`), and it is **evidence** when ``P(related) >= 0.5`` and it
matches a topic word in its sense. An
organisation's topical score is its best document's quality plus ``extra`` of its second
and halving for each next, so that a large organisation with many weakly similar projects
does not outrank one that did exactly this.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.files import read_trained
from matcher.language.english import english_words
from matcher.language.ideas import IdeaWords, document_words
from matcher.language.lexicon import glossary_rows
from matcher.ranking.rows import replace_rows
from matcher.registry.snapshot import Registry

__all__ = ["DOC_FEATURES", "EDUCATION", "GENERIC", "TopicalIndex", "TopicalModel",
           "TopicalScores", "load_topical_model", "project_fields"]

#: Words that say what kind of project an idea is, not what it is about (index form).
GENERIC = frozenset({
    "programme", "development", "develop", "developing", "project", "european", "europe",
    "cooperation", "partnership", "partner", "innovative", "innovation", "new", "approach",
    "support", "supporting", "strengthening", "strengthen", "improving", "improve",
    "improvement", "promoting", "promote", "promotion", "enhancing", "enhance", "quality",
    "tool", "method", "model", "platform", "practice", "good", "best", "network",
    "international", "strategy", "strategic", "framework", "capacity", "building", "based",
    "level", "future", "challenge", "opportunity", "knowledge", "society", "creating",
    "create", "use", "using", "role", "way", "impact", "first", "year", "activity",
    "service", "system", "joint", "key", "basic", "field", "area", "sector", "active",
    "effective", "better", "common", "real", "world", "life", "work", "working", "together",
    "across", "every", "within", "around", "preparing", "prepare", "embedding", "embed",
    "fostering", "foster", "increasing", "increase", "addressing", "address", "tackling",
    "tackle", "reducing", "reduce", "preventing", "prevention", "large", "small", "local",
    "next", "last",
    "built", "build", "assignment", "task", "topic", "theme", "issue", "aspect", "case",
    "towards", "through", "beyond", "oriented", "related", "centred", "driven",
    # adjectives that qualify any topic: "comprehensive school", "a comprehensive approach"
    "comprehensive", "integrated", "holistic", "novel", "advanced", "efficient", "general",
    "specific", "modern", "traditional", "current", "various", "different", "main", "major",
    "relevant", "successful", "practical", "concrete",
})
#: The words of education itself, which nearly every idea here has, and of whom it is for:
#: they place a project in education without saying which topic.
EDUCATION = frozenset({
    "student", "education", "learning", "learner", "training", "trainee", "teaching",
    "teacher", "higher", "university", "institution", "school", "course", "curriculum",
    "degree", "study", "academic", "faculty", "staff", "pupil", "classroom", "lecture",
    "lecturer", "skill", "competence", "material", "resource", "graduate", "master",
    "bachelor", "doctoral", "phd", "college", "campus", "literacy", "awareness",
    "expertise", "qualification", "credential", "pedagogy", "young", "people", "youth",
    "adult", "child", "children", "citizen", "professional",
})
#: Words that make a document one about education (its title or call topic).
EDUCATION_CONTEXT = frozenset({
    "education", "teaching", "teacher", "learning", "learner", "school", "student", "pupil",
    "curriculum", "classroom", "pedagogy", "literacy", "skill", "competence", "university",
    "lecture", "course", "mooc", "elearning", "didactics", "schooling", "educator",
})
GENERIC_WEIGHT = 0.25
EDUCATION_WEIGHT = 0.5
OTHER_SENSE = 0.25
PHRASE_BONUS = 0.5
#: A document at least this likely related (and matching a topic word in its sense) lets
#: ``complete`` add its organisation for an idea; chosen on the complete task (README).
LIKELY_RELATED = 0.3
#: Field weights of BM25F; a description and declared themes are the organisation's own.
FIELDS = {"title": 1.0, "topic_title": 0.35, "summary": 0.6, "description": 0.8,
          "themes": 0.6}
#: A pair of words is a phrase of the corpus when it occurs in at least this many projects
#: and in at least this share of the projects of its rarer word.
PHRASE_MIN_DF = 3
PHRASE_MIN_SHARE = 0.05
#: A pair is a fixed expression of its second word (its head) when it occurs in at least
#: this many projects and this share of the head's ...
COLLOCATION_MIN_DF = 3
COLLOCATION_MIN_SHARE = 0.01
#: ... and of its first word when it holds this share of that word's projects: the word
#: then means what the expression means ("stem" in "stem cell", not the STEM of teaching).
DOMINANT_SHARE = 0.6
DOC_FEATURES = ("rel", "topic", "edu", "phrase", "rarest", "all", "context")
WEIGHTS_FILE = Path(__file__).with_name("topical_weights.json")


def discount(slot: Sequence[str]) -> float:
    """How much a slot weighs against a topic word, by its main alternative."""
    word = slot[0]
    return GENERIC_WEIGHT if word in GENERIC else EDUCATION_WEIGHT if word in EDUCATION else 1.0


def _hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def project_fields(title: str | None, topic_title: str | None,
                   summary: str | None) -> dict[str, list[str]]:
    """The English words of a project's fields, as indexed (a Finnish or Swedish summary
    through the glossary)."""
    return {"title": english_words(title or ""), "topic_title": english_words(topic_title or ""),
            "summary": _translated(summary)}


def _translated(text: str | None) -> list[str]:
    """:func:`~matcher.language.ideas.document_words` as one field: the words in order,
    then the other alternatives of translated words (apart, so they make no pairs)."""
    if not text:
        return []
    words, others = document_words(text)
    return [*words, *(w for other in others for w in (_APART, other))]


def _theme_label(registry: Registry, code: str) -> str:
    theme = registry.themes.get(code)
    return theme.label_en if theme is not None and theme.label_en else code.replace("-", " ")


#: Separates words that are not neighbours in a field (no pair is made across it).
_APART = "\x00"


def _terms(words: Sequence[str]) -> list[str]:
    return [*(w for w in words if w != _APART),
            *(f"{a} {b}" for a, b in pairwise(words) if _APART not in (a, b))]


@cache
def glossary_phrases() -> frozenset[tuple[str, str]]:
    """The adjacent word pairs of the glossary's English terms ("key competence")."""
    pairs: set[tuple[str, str]] = set()
    for row in glossary_rows():
        for term in row["en"]:
            pairs.update(pairwise(english_words(term)))
    return frozenset(pairs)


@dataclass(frozen=True)
class TopicalModel:
    """The two logistic models of a document's features: ``P(related)`` and ``P(clearly on
    topic)``, on the raw feature scale (:data:`DOC_FEATURES` order)."""

    related: np.ndarray
    related_intercept: float
    clearly: np.ndarray
    clearly_intercept: float
    training: Mapping[str, Any]

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TopicalModel:
        models = raw["models"]

        def vector(name: str) -> np.ndarray:
            w = models[name]["weights"]
            return np.array([float(w.get(f, 0.0)) for f in DOC_FEATURES], dtype=np.float32)

        return cls(vector("related"), float(models["related"]["intercept"]),
                   vector("clearly"), float(models["clearly"]["intercept"]),
                   raw.get("training", {}))

    def to_json(self) -> dict[str, Any]:
        def model(w: np.ndarray, b: float) -> dict[str, Any]:
            return {"weights": {f: round(float(v), 6) for f, v in zip(DOC_FEATURES, w,
                                                                       strict=True)},
                    "intercept": round(b, 6)}

        return {"features": list(DOC_FEATURES),
                "models": {"related": model(self.related, self.related_intercept),
                           "clearly": model(self.clearly, self.clearly_intercept)},
                "training": dict(self.training)}

    def probabilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``P(related)`` and ``P(clearly on topic)`` of each row of ``x``."""
        return (_sigmoid(x @ self.related + self.related_intercept),
                _sigmoid(x @ self.clearly + self.clearly_intercept))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)
    return out


@cache
def load_topical_model(path: Path | None = None) -> TopicalModel:
    """The learned document model of ``path`` (default: the shipped weights)."""
    return read_trained(WEIGHTS_FILE if path is None else path, TopicalModel.from_json,
                        what="topical weights",
                        train="train them with `python scripts/train_topical.py`",
                        errors=(ValueError, KeyError, TypeError))


@dataclass(frozen=True, slots=True)
class TopicalScores:
    """One idea against the registry. Documents are the projects, then the organisations'
    descriptions; ``docs`` are those that match anything of the idea, with their features
    (:data:`DOC_FEATURES`) and quality; ``quality``, ``related`` and ``evidence`` are also
    given for every document (0 and False for the others)."""

    idea: IdeaWords
    docs: np.ndarray  # (touched,) document rows
    features: np.ndarray  # (touched, DOC_FEATURES)
    quality: np.ndarray  # (documents,) expected grade, 0..2
    related: np.ndarray  # (documents,) P(related)
    evidence: np.ndarray  # (documents,) bool: P(related) >= 0.5
    org_score: np.ndarray  # (orgs,) best quality, plus the others' share
    org_best: np.ndarray  # (orgs,) the quality of its best document
    org_evidence: np.ndarray  # (orgs,) bool: one of its documents is evidence
    #: (orgs,) bool: one of its documents matches a topic word of the idea in its sense
    #: (evidence or not): the organisations that come close to the idea
    org_near: np.ndarray
    #: (orgs,) bool: one of its documents is at least :data:`LIKELY_RELATED` likely related
    #: and matches a topic word of the idea in its sense (every organisation with evidence)
    org_likely: np.ndarray
    #: The idea's phrases (adjacent words that go together), as explanations cite them.
    phrases: tuple[tuple[str, str], ...] = ()
    #: The idea's topic (words or phrases), in its order.
    topic_words: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.org_evidence.any())


@dataclass(frozen=True, slots=True)
class _Reading:
    """What scoring needs of one idea, once: its phrases, which slots are bound to which
    phrase, its topic slots and phrases, and each slot's weight."""

    phrases: tuple[tuple[int, str, str], ...]
    bound: dict[int, list[str]]
    topic: list[int]
    topic_phrases: list[tuple[int, str, str]]
    education: list[int]
    weights: list[float]
    #: the idea's topic words when the registry uses none of them (then nothing is evidence)
    absent: tuple[str, ...] = ()


class TopicalIndex:
    """BM25F over project and description texts, and the learned document model (module
    docstring).

    Parameters
    ----------
    k1, b : BM25 saturation and length normalisation.
    extra : weight of an organisation's second document (halving for each next one).
    model : the learned :class:`TopicalModel` (default: the shipped weights, read when the
        first idea is scored).
    """

    #: The mean length of each field over the documents that have it (None: not known, an
    #: index saved by an earlier version).
    field_means_: dict[str, float] | None
    collocation_roles_: np.ndarray | None

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, extra: float = 0.1,
                 model: TopicalModel | None = None) -> None:
        self.k1 = k1
        self.b = b
        self.extra = extra
        self.model = model
        self._sense_cache: dict[tuple[int, frozenset[int], frozenset[str]], frozenset[int]] = {}

    def get_params(self) -> dict[str, float]:
        return {"k1": self.k1, "b": self.b, "extra": self.extra}

    # -- fitting -------------------------------------------------------------------------
    def fit(self, registry: Registry) -> TopicalIndex:
        """Index every project and description of ``registry``.

        Each document is read once and kept only as its fields' hashed terms (one flat
        ``uint32`` array a field, 4 bytes a term, and each document's count of them): the
        whole corpus as lists of words and of Python ints took 1.5 GB at 100,000 projects.
        Its education context and its word pairs (for :meth:`_collocations`) are taken as
        it is read.
        """
        n_projects = registry.incidence.shape[1]
        pairs: Counter[tuple[str, str]] = Counter()
        read = _read(self._documents(registry), pairs, n_projects)
        columns = read.columns()
        self.field_means_ = read.means()
        matrix = self._weigh(read, columns, self.field_means_)
        context = np.array(read.context, dtype=bool)
        del read
        df = np.bincount(matrix[:n_projects].indices, minlength=columns.size)
        idf = np.log(1.0 + (n_projects - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.columns_ = columns
        collocations, roles = self._collocations(pairs, df)
        return self.set_fitted(columns, matrix, df, idf, registry.incidence, collocations,
                               context, field_means=self.field_means_, roles=roles)

    def _weigh(self, read: _Read, columns: np.ndarray, means: Mapping[str, float],
               ) -> sp.csr_matrix:
        """BM25F term weights of the documents ``read``: each field's counts over its length
        normalised by its mean length ``means[field]``, weighted, summed and saturated."""
        n_docs = read.n_docs
        tf = sp.csr_matrix((n_docs, columns.size), dtype=np.float32)
        for name, weight in FIELDS.items():
            counts = (np.frombuffer(read.lengths[name], dtype=np.int64)
                      if len(read.lengths.get(name, ())) else np.zeros(n_docs, dtype=np.int64))
            if not counts.any():
                continue
            length = counts.astype(np.float32)
            mean = means.get(name) or float(length[length > 0].mean())
            norm = 1.0 - self.b + self.b * length / mean
            flat = np.frombuffer(read.terms[name], dtype=np.uint32)
            tf = tf + sp.csr_matrix(sp.diags(weight / norm) @ _counts(columns, flat, counts))
        matrix = sp.csr_matrix(tf, dtype=np.float32)
        del tf
        matrix.data = matrix.data / (self.k1 + matrix.data)
        return matrix

    def refresh(self, registry: Registry, projects: np.ndarray, orgs: np.ndarray,
                ) -> TopicalIndex | None:
        """A copy for ``registry`` (this fit's projects and organisations first, then new
        ones): the documents of project columns ``projects`` and organisation rows ``orgs``
        read again with this fit's mean field lengths, the others kept; terms new to the
        index get columns; document frequencies and idf counted again (as a fit does), and
        the corpus's fixed expressions (:meth:`_recollocate`). None when this fit's mean
        field lengths or its expressions' roles are not known (an index saved by an earlier
        version)."""
        if self.field_means_ is None or self.collocation_roles_ is None:
            return None
        n_projects, n_orgs = registry.incidence.shape[1], registry.n_orgs
        old_projects = self.n_projects_
        docs = [*(projects.tolist()), *(n_projects + orgs).tolist()]
        pairs: Counter[tuple[str, str]] = Counter()
        read = _read(self._documents(registry, docs), pairs, projects.size)
        columns = np.union1d(self.columns_, read.columns())
        moved = np.searchsorted(columns, self.columns_)
        old = self.documents_
        kept = sp.csr_matrix((old.data, moved[old.indices], old.indptr),
                             shape=(old.shape[0], columns.size))
        fresh = self._weigh(read, columns, self.field_means_)
        n_fresh = projects.size
        matrix = sp.vstack([
            replace_rows(kept[:old_projects], fresh[:n_fresh], projects, n_projects),
            replace_rows(kept[old_projects:], fresh[n_fresh:], orgs, n_orgs)], format="csr")
        context = np.zeros(n_projects + n_orgs, dtype=bool)
        context[:old_projects] = self.context_[:old_projects]
        context[n_projects:n_projects + self.n_orgs_] = self.context_[old_projects:]
        context[docs] = read.context
        df = np.bincount(matrix[:n_projects].indices, minlength=columns.size)
        idf = np.log(1.0 + (n_projects - df + 0.5) / (df + 0.5)).astype(np.float32)
        found = self._recollocate(moved, columns, df, pairs)
        if found is None:
            return None
        out = TopicalIndex(k1=self.k1, b=self.b, extra=self.extra, model=self.model)
        return out.set_fitted(columns, sp.csr_matrix(matrix, dtype=np.float32), df, idf,
                              registry.incidence, found[0], context,
                              field_means=self.field_means_, roles=found[1])

    @staticmethod
    def _documents(registry: Registry, rows: Sequence[int] | None = None,
                   ) -> Iterator[dict[str, list[str]]]:
        """The words of each document: the projects, then the organisations' own texts
        (``rows``: only these documents, numbered so)."""
        n_projects = len(registry.projects)
        for i in range(n_projects + registry.n_orgs) if rows is None else rows:
            if i < n_projects:
                p = registry.projects[i]
                yield project_fields(p.title, p.topic_title, p.summary)
            else:
                o = registry.orgs[i - n_projects]
                yield {"description": _translated(o.description),
                       "themes": [w for code in o.themes
                                  for w in english_words(_theme_label(registry, code))]}

    def _collocations(self, pairs: Counter[tuple[str, str]], df: np.ndarray,
                      ) -> tuple[np.ndarray, np.ndarray]:
        """``(n, 3)`` compact columns ``(word, other word, pair)`` of the corpus's fixed
        expressions: word pairs (``pairs``: in how many projects each adjacent pair is) in
        at least :data:`COLLOCATION_MIN_DF` projects and
        :data:`COLLOCATION_MIN_SHARE` of those of their second word (the head): "urban
        mobility", "next generation", "quantum key"; and pairs that hold
        :data:`DOMINANT_SHARE` of their first word's projects, for that word ("stem cell").
        A word an idea uses is in another sense in a document where it is part of such an
        expression whose other word the idea does not have. With each row, its role:
        :data:`HEAD` when its word is the pair's head (the first rule), else
        :data:`MODIFIER`."""
        rows: set[tuple[int, int, int, int]] = set()
        for (modifier, head), n in pairs.items():
            rows |= _expressions(self.columns_, df, modifier, head, n)
        return _sorted_expressions(rows)

    def _recollocate(self, moved: np.ndarray, columns: np.ndarray, df: np.ndarray,
                     pairs: Counter[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray] | None:
        """:meth:`_collocations` of a refreshed corpus (columns ``columns``, document
        frequencies ``df``; this fit's columns at ``moved`` in them): this fit's expressions
        that still hold, and the word ``pairs`` of the new and changed projects that now
        do, each pair counted as its column's document frequency (the projects that have
        it). The same as a fit's when projects were only added. None when this fit's
        expressions' roles are not known (an index saved by an earlier version)."""
        if self.collocation_roles_ is None:
            return None
        rows: set[tuple[int, int, int, int]] = set()
        for (first, other, pair), role in zip(moved[self.collocations_].tolist(),
                                              self.collocation_roles_.tolist(), strict=True):
            n = int(df[pair])
            share = COLLOCATION_MIN_SHARE if role == HEAD else DOMINANT_SHARE
            if n >= COLLOCATION_MIN_DF and n >= share * df[first]:
                rows.add((first, other, pair, role))
        for modifier, head in pairs:
            c = _column_in(columns, f"{modifier} {head}")
            if c is not None:
                rows |= _expressions(columns, df, modifier, head, int(df[c]))
        return _sorted_expressions(rows)

    def set_fitted(self, columns: np.ndarray, documents: sp.csr_matrix, df: np.ndarray,
                   idf: np.ndarray, incidence: sp.spmatrix, collocations: np.ndarray,
                   context: np.ndarray, postings: sp.csc_matrix | None = None, *,
                   field_means: Mapping[str, float] | None = None,
                   roles: np.ndarray | None = None) -> TopicalIndex:
        """Restore a fitted state (a saved index); ``postings``: the documents by column
        when saved (``documents`` as CSC), which an idea reads, not made again;
        ``field_means``: the mean length of each field, ``roles``: the role of each
        collocation (:meth:`_collocations`; None: not saved)."""
        self._sense_cache.clear()
        self.field_means_ = None if field_means is None else dict(field_means)
        self.collocation_roles_ = None if roles is None else np.asarray(roles, dtype=np.int8)
        self.columns_ = np.asarray(columns, dtype=np.int64)
        self.documents_ = sp.csr_matrix(documents, dtype=np.float32)
        self.df_ = np.asarray(df, dtype=np.int32)
        self.idf_ = np.asarray(idf, dtype=np.float32)
        self.collocations_ = np.asarray(collocations, dtype=np.int32).reshape(-1, 3)
        self.context_ = np.asarray(context, dtype=bool)
        members = sp.csr_matrix(incidence, dtype=np.float32, copy=True)
        self.n_projects_ = members.shape[1]
        self.n_orgs_ = members.shape[0]
        self._postings = (self.documents_.tocsc() if postings is None
                          else sp.csc_matrix(postings, dtype=np.float32))
        # documents x organisations: a project's members, a description's organisation
        members.data[:] = 1.0
        own = sp.identity(self.n_orgs_, dtype=np.float32, format="csr")
        self._authors = sp.csr_matrix(sp.vstack([members.T, own]), dtype=np.float32)
        self._by_org = self._authors.T.tocsr()
        return self

    @property
    def postings_(self) -> sp.csc_matrix:
        """:attr:`documents_` by columns: the documents that hold each term."""
        return self._postings

    @property
    def max_score(self) -> float:
        """The largest topical score: grade 2 for the best document and every other (its
        share ``extra``, halving, sums to at most twice ``extra``)."""
        return 2.0 * (1.0 + 2.0 * self.extra)

    @property
    def n_documents(self) -> int:
        return int(self.documents_.shape[0])

    # -- the idea ------------------------------------------------------------------------
    def column(self, term: str) -> int | None:
        """The compact column of ``term`` (a word or "word word"), None if no text has it."""
        key = _hash(term)
        i = int(np.searchsorted(self.columns_, key))
        return i if i < self.columns_.size and self.columns_[i] == key else None

    def is_phrase(self, a: str, b: str) -> bool:
        """Whether ``a b`` is a phrase: a glossary term's words, or a pair the projects use
        together often enough (:data:`PHRASE_MIN_DF`, :data:`PHRASE_MIN_SHARE`)."""
        if (a, b) in glossary_phrases():
            return True
        pair = self.column(f"{a} {b}")
        if pair is None or self.df_[pair] < PHRASE_MIN_DF:
            return False
        rarer = min(self.df_[c] for c in (self.column(a), self.column(b)) if c is not None)
        return bool(self.df_[pair] >= PHRASE_MIN_SHARE * rarer)

    def _phrases(self, idea: IdeaWords, absent: Sequence[str] = (),
                 ) -> tuple[tuple[int, str, str], ...]:
        """The idea's phrases without the ``absent`` words: each pair of neighbouring slots'
        words that is one, with the position of its first slot."""
        # a pair of the corpus without a topic word ("based learning") says nothing of the
        # idea's topic: only the glossary's, or what the idea wrote as one word, count then
        return tuple((i, a, b) for i, (left, right) in enumerate(pairwise(idea.slots))
                     for a in left for b in right
                     if a != b and a not in absent and b not in absent
                     and (i in idea.joined or (a, b) in glossary_phrases()
                          or (self.is_phrase(a, b) and max(
                              discount(idea.slots[i]),
                              discount(idea.slots[i + 1])) == 1.0)))

    def _idea_columns(self, idea: IdeaWords) -> set[int]:
        """The columns of every word of the idea that some text has."""
        return {c for slot in idea.slots for w in slot if (c := self.column(w)) is not None}

    def _absent(self, idea: IdeaWords, topic: Sequence[int]) -> tuple[str, ...]:
        """The idea's topic words (slots ``topic``) when no document of the registry uses
        any of them, else nothing."""
        # topic words no document of the registry uses ("flipped" of "flipped classroom"):
        # nothing can be evidence of them, so the idea is read without them, as one of its
        # phrases and words of education, whose matches are at most the closest (see
        # :meth:`score`)
        if topic and all(self.column(w) is None for i in topic for w in idea.slots[i]):
            return tuple(idea.slots[i][0] for i in topic)
        return ()

    def _read(self, idea: IdeaWords) -> _Reading:
        topic = [i for i, s in enumerate(idea.slots) if discount(s) == 1.0]
        absent = self._absent(idea, topic)
        if absent:
            topic = []
        phrases = self._phrases(idea, absent)
        bound = _bound(idea, phrases)
        topic_phrases: list[tuple[int, str, str]] = []
        if not topic:
            topic_phrases = [p for p in phrases if (p[1], p[2]) in glossary_phrases()]
            if not topic_phrases or absent:
                topic = [i for i, s in enumerate(idea.slots) if s[0] in EDUCATION]
        education = [i for i, s in enumerate(idea.slots) if s[0] in EDUCATION and i not in topic]
        weights = [self._idf_of(s) * discount(s) for s in idea.slots]
        return _Reading(phrases, bound, topic, topic_phrases, education, weights, absent)

    def _idf_of(self, slot: Sequence[str]) -> float:
        cols = [self.column(w) for w in slot]
        return max((float(self.idf_[c]) for c in cols if c is not None),
                   default=float(self.idf_.max(initial=1.0)))

    def _postings_of(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        col = self.column(term)
        if col is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        start, end = self._postings.indptr[col], self._postings.indptr[col + 1]
        return self._postings.indices[start:end], self._postings.data[start:end]

    def _other_senses(self, col: int, idea_columns: set[int], own_phrases: set[str],
                      ) -> np.ndarray:
        """The documents where the word of column ``col`` is part of a fixed expression of
        the corpus whose other word the idea does not have ("urban mobility" for "virtual
        mobility", "next generation" for "first-generation students", "stem cell" for "STEM
        teaching"), unless they also have one of the idea's own phrases."""
        c = self.collocations_
        lo, hi = np.searchsorted(c[:, 0], [col, col + 1])
        pairs = [int(p) for _, m, p in c[lo:hi].tolist() if m not in idea_columns]
        if not pairs:
            return np.zeros(0, dtype=np.int64)
        docs = np.unique(np.concatenate([
            self._postings.indices[self._postings.indptr[p]:self._postings.indptr[p + 1]]
            for p in pairs]))
        keep = [self._postings_of(t)[0] for t in own_phrases]
        if keep:
            docs = docs[~np.isin(docs, np.concatenate(keep))]
        return docs.astype(np.int64)

    def _other_sense_set(self, col: int, idea_columns: frozenset[int],
                         own_phrases: frozenset[str]) -> frozenset[int]:
        """:meth:`_other_senses` as a set, remembered for the last ideas: an answer's
        explanations ask it for the same words of every cited document."""
        key = (col, idea_columns, own_phrases)
        found = self._sense_cache.get(key)
        if found is None:
            if len(self._sense_cache) >= 512:
                self._sense_cache.clear()
            found = frozenset(self._other_senses(col, set(idea_columns),
                                                 set(own_phrases)).tolist())
            self._sense_cache[key] = found
        return found

    # -- scoring -------------------------------------------------------------------------
    def _slot_hits(self, idea: IdeaWords, r: _Reading,
                   ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Each slot's documents, its saturated idf there, and whether in its sense."""
        own_phrases = {f"{a} {b}" for _, a, b in r.phrases}
        idea_columns = self._idea_columns(idea)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for i, slot in enumerate(idea.slots):
            found: list[tuple[np.ndarray, np.ndarray]] = []
            other: list[np.ndarray] = []
            for word in slot:
                col = self.column(word)
                if col is None:
                    continue
                rows, values = self._postings_of(word)
                found.append((rows.astype(np.int64), values * self.idf_[col]))
                other.append(self._other_senses(col, idea_columns, own_phrases))
            hit, value = _best_per_row(found)
            in_sense = ~np.isin(hit, np.concatenate(other)) if other else np.ones(
                hit.size, dtype=bool)
            if i in r.bound:
                in_sense &= np.isin(hit, np.concatenate(
                    [self._postings_of(t)[0] for t in r.bound[i]]))
            parts.append((hit, value, in_sense))
        return parts

    def document_features(self, idea: IdeaWords) -> tuple[np.ndarray, np.ndarray,
                                                          _Reading]:
        """The documents that match anything of ``idea`` and their features
        (:data:`DOC_FEATURES`, module docstring)."""
        r = self._read(idea)
        parts = self._slot_hits(idea, r)
        phrase_hits = [self._postings_of(f"{a} {b}") for _, a, b in r.phrases]
        docs = np.unique(np.concatenate([p[0] for p in parts]
                                        + [h[0].astype(np.int64) for h in phrase_hits]
                                        + [np.zeros(0, dtype=np.int64)]))
        x = np.zeros((docs.size, len(DOC_FEATURES)), dtype=np.float32)
        if not docs.size:
            return docs, x, r
        one = np.float32(1.0 / (1.0 + self.k1))  # a word once in a title
        total = np.zeros(docs.size, dtype=np.float32)
        topic = np.zeros(docs.size, dtype=np.float32)
        edu = np.zeros(docs.size, dtype=np.float32)
        matched_topic = np.zeros(docs.size, dtype=np.int32)
        rarest = np.zeros(docs.size, dtype=bool)
        heaviest = max(r.topic, key=lambda i: r.weights[i], default=-1)
        for i, (hit, value, in_sense) in enumerate(parts):
            at = np.searchsorted(docs, hit)
            weighted = value * np.where(in_sense, 1.0, OTHER_SENSE).astype(np.float32) \
                * np.float32(discount(idea.slots[i]))
            np.add.at(total, at, weighted)
            if i in r.topic:
                np.add.at(topic, at[in_sense], value[in_sense])
                matched_topic[at[in_sense]] += 1
                if i == heaviest:
                    rarest[at[in_sense]] = True
            elif i in r.education:
                np.add.at(edu, at[in_sense], value[in_sense])
        held = np.zeros(docs.size, dtype=np.float32)
        topic_pairs = {i for i, _, _ in r.topic_phrases}
        for (i, _, _), (rows, values) in zip(r.phrases, phrase_hits, strict=True):
            at = np.searchsorted(docs, rows)
            weight = (r.weights[i] + r.weights[i + 1]) / 2
            np.add.at(total, at, values * np.float32(PHRASE_BONUS * weight))
            held[at] += 1.0
            if i in topic_pairs:
                np.add.at(topic, at, values * np.float32(self._pair_idf(idea, i)))
                matched_topic[at] += 1
        whole = float(sum(r.weights) * one)
        topic_whole = float((sum(self._idf_of(idea.slots[i]) for i in r.topic)
                             + sum(self._pair_idf(idea, i) for i, _, _ in r.topic_phrases)) * one)
        edu_whole = float(sum(self._idf_of(idea.slots[i]) for i in r.education) * one)
        n_topic = len(r.topic) + len(r.topic_phrases)
        x[:, 0] = total / max(whole, 1e-6)
        x[:, 1] = topic / max(topic_whole, 1e-6)
        x[:, 2] = edu / edu_whole if edu_whole > 0 else 0.0
        x[:, 3] = held / len(r.phrases) if r.phrases else 0.0
        x[:, 4] = rarest
        x[:, 5] = (matched_topic >= n_topic) & (n_topic > 0)
        x[:, 6] = self.context_[docs]
        return docs, x, r

    def _pair_idf(self, idea: IdeaWords, i: int) -> float:
        col = self.column(f"{idea.slots[i][0]} {idea.slots[i + 1][0]}")
        return float(self.idf_[col]) if col is not None else float(self.idf_.max())

    def score(self, idea: IdeaWords) -> TopicalScores:
        """Every document's and organisation's topical quality for ``idea``."""
        docs, x, r = self.document_features(idea)
        model = self.model or load_topical_model()
        p_related, p_clearly = model.probabilities(x) if docs.size else (
            np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))
        n = self.n_documents
        quality = np.zeros(n, dtype=np.float32)
        related = np.zeros(n, dtype=np.float32)
        quality[docs] = p_related + p_clearly
        related[docs] = p_related
        # evidence of the idea's topic: likely related, and matching a topic word in its
        # sense (never words of education or generic ones alone)
        in_sense = x[:, DOC_FEATURES.index("topic")] > 0
        evidence = np.zeros(n, dtype=bool)
        likely = np.zeros(docs.size, dtype=bool)
        if not r.absent:
            evidence[docs] = (p_related >= 0.5) & in_sense
            likely = in_sense & (p_related >= LIKELY_RELATED)
        # every (document, author) pair of the touched documents, sliced once
        pairs = self._authors[docs].tocoo()
        org_score, org_best = self._by_organisation(pairs, quality[docs])
        units = r.absent or (*(idea.slots[i][0] for i in r.topic),
                             *(f"{a} {b}" for _, a, b in r.topic_phrases))
        return TopicalScores(idea, docs, x, quality, related, evidence, org_score, org_best,
                             self._authored(pairs, evidence[docs]),
                             self._authored(pairs, in_sense), self._authored(pairs, likely),
                             tuple((a, b) for _, a, b in r.phrases), units)

    def _authored(self, pairs: sp.coo_matrix, flags: np.ndarray) -> np.ndarray:
        """(orgs,) bool: an author of a document ``flags`` marks (``pairs``: the touched
        documents' authors, rows in the order of ``flags``)."""
        out = np.zeros(self.n_orgs_, dtype=bool)
        out[pairs.col[flags[pairs.row]]] = True
        return out

    def _by_organisation(self, pairs: sp.coo_matrix, quality: np.ndarray,
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Each organisation's best document's quality plus ``extra`` of its second,
        halving for each next, and its best document's quality (``pairs``: the touched
        documents' authors, rows in the order of ``quality``)."""
        org_score = np.zeros(self.n_orgs_, dtype=np.float32)
        org_best = np.zeros(self.n_orgs_, dtype=np.float32)
        keep = quality[pairs.row] > 0
        if not keep.any():
            return org_score, org_best
        # each organisation's documents best first: the documents ranked by quality once,
        # then one sort of the (organisation, document rank) pairs as single integers
        best_first = np.argsort(-quality, kind="stable")
        rank_of = np.empty(quality.size, dtype=np.int64)
        rank_of[best_first] = np.arange(quality.size)
        key = pairs.col[keep].astype(np.int64) * quality.size + rank_of[pairs.row[keep]]
        key.sort()
        orgs, values = key // quality.size, quality[best_first][key % quality.size]
        starts = np.flatnonzero(np.r_[True, orgs[1:] != orgs[:-1]])
        rank = np.arange(orgs.size) - np.repeat(starts, np.diff(np.r_[starts, orgs.size]))
        weight = np.where(rank == 0, 1.0, self.extra * 0.5 ** (rank - 1))
        org_score = np.bincount(orgs, weights=values * weight,
                                minlength=self.n_orgs_).astype(np.float32)
        org_best[orgs[rank == 0]] = values[rank == 0]
        return org_score, org_best

    def matched(self, scores: TopicalScores, document: int) -> list[str]:
        """What ``document`` matches of the idea, as the explanations cite it: the idea's
        phrases it holds, then its other words (generic ones aside) in the idea's order;
        never a word it has only in another sense (a generic or education word of a phrase
        without the phrase, a word in another fixed expression)."""
        start, end = self.documents_.indptr[document], self.documents_.indptr[document + 1]
        cols = set(self.documents_.indices[start:end].tolist())
        out = [f"{a} {b}" for a, b in scores.phrases if self.column(f"{a} {b}") in cols]
        inside = {w for term in out for w in term.split()}
        bound = {w for a, b in scores.phrases for w in (a, b)
                 if w in GENERIC or w in EDUCATION} | {b for a, b in scores.phrases
                                                      if a in ORDINALS}
        idea_columns = frozenset(self._idea_columns(scores.idea))
        own = frozenset(f"{a} {b}" for a, b in scores.phrases)

        def in_its_sense(word: str) -> bool:
            col = self.column(word)
            if col is None or word in inside or col not in cols or word in bound:
                return False
            return document not in self._other_sense_set(col, idea_columns, own)

        for slot in scores.idea.slots:
            if slot[0] in GENERIC or inside.intersection(slot):
                continue  # a generic word, or one a cited phrase already shows
            word = next((w for w in slot if in_its_sense(w)), None)
            if word is not None:
                out.append(word)
                inside.add(word)
        return out

    def documents_of(self, row: int) -> np.ndarray:
        """The documents of organisation ``row``: its projects, then its own profile."""
        found: np.ndarray = self._by_org.indices[
            self._by_org.indptr[row]:self._by_org.indptr[row + 1]]
        return found

    def best_documents(self, scores: TopicalScores, documents: Iterable[int],
                       limit: int = 2, *, evidence: bool = True) -> list[int]:
        """The documents among ``documents`` of highest quality, best first: evidence only,
        or with ``evidence`` False any that matches a topic word of the idea in its sense."""
        if evidence:
            rows = [j for j in documents if scores.evidence[j]]
        else:
            near = set(scores.docs[scores.features[:, DOC_FEATURES.index("topic")] > 0]
                       .tolist())
            rows = [j for j in documents if j in near]
        rows.sort(key=lambda j: (-float(scores.quality[j]), j))
        return rows[:limit]


#: Words that, in a phrase with the next ("first-generation", "third-country",
#: "second-chance"), make it another sense than it has alone.
ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "1st", "2nd", "3rd"})


def _bound(idea: IdeaWords, phrases: Sequence[tuple[int, str, str]]) -> dict[int, list[str]]:
    """For each slot of a discounted (generic or education) word, the phrases it is part of:
    it counts only inside them; the same for a word in a phrase with an ordinal before
    it ("generation" of "first-generation students" is not that of "5th generation
    networks")."""
    bound: dict[int, list[str]] = {}
    for i, a, b in phrases:
        for slot in (i, i + 1):
            if (discount(idea.slots[slot]) < 1.0
                    or (slot == i + 1 and a in ORDINALS)):
                bound.setdefault(slot, []).append(f"{a} {b}")
    return bound


def _best_per_row(found: Sequence[tuple[np.ndarray, np.ndarray]],
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The rows of several (rows, values) postings, sorted, each with its largest value."""
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if len(found) == 1:
        return found[0][0], np.asarray(found[0][1], dtype=np.float32)
    rows = np.concatenate([f[0] for f in found])
    values = np.concatenate([f[1] for f in found]).astype(np.float32)
    order = np.lexsort((-values, rows))
    rows, values = rows[order], values[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    return rows[first], values[first]


def _counts(columns: np.ndarray, flat: np.ndarray, lengths: np.ndarray) -> sp.csr_matrix:
    """The counts of each row's hashed terms: ``flat`` holds the rows' terms one after the
    other, ``lengths[i]`` of them for row ``i``."""
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    m = sp.csr_matrix((np.ones(flat.size, dtype=np.float32),
                       np.searchsorted(columns, flat.astype(np.int64)), indptr),
                      shape=(lengths.size, columns.size))
    m.sum_duplicates()
    return m


#: The role of a collocation's first word: the pair's head, or its modifier.
HEAD, MODIFIER = 0, 1


def _column_in(columns: np.ndarray, term: str) -> int | None:
    key = _hash(term)
    i = int(np.searchsorted(columns, key))
    return i if i < columns.size and columns[i] == key else None


def _expressions(columns: np.ndarray, df: np.ndarray, modifier: str, head: str,
                 n: int) -> set[tuple[int, int, int, int]]:
    """The collocation rows (first word, other word, pair, role) of the pair
    ``modifier head``, in ``n`` projects (:meth:`TopicalIndex._collocations`)."""
    if n < COLLOCATION_MIN_DF or modifier == head:
        return set()
    h, m, c = (_column_in(columns, head), _column_in(columns, modifier),
               _column_in(columns, f"{modifier} {head}"))
    if h is None or m is None or c is None:
        return set()
    rows = set()
    if n >= COLLOCATION_MIN_SHARE * df[h]:
        rows.add((h, m, c, HEAD))
    if n >= DOMINANT_SHARE * df[m]:
        rows.add((m, h, c, MODIFIER))
    return rows


def _sorted_expressions(rows: set[tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = np.array(sorted(rows), dtype=np.int64).reshape(-1, 4)
    return ordered[:, :3].astype(np.int32), ordered[:, 3].astype(np.int8)


class _Read:
    """Documents as read for the index: each field's hashed terms one after the other and
    each document's count of them, and each document's education context."""

    def __init__(self) -> None:
        self.terms: dict[str, array[int]] = {name: array("I") for name in FIELDS}
        self.lengths: dict[str, array[int]] = {name: array("q") for name in FIELDS}
        self.context: list[bool] = []
        self.n_docs = 0

    def columns(self) -> np.ndarray:
        """The distinct hashed terms, sorted."""
        out: np.ndarray = np.unique(np.concatenate(
            [np.zeros(0, dtype=np.uint32),
             *(np.frombuffer(t, dtype=np.uint32) for t in self.terms.values() if len(t))],
        )).astype(np.int64)
        return out

    def means(self) -> dict[str, float]:
        """Each field's mean length over the documents that have it."""
        out = {}
        for name in FIELDS:
            length = np.frombuffer(self.lengths[name], dtype=np.int64)
            if length.any():
                out[name] = float(length.astype(np.float32)[length > 0].mean())
        return out


def _read(documents: Iterable[dict[str, list[str]]], pairs: Counter[tuple[str, str]] | None,
          n_projects: int) -> _Read:
    """Read ``documents``; the word pairs of the first ``n_projects`` counted in ``pairs``."""
    out = _Read()
    terms, lengths = out.terms, out.lengths
    for i, d in enumerate(documents):
        for name, words in d.items():
            hashed = [_hash(t) for t in _terms(words)]
            if name not in lengths:  # a field of no earlier document
                terms[name], lengths[name] = array("I"), array("q", bytes(8 * i))
            terms[name].extend(hashed)
            lengths[name].append(len(hashed))
        for counted in lengths.values():  # the fields this document lacks
            if len(counted) == i:
                counted.append(0)
        out.context.append(any(EDUCATION_CONTEXT.intersection(d.get(field, ()))
                               for field in ("title", "topic_title", "description", "themes")))
        if pairs is not None and i < n_projects:
            pairs.update({p for words in d.values() for p in pairwise(words)
                          if _APART not in p})
        out.n_docs = i + 1
    return out
