"""Term coverage: how much of the question (IDF-weighted) a passage holds, and how much of it one sentence
holds (features of the learned ranker). Substring matching makes it robust to segmentation
differences ("发明专利" inside "发明专利权"), which BM25 over tokens is not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.answer_types import asked_types
from bot.query import Query


@dataclass(frozen=True, slots=True)
class AnswerClause:
    """What a question asks to happen within the answer it wants: the words after its slot
    (``多长时间内 | 可以提出异议`` → 提出, 异议), which should follow a concrete answer in a sentence
    (``三个月内，…可以向商标局提出异议``), not precede it (``提出异议的，…十二个月内做出决定``).

    Attributes:
        weights: the question words after the slot, with their weights.
        answer: matches a concrete answer of the asked-for kind.
        start: matches a phrase that dates the answer (``自…之日起``), left out of what follows it.
    """

    weights: dict[str, float]
    answer: re.Pattern[str]
    start: re.Pattern[str] | None

    def coverage(self, units: list[str]) -> float:
        """Best coverage of the clause's words in what follows a concrete answer, over a passage's sentences."""
        best = 0.0
        for sentence in units:
            for found in self.answer.finditer(sentence):
                rest = sentence[found.end() :]
                best = max(best, coverage(self.start.sub("", rest) if self.start else rest, self.weights))
        return best


def concept_weights(weights: dict[str, float]) -> dict[str, float]:
    """Weights rescaled so that each concept counts once.

    Search-mode segmentation yields a word and its sub-words (``植物新品种权`` with ``植物``, ``新品种``,
    ``品种权``…), so a compound concept would otherwise carry several words' weight and drown out the
    words that tell passages apart. Each word joins the longest question word containing it; a group's
    words share the weight of its heaviest word in proportion to their own.
    """
    words = sorted(weights, key=len, reverse=True)
    owner: dict[str, str] = {}
    for word in words:
        owner[word] = next((o for o in words if len(o) > len(word) and word in o and owner.get(o) == o), word)
    groups: dict[str, list[str]] = {}
    for word, head in owner.items():
        groups.setdefault(head, []).append(word)
    scaled: dict[str, float] = {}
    for members in groups.values():
        total = sum(weights[m] for m in members)
        heaviest = max(weights[m] for m in members)
        scaled.update({m: weights[m] * heaviest / total if total else 0.0 for m in members})
    return {word: scaled[word] for word in weights}


EXPANSION_SHARE = 0.5
"""Weight of a synonym or earlier-turn word relative to a question word of the same IDF."""


def question_weights(query: Query, idf: Callable[[str], float]) -> dict[str, float]:
    """IDF weights of the question's own known multi-character words, each concept counted once (see
    ``concept_weights``)."""
    return concept_weights({t: w for t in query.tokens if len(t) > 1 and (w := idf(t)) > 0})


def term_weights(
    query: Query, idf: Callable[[str], float], expansion_factor: float = EXPANSION_SHARE
) -> dict[str, float]:
    """``question_weights`` plus the expansion and context words, discounted."""
    weights = question_weights(query, idf)
    for token in (*query.expansion_tokens, *query.context_tokens):
        if len(token) > 1 and (w := idf(token)) > 0:
            weights.setdefault(token, expansion_factor * w)
    return weights


def answer_clause(query: Query, weights: dict[str, float]) -> AnswerClause | None:
    """The question's ``AnswerClause`` when it asks for a kind of answer that has one and words follow its slot."""
    text = query.text.lower()
    for answer_type in asked_types(text):
        if answer_type.answer is None or not (slot := answer_type.question.search(text)):
            continue
        after = text[slot.end() :]
        if clause := {word: weight for word, weight in weights.items() if word in after}:
            return AnswerClause(clause, answer_type.answer, answer_type.start)
    return None


def coverage(text: str, weights: dict[str, float]) -> float:
    """Share of the weighted words that occur in ``text`` (as substrings)."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text) / total if total else 0.0
