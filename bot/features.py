"""Named features of (question, passage) pairs: what the learned ranker weighs, and what ``--explain`` prints.

Each feature is declared once in ``FEATURES`` with the direction in which it may move a passage (``rising``: more
never ranks a passage lower, enforced as a monotone constraint when training). ``feature_matrix`` computes them for
a question's candidate passages from the question (``Query``), facts about the index decided once (``IndexFacts``)
and the question's retrieval channels (``Channels``: the BM25 and cosine scores of every passage).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.answer_types import answer_types, asked_types
from bot.coverage import answer_clause, coverage
from bot.listing import list_lead
from bot.negation import negated_words, negation_coverage, negation_rules
from bot.query import Query
from index.build import LoadedIndex
from index.chunking import sentences
from index.schema import KIND_PLAN, Chunk
from index.versions import VersionStatus


@dataclass(frozen=True, slots=True)
class Feature:
    """One named feature.

    Attributes:
        name: the name ``--explain`` prints and the model files record.
        rising: True when a higher value may never rank a passage lower, False when it may never rank it higher,
            None when the ranker learns the direction (facts about the question or the passage's kind).
        description: what it measures.
    """

    name: str
    rising: bool | None
    description: str


FEATURES: tuple[Feature, ...] = (
    Feature("bm25_passage", True, "BM25 of the question's words over the passage, relative to the best passage"),
    Feature("bm25_passage_rank", False, "log2 of the passage's rank by passage BM25"),
    Feature("bm25_sentence", True, "BM25 of the passage's best sentence, relative to the best sentence"),
    Feature("bm25_synonyms", True, "BM25 of the synonym-table and earlier-turn words, relative to the best"),
    Feature("vocabulary", True, "BM25 of the statute words the learned vocabulary associates with the question"),
    Feature("memory", True, "cosine of the closest remembered (labelled) question that this passage answers"),
    Feature("dense_main", True, "cosine of question and passage, main embedding model"),
    Feature("dense_main_gap", True, "that cosine minus the best passage's"),
    Feature("dense_main_rank", False, "log2 of the passage's rank by the main model's cosine"),
    Feature("dense_second", True, "cosine of question and passage, second embedding model (0 without one)"),
    Feature("dense_second_gap", True, "that cosine minus the best passage's"),
    Feature("dense_second_rank", False, "log2 of the passage's rank by the second model's cosine"),
    Feature("coverage_passage", True, "IDF-weighted share of the question's words in the passage (substrings)"),
    Feature("coverage_sentence", True, "the same share in the passage's best sentence"),
    Feature("answer_clause", True, "share of the words after the asked-for slot that follow a concrete answer"),
    Feature("list_lead", True, "for a list question, coverage of the lead-in of the passage's items"),
    Feature("negation", True, "share of the question's negated words that the passage negates too"),
    Feature("answer_type", True, "how many of the kinds of answer the question asks for the passage holds"),
    Feature("named_document", True, "the question names the passage's document"),
    Feature("hinted_document", True, "the question hints at the passage's document (武汉 → the Wuhan plan)"),
    Feature("plan_passage", None, "the passage belongs to a plan"),
    Feature("plan_question", None, "the question names a plan and no law, and does not ask what the law says"),
    Feature("asks_law", None, "the question asks what the law says (违法吗, 法律规定)"),
    Feature("part_summary", None, "the passage summarises a whole part of a plan"),
    Feature("asks_structure", None, "the question asks how a document is organised"),
    Feature("sibling_requested", False, "the passage's version is in force but the question asked for another"),
    Feature("passage_chars", None, "log of the passage's length in characters"),
    Feature("is_article", None, "the passage is an article of a law (第…条)"),
    Feature("wants_list", None, "the question asks for a list"),
    Feature("unknown_share", None, "share of the question's words that no passage uses"),
    Feature("english", None, "the question is in English"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)

_PART_LABEL = re.compile(r"^第.+部分$")
_ARTICLE_LABEL = re.compile(r"^第.+条")


def _path_labels(chunk: Chunk) -> set[str]:
    """The labels on a chunk's path: ``第五章``, ``第一节``, ``第四十二条``, ``第三部分``..."""
    return {part.split(" ")[0].split("：")[0] for part in (*chunk.heading, chunk.label or "") if part}


class IndexFacts:
    """What the features need to know about each passage of an index, decided once per index."""

    def __init__(self, index: LoadedIndex) -> None:
        chunks = index.chunks
        self.index = index
        self.docs = [index.docs[c.doc_id] for c in chunks]
        self.titles = np.array([d.title for d in self.docs])
        self.plan_titles = {d.title for d in index.docs.values() if d.kind == KIND_PLAN}
        self.in_plan = np.array([d.kind == KIND_PLAN for d in self.docs], dtype=np.float32)
        self.paths = [_path_labels(c) for c in chunks]
        self.part_summaries = np.array(
            [bool(c.label and _PART_LABEL.match(c.label)) and not c.announces for c in chunks], dtype=np.float32
        )
        self.is_article = np.array([bool(c.label and _ARTICLE_LABEL.match(c.label)) for c in chunks], dtype=np.float32)
        self.log_chars = np.array([math.log1p(len(c.head) + len(c.text)) for c in chunks], dtype=np.float32)
        self.haystacks = [f"{c.section} {c.head}{c.text}".lower() for c in chunks]
        self.units = [sentences((c.head + c.text).lower()) for c in chunks]
        self.leads = {i: lead.lower() for i, c in enumerate(chunks) if (lead := list_lead(c))}
        self.holders = {t.name: np.array([bool(t.evidence.search(c.text)) for c in chunks]) for t in answer_types()}
        # The years a version can be asked for by: the year it was promulgated and the year it takes effect.
        self.doc_years = {
            d.doc_id: {(d.promulgated or "")[:4], (d.starts or "")[:4]} - {""} for d in index.docs.values()
        }

    def __len__(self) -> int:
        return len(self.docs)

    def eligibility(self, query: Query) -> np.ndarray:
        """Per passage: 1 when the question may be answered from its version, 0.5 for a version in force whose
        sibling the question asked for instead, 0 for a version not in force that the question did not ask about.

        Versions are judged on the day the question is asked. A superseded version is eligible when the question
        names its year or asks for an earlier version of a document it names; a version not yet in force when the
        question names its year or asks about the new version (of a document it names, or of any when it names
        none).
        """
        timeline = self.index.timeline
        asked_years = set(query.years)
        weight: dict[str, float] = {}
        requested: set[str] = set()
        for doc in self.index.docs.values():
            status = timeline.status(doc.doc_id, query.day)
            if status is VersionStatus.IN_FORCE:
                continue
            named = doc.title in query.doc_titles
            by_year = bool(self.doc_years[doc.doc_id] & asked_years)
            if status is VersionStatus.SUPERSEDED:
                eligible = by_year or (query.wants_old_version and named)
            else:
                eligible = by_year or (query.wants_new_version and (named or not query.doc_titles))
            if eligible:
                requested.add(doc.title)
            else:
                weight[doc.doc_id] = 0.0
        for doc in self.index.docs.values():
            if (
                doc.title in requested
                and timeline.status(doc.doc_id, query.day) is VersionStatus.IN_FORCE
                and not self.doc_years[doc.doc_id] & asked_years
            ):
                weight[doc.doc_id] = 0.5
        return np.array([weight.get(d.doc_id, 1.0) for d in self.docs], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Channels:
    """A question's retrieval scores over every passage of the index.

    Attributes:
        passage: BM25 of the question's words.
        sentence: BM25 of each passage's best sentence.
        synonyms: BM25 of the synonym-table and earlier-turn words.
        vocabulary: BM25 of the words the learned vocabulary associates with the question's.
        memory: the question memory's recall (cosine of the closest remembered question each passage answers).
        dense: cosine, main embedding model.
        second: cosine, second embedding model (None without one).
        weights: the question's words with their IDF weights (coverage features).
    """

    passage: np.ndarray
    sentence: np.ndarray
    synonyms: np.ndarray
    vocabulary: np.ndarray
    memory: np.ndarray
    dense: np.ndarray
    second: np.ndarray | None
    weights: dict[str, float]


def _relative(scores: np.ndarray) -> np.ndarray:
    high = float(scores.max()) if len(scores) else 0.0
    return scores / high if high > 0 else np.zeros_like(scores)


def _log_rank(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return np.log2(ranks)


def _dense(scores: np.ndarray | None, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if scores is None:
        zeros = np.zeros(size, dtype=np.float32)
        return zeros, zeros, zeros
    return scores, scores - float(scores.max()), _log_rank(scores)


def unknown_share(query: Query, idf: Callable[[str], float]) -> float:
    """Share of the question's multi-character words that no passage uses."""
    words = [t for t in query.tokens if len(t) > 1]
    return sum(1 for t in words if idf(t) == 0) / len(words) if words else 0.0


def feature_matrix(
    query: Query, facts: IndexFacts, channels: Channels, candidates: np.ndarray, eligibility: np.ndarray
) -> np.ndarray:
    """The features of the candidate passages (rows, in ``candidates`` order; columns in ``FEATURE_NAMES`` order)."""
    size = len(facts)
    pick = candidates
    main, main_gap, main_rank = _dense(channels.dense, size)
    second, second_gap, second_rank = _dense(channels.second, size)
    weights = channels.weights
    text = f"{query.original} {query.text}"
    asked = asked_types(text)
    clause = answer_clause(query, weights)
    rules = negation_rules()
    negated = negated_words(query.text.lower(), weights, rules)
    named = np.isin(facts.titles[pick], query.doc_titles) if query.doc_titles else np.zeros(len(pick), bool)
    plan_question = bool(query.doc_titles) and set(query.doc_titles) <= facts.plan_titles and not query.asks_law
    idf = facts.index.lexical.idf

    def per_candidate(measure: Callable[[int], float]) -> np.ndarray:
        return np.array([measure(i) for i in pick], dtype=np.float32)

    def constant(value: float) -> np.ndarray:
        return np.full(len(pick), value, dtype=np.float32)

    columns: dict[str, np.ndarray] = {
        "bm25_passage": _relative(channels.passage)[pick],
        "bm25_passage_rank": _log_rank(channels.passage)[pick],
        "bm25_sentence": _relative(channels.sentence)[pick],
        "bm25_synonyms": _relative(channels.synonyms)[pick],
        "vocabulary": _relative(channels.vocabulary)[pick],
        "memory": channels.memory[pick],
        "dense_main": main[pick],
        "dense_main_gap": main_gap[pick],
        "dense_main_rank": main_rank[pick],
        "dense_second": second[pick],
        "dense_second_gap": second_gap[pick],
        "dense_second_rank": second_rank[pick],
        "coverage_passage": per_candidate(lambda i: coverage(facts.haystacks[i], weights)),
        "coverage_sentence": per_candidate(
            lambda i: max((coverage(unit, weights) for unit in facts.units[i]), default=0.0)
        ),
        "answer_clause": per_candidate(lambda i: clause.coverage(facts.units[i])) if clause else constant(0.0),
        "list_lead": (
            per_candidate(lambda i: coverage(facts.leads[i], weights) if i in facts.leads else 0.0)
            if query.wants_list
            else constant(0.0)
        ),
        "negation": (
            per_candidate(lambda i: negation_coverage(facts.haystacks[i], negated, rules)) if negated else constant(0.0)
        ),
        "answer_type": (
            np.sum([facts.holders[t.name][pick] for t in asked], axis=0).astype(np.float32) if asked else constant(0.0)
        ),
        "named_document": named.astype(np.float32),
        "hinted_document": (
            np.isin(facts.titles[pick], query.hinted_titles).astype(np.float32)
            if query.hinted_titles
            else constant(0.0)
        ),
        "plan_passage": facts.in_plan[pick],
        "plan_question": constant(float(plan_question)),
        "asks_law": constant(float(query.asks_law)),
        "part_summary": facts.part_summaries[pick],
        "asks_structure": constant(float(query.asks_structure)),
        "sibling_requested": (eligibility[pick] == 0.5).astype(np.float32),
        "passage_chars": facts.log_chars[pick],
        "is_article": facts.is_article[pick],
        "wants_list": constant(float(query.wants_list)),
        "unknown_share": constant(unknown_share(query, idf)),
        "english": constant(float(query.language == "en")),
    }
    return np.column_stack([columns[name] for name in FEATURE_NAMES]).astype(np.float32)
