"""The one configuration object. Environment variables use the ``POLICYBOT_`` prefix and ``__`` for
nested groups, e.g. ``POLICYBOT_RETRIEVAL__EMBEDDING_MODEL=/models/bge-small-zh-v1.5``.

Only entry points (the CLI, the API app, the eval harness) call ``get_settings()``; everything else
takes plain arguments.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RetrievalSettings(BaseModel):
    """Index building and hybrid retrieval."""

    embedding_model: str = Field(
        "use-multilingual", description="use-multilingual、e5-small，或 sentence-transformers 模型名/路径"
    )
    query_prefix: str = Field("", description="sentence-transformers 模型的查询前缀（如 bge 的检索指令）")
    embedding_threads: int = 2
    chunk_max_chars: int = 600
    lexical_weight: float = 0.7
    dense_weight: float = 0.3
    expansion_weight: float = 0.4
    context_weight: float = 1.0
    top_k: int = 5
    reranker_model: str | None = None
    rerank_candidates: int = 20


class AnswerSettings(BaseModel):
    """Extractive answering and abstention."""

    min_coverage: float = 0.2
    off_topic_coverage: float = 0.6
    max_answer_chars: int = 400
    max_list_items: int = 20
    candidates: int = 20
    max_citations: int = 10


class Settings(BaseSettings):
    """PolicyBot configuration."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "data" / "index"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    max_document_bytes: int = 20 * 1024 * 1024
    max_question_chars: int = 500
    session_ttl_seconds: int = 3600
    session_max_turns: int = 10
    session_cache_size: int = 10_000
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'policybot.sqlite3'}"
    host: str = "127.0.0.1"
    port: int = 8000
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (tests clear the cache to override)."""
    return Settings()
