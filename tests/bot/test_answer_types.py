"""Answer types: which questions ask for a duration, and which passages hold one."""

from __future__ import annotations

import pytest

from bot.answer_types import answer_types, asked_types

DURATION = next(t for t in answer_types() if t.name == "duration")


@pytest.mark.parametrize("question", ["发明专利保护多少年？", "多长时间内可以提出异议？", "几个月内要续展？"])
def test_questions_that_ask_how_long(question: str) -> None:
    assert DURATION in asked_types(question)


def test_a_story_of_years_does_not_ask_how_long() -> None:
    assert DURATION not in asked_types("他的专利批了好几年一直闲着不用，能申请强制许可吗？")


@pytest.mark.parametrize(
    "text",
    [
        "发明专利权的期限为二十年",
        "作者的署名权、修改权、保护作品完整权的保护期不受限制。",  # no limit is an answer too
        "自公告之日起三个月内",
    ],
)
def test_passages_that_hold_a_duration(text: str) -> None:
    assert DURATION.evidence.search(text)


def test_a_concrete_period_and_its_start() -> None:
    assert DURATION.answer is not None and DURATION.start is not None
    assert DURATION.answer.search("应当自收到通知之日起3个工作日内提出").group() == "3个工作日内"
    assert DURATION.start.search("自收到通知之日起3个工作日内").group() == "自收到通知之日起"
