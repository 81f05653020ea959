"""Composition root: build the embeddings, index and pipeline that the settings describe."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from bot.answering import AnswerConfig
from bot.conversation import ConversationLog, SessionStore
from bot.extract import QuoteLimits
from bot.models import LearnedModels, load_models
from bot.pipeline import Pipeline, PipelineConfig
from bot.retrieval import HybridSearcher
from bot.settings import Settings, today
from index.build import BuildReport, DenseModel, LoadedIndex, ProgressCallback, build_index, load_index
from index.embedding import load_embeddings
from index.segment import Segmenter

T = TypeVar("T")


@dataclass(slots=True)
class Components:
    """The shared, expensive pieces: loaded once per process."""

    embeddings: Embeddings
    segmenter: Segmenter
    second: DenseModel | None = None


def load_components(settings: Settings) -> Components:
    """Load the embedding models and the segmenter the settings name."""
    retrieval = settings.retrieval
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # this deployment has no model hub; models come from disk
    # OpenMP threads that spin while waiting collapse when the CPUs are shared (seen: 20 ms -> 1.6 s a query).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    embeddings = load_embeddings(
        retrieval.embedding_model, threads=retrieval.embedding_threads, query_prefix=retrieval.query_prefix
    )
    second = retrieval.second_embedding_model
    return Components(
        embeddings=embeddings,
        segmenter=Segmenter(),
        second=DenseModel(second, load_embeddings(second, threads=retrieval.embedding_threads)) if second else None,
    )


def ingest(
    settings: Settings,
    components: Components,
    sources: list[Path] | None = None,
    *,
    progress: ProgressCallback | None = None,
    force: bool = False,
    index_dir: Path | None = None,
) -> BuildReport:
    """Build or update the index from the corpus (or the given folders and files) in ``index_dir`` (default: the
    configured index)."""
    return build_index(
        sources or [settings.corpus_dir],
        index_dir or settings.index_dir,
        embeddings=components.embeddings,
        embedding_model=settings.retrieval.embedding_model,
        segmenter=components.segmenter,
        max_document_bytes=settings.max_document_bytes,
        chunk_max_chars=settings.retrieval.chunk_max_chars,
        second=components.second,
        progress=progress,
        force=force,
    )


def load(settings: Settings, components: Components, index_dir: Path | None = None) -> LoadedIndex:
    """Load the index in ``index_dir`` (default: the configured index) with the models the settings name.

    Raises:
        IndexNotReady: there is no index yet.
        IndexMismatch: the index was built with another embedding model.
    """
    return load_index(
        index_dir or settings.index_dir,
        components.embeddings,
        embedding_model=settings.retrieval.embedding_model,
        second=components.second,
    )


def _from_settings(config_type: type[T], group: BaseModel, **others: Any) -> T:
    """A bot config dataclass from the settings group whose fields carry the same names, plus ``others``."""
    values = group.model_dump()
    return config_type(**{f.name: values[f.name] for f in fields(config_type) if f.name not in others}, **others)


def _reranker(settings: Settings) -> Any | None:
    if not settings.retrieval.reranker_model:
        return None
    from sentence_transformers import CrossEncoder

    return CrossEncoder(settings.retrieval.reranker_model, device="cpu")


def session_store(settings: Settings, log: ConversationLog | None) -> SessionStore:
    """Conversation memory as the settings size it, handing finished turns to ``log`` (None: memory only)."""
    return SessionStore(
        log,
        ttl_seconds=settings.session_ttl_seconds,
        max_turns=settings.session_max_turns,
        max_cached=settings.session_cache_size,
    )


def provenance(settings: Settings, build_id: str, models: LearnedModels) -> dict[str, str]:
    """What produces the answers, stored with every turn: the index build, the trained ranking model (its training
    fingerprint, or ``untrained``), a hash of the settings that shape answers, the embedding models and the version
    (content hash) of the answer templates."""
    templates = (settings.prompts_dir / "answer_templates.toml").read_bytes()
    return {
        "index_build": build_id,
        "ranker_model": models.report.get("fingerprint", "untrained"),
        "settings_hash": settings.fingerprint(),
        "embedding_models": settings.retrieval.models,
        "templates_version": hashlib.sha256(templates).hexdigest()[:12],
    }


def build_pipeline(settings: Settings, components: Components, *, log: ConversationLog | None = None) -> Pipeline:
    """Load the index and assemble the answering pipeline with every tunable from the settings.

    Args:
        settings: the configuration.
        components: the loaded models and segmenter.
        log: where finished turns go (the app's and the CLI's database log); None keeps sessions in memory only.

    Raises:
        IndexNotReady: there is no index yet.
        IndexMismatch: the index was built with another embedding model.
    """
    retrieval, answer = settings.retrieval, settings.answer
    index = load(settings, components)
    models = load_models(settings.index_dir)
    pipeline = Pipeline(
        components.segmenter,
        templates_path=settings.prompts_dir / "answer_templates.toml",
        sessions=session_store(settings, log),
        searcher=HybridSearcher(
            index,
            components.embeddings,
            models,
            candidate_depth=retrieval.candidate_depth,
            vocabulary_words=retrieval.vocabulary_words,
            disabled=retrieval.disabled_features,
            reranker=_reranker(settings),
        ),
        answering=_from_settings(
            AnswerConfig,
            answer,
            top_k=retrieval.top_k,
            quote=QuoteLimits(
                max_chars=answer.max_answer_chars,
                max_units=answer.max_quote_units,
                min_gain=answer.min_quote_gain,
                whole_paragraph_chars=answer.whole_paragraph_chars,
                whole_passage_chars=answer.whole_passage_chars,
            ),
        ),
        config=PipelineConfig(
            max_question_chars=settings.max_question_chars,
            candidates=retrieval.candidates,
        ),
        today=lambda: today(settings),
        provenance=provenance(settings, index.build_id, models),
    )
    pipeline.warm_up()
    return pipeline
