"""Answers from the version in force on the day of asking: the 2019 商标法 with a note about the 2026 revision
until 2027-01-01, the 2026 text from that day on; the 2025 反不正当竞争法 in force, the 2019 text only when asked
for; the new law when the question asks about it, marked as not yet in force."""

from __future__ import annotations

from datetime import date

from bot.pipeline import Pipeline
from bot.schema import Answer
from eval.grounding import ungrounded

TRADEMARK = "中华人民共和国商标法"
COMPETITION = "中华人民共和国反不正当竞争法"
BEFORE, AFTER = date(2026, 12, 2), date(2027, 1, 2)
RENEWAL = "注册商标有效期满后还想继续用，应该什么时候办续展？"
NOTE = "注意：2026年6月26日修订的《中华人民共和国商标法》将于2027年1月1日起施行"
LEAD_2026 = "根据《中华人民共和国商标法》{article}（2026年6月26日公布，2027年1月1日施行，{status}）"


def cited(answer: Answer, title: str) -> list[tuple[str | None, str]]:
    return [(c.version, c.status) for c in answer.citations if c.title == title]


def assert_grounded(answer: Answer) -> None:
    assert ungrounded(answer.text, [c.text for c in answer.citations]) == []


def test_before_the_revision_takes_effect_the_2019_text_answers_with_a_note(pipeline: Pipeline) -> None:
    answer = pipeline.answer(RENEWAL, day=BEFORE)
    assert answer.text.startswith("根据《中华人民共和国商标法》第四十条（2019年修正，现行有效）：")
    assert "期满前十二个月内" in answer.text
    assert f"{NOTE}，届时该内容见第四十四条" in answer.text
    assert cited(answer, TRADEMARK)[0] == ("2019年修正", "现行有效")
    assert ("2026年6月26日公布，2027年1月1日施行", "尚未施行") in cited(answer, TRADEMARK)  # the note's source
    assert_grounded(answer)


def test_from_the_effective_date_the_2026_text_answers(pipeline: Pipeline) -> None:
    answer = pipeline.answer(RENEWAL, day=AFTER)
    assert answer.text.startswith(LEAD_2026.format(article="第四十四条", status="现行有效"))
    assert "注意" not in answer.text
    assert all(version != "2019年修正" for version, _ in cited(answer, TRADEMARK))
    assert_grounded(answer)


def test_a_question_about_the_new_law_is_answered_from_it_marked_not_in_force(pipeline: Pipeline) -> None:
    answer = pipeline.answer("新商标法规定注册商标的有效期是多久？", day=BEFORE)
    assert answer.text.startswith(LEAD_2026.format(article="第四十三条", status="尚未施行"))
    assert "该版本尚未施行，将于2027年1月1日起施行；在此之前适用《中华人民共和国商标法》（2019年修正）" in answer.text
    assert cited(answer, TRADEMARK)[0] == ("2026年6月26日公布，2027年1月1日施行", "尚未施行")
    assert_grounded(answer)


def test_the_revision_in_force_answers_and_the_superseded_text_only_when_asked(pipeline: Pipeline) -> None:
    current = pipeline.answer("商业贿赂会被怎么处罚？", day=BEFORE)
    assert cited(current, COMPETITION)[0] == ("2025年6月27日公布，2025年10月15日施行", "现行有效")
    assert "处十万元以上一百万元以下的罚款" in current.text
    assert all(status != "已被取代" for _, status in cited(current, COMPETITION))
    old = pipeline.answer("2019年的反不正当竞争法对商业贿赂怎么罚？", day=BEFORE)
    assert cited(old, COMPETITION)[0] == ("2019年修正", "已被取代")
    assert "处十万元以上三百万元以下的罚款" in old.text
    assert "已被《中华人民共和国反不正当竞争法》（2025年6月27日公布，2025年10月15日施行）取代" in old.text
    assert_grounded(current)
    assert_grounded(old)


def test_before_the_2025_revision_took_effect_the_2019_text_was_in_force(pipeline: Pipeline) -> None:
    answer = pipeline.answer("商业贿赂会被怎么处罚？", day=date(2025, 10, 1))
    assert cited(answer, COMPETITION)[0] == ("2019年修正", "现行有效")
    assert "注意：2025年6月27日修订的《中华人民共和国反不正当竞争法》将于2025年10月15日起施行" in answer.text
