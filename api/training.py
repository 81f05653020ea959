"""``policybot train``: learn the ranker and the vocabulary for the current index and save them next to it.

Training data: the STARD transfer questions (answered from their own small index of the articles they are labelled
with), the tune split of the STARD civil set, and the dev set unless ``POLICYBOT_TRAINING__WITH_DEV=false``.
Never the test split of the STARD civil set, the blind set or the lay set. Skipped when nothing it depends on
changed (the fingerprint in ``models.json``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.factory import Components, ingest, load
from bot.features import FEATURE_NAMES
from bot.learning.examples import TRANSFER, case_questions, transfer_questions, write_transfer_corpus
from bot.learning.trainer import Corpus, train
from bot.models import FORMAT_VERSION, RANKER_FILE, REPORT_FILE, VOCABULARY_FILE, LearnedModels, models_dir, read_report
from bot.query import QueryAnalyzer
from bot.retrieval import HybridSearcher
from bot.settings import PROJECT_ROOT, Settings, today
from index.build import LoadedIndex

TRANSFER_SET = PROJECT_ROOT / "eval" / "training" / "stard-transfer.jsonl"
STARD_SET = PROJECT_ROOT / "eval" / "datasets" / "stard-civil.jsonl"
DEV_SET = PROJECT_ROOT / "eval" / "datasets" / "dev.jsonl"
TRAINING_FOLDER = "training"
CODE = [PROJECT_ROOT / "bot" / "features.py", *sorted((PROJECT_ROOT / "bot" / "learning").glob("*.py"))]


def transfer_index(settings: Settings, components: Components) -> LoadedIndex:
    """The index of the transfer questions' articles (built, or reused when up to date, under the index folder)."""
    folder = settings.index_dir / TRAINING_FOLDER
    files = write_transfer_corpus(TRANSFER_SET, folder / "transfer-corpus")
    ingest(settings, components, files, index_dir=folder / "transfer-index")
    return load(settings, components, folder / "transfer-index")


def _fingerprint(settings: Settings, indexes: list[LoadedIndex], sets: list[Path]) -> str:
    digest = hashlib.sha256()
    for part in (
        json.dumps(settings.training.model_dump(mode="json"), sort_keys=True),
        json.dumps(
            settings.retrieval.model_dump(
                mode="json", include={"candidate_depth", "vocabulary_words", "disabled_features"}
            ),
            sort_keys=True,
        ),
        ",".join(FEATURE_NAMES),
        *(index.build_id for index in indexes),
    ):
        digest.update(part.encode("utf-8"))
    for path in (*sets, *CODE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _corpus(settings: Settings, components: Components, index: LoadedIndex) -> Corpus:
    searcher = HybridSearcher(
        index,
        components.embeddings,
        LearnedModels(),
        candidate_depth=settings.retrieval.candidate_depth,
        vocabulary_words=settings.retrieval.vocabulary_words,
        disabled=settings.retrieval.disabled_features,
    )
    return Corpus(searcher, QueryAnalyzer(components.segmenter, sorted({d.title for d in index.docs.values()})))


def train_models(
    settings: Settings,
    components: Components,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any] | None:
    """Train and save the models for the current index; the report, or None when they were up to date."""
    index = load(settings, components)
    progress("索引训练用法条（STARD transfer）")
    transfer = transfer_index(settings, components)
    sets = [TRANSFER_SET, STARD_SET, *([DEV_SET] if settings.training.with_dev else [])]
    fingerprint = _fingerprint(settings, [index, transfer], sets)
    existing = read_report(settings.index_dir)
    if not force and existing and existing.get("fingerprint") == fingerprint:
        return None
    questions = [*transfer_questions(TRANSFER_SET), *case_questions(STARD_SET, "stard-tune", "tune")]
    if settings.training.with_dev:
        questions += case_questions(DEV_SET, "dev")
    corpus = _corpus(settings, components, index)
    corpora = {TRANSFER: _corpus(settings, components, transfer), "stard-tune": corpus, "dev": corpus}
    trained = train(
        questions,
        corpora,
        components.segmenter.tokens,
        settings.training,
        served=corpus,
        day=today(settings),
        progress=progress,
    )
    report = {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "index_build": index.build_id,
        "with_dev": settings.training.with_dev,
        **trained.report,
    }
    target = models_dir(settings.index_dir)
    staging = target.with_name(f"{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    trained.models.ranker.booster.save_model(str(staging / RANKER_FILE))  # type: ignore[attr-defined]
    trained.models.vocabulary.save(staging / VOCABULARY_FILE, trained.pair_counts)
    trained.models.memory.save(staging)
    (staging / REPORT_FILE).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return report
