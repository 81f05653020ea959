"""The learned models next to the index (``<index_dir>/models/``, written by ``policybot train``): the ranking model,
its calibration and training report, the learned vocabulary and the question memory. Without them retrieval falls
back to rank fusion, with no vocabulary and no memory, and says so."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm

from bot.memory import QuestionMemory
from bot.ranker import Calibration, FusionRanker, LearnedRanker, Ranker
from bot.vocabulary import Vocabulary

log = logging.getLogger(__name__)

MODELS_FOLDER = "models"
RANKER_FILE = "ranker.txt"
VOCABULARY_FILE = "vocabulary.tsv"
REPORT_FILE = "models.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class LearnedModels:
    """What retrieval learned from data.

    Attributes:
        ranker: the ranking model (``FusionRanker`` when none was trained).
        vocabulary: the layperson → statute vocabulary (empty when none was trained).
        memory: the labelled questions over the corpus (empty when none was trained).
        report: ``models.json``: training data, seed, settings fingerprint, measured figures (empty when untrained).
    """

    ranker: Ranker = field(default_factory=FusionRanker)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    memory: QuestionMemory = field(default_factory=QuestionMemory)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def trained(self) -> bool:
        return isinstance(self.ranker, LearnedRanker)


def models_dir(index_dir: Path) -> Path:
    return index_dir / MODELS_FOLDER


def read_report(index_dir: Path) -> dict[str, Any] | None:
    """The training report, or None when no complete model set is there."""
    try:
        report = json.loads((models_dir(index_dir) / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and report.get("format") == FORMAT_VERSION else None


def load_models(index_dir: Path) -> LearnedModels:
    """The models trained for this index; the untrained fallback (logged) when they are missing or unreadable."""
    folder = models_dir(index_dir)
    report = read_report(index_dir)
    if report is None:
        log.warning("no trained ranking model in %s: ranking by rank fusion; run `policybot train`", folder)
        return LearnedModels()
    try:
        booster = lightgbm.Booster(model_file=str(folder / RANKER_FILE))
        calibration = Calibration(**report["calibration"])
        ranker = LearnedRanker(booster, calibration)
        vocabulary = Vocabulary.load(folder / VOCABULARY_FILE)
        memory = QuestionMemory.load(folder)
    except (OSError, ValueError, KeyError, TypeError, lightgbm.basic.LightGBMError) as error:
        log.warning(
            "the trained models in %s cannot be used (%s): ranking by rank fusion; run `policybot train --force`",
            folder,
            error,
        )
        return LearnedModels()
    return LearnedModels(ranker, vocabulary, memory, report)
