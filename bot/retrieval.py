"""Hybrid retrieval: BM25 over jieba tokens fused with FAISS cosine scores, then document priors
(versions in force, documents, articles and parts the question names), and an optional cross-encoder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.answer_types import answer_types, asked_types
from bot.listing import list_lead
from bot.negation import negated_words, negation_rules
from bot.query import Query, QueryAnalyzer
from bot.rerank import CoverageWeights, answer_clause, rerank, term_weights
from bot.schema import Hit
from index.build import LoadedIndex
from index.schema import KIND_PLAN, Chunk
from index.stores.bm25 import BM25Store
from index.versions import VersionStatus


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """Fusion weights and priors (see ``RetrievalSettings`` for the configured values).

    Attributes:
        lexical_weight, dense_weight: weights of the min-max normalised BM25 and cosine scores.
        expansion_weight: weight of synonym tokens relative to the question's own.
        context_weight: weight of the earlier turn's tokens in a follow-up.
        sentence_share: weight of the best-sentence BM25 within the lexical score.
        named_doc_boost: multiplier for chunks of a document the question names.
        hinted_doc_boost: multiplier for chunks of a document the question hints at.
        article_boost: added to the article (or part, chapter, section) the question names.
        english_dense_weight: dense weight for English questions (BM25 sees only their glossary terms).
        unknown_word_dense_shift: the dense weight of a Chinese question rises by this times the share of its
            words the corpus never uses (everyday wording BM25 cannot match), up to ``english_dense_weight``.
        part_summary_factor: multiplier for a part's summary (``第一部分：发展现状与面临形势。主要是回顾…``) when the
            question is not about how the document is organised: the passages with the substance answer it.
        plan_question_law_factor: multiplier for passages of laws when a question names the plan and no law
            and does not ask what the law says (规划里跟版权相关的是哪一条): the plan answers it.
        second_dense_share: share of the second embedding model (when the index has one) in the dense score
            of a Chinese question; English questions use the main model only.
    """

    lexical_weight: float
    dense_weight: float
    expansion_weight: float
    context_weight: float
    sentence_share: float
    named_doc_boost: float
    hinted_doc_boost: float
    article_boost: float
    english_dense_weight: float
    unknown_word_dense_shift: float
    part_summary_factor: float
    plan_question_law_factor: float
    second_dense_share: float


_PART_LABEL = re.compile(r"^第.+部分$")


def _path_labels(chunk: Chunk) -> set[str]:
    """The labels on a chunk's path: ``第五章``, ``第一节``, ``第四十二条``, ``第三部分``..."""
    return {part.split(" ")[0].split("：")[0] for part in (*chunk.heading, chunk.label or "") if part}


def _max_scaled(scores: np.ndarray) -> np.ndarray:
    high = float(scores.max()) if len(scores) else 0.0
    return scores / high if high > 0 else scores


def _min_max(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores)


class HybridSearcher:
    """Scores every chunk for a query and returns the best.

    Args:
        index: the loaded index.
        embeddings: the model the index was built with (embeds queries).
        config: fusion weights and priors.
        coverage: weights of the coverage re-ranking stage.
        reranker: an optional ``sentence_transformers.CrossEncoder`` to re-score the re-ranked candidates.
    """

    def __init__(
        self,
        index: LoadedIndex,
        embeddings: Embeddings,
        config: RetrievalConfig,
        *,
        coverage: CoverageWeights,
        reranker: Any | None = None,
    ) -> None:
        self.index = index
        self._embeddings = embeddings
        self.config = config
        self.coverage = coverage
        self._reranker = reranker
        chunks = index.chunks
        self._doc_of = [index.docs[c.doc_id] for c in chunks]
        self._doc_list = list(index.docs.values())
        order = {doc.doc_id: position for position, doc in enumerate(self._doc_list)}
        self._doc_position = np.array([order[c.doc_id] for c in chunks], dtype=np.int64)
        # The years a version can be asked for by: the year it was promulgated and the year it takes effect.
        self._doc_years = [{(d.promulgated or "")[:4], (d.starts or "")[:4]} - {""} for d in self._doc_list]
        self._titles = np.array([d.title for d in self._doc_of])
        self._in_plan = np.array([d.kind == KIND_PLAN for d in self._doc_of])
        self._plan_titles = {d.title for d in index.docs.values() if d.kind == KIND_PLAN}
        self._paths = [_path_labels(c) for c in chunks]
        self._position = {c.chunk_id: i for i, c in enumerate(chunks)}
        # Query vectors are cached: a follow-up search for the same question (and repeated questions) reuse them.
        self._query_vector = lru_cache(maxsize=1024)(lambda text: tuple(embeddings.embed_query(text)))
        self._second = index.second_dense
        if self._second is not None:
            second = self._second.embeddings
            self._second_vector = lru_cache(maxsize=1024)(lambda text: tuple(second.embed_query(text)))
        self._ids = np.array([c.chunk_id for c in chunks])
        self._sentence_owner = np.array([self._position[i] for i in index.sentence_lexical.ids], dtype=np.int64)
        self._part_summaries = np.array([bool(c.label and _PART_LABEL.match(c.label)) and not c.announces
                                         for c in chunks])
        self._list_leads = {c.chunk_id: lead.lower() for c in chunks if (lead := list_lead(c))}
        # Which passages hold each kind of answer, decided once per index.
        self._holders = {t.name: np.array([bool(t.evidence.search(c.text)) for c in chunks]) for t in answer_types()}

    def _bm25(self, store: BM25Store, query: Query) -> np.ndarray:
        """BM25 of the question's tokens plus down-weighted expansion and context tokens (BM25 adds over terms)."""
        scores = store.scores(query.tokens)
        for tokens, weight in ((query.expansion_tokens, self.config.expansion_weight),
                               (query.context_tokens, self.config.context_weight)):
            if tokens:
                scores = scores + weight * store.scores(tokens)
        return scores

    def lexical_scores(self, query: Query) -> np.ndarray:
        """Passage BM25 blended with the BM25 of each passage's best sentence (both max-normalised).

        The sentence score favours a passage where the question's words meet in one sentence.
        """
        passage = self._bm25(self.index.lexical, query)
        best_sentence = np.zeros(len(self._ids), dtype=np.float32)
        np.maximum.at(best_sentence, self._sentence_owner, self._bm25(self.index.sentence_lexical, query))
        share = self.config.sentence_share
        return (1 - share) * _max_scaled(passage) + share * _max_scaled(best_sentence)

    def _main_dense_scores(self, query: Query) -> np.ndarray:
        return self.index.dense.scores_by_vector(self._query_vector(query.dense_text))

    def dense_scores(self, query: Query) -> np.ndarray:
        """Cosine scores of the main model, blended (min-max) with the second model's for a Chinese question."""
        main = self._main_dense_scores(query)
        share = self.config.second_dense_share
        if self._second is None or share <= 0 or query.language != "zh":
            return main
        second = self._second.scores_by_vector(self._second_vector(query.dense_text))
        return (1 - share) * _min_max(main) + share * _min_max(second)

    def closeness(self, query: Query) -> float:
        """Cosine of the question to its closest passage (main model): how near its meaning is to the documents."""
        scores = self._main_dense_scores(query)
        return float(scores.max()) if len(scores) else 0.0

    def _version_mask(self, query: Query) -> np.ndarray:
        """1 for chunks the question may be answered from, 0 for versions not in force that it did not ask about.

        Versions are judged on the day the question is asked. A superseded version is eligible when the question
        names its year or asks for an earlier version of a document it names; a version not yet in force when the
        question names its year or asks about the new version (of a document it names, or of any when it names
        none). A version in force steps back to half when a sibling was asked for instead.
        """
        timeline = self.index.timeline
        asked_years = set(query.years)
        weights = np.ones(len(self._doc_list), dtype=np.float32)
        requested: set[str] = set()  # titles whose version not in force was asked for
        for position, doc in enumerate(self._doc_list):
            status = timeline.status(doc.doc_id, query.day)
            if status is VersionStatus.IN_FORCE:
                continue
            named = doc.title in query.doc_titles
            by_year = bool(self._doc_years[position] & asked_years)
            if status is VersionStatus.SUPERSEDED:
                eligible = by_year or (query.wants_old_version and named)
            else:
                eligible = by_year or (query.wants_new_version and (named or not query.doc_titles))
            if eligible:
                requested.add(doc.title)
            else:
                weights[position] = 0.0
        for position, doc in enumerate(self._doc_list):
            if (doc.title in requested and timeline.status(doc.doc_id, query.day) is VersionStatus.IN_FORCE
                    and not self._doc_years[position] & asked_years):
                weights[position] = 0.5
        return weights[self._doc_position]

    def _answer_type_prior(self, query: Query) -> np.ndarray:
        """Favour passages that hold the kind of answer the question asks for (a duration, an amount...)."""
        prior = np.ones(len(self._ids), dtype=np.float32)
        for answer_type in asked_types(f"{query.original} {query.text}"):
            prior = np.where(self._holders[answer_type.name], prior * answer_type.boost, prior)
        return prior

    def dense_weight(self, query: Query) -> float:
        """The weight of the dense score for this question: higher the less of its wording the corpus uses."""
        config = self.config
        if query.language == "en":
            return config.english_dense_weight
        words = [t for t in query.tokens if len(t) > 1]
        unknown = sum(1 for t in words if self.index.lexical.idf(t) == 0) / len(words) if words else 0.0
        return min(config.english_dense_weight, config.dense_weight + config.unknown_word_dense_shift * unknown)

    def fused_scores(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fused, lexical and dense scores of every chunk, after priors."""
        lexical = self.lexical_scores(query)
        dense = self.dense_scores(query)
        dense_weight = self.dense_weight(query)
        lexical_weight = self.config.lexical_weight + self.config.dense_weight - dense_weight
        fused = lexical_weight * _min_max(lexical) + dense_weight * _min_max(dense)
        fused = fused * self._answer_type_prior(query)
        if not query.asks_structure:
            fused = np.where(self._part_summaries, fused * self.config.part_summary_factor, fused)
        if query.doc_titles and set(query.doc_titles) <= self._plan_titles and not query.asks_law:
            fused = np.where(self._in_plan, fused, fused * self.config.plan_question_law_factor)
        for titles, boost in ((query.doc_titles, self.config.named_doc_boost),
                              (query.hinted_titles, self.config.hinted_doc_boost)):
            if titles:
                fused = np.where(np.isin(self._titles, titles), fused * boost, fused)
        if query.labels:
            cited = np.array([any(label in path for label in query.labels) for path in self._paths])
            if query.doc_titles:
                cited &= np.isin(self._titles, query.doc_titles)
            fused = fused + self.config.article_boost * cited
        return fused * self._version_mask(query), lexical, dense

    @property
    def embeddings(self) -> Embeddings:
        """The model that embeds queries (the one the index was built with)."""
        return self._embeddings

    def hits_for(self, scored: list[tuple[str, float]]) -> list[Hit]:
        """Hits for (chunk id, score) pairs remembered from an earlier turn (unknown ids are skipped)."""
        return [
            Hit(self.index.chunks[i], self._doc_of[i], score)
            for chunk_id, score in scored
            if (i := self._position.get(chunk_id)) is not None
        ]

    def search(self, query: Query, k: int = 5) -> list[Hit]:
        """The ``k`` best chunks for the query, best first."""
        fused, lexical, dense = self.fused_scores(query)
        depth = max(k, self.coverage.candidates)
        order = np.argsort(-fused, kind="stable")[:depth]
        hits = [
            Hit(self.index.chunks[i], self._doc_of[i], float(fused[i]), float(lexical[i]), float(dense[i]))
            for i in order
            if fused[i] > 0
        ]
        leads = self._list_leads if query.wants_list else None
        weights = term_weights(query, self.index.lexical.idf)
        negated = negated_words(query.text.lower(), weights, negation_rules())
        hits = rerank(hits, weights, self.coverage, leads=leads, clause=answer_clause(query, weights), negated=negated)
        if self._reranker is not None and hits:
            texts = self.index.search_texts
            pairs = [(query.text, texts[self._position[h.chunk.chunk_id]]) for h in hits]
            for hit, score in zip(hits, self._reranker.predict(pairs), strict=True):
                hit.score = float(score)
            hits.sort(key=lambda h: -h.score)
        return hits[:k]


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
