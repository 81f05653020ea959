"""Rankers over the named features of ``bot.features``: the learned one (LightGBM LambdaMART, probabilities by
Platt calibration) and the untrained fallback (reciprocal-rank fusion of the retrieval channels). Both say how much
each feature contributed to each passage's score, which is what ``--explain`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import lightgbm
import numpy as np

from bot.features import FEATURE_NAMES

RRF_CONSTANT = 60
"""The k of reciprocal-rank fusion, 1 / (k + rank): the value of Cormack et al. (2009)."""
FUSED_RANKS = ("bm25_passage_rank", "bm25_sentence", "dense_main_rank", "dense_second_rank")


@dataclass(frozen=True, slots=True)
class Contributions:
    """How each feature moved each candidate's score: ``values[i, j]`` added by feature ``j`` to candidate ``i``,
    on top of ``base`` (the same for all)."""

    values: np.ndarray
    base: float


class Ranker(Protocol):
    """Scores a question's candidate passages from their feature matrix (columns in ``FEATURE_NAMES`` order)."""

    name: str

    def score(self, features: np.ndarray) -> np.ndarray:
        """A relevance score per candidate: higher is better."""
        ...

    def contributions(self, features: np.ndarray) -> Contributions:
        """Each feature's share of each candidate's raw score."""
        ...


@dataclass(frozen=True, slots=True)
class Calibration:
    """Platt scaling: the probability that a candidate answers the question, from the ranker's raw score."""

    slope: float
    intercept: float

    def probability(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * raw + self.intercept)))


class LearnedRanker:
    """A LightGBM ranking model over ``FEATURE_NAMES``; scores are calibrated probabilities. One question's hundred
    or so candidates are scored on one thread (starting OpenMP's threads costs more than it saves).

    Args:
        booster: the trained model (its feature names must be ``FEATURE_NAMES``).
        calibration: raw score → probability, fitted on out-of-fold scores.
    """

    name = "learned"

    def __init__(self, booster: lightgbm.Booster, calibration: Calibration) -> None:
        if tuple(booster.feature_name()) != FEATURE_NAMES:
            raise ValueError("the ranking model was trained on other features: run `policybot train --force`")
        self.booster = booster
        self.calibration = calibration

    def score(self, features: np.ndarray) -> np.ndarray:
        return self.calibration.probability(np.asarray(self.booster.predict(features, num_threads=1)))

    def contributions(self, features: np.ndarray) -> Contributions:
        values = np.asarray(self.booster.predict(features, pred_contrib=True, num_threads=1))
        return Contributions(values[:, :-1], float(values[0, -1]) if len(values) else 0.0)


class FusionRanker:
    """The ranker before ``policybot train`` has run: reciprocal-rank fusion of passage BM25, the best
    sentence's BM25 (by its relative score's rank) and each embedding model's cosine rank."""

    name = "rank fusion (untrained)"

    def _terms(self, features: np.ndarray) -> np.ndarray:
        terms = np.zeros_like(features, dtype=np.float64)
        for name in FUSED_RANKS:
            column = FEATURE_NAMES.index(name)
            values = features[:, column]
            if name.endswith("_rank"):
                ranks = np.exp2(values)
            else:  # a relative score: rank the candidates by it
                ranks = np.empty(len(values))
                ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
            terms[:, column] = 1.0 / (RRF_CONSTANT + ranks)
        if not features[:, FEATURE_NAMES.index("dense_second")].any():
            terms[:, FEATURE_NAMES.index("dense_second_rank")] = 0.0
        return terms

    def score(self, features: np.ndarray) -> np.ndarray:
        return self._terms(features).sum(axis=1) if len(features) else np.zeros(0)

    def contributions(self, features: np.ndarray) -> Contributions:
        return Contributions(self._terms(features), 0.0)
