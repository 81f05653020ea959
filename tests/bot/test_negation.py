"""A negated question favours passages that negate the same word: 哪些不能授予专利权 is answered by
对下列各项，不授予专利权, not by the article that lists what the register records about 专利权的授予."""

from __future__ import annotations

from bot.negation import negated_words, negates, negation_coverage, negation_rules
from bot.pipeline import Pipeline

RULES = negation_rules()


def test_a_negation_marks_the_words_right_after_it() -> None:
    weights = {"授予": 2.0, "专利权": 1.0, "东西": 0.5}
    assert negated_words("哪些东西不能授予专利权", weights, RULES) == {"授予": 2.0, "专利权": 1.0}
    assert negated_words("哪些东西可以授予专利权", weights, RULES) == {}


def test_a_negation_inside_a_word_or_meaning_not_yet_negates_nothing() -> None:
    assert negated_words("不正当竞争的经营者要赔偿吗", {"不正当竞争": 3.0, "正当": 1.0, "竞争": 1.0}, RULES) == {}
    assert negated_words("我们还没起诉，能先保全证据吗", {"起诉": 2.0, "证据": 1.0}, RULES) == {}


def test_a_passage_negates_a_word_only_within_its_clause() -> None:
    assert negates("被授予专利权的单位未与发明人、设计人约定报酬的", "约定", RULES)
    assert not negates("被授予专利权的单位可以与发明人、设计人约定报酬", "约定", RULES)
    assert not negates("没有异议的，予以公告，约定", "约定", RULES)  # the negation is in an earlier clause
    negated = {"约定": 3.0, "报酬": 1.0}
    assert negation_coverage("单位未与发明人约定的，报酬按规定支付", negated, RULES) == 0.75


def test_what_cannot_be_patented_is_answered_by_the_exclusions(pipeline: Pipeline) -> None:
    answer = pipeline.answer("哪些东西不能授予专利权？")
    assert answer.citations[0].title == "中华人民共和国专利法"
    assert answer.citations[0].section.endswith("第二十五条")
