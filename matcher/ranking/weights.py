"""The ranker's weights: one linear model for queries with organisations, one for ideas.

A query that names organisations (find partners for us, complete our consortium) is scored
by the ``partner`` model; a query of text, themes and call topics only (a project idea) by
the ``idea`` model. The evidence differs (past collaborations against words and calls), and
so do the best weights of the features they share, such as popularity.

Both are learned by :mod:`matcher.evaluation.training` and shipped as plain JSON in
``model_weights.json`` beside this module, with what each was learned from::

    {"models": {"partner": {"weights": {feature: w}, "intercept": b, "training": {...}},
                "idea":    {...}}, ...}

``score = sigmoid(intercept + w . features)``, so scores lie in (0, 1) and the order is that
of the linear model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.files import read_trained
from matcher.ranking.features import FEATURES

__all__ = ["KINDS", "WEIGHTS_FILE", "Weights", "load_weights"]

KINDS = ("partner", "idea")
WEIGHTS_FILE = Path(__file__).with_name("model_weights.json")


@dataclass(frozen=True)
class Weights:
    """Feature weights and intercept of each model kind (:data:`KINDS`)."""

    partner: dict[str, float]
    idea: dict[str, float]

    @classmethod
    def same(cls, weights: Mapping[str, float]) -> Weights:
        """One set of weights for both kinds (tests, hand-made models)."""
        flat = _flat({"weights": weights, "intercept": weights.get("intercept", 0.0)})
        return cls(flat, dict(flat))

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Weights:
        models = raw.get("models")
        if not isinstance(models, Mapping) or set(KINDS) - set(models):
            raise ValueError(f"expected {{'models': {{{', '.join(KINDS)}}}}}")
        return cls(*(_flat(models[kind]) for kind in KINDS))

    def of(self, kind: str) -> dict[str, float]:
        return self.partner if kind == "partner" else self.idea

    def vector(self, kind: str) -> np.ndarray:
        """The weights of ``kind`` in :data:`~matcher.ranking.features.FEATURES` order."""
        w = self.of(kind)
        return np.array([w.get(name, 0.0) for name in FEATURES], dtype=np.float32)

    def intercept(self, kind: str) -> float:
        return float(self.of(kind).get("intercept", 0.0))

    def used(self, kind: str) -> tuple[str, ...]:
        """The features with a weight: the only ones worth computing for ``kind``."""
        w = self.of(kind)
        return tuple(name for name in FEATURES if w.get(name, 0.0))

    def to_json(self) -> dict[str, Any]:
        return {"models": {kind: {"weights": {k: v for k, v in self.of(kind).items()
                                              if k != "intercept"},
                                  "intercept": self.intercept(kind)} for kind in KINDS}}


def _flat(model: Mapping[str, Any]) -> dict[str, float]:
    weights = model.get("weights", {})
    out = {name: float(weights.get(name, 0.0)) for name in FEATURES}
    out["intercept"] = float(model.get("intercept", 0.0))
    return out


def load_weights(path: Path | None = None) -> Weights:
    """The learned weights of ``path`` (default: the shipped ``model_weights.json``)."""
    return read_trained(WEIGHTS_FILE if path is None else path, Weights.from_json,
                        what="model weights",
                        train="train them with `python scripts/train_model.py`")
