"""Query understanding: normalisation, numbers, English, documents named or hinted, labels, versions,
lists and follow-ups."""

from __future__ import annotations

import pytest

from bot.pipeline import Pipeline
from bot.query import QueryAnalyzer

PATENT_LAW = "中华人民共和国专利法"
PLAN = "《武汉市知识产权“十四五”规划》政策解读"


@pytest.fixture(scope="module")
def analyzer(pipeline: Pipeline) -> QueryAnalyzer:
    return pipeline.analyzer


def test_traditional_chinese_is_simplified(analyzer: QueryAnalyzer) -> None:
    query = analyzer.analyze("發明專利權的期限是多少年？")
    assert query.text.startswith("发明专利权的期限")
    assert "专利权" in query.tokens


@pytest.mark.parametrize(
    ("question", "expected"),
    [("专利法第42条怎么规定", "第四十二条"), ("保护20年吗", "二十年"), ("赔偿3倍", "三倍")],
)
def test_arabic_counts_become_chinese_numerals(analyzer: QueryAnalyzer, question: str, expected: str) -> None:
    assert expected in analyzer.analyze(question).text


@pytest.mark.parametrize("question", ["我能不能把书收回来？", "有没有保护期限？", "会不会被追责？", "可不可以转让？"])
def test_yes_no_forms_are_not_searched_for(analyzer: QueryAnalyzer, question: str) -> None:
    tokens = analyzer.analyze(question).tokens
    assert not {"不能", "没有", "不会", "不可"} & set(tokens)


def test_punitive_damages_are_not_a_penalty_question(analyzer: QueryAnalyzer) -> None:
    assert "处罚" not in analyzer.analyze("适用惩罚性赔偿时，什么算情节严重？").expansion_tokens


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("《规划》第一部分讲什么？", True),
        ("规划分为哪几个部分？", True),
        ("规划的主要框架是什么？", True),
        ("能不能只对产品的一部分申请外观设计专利？", False),
    ],
)
def test_structure_questions(analyzer: QueryAnalyzer, question: str, expected: bool) -> None:
    assert analyzer.analyze(question).asks_structure is expected


def test_years_stay_arabic_and_signal_a_version(analyzer: QueryAnalyzer) -> None:
    query = analyzer.analyze("2010年的专利法实施细则怎么规定奖金？")
    assert query.years == ["2010"]
    assert "2010" in query.text


def test_article_and_part_labels(analyzer: QueryAnalyzer) -> None:
    assert analyzer.analyze("专利法第四十二条是什么").labels == ["第四十二条"]
    assert analyzer.analyze("《规划》第一部分讲什么").labels == ["第一部分"]


def test_documents_named_and_hinted(analyzer: QueryAnalyzer) -> None:
    named = analyzer.analyze("专利法实施细则规定的年费怎么交？")
    assert named.doc_titles == ["中华人民共和国专利法实施细则"]  # the longer alias wins over 专利法
    plan = analyzer.analyze("《规划》的重点任务有哪些？")
    assert plan.doc_titles == [PLAN]
    hinted = analyzer.analyze("武汉对知识产权金融有什么安排？")
    assert hinted.doc_titles == [] and hinted.hinted_titles == [PLAN]


def test_english_questions_are_translated_through_the_glossary(analyzer: QueryAnalyzer) -> None:
    query = analyzer.analyze("How long does an invention patent last?")
    assert query.language == "en"
    assert "发明专利" in query.text and "期限" in query.text
    assert query.dense_text.startswith("How long")  # the multilingual model reads the original words


def test_colloquial_words_map_to_the_documents_words(analyzer: QueryAnalyzer) -> None:
    query = analyzer.analyze("别人山寨我们的商标怎么办")
    assert "假冒" in query.expansion_tokens
    assert "山寨" in query.synonyms


def test_list_and_count_intent(analyzer: QueryAnalyzer) -> None:
    assert analyzer.analyze("著作权包括哪些权利？").wants_list
    assert analyzer.analyze("重点任务包括几个方面？").wants_count
    assert not analyzer.analyze("发明专利保护多少年？").wants_list


def test_follow_up_replaces_the_subject_and_keeps_the_topic(analyzer: QueryAnalyzer) -> None:
    first = analyzer.analyze("发明专利的保护期限是多少年？")
    follow = analyzer.analyze("那实用新型呢？", first)
    assert follow.is_followup
    assert "期限" in follow.context_tokens
    assert "发明" not in follow.context_tokens  # the new subject replaces the old one


def test_standalone_question_is_not_a_follow_up(analyzer: QueryAnalyzer) -> None:
    first = analyzer.analyze("发明专利的保护期限是多少年？")
    assert not analyzer.analyze("著作权包括哪些权利？", first).is_followup


def test_item_reference(analyzer: QueryAnalyzer) -> None:
    first = analyzer.analyze("《规划》的重点任务有哪些？")
    assert analyzer.analyze("第三项是什么？", first).item_ref == 3
    assert analyzer.analyze("第四十二条是什么？", first).item_ref is None  # an article, not an item
