"""Negation: which words a question negates (``哪些不能授予专利权`` → 授予) and whether a passage negates them
too (``不授予专利权``). Negation words are single characters BM25 and coverage leave out, yet they decide
between sibling articles (``未与发明人约定…报酬的`` against ``可以与发明人约定…报酬``). Read from
``data/negation.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class NegationRules:
    """How negation is written (see ``data/negation.toml`` for each field)."""

    question: re.Pattern[str]
    not_yet: str
    reach: int
    words: int
    passage: re.Pattern[str]
    window: int
    clause_break: re.Pattern[str]


@lru_cache(maxsize=1)
def negation_rules() -> NegationRules:
    """The packaged negation rules."""
    table = tomllib.loads(resources.files("bot.data").joinpath("negation.toml").read_text(encoding="utf-8"))
    return NegationRules(
        question=re.compile(table["question"]),
        not_yet=table["not_yet"],
        reach=int(table["reach"]),
        words=int(table["words"]),
        passage=re.compile(table["passage"]),
        window=int(table["window"]),
        clause_break=re.compile(table["clause_break"]),
    )


def negated_words(question: str, weights: dict[str, float], rules: NegationRules) -> dict[str, float]:
    """The weighted words ``question`` negates, with their weights.

    A negation that begins a weighted word (``不正当竞争``) or means "not yet" (``还没起诉``) negates nothing.
    """
    negated: dict[str, float] = {}
    for found in rules.question.finditer(question):
        start = found.start()
        if start and question[start - 1] in rules.not_yet:
            continue
        if any(len(word) > len(found.group()) and question.startswith(word, start) for word in weights):
            continue
        after = rules.clause_break.split(question[found.end() : found.end() + rules.reach + 3])[0]
        near = sorted(
            (position, word) for word in weights if len(word) > 1 and 0 <= (position := after.find(word)) <= rules.reach
        )
        negated.update({word: weights[word] for _, word in near[: rules.words]})
    return negated


def negates(text: str, word: str, rules: NegationRules) -> bool:
    """Whether ``text`` has ``word`` with a negation shortly before it in the same clause."""
    position = text.find(word)
    while position >= 0:
        before = rules.clause_break.split(text[max(0, position - rules.window) : position])[-1]
        if rules.passage.search(before):
            return True
        position = text.find(word, position + 1)
    return False


def negation_coverage(text: str, negated: dict[str, float], rules: NegationRules) -> float:
    """Share of the negated words' weight that ``text`` negates as well."""
    total = sum(negated.values())
    return sum(w for word, w in negated.items() if negates(text, word, rules)) / total if total else 0.0
