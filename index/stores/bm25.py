"""Lexical store: BM25 (bm25s, Lucene variant) over search tokens, persisted as bm25s's JSON/npy files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

FOLDER = "bm25"
IDS_FILE = "ids.json"


class BM25Store:
    """Scores every chunk for a tokenised query.

    Args:
        model: a fitted ``bm25s.BM25``.
        ids: the chunk id of each indexed document, in index order.
    """

    def __init__(self, model: bm25s.BM25, ids: list[str]) -> None:
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, token_lists: Sequence[list[str]], ids: list[str], *, k1: float = 1.2, b: float = 0.75) -> BM25Store:
        """Fit BM25 on pre-tokenised documents (an empty document gets the empty token)."""
        model = bm25s.BM25(k1=k1, b=b)
        model.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(model, ids)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (unknown tokens score nothing)."""
        known = self.model.get_tokens_ids(tokens)
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a token, as BM25 weighs it (0 for unknown tokens)."""
        token_id = self.model.vocab_dict.get(token)
        if token_id is None:
            return 0.0
        indptr = self.model.scores["indptr"]
        frequency = int(indptr[token_id + 1] - indptr[token_id])
        documents = len(self.ids)
        return float(np.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)))

    def save(self, folder: Path, name: str = FOLDER) -> None:
        """Write the store to ``folder/name``."""
        target = folder / name
        self.model.save(str(target))
        (target / IDS_FILE).write_text(json.dumps(self.ids, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, name: str = FOLDER) -> BM25Store:
        """Read a store written by ``save``."""
        source = folder / name
        model = bm25s.BM25.load(str(source))
        return cls(model, json.loads((source / IDS_FILE).read_text(encoding="utf-8")))
