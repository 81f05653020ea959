"""Dense store: a LangChain ``VectorStore`` over a FAISS inner-product index of normalised vectors (cosine).

Persisted as plain files (``dense.faiss`` and ``dense.json``), never pickle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

INDEX_FILE = "dense.faiss"
META_FILE = "dense.json"


def normalized(vectors: Sequence[Sequence[float]] | Sequence[float] | np.ndarray) -> np.ndarray:
    """Vectors as a contiguous float32 matrix with unit rows, so inner product is cosine similarity."""
    matrix = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    faiss.normalize_L2(matrix)
    return matrix


def read_vectors(folder: Path) -> np.ndarray:
    """The normalised vectors a saved store holds, in id order (to reuse them in a rebuild)."""
    index = faiss.read_index(str(folder / INDEX_FILE))
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), dtype=np.float32)


class FaissStore(VectorStore):
    """Exact cosine search over chunk vectors; each vector's id is a chunk id.

    Args:
        embedding: the model that embeds queries (and new texts).
        dimensions: vector size, used to create an empty index.
    """

    def __init__(self, embedding: Embeddings, dimensions: int) -> None:
        self._embedding = embedding
        self.index = faiss.IndexFlatIP(dimensions)
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metadatas: list[dict[str, Any]] = []
        self._matrix: np.ndarray | None = None  # all vectors, for exact scoring of every chunk

    @property
    def embeddings(self) -> Embeddings:
        return self._embedding

    def __len__(self) -> int:
        return len(self.ids)

    def add_vectors(
        self,
        vectors: np.ndarray,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Add precomputed vectors (reused from an earlier build when a chunk did not change)."""
        if len(vectors):
            self.index.add(normalized(vectors))
            self._matrix = None
        self.ids.extend(ids)
        self.texts.extend(texts)
        self.metadatas.extend(metadatas or [{} for _ in ids])

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        texts = list(texts)
        new_ids = list(ids) if ids else [str(len(self.ids) + i) for i in range(len(texts))]
        self.add_vectors(np.asarray(self._embedding.embed_documents(texts)), new_ids, texts, metadatas)
        return new_ids

    def vectors(self) -> np.ndarray:
        """All stored (normalised) vectors, in id order."""
        return self.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else np.zeros((0, self.index.d))

    def scores_by_vector(self, vector: Sequence[float] | np.ndarray) -> np.ndarray:
        """Cosine similarity of the query vector to every stored vector, in id order (exact, ~1k vectors)."""
        if self._matrix is None:
            self._matrix = self.vectors()
        return self._matrix @ normalized(vector)[0]

    def similarity_search_with_score_by_vector(
        self, embedding: Sequence[float], k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        if not self.ids:
            return []
        scores, positions = self.index.search(normalized(embedding), min(k, len(self.ids)))
        return [
            (
                Document(
                    page_content=self.texts[p], id=self.ids[p], metadata={**self.metadatas[p], "chunk_id": self.ids[p]}
                ),
                float(s),
            )
            for s, p in zip(scores[0], positions[0], strict=True)
            if p >= 0
        ]

    def similarity_search_with_score(self, query: str, k: int = 4, **kwargs: Any) -> list[tuple[Document, float]]:
        return self.similarity_search_with_score_by_vector(self._embedding.embed_query(query), k)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k)]

    def _select_relevance_score_fn(self):  # type: ignore[no-untyped-def]
        return lambda score: score

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> FaissStore:
        vectors = np.asarray(embedding.embed_documents(list(texts)), dtype=np.float32)
        store = cls(embedding, vectors.shape[1])
        store.add_vectors(vectors, ids or [str(i) for i in range(len(texts))], texts, metadatas)
        return store

    def save(self, folder: Path) -> None:
        """Write the index and its id map to ``folder``."""
        faiss.write_index(self.index, str(folder / INDEX_FILE))
        meta = {"dimensions": self.index.d, "ids": self.ids, "texts": self.texts, "metadatas": self.metadatas}
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, embedding: Embeddings) -> FaissStore:
        """Read a store written by ``save``."""
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        store = cls(embedding, int(meta["dimensions"]))
        store.index = faiss.read_index(str(folder / INDEX_FILE))
        store.ids, store.texts = list(meta["ids"]), list(meta["texts"])
        store.metadatas = list(meta.get("metadatas") or [{} for _ in store.ids])
        return store
