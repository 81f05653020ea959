"""Choosing what to quote from a passage: the units (paragraphs, sentences, items) that answer a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer_types import AnswerType
from bot.listing import ARTICLE_PREFIX, LAW_ITEM
from bot.query import chinese_number
from index.chunking import sentences
from index.schema import Chunk

_DIGITS = re.compile(r"\d{1,3}")
TYPE_BONUS = 0.3  # share of the question's weight a unit earns for each kind of answer asked for that it holds


@dataclass(frozen=True, slots=True)
class QuoteLimits:
    """How much of a passage an answer quotes.

    Attributes:
        max_chars: quoted characters at most.
        max_units: units quoted at most.
        min_gain: share of the question's weight a further unit must add to be quoted.
        whole_paragraph_chars: a paragraph (款) this short is quoted whole rather than sentence by sentence.
        whole_passage_chars: a passage (a short article) this short is quoted whole.
    """

    max_chars: int
    max_units: int
    min_gain: float
    whole_paragraph_chars: int
    whole_passage_chars: int


def quote_units(chunk: Chunk, limits: QuoteLimits) -> list[str]:
    """A passage cut into quotable units: short paragraphs whole, longer ones by sentence, items whole;
    the article number is left out (the citation names it)."""
    units: list[str] = []
    for number, paragraph in enumerate(chunk.text.split("\n\n")):
        if paragraph.startswith("#"):
            continue  # a Markdown heading (the document's title): the citation names it
        paragraph = ARTICLE_PREFIX.sub("", paragraph) if number == 0 else paragraph
        if LAW_ITEM.match(paragraph) or len(paragraph) <= limits.whole_paragraph_chars:
            units.append(paragraph)
        else:
            units.extend(sentences(paragraph, split_clauses=False))
    return [unit for unit in units if unit]


_CLOSED = re.compile(r"[。；;：:！？!?…”]$")


def join_units(units: list[str]) -> str:
    """Quoted units as one text: a unit that does not end a sentence (a dated history line) is closed with ``；``
    so that it does not run into the next."""
    return "".join(unit if _CLOSED.search(unit) or i == len(units) - 1 else f"{unit}；" for i, unit in enumerate(units))


def _holds(answer_type: AnswerType, unit: str, question: str) -> bool:
    """Whether a unit holds the kind of answer asked for, beyond what the question itself states
    (``连续3年不使用`` does not answer "多长时间" when the question says 连续三年)."""
    return any(
        _DIGITS.sub(lambda m: chinese_number(int(m.group(0))), match.group(0)) not in question
        and match.group(0) not in question
        for match in answer_type.evidence.finditer(unit)
    )


def select_units(
    units: list[str], weights: dict[str, float], wanted: list[AnswerType], limits: QuoteLimits, question: str = ""
) -> list[str]:
    """Greedy cover of the question's weighted words by units, in document order.

    A passage of at most ``whole_passage_chars`` is quoted whole. Otherwise the first pick is the unit with
    the most weight, where holding a kind of answer the question asks for
    (a duration, an amount...) counts extra; later picks must add what the earlier ones lack. A picked
    list item brings its lead-in (``有下列情形之一的：``) along, and a picked lead-in the item after it.
    """
    if not units:
        return []
    if sum(len(unit) for unit in units) <= limits.whole_passage_chars:
        return units
    total = sum(weights.values()) or 1.0
    lowered = [unit.lower() for unit in units]
    kinds = [{t.name for t in wanted if _holds(t, unit, question)} for unit in units]
    chosen: list[int] = []
    covered: set[str] = set()
    answered: set[str] = set()
    while len(chosen) < limits.max_units:
        gains = {
            i: sum(w for t, w in weights.items() if t not in covered and t in lowered[i])
            + TYPE_BONUS * total * len(kinds[i] - answered)
            for i in range(len(units))
            if i not in chosen
        }
        if not gains:
            break
        best = max(gains, key=lambda i: (gains[i], -i))
        if chosen and gains[best] < limits.min_gain * total:
            break
        chosen.append(best)
        covered.update(t for t in weights if t in lowered[best])
        answered |= kinds[best]
    for i in list(chosen):
        if LAW_ITEM.match(units[i]):
            lead = next((j for j in range(i - 1, -1, -1) if units[j].endswith(("：", ":"))), None)
            if lead is not None and lead not in chosen:
                chosen.append(lead)
        elif units[i].endswith(("：", ":")) and i + 1 < len(units) and i + 1 not in chosen:
            chosen.append(i + 1)
    picked: list[str] = []
    length = 0
    for i in sorted(chosen):
        if picked and length + len(units[i]) > limits.max_chars:
            continue
        picked.append(units[i])
        length += len(units[i])
    return picked
