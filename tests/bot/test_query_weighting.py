"""Term weights count each concept of a question once, however many sub-words segmentation gives it; the ranker's
features measure what the question asks for (a list's lead-in, the plan, the words after a deadline's slot)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.coverage import answer_clause, concept_weights, coverage
from bot.features import FEATURE_NAMES
from bot.pipeline import Pipeline
from index.chunking import sentences


def test_a_compound_word_and_its_sub_words_share_one_weight() -> None:
    weights = {"植物": 2.0, "品种": 2.0, "新品种": 3.0, "植物新品种": 4.0, "期限": 3.0}
    scaled = concept_weights(weights)
    compound = sum(scaled[w] for w in ("植物", "品种", "新品种", "植物新品种"))
    assert compound == pytest.approx(4.0)  # the heaviest member's weight, shared
    assert scaled["期限"] == 3.0  # a word of its own keeps its weight
    assert scaled["植物新品种"] > scaled["植物"]  # members keep their proportions


def test_a_passage_holding_only_the_subject_covers_only_its_share() -> None:
    raw = {"植物": 2.0, "品种": 2.0, "新品种": 3.0, "植物新品种": 4.0, "期限": 3.0}
    subject_only = "植物新品种的审批机关"
    assert coverage(subject_only, raw) == pytest.approx(11 / 14)  # four sub-words outweigh the question's point
    assert coverage(subject_only, concept_weights(raw)) == pytest.approx(4 / 7)
    assert coverage("品种权的保护期限", concept_weights(raw)) > coverage("品种权的保护期限", raw)


def test_words_without_weight_stay_at_zero() -> None:
    assert concept_weights({"专利": 0.0, "专利权": 0.0}) == {"专利": 0.0, "专利权": 0.0}


def _features(pipeline: Pipeline, question: str, title: str, label: str) -> dict[str, float]:
    """The features of one article for a question (it must be among the candidates)."""
    searcher = pipeline.searcher
    found = searcher.candidates(pipeline.analyzer.analyze(question))
    for row, position in enumerate(found.positions):
        chunk = searcher.index.chunks[position]
        if chunk.label == label and searcher.facts.docs[position].title == title:
            return dict(zip(FEATURE_NAMES, found.features[row].tolist(), strict=True))
    raise AssertionError(f"{title}{label} is not a candidate for {question}")


def test_a_list_question_measures_the_lead_in_of_an_articles_items(pipeline: Pipeline) -> None:
    # 著作权法第二十四条：在下列情况下使用作品，可以不经著作权人许可，不向其支付报酬……
    title = "中华人民共和国著作权法"
    listing = _features(pipeline, "哪些情形可以不经著作权人许可使用作品、也不用付钱？", title, "第二十四条")
    single = _features(pipeline, "不经著作权人许可使用作品要付钱吗？", title, "第二十四条")
    assert listing["wants_list"] == 1.0 and listing["list_lead"] > 0.3
    assert single["wants_list"] == 0.0 and single["list_lead"] == 0.0


def test_both_models_score_chinese_and_closeness_uses_the_main_one(pipeline: Pipeline) -> None:
    searcher = pipeline.searcher
    assert pipeline.index.second_dense is not None  # the default index carries a second model's vectors
    chinese = pipeline.analyzer.analyze("员工离职后把技术秘密带到新公司用了，算侵权吗？")
    channels = searcher.channels(chinese)
    assert channels.second is not None and not np.allclose(channels.dense, channels.second)
    # The off-topic threshold is on the main model's cosine scale.
    assert searcher.closeness(chinese) == pytest.approx(float(channels.dense.max()))


def test_a_question_about_the_plan_is_answered_from_the_plan(pipeline: Pipeline) -> None:
    about_plan = pipeline.analyzer.analyze("规划里和植物新品种有关的是什么？")
    assert pipeline.searcher.search(about_plan, 1)[0].doc.kind == "规划解读"
    features = pipeline.searcher.candidates(about_plan).features
    assert set(features[:, FEATURE_NAMES.index("plan_question")]) == {1.0}
    both = pipeline.analyzer.analyze("规划支持专利质押融资吗？法律上怎么规定？")
    assert both.asks_law
    assert set(pipeline.searcher.candidates(both).features[:, FEATURE_NAMES.index("plan_question")]) == {0.0}


def test_a_deadline_question_wants_its_action_after_the_period(pipeline: Pipeline) -> None:
    query = pipeline.analyzer.analyze("商标初步审定公告后，多长时间内可以提出异议？")
    clause = answer_clause(query, {"商标": 1.0, "公告": 1.0, "提出": 1.0, "异议": 2.0})
    assert clause is not None and set(clause.weights) == {"提出", "异议"}  # the words after the slot only
    objection_period = "对初步审定公告的商标，自公告之日起三个月内，任何人认为违反本法规定的，可以向商标局提出异议。"
    decision_period = "对初步审定公告的商标提出异议的，商标局应当自公告期满之日起十二个月内做出是否准予注册的决定。"
    assert clause.coverage(sentences(objection_period)) == 1.0
    assert clause.coverage(sentences(decision_period)) == 0.0
    # A period's start (自…之日起) says when it runs from, not what happens within it.
    assert clause.coverage(sentences("保护期为10年，自提出异议之日起计算。")) == 0.0
    assert pipeline.answer("商标初步审定公告后，多长时间内可以提出异议？").citations[0].section.endswith("第三十三条")


def test_a_question_without_words_after_its_slot_or_without_a_duration_has_no_clause(pipeline: Pipeline) -> None:
    analyze = pipeline.analyzer.analyze
    assert answer_clause(analyze("发明专利权的期限是多久？"), {"发明专利": 1.0, "期限": 1.0}) is None
    # 好几年 tells a story; it does not ask how long.
    story = analyze("他的专利批了好几年一直闲着不用，能申请强制许可吗？")
    assert answer_clause(story, {"专利": 1.0, "强制许可": 1.0}) is None


def test_a_part_summary_answers_questions_about_the_structure_only(pipeline: Pipeline) -> None:
    substance = pipeline.answer("“十三五”期间武汉的知识产权工作取得了什么成绩？")
    assert not substance.citations[0].section.endswith("第一部分")  # not 第一部分：…主要是回顾…
    structure = pipeline.answer("《规划》第一部分主要讲的是什么内容？")
    assert structure.citations[0].section.endswith("第一部分")
