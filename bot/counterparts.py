"""Corresponding passages across versions of one document: where a revision holds the content of an article
of the version before it (a revision renumbers articles: 商标法 2019 第三十九条 → 2026 第四十三条).

Articles are matched by the character bigrams of their text without the article number (Dice coefficient): a
revised article keeps most of its wording, an unrelated one shares little.
"""

from __future__ import annotations

from bot.listing import ARTICLE_PREFIX
from index.schema import Chunk

MIN_SIMILARITY = 0.45
"""Below this bigram overlap two articles are not taken for versions of each other."""


def _bigrams(text: str) -> frozenset[str]:
    body = ARTICLE_PREFIX.sub("", text)
    return frozenset(body[i : i + 2] for i in range(len(body) - 1))


def similarity(first: str, second: str) -> float:
    """Dice coefficient of two texts' character bigrams (article numbers left out)."""
    a, b = _bigrams(first), _bigrams(second)
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class Counterparts:
    """Finds, for a chunk of one version, the chunk of another version that holds the same content.

    Args:
        chunks: every indexed chunk.
    """

    def __init__(self, chunks: list[Chunk]) -> None:
        self._by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self._by_doc.setdefault(chunk.doc_id, []).append(chunk)
        self._found: dict[tuple[str, str], Chunk | None] = {}

    def find(self, chunk: Chunk, doc_id: str) -> Chunk | None:
        """The chunk of ``doc_id`` most like ``chunk``, when alike enough (see ``MIN_SIMILARITY``)."""
        key = (chunk.chunk_id, doc_id)
        if key not in self._found:
            scored = [(similarity(chunk.text, other.text), other) for other in self._by_doc.get(doc_id, [])]
            best = max(scored, key=lambda pair: pair[0], default=None)
            self._found[key] = best[1] if best and best[0] >= MIN_SIMILARITY else None
        return self._found[key]
