"""Answer types: the kind of answer a question asks for (a duration, an amount, a definition, a list...)
and how to recognise text that holds one. Read from ``data/answer_types.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class AnswerType:
    """One kind of answer.

    Attributes:
        name: e.g. ``duration``.
        question: matches questions that ask for this kind of answer.
        evidence: matches text that holds one.
        boost: retrieval multiplier for passages that hold one.
        sought: an answer lacking this kind looks for a second passage that has it.
        answer: matches one concrete answer in a sentence (``3个月内``), when the kind has a clause to check.
        start: matches the phrase that dates an answer (``自公告之日起``): when it follows the answer, it says
            when the period starts, not what happens within it.
    """

    name: str
    question: re.Pattern[str]
    evidence: re.Pattern[str]
    boost: float
    sought: bool
    answer: re.Pattern[str] | None = None
    start: re.Pattern[str] | None = None


@lru_cache(maxsize=1)
def answer_types() -> tuple[AnswerType, ...]:
    """All answer types, in file order."""
    table = tomllib.loads(resources.files("bot.data").joinpath("answer_types.toml").read_text(encoding="utf-8"))
    return tuple(
        AnswerType(
            row["name"],
            re.compile(row["question"], re.IGNORECASE),
            re.compile(row["evidence"]),
            float(row["boost"]),
            bool(row.get("sought", False)),
            re.compile(row["answer"]) if "answer" in row else None,
            re.compile(row["start"]) if "start" in row else None,
        )
        for row in table["types"]
    )


def asked_types(question: str) -> list[AnswerType]:
    """The kinds of answer a question asks for."""
    lowered = question.lower()
    return [answer_type for answer_type in answer_types() if answer_type.question.search(lowered)]
