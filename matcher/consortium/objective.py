"""The weights of the objective a consortium is ranked by, as data.

The terms are defined in :mod:`matcher.consortium.pool`; each lies in [0, 1], and the weights
are non-negative and sum to 1, so a consortium's score lies in [0, 1] too. The weights the
builder uses by default are learned from real consortia (``scripts/train_objective.py``,
:mod:`matcher.evaluation.objective_fit`) and shipped as JSON beside this module
(``objective_weights.json``), with what they were learned from::

    {"weights": {"fit": 0.5, "relevance": 0.1, ...}, "reuse": 0.2, "training": {...},
     "validation": {...}}

:data:`HAND_SET` is the objective the builder used before it was learned; the evaluation
reports it beside the learned one.

>>> HAND_SET.for_idea(False)["fit"]
0.55
>>> Objective.from_mapping({"fit": 2.0}).weight("fit")
Traceback (most recent call last):
...
ValueError: objective weights must be >= 0 and sum to 1; these sum to 2
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from matcher.errors import DataFileError, QueryError

__all__ = ["HAND_SET", "OBJECTIVE_FILE", "PAIR_TERMS", "TERMS", "Objective", "load_objective"]

#: Every term of the objective (see :mod:`matcher.consortium.pool`).
TERMS = ("fit", "relevance", "types", "countries", "history", "coherence", "affinity")
#: The terms measured on pairs of members (the others on single members or the whole set).
PAIR_TERMS = ("history", "coherence", "affinity")
OBJECTIVE_FILE = Path(__file__).with_name("objective_weights.json")


@dataclass(frozen=True, slots=True)
class Objective:
    """Non-negative weights of :data:`TERMS` that sum to 1; ``source`` says where they come
    from (``hand-set``, or the file they were learned into).

    ``reuse`` >= 0: each alternative after the best is searched again with this penalty
    times the share of its added members that better alternatives already use (0: the
    alternatives are the best sets that differ from each other in two members).
    """

    weights: tuple[tuple[str, float], ...]
    source: str = "hand-set"
    reuse: float = 0.0

    @classmethod
    def from_mapping(cls, weights: Mapping[str, float], source: str = "hand-set", *,
                     reuse: float = 0.0) -> Objective:
        unknown = sorted(set(weights) - set(TERMS))
        if unknown:
            raise ValueError(f"unknown objective terms {', '.join(unknown)}; valid: "
                             f"{', '.join(TERMS)}")
        values = {t: float(weights.get(t, 0.0)) for t in TERMS}
        total = sum(values.values())
        if min(values.values()) < 0 or abs(total - 1.0) > 1e-6:
            raise ValueError(f"objective weights must be >= 0 and sum to 1; these sum to "
                             f"{total:g}")
        if reuse < 0:
            raise ValueError(f"reuse {reuse:g}: valid: 0 or more")
        return cls(tuple(values.items()), source, float(reuse))

    def weight(self, term: str) -> float:
        return dict(self.weights)[term]

    def for_idea(self, has_idea: bool) -> dict[str, float]:
        """The weights, with ``relevance``'s moved to ``fit`` when the request has no idea
        (relevance is then 0 for every candidate)."""
        w = dict(self.weights)
        if not has_idea:
            w["fit"] += w["relevance"]
            w["relevance"] = 0.0
        return w

    def with_idea_weight(self, weight: float) -> Objective:
        """The same objective with ``relevance`` (how close the added members' past work is
        to the idea) at ``weight`` and the other terms scaled to share the rest as before.

        >>> HAND_SET.with_idea_weight(0.6).weight("relevance")
        0.6
        >>> round(HAND_SET.with_idea_weight(0.6).weight("fit"), 4)
        0.175
        """
        if not 0.0 <= weight <= 1.0:
            raise QueryError(f"idea weight {weight:g}: give a number from 0 to 1")
        rest = {t: w for t, w in self.weights if t != "relevance"}
        total = sum(rest.values())
        scaled = ({t: w * (1.0 - weight) / total for t, w in rest.items()} if total > 0
                  else {"fit": 1.0 - weight})
        return Objective.from_mapping({**scaled, "relevance": weight},
                                      f"{self.source}, idea weight {weight:g}",
                                      reuse=self.reuse)

    def to_json(self) -> dict[str, Any]:
        return {"weights": {t: round(w, 6) for t, w in self.weights}, "reuse": self.reuse,
                "source": self.source}


HAND_SET = Objective.from_mapping(
    {"fit": 0.35, "relevance": 0.2, "types": 0.15, "countries": 0.15, "history": 0.15})


@cache
def _read(path: Path, mtime_ns: int) -> Objective:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("weights"), dict):
        raise TypeError("expected {'weights': {term: weight}, 'reuse': r}")
    return Objective.from_mapping(raw["weights"], source=path.name,
                                  reuse=float(raw.get("reuse", 0.0)))


def load_objective(path: Path | None = None) -> Objective:
    """The learned objective of ``path`` (default: the shipped ``objective_weights.json``)."""
    path = OBJECTIVE_FILE if path is None else path
    try:
        return _read(path, path.stat().st_mtime_ns)
    except OSError as exc:
        raise DataFileError(path, f"cannot read the objective weights: {exc.strerror}; "
                            "learn them with `python scripts/train_objective.py`") from exc
    except (TypeError, ValueError) as exc:
        raise DataFileError(path, f"not an objective weights file ({exc}); learn them with "
                            "`python scripts/train_objective.py`") from exc
