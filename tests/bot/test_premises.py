"""False premises and articles that do not exist (issue 16): a question naming a law and an article gets that
article or the plain fact that the law has no such article; a figure the question asserts does not steer retrieval,
and when the provision states another figure of the same unit the answer says so before the quote."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation import Turn
from bot.figures import asserted_figures, mismatched
from bot.pipeline import Pipeline
from bot.query import QueryAnalyzer
from bot.schema import Answer
from eval.grounding import ungrounded

PATENT_LAW = "中华人民共和国专利法"
TRADEMARK = "中华人民共和国商标法"
CIVIL_CODE = "中华人民共和国民法典"


def assert_grounded(answer: Answer) -> None:
    assert answer.citations, answer.text
    assert ungrounded(answer.text, [c.text for c in answer.citations]) == []


def first_cited(answer: Answer) -> tuple[str, str]:
    top = answer.citations[0]
    return top.title, top.section.split(" › ")[-1]


# ----- articles that do not exist ---------------------------------------------------------------------------


def test_an_article_past_the_end_of_the_law_is_answered_with_the_count(pipeline: Pipeline) -> None:
    answer = pipeline.answer("商标法第一百条规定了什么？")
    assert answer.status == "no_answer"
    assert answer.text == "《中华人民共和国商标法》（现行有效版本）没有第一百条，全文共七十三条。"
    assert all(c.title == TRADEMARK and c.version == "2019年修正" for c in answer.citations)
    assert "专利法实施细则" not in answer.text


def test_the_civil_code_has_1260_articles(pipeline: Pipeline) -> None:
    answer = pipeline.answer("民法典第一千二百六十一条是怎么规定的？")
    assert answer.status == "no_answer"
    assert "没有第一千二百六十一条，全文共一千二百六十条" in answer.text
    assert pipeline.answer("民法典第1261条规定了什么").text == answer.text


def test_the_count_comes_from_the_version_asked_about(pipeline: Pipeline) -> None:
    new = pipeline.answer("新商标法第一百条规定了什么？", day=date(2026, 12, 2))
    assert new.status == "no_answer"
    assert new.text.startswith("《中华人民共和国商标法》（2026年6月26日公布，2027年1月1日施行，尚未施行）没有第一百条")
    assert "全文共七十三条" not in new.text
    assert all(c.status == "尚未施行" for c in new.citations)
    old = pipeline.answer("2019年商标法第八十条规定了什么？", day=date(2027, 1, 2))
    assert old.text == "《中华人民共和国商标法》（2019年修正，已被取代）没有第八十条，全文共七十三条。"
    current = pipeline.answer("商标法第八十条规定了什么？", day=date(2027, 1, 2))
    assert current.status == "answered" and first_cited(current) == (TRADEMARK, "第八十条")
    revised = pipeline.answer("新商标法第八十七条规定了什么？", day=date(2026, 12, 2))
    assert revised.status == "answered"
    assert first_cited(revised) == (TRADEMARK, "第八十七条")
    assert revised.citations[0].status == "尚未施行"


@pytest.mark.parametrize(
    ("question", "title", "article"),
    [
        ("商标法第三条规定了什么？", TRADEMARK, "第三条"),
        ("专利法第八十二条规定了什么？", PATENT_LAW, "第八十二条"),
        ("民法典第一千二百六十条是什么内容？", CIVIL_CODE, "第一千二百六十条"),
    ],
)
def test_an_existing_article_is_cited_first(pipeline: Pipeline, question: str, title: str, article: str) -> None:
    answer = pipeline.answer(question)
    assert answer.status == "answered"
    assert first_cited(answer) == (title, article)
    assert answer.text.startswith(f"根据《{title}》{article}")
    assert_grounded(answer)


# ----- asserted figures -------------------------------------------------------------------------------------


def test_a_wrong_term_for_invention_patents_is_corrected_from_article_42(pipeline: Pipeline) -> None:
    answer = pipeline.answer("发明专利的保护期是五十年，对吗？")
    assert answer.status == "answered"
    assert first_cited(answer) == (PATENT_LAW, "第四十二条")
    note, quote = answer.text.split("\n", 1)
    assert note == "您提到的「五十年」与条文不符："
    assert quote.startswith("根据《中华人民共和国专利法》第四十二条")
    assert "发明专利权的期限为二十年" in quote
    assert "著作权法" not in answer.text
    assert_grounded(answer)


def test_a_bare_false_claim_is_corrected(pipeline: Pipeline) -> None:
    answer = pipeline.answer("发明专利保护一百年？")
    assert first_cited(answer) == (PATENT_LAW, "第四十二条")
    assert answer.text.startswith("您提到的「一百年」与条文不符：\n")
    assert "发明专利权的期限为二十年" in answer.text
    assert_grounded(answer)


def test_a_wrong_trademark_term_is_corrected_from_article_39(pipeline: Pipeline) -> None:
    # 第四十条 (续展: 每次续展注册的有效期为十年) ranks first, as for 商标注册有效期是多少年？ without a figure;
    # 第三十九条 is quoted beside it. Asked as 注册商标的有效期是二十年吗, 第三十九条 leads.
    answer = pipeline.answer("商标注册有效期是二十年吗？")
    assert answer.text.startswith("您提到的「二十年」与条文不符：\n根据《中华人民共和国商标法》")
    assert "根据《中华人民共和国商标法》第三十九条（2019年修正，现行有效）：注册商标的有效期为十年" in answer.text
    assert ("中华人民共和国商标法", "第三十九条") in [(c.title, c.section.split(" › ")[-1]) for c in answer.citations]
    assert_grounded(answer)
    plain = pipeline.answer("注册商标的有效期是二十年吗？")
    assert first_cited(plain) == (TRADEMARK, "第三十九条")
    assert plain.text.startswith("您提到的「二十年」与条文不符：\n根据《中华人民共和国商标法》第三十九条")
    assert_grounded(answer)


def test_a_matching_figure_gets_no_note(pipeline: Pipeline) -> None:
    answer = pipeline.answer("发明专利保护期是二十年吗？")
    assert first_cited(answer) == (PATENT_LAW, "第四十二条")
    assert answer.text.startswith("根据《中华人民共和国专利法》第四十二条")
    assert "不符" not in answer.text
    assert_grounded(answer)


@pytest.mark.parametrize(
    ("question", "wrong"),
    [
        ("外观设计专利保护期是十年吗？", True),
        ("外观设计专利保护期是十五年吗？", False),
        ("发明专利保护期是十年吗？", True),
    ],
)
def test_the_figure_of_the_subject_asked_about_decides(pipeline: Pipeline, question: str, wrong: bool) -> None:
    answer = pipeline.answer(question)  # 第四十二条 states 二十年, 十年 and 十五年, one for each kind of patent
    assert first_cited(answer) == (PATENT_LAW, "第四十二条")
    assert answer.text.startswith("您提到的") is wrong
    assert_grounded(answer)


def test_a_provision_about_another_subject_contradicts_nothing(pipeline: Pipeline) -> None:
    answer = pipeline.answer("实用新型保护期是十年吗？")  # true; whatever is retrieved must not call it wrong
    assert "不符" not in answer.text


def test_an_asserted_figure_is_not_searched_for(pipeline: Pipeline) -> None:
    analyzer: QueryAnalyzer = pipeline.analyzer
    query = analyzer.analyze("发明专利的保护期是五十年，对吗？")
    assert [(f.text, f.value, f.unit) for f in query.asserted] == [("五十年", 50, "年")]
    assert not any("五十" in token or "50" in token for token in query.tokens)
    assert "五十" not in query.dense_text
    assert "五十年" in query.text  # the answer still sees what was claimed
    article = analyzer.analyze("商标法第一百条规定了什么？")
    assert article.labels == ["第一百条"] and article.asserted == []


def test_asserted_figures_survive_the_conversation_log(pipeline: Pipeline) -> None:
    query = pipeline.analyzer.analyze("发明专利保护一百年？", day=date(2026, 12, 2))
    restored = Turn.from_dict(Turn("发明专利保护一百年？", query, "id").to_dict()).query
    assert restored.asserted == query.asserted
    assert mismatched(restored.asserted, "发明专利权的期限为二十年") == query.asserted


@pytest.mark.parametrize(
    "question",
    [
        "商标连续三年不使用会被撤销吗？",
        "我的专利申请了两年还没批下来，正常吗？",
        "2020年的专利法规定了什么？",
        "第三年的年费是多少？",
    ],
)
def test_conditions_dates_and_ordinals_are_not_asserted(question: str) -> None:
    assert asserted_figures(question) == []


def test_figures_compare_within_their_unit() -> None:
    claimed = asserted_figures("罚款最高是五十万元吗？")
    assert [(f.value, f.unit) for f in claimed] == [(500000, "元")]
    assert mismatched(claimed, "处五十万元以下的罚款") == []
    assert mismatched(claimed, "处十万元以上一百万元以下的罚款") == claimed
    assert mismatched(claimed, "处三倍以下的罚款") == []  # no amount stated: nothing to contradict
    term = asserted_figures("外观设计保护期是十年吗")
    article = "发明专利权的期限为二十年，实用新型专利权的期限为十年，外观设计专利权的期限为十五年"
    assert mismatched(term, article) == []
    assert mismatched(term, article, ["外观设计"]) == term
    assert mismatched(term, "注册商标的有效期为十年", ["外观设计"]) == []  # no clause names it: all figures count


def test_quoted_user_words_are_grounded() -> None:
    answer = "您提到的「五十年」与条文不符：\n根据《中华人民共和国专利法》第四十二条：发明专利权的期限为二十年。"
    assert ungrounded(answer, ["发明专利权的期限为二十年，实用新型专利权的期限为十年"]) == []
    assert ungrounded("保护期是五十年。", ["发明专利权的期限为二十年"]) != []
