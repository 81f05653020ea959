"""Figures — a number with a unit (五十年, 三个月, 十万元, 三倍) — in questions and provisions.

A question *asserts* a figure when it states it as a fact to check ("保护期是五十年，对吗"), not when it states a
condition ("连续三年不使用"). Units and assertion cues are data (``bot/data/figures.toml``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import cn2an

from index.cleaning import NUMERALS

# A date (2027年1月1日, 十月十七日) is not a figure: its month and day are taken out before figures are found.
_DATE = re.compile(rf"(?:[\d〇零{NUMERALS}]{{2,4}}年)?[\d{NUMERALS}]{{1,2}}月[\d{NUMERALS}]{{1,3}}日")
_CLAUSE_BREAK = re.compile(r"[，；。：\n]")
_YEAR_NUMERAL = re.compile(r"^(?:\d{4}|.*[〇零].*)$")  # 2020年, 二〇二〇年: a year, not a duration


@dataclass(frozen=True, slots=True)
class Figure:
    """A number with its unit.

    Attributes:
        text: the figure as written (``五十年``).
        value: the number in the compared unit (``十万元`` -> 100000).
        unit: the compared unit (``年``, ``月``, ``日``, ``工作日``, ``元``, ``倍``).
    """

    text: str
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class _Rules:
    pattern: re.Pattern[str]
    units: dict[str, tuple[str, float]]
    before: re.Pattern[str]
    after: re.Pattern[str]
    stand_in: dict[str, str]


@cache
def _rules() -> _Rules:
    data = tomllib.loads(resources.files("bot.data").joinpath("figures.toml").read_text(encoding="utf-8"))
    units = {written: (unit, float(factor)) for written, (unit, factor) in data["units"].items()}
    spellings = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    ordinal = re.escape(data["assertion"]["ordinal"])
    pattern = re.compile(rf"(?<![{ordinal}\d.{NUMERALS}])(\d+(?:\.\d+)?|[{NUMERALS}]+)({spellings})")
    assertion = data["assertion"]
    return _Rules(
        pattern, units, re.compile(assertion["before"]), re.compile(assertion["after"]), dict(data["stand_in"])
    )


def _number(numeral: str) -> float | None:
    try:
        return float(numeral) if numeral[0].isdigit() else float(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError):
        return None


def _found(text: str) -> list[tuple[Figure, int, int]]:
    """Every figure of ``text`` with its span."""
    rules = _rules()
    text = _DATE.sub(lambda m: "\0" * len(m.group(0)), text)
    found = []
    for match in rules.pattern.finditer(text):
        numeral, written = match.groups()
        unit, factor = rules.units[written]
        value = _number(numeral)
        if value is None or (unit == "年" and _YEAR_NUMERAL.match(numeral)):
            continue
        found.append((Figure(match.group(0), value * factor, unit), match.start(), match.end()))
    return found


def figures(text: str) -> list[Figure]:
    """The figures a text states (a provision's ``二十年``, ``十万元以上``)."""
    return [figure for figure, _, _ in _found(text)]


def asserted_figures(text: str) -> list[Figure]:
    """The figures a question asserts: stated as a fact to check, right after a word that states it
    (是, 为, 保护, 有效期…) or right before one that asks whether it is true (吗, 对吗, ？)."""
    rules = _rules()
    return [
        figure
        for figure, start, end in _found(text)
        if rules.before.search(text[:start]) or rules.after.search(text[end:])
    ]


def stand_in(figure: Figure) -> str:
    """The word searched for in place of an asserted figure: what a figure of its unit is about (期限, 数额)."""
    return _rules().stand_in.get(figure.unit, "")


def mismatched(asserted: list[Figure], provision: str, subjects: list[str] | tuple[str, ...] = ()) -> list[Figure]:
    """The asserted figures a provision contradicts: it states figures of the same unit, none of them equal.

    Where clauses of the provision name all of the question's ``subjects`` and state figures of the unit
    (外观设计专利权的期限为十五年 beside 实用新型专利权的期限为十年), only theirs count.
    """
    clauses = [c for c in _CLAUSE_BREAK.split(provision) if c and all(word in c for word in subjects)]
    wrong = []
    for figure in asserted:
        about = {f.value for clause in clauses for f in figures(clause) if f.unit == figure.unit}
        stated = about or {f.value for f in figures(provision) if f.unit == figure.unit}
        if stated and figure.value not in stated:
            wrong.append(figure)
    return wrong
