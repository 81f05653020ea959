"""Term weights count each concept of a question once, however many sub-words segmentation gives it; the
dense score weighs more when the question uses words the corpus does not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.pipeline import Pipeline
from bot.rerank import answer_clause, concept_weights, coverage
from bot.retrieval import HybridSearcher
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


def test_everyday_wording_leans_on_the_dense_score(pipeline: Pipeline) -> None:
    searcher, analyzer = pipeline.searcher, pipeline.analyzer
    legal = analyzer.analyze("专利权的期限是多少年？")
    everyday = analyzer.analyze("出版社说不打算再印，书卖断货了怎么办？")  # 出版社, 再印, 卖断 are not the law's words
    assert searcher.dense_weight(legal) == pytest.approx(searcher.config.dense_weight)
    assert searcher.config.dense_weight < searcher.dense_weight(everyday) <= searcher.config.english_dense_weight


def test_a_list_question_favours_the_article_whose_lead_in_it_asks_about(pipeline: Pipeline) -> None:
    plain = pipeline.searcher
    without_lead = HybridSearcher(plain.index, plain.embeddings, plain.config,
                                  coverage=dataclasses.replace(plain.coverage, list_lead=0.0))
    # 著作权法第二十四条：在下列情况下使用作品，可以不经著作权人许可，不向其支付报酬……
    query = pipeline.analyzer.analyze("哪些情形可以不经著作权人许可使用作品、也不用付钱？")

    def rank(searcher: HybridSearcher) -> int:
        hits = searcher.search(query, 10)
        return next((i for i, hit in enumerate(hits) if hit.chunk.label == "第二十四条"
                     and hit.doc.title == "中华人民共和国著作权法"), len(hits))

    assert rank(plain) == 0 < rank(without_lead)


def test_chinese_questions_blend_the_second_model_english_ones_and_closeness_use_the_main(
    pipeline: Pipeline,
) -> None:
    plain = pipeline.searcher
    assert pipeline.index.second_dense is not None  # the default index carries a second model's vectors
    main_only = HybridSearcher(plain.index, plain.embeddings, dataclasses.replace(plain.config, second_dense_share=0.0),
                               coverage=plain.coverage)
    chinese = pipeline.analyzer.analyze("员工离职后把技术秘密带到新公司用了，算侵权吗？")
    english = pipeline.analyzer.analyze("How long does an invention patent last?")
    assert not np.allclose(plain.dense_scores(chinese), main_only.dense_scores(chinese))
    assert np.allclose(plain.dense_scores(english), main_only.dense_scores(english))
    # The off-topic threshold is on the main model's cosine scale.
    assert plain.closeness(chinese) == main_only.closeness(chinese)


def test_a_question_about_the_plan_is_answered_from_the_plan_unless_it_asks_about_the_law(
    pipeline: Pipeline,
) -> None:
    plain = pipeline.searcher
    config = dataclasses.replace(plain.config, plan_question_law_factor=1.0)
    unweighted = HybridSearcher(plain.index, plain.embeddings, config, coverage=plain.coverage)
    about_plan = pipeline.analyzer.analyze("规划里和植物新品种有关的是什么？")
    assert plain.search(about_plan, 1)[0].doc.kind == "规划解读"
    assert unweighted.search(about_plan, 1)[0].doc.kind != "规划解读"  # the regulation's words pull it away
    both = pipeline.analyzer.analyze("规划支持专利质押融资吗？法律上怎么规定？")
    assert both.asks_law
    assert plain.fused_scores(both)[0].tolist() == unweighted.fused_scores(both)[0].tolist()


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
