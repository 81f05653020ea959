"""Retrieval in named steps: the versions the question may be answered from, candidate passages from each channel
(passage and sentence BM25, synonyms, the learned vocabulary, the question memory, each embedding model, articles
the question names),
the ranker over their named features (``bot.features``), and an optional cross-encoder. ``rank(..., explain=True)``
keeps each feature's value and contribution for every hit, which ``policybot ask --explain`` prints."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.coverage import term_weights
from bot.features import FEATURE_NAMES, Channels, IndexFacts, feature_matrix
from bot.models import LearnedModels
from bot.query import Query, QueryAnalyzer
from bot.schema import Explanation, Hit
from index.build import LoadedIndex
from index.stores.dense import normalized


@dataclass(frozen=True, slots=True)
class Candidates:
    """A question's candidate passages and their features.

    Attributes:
        positions: the candidates' positions in the index.
        features: their feature matrix (columns in ``FEATURE_NAMES`` order).
        eligible: how many passages the question may be answered from (the versions asked about).
    """

    positions: np.ndarray
    features: np.ndarray
    eligible: int


@dataclass(slots=True)
class Ranking:
    """What ``rank`` decided: the best hits, and what it looked at."""

    hits: list[Hit]
    candidates: int
    eligible: int
    ranker: str
    steps: list[dict[str, Any]] = field(default_factory=list)


TRACE_HITS = 5
"""How many of the best hits a trace describes feature by feature."""


def ranking_trace(ranking: Ranking) -> dict[str, Any]:
    """A ranking as JSON-able data for the answer's trace (the staff console shows it; ``ask --explain`` prints it):
    the steps, and for the best hits each feature's value (``features``) and contribution (``contributions``)."""
    candidates = []
    for hit in ranking.hits[:TRACE_HITS]:
        described: dict[str, Any] = {
            "chunk_id": hit.chunk.chunk_id,
            "title": hit.doc.title,
            "section": hit.chunk.section,
            "score": round(hit.score, 4),
        }
        if hit.explanation:
            described.update(
                base=hit.explanation.base, features=hit.explanation.values, contributions=hit.explanation.contributions
            )
        candidates.append(described)
    return {
        "ranker": ranking.ranker,
        "eligible": ranking.eligible,
        "candidate_count": ranking.candidates,
        "steps": ranking.steps,
        "candidates": candidates,
    }


class HybridSearcher:
    """Ranks the passages of an index for a query.

    Args:
        index: the loaded index.
        embeddings: the model the index was built with (embeds queries).
        models: the learned ranker and vocabulary (``bot.models.load_models``).
        candidate_depth: how many passages each channel proposes.
        vocabulary_words: how many statute words the learned vocabulary adds to a question.
        disabled: features held at 0 (a disabled channel proposes no candidates either), to measure what each adds.
        reranker: an optional ``sentence_transformers.CrossEncoder`` that re-scores the ranked hits.
    """

    def __init__(
        self,
        index: LoadedIndex,
        embeddings: Embeddings,
        models: LearnedModels,
        *,
        candidate_depth: int,
        vocabulary_words: int,
        disabled: Collection[str] = (),
        reranker: Any | None = None,
    ) -> None:
        if unknown := set(disabled) - set(FEATURE_NAMES):
            raise ValueError(f"unknown ranking features: {sorted(unknown)}")
        self.disabled = frozenset(disabled)
        self._disabled_columns = [FEATURE_NAMES.index(name) for name in sorted(self.disabled)]
        self.index = index
        self.models = models
        self.facts = IndexFacts(index)
        self.candidate_depth = candidate_depth
        self.vocabulary_words = vocabulary_words
        self._embeddings = embeddings
        self._reranker = reranker
        self._position = {c.chunk_id: i for i, c in enumerate(index.chunks)}
        self._sentence_owner = np.array([self._position[i] for i in index.sentence_lexical.ids], dtype=np.int64)
        # Query vectors are cached: a follow-up search for the same question (and repeated questions) reuse them.
        self._query_vector = lru_cache(maxsize=1024)(lambda text: tuple(embeddings.embed_query(text)))
        self._second = index.second_dense
        if self._second is not None:
            second = self._second.embeddings
            self._second_vector = lru_cache(maxsize=1024)(lambda text: tuple(second.embed_query(text)))

    @property
    def embeddings(self) -> Embeddings:
        """The model that embeds queries (the one the index was built with)."""
        return self._embeddings

    def channels(self, query: Query) -> Channels:
        """The question's BM25 and cosine scores over every passage."""
        lexical = self.index.lexical
        sentence = np.zeros(len(self.facts), dtype=np.float32)
        np.maximum.at(sentence, self._sentence_owner, self.index.sentence_lexical.scores(query.tokens))
        synonyms = [*query.expansion_tokens, *query.context_tokens]
        associated = self.models.vocabulary.expand(query.tokens, self.vocabulary_words)
        none = np.zeros(len(self.facts), dtype=np.float32)
        vector = self.question_vector(query)
        second = None
        if self._second is not None:
            second = self._second.scores_by_vector(self._second_vector(query.dense_text))
        return Channels(
            passage=lexical.scores(query.tokens),
            sentence=sentence,
            synonyms=lexical.scores(synonyms) if synonyms else none,
            vocabulary=lexical.scores(associated) if associated else none,
            memory=self.models.memory.recall(vector, self._position, len(self.facts)),
            dense=self.index.dense.scores_by_vector(vector),
            second=second,
            weights=term_weights(query, lexical.idf),
        )

    def question_vector(self, query: Query) -> np.ndarray:
        """The question's unit vector by the main model (cached per text)."""
        return normalized(self._query_vector(query.dense_text))[0]

    def closeness(self, query: Query) -> float:
        """Cosine of the question to its closest passage (main model): how near its meaning is to the documents."""
        scores = self.index.dense.scores_by_vector(self._query_vector(query.dense_text))
        return float(scores.max()) if len(scores) else 0.0

    def candidates(self, query: Query) -> Candidates:
        """The passages each channel ranks highest among the versions the question may be answered from, plus the
        articles (parts, chapters) it names, with their features."""
        eligibility = self.facts.eligibility(query)
        eligible = eligibility > 0
        channels = self.channels(query)
        chosen: set[int] = set()
        proposals = {
            "bm25_passage": channels.passage,
            "bm25_sentence": channels.sentence,
            "bm25_synonyms": channels.synonyms,
            "vocabulary": channels.vocabulary,
            "memory": channels.memory,
            "dense_main": channels.dense,
            "dense_second": channels.second,
        }
        for feature, scores in proposals.items():
            if scores is None or feature in self.disabled:
                continue
            masked = np.where(eligible & (scores > 0), scores, -np.inf)
            top = np.argsort(-masked, kind="stable")[: self.candidate_depth]
            chosen.update(int(i) for i in top if np.isfinite(masked[i]))
        if query.labels:
            chosen.update(
                i for i in np.flatnonzero(eligible) if any(label in self.facts.paths[i] for label in query.labels)
            )
        positions = np.array(sorted(chosen), dtype=np.int64)
        features = feature_matrix(query, self.facts, channels, positions, eligibility)
        features[:, self._disabled_columns] = 0.0
        return Candidates(positions, features, int(eligible.sum()))

    def rank(self, query: Query, k: int = 5, *, explain: bool = False) -> Ranking:
        """The ``k`` best passages for the query, best first; with ``explain``, the first ``TRACE_HITS`` hits carry
        their features' values and contributions."""
        found = self.candidates(query)
        ranker = self.models.ranker
        steps: list[dict[str, Any]] = [
            {"step": "candidates", "eligible": found.eligible, "candidates": len(found.positions)}
        ]
        if not len(found.positions):
            return Ranking([], 0, found.eligible, ranker.name, steps)
        scores = ranker.score(found.features)
        order = np.argsort(-scores, kind="stable")[:k]
        contributions = ranker.contributions(found.features[order[:TRACE_HITS]]) if explain else None
        hits = []
        for row, candidate in enumerate(order):
            position = int(found.positions[candidate])
            explanation = None
            if contributions is not None and row < TRACE_HITS:
                values = found.features[candidate]
                explanation = Explanation(
                    values={n: round(float(v), 4) for n, v in zip(FEATURE_NAMES, values, strict=True)},
                    contributions={
                        n: round(float(c), 4) for n, c in zip(FEATURE_NAMES, contributions.values[row], strict=True)
                    },
                    base=round(contributions.base, 4),
                )
            hits.append(
                Hit(self.index.chunks[position], self.facts.docs[position], float(scores[candidate]), explanation)
            )
        steps.append({"step": "ranker", "ranker": ranker.name, "top": [h.chunk.chunk_id for h in hits[:3]]})
        if self._reranker is not None:
            texts = self.index.search_texts
            pairs = [(query.text, texts[self._position[h.chunk.chunk_id]]) for h in hits]
            for hit, score in zip(hits, self._reranker.predict(pairs), strict=True):
                hit.score = float(score)
            hits.sort(key=lambda h: -h.score)
            steps.append({"step": "cross_encoder", "top": [h.chunk.chunk_id for h in hits[:3]]})
        return Ranking(hits, len(found.positions), found.eligible, ranker.name, steps)

    def search(self, query: Query, k: int = 5) -> list[Hit]:
        """The ``k`` best chunks for the query, best first."""
        return self.rank(query, k).hits

    def hits_for(self, scored: list[tuple[str, float]]) -> list[Hit]:
        """Hits for (chunk id, score) pairs remembered from an earlier turn (unknown ids are skipped)."""
        return [
            Hit(self.index.chunks[i], self.facts.docs[i], score)
            for chunk_id, score in scored
            if (i := self._position.get(chunk_id)) is not None
        ]


class PolicyRetriever(BaseRetriever):
    """The hybrid searcher behind LangChain's retriever interface (``retriever.invoke("问题")``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    analyzer: QueryAnalyzer
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        analyzed = self.analyzer.analyze(query)
        hits = self.searcher.search(analyzed, self.k)
        return [
            Document(
                page_content=hit.chunk.text,
                id=hit.chunk.chunk_id,
                metadata={
                    "doc_id": hit.doc.doc_id,
                    "title": hit.doc.title,
                    "section": hit.chunk.section,
                    "version": hit.doc.version,
                    "status": self.searcher.index.timeline.status(hit.doc.doc_id, analyzed.day).value,
                    "score": hit.score,
                },
            )
            for hit in hits
        ]
