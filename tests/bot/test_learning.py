"""What training learns and saves: the vocabulary by normalised PMI, the ranker's files next to the index, the
fallback when they are missing or damaged, and explanations that add up to the ranker's scores."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from api.factory import Components
from api.training import train_models
from bot.features import FEATURE_NAMES, FEATURES
from bot.learning.vocabulary import learn_vocabulary
from bot.models import RANKER_FILE, load_models, models_dir, read_report
from bot.pipeline import Pipeline
from bot.ranker import FusionRanker, LearnedRanker
from bot.settings import Settings
from bot.vocabulary import Vocabulary


def test_the_vocabulary_associates_words_that_meet_more_often_than_chance(tmp_path: Path) -> None:
    pairs = [({"辞退", "赔偿"}, {"解除", "劳动合同", "经济补偿"})] * 4
    pairs += [({"离婚", "房子"}, {"夫妻", "共同财产"})] * 4 + [({"赔偿"}, {"侵权", "责任"})] * 4
    vocabulary, counts = learn_vocabulary(pairs, min_pairs=3, min_npmi=0.3, per_word=2)
    assert {word for word, _ in vocabulary.associations["辞退"]} <= {"解除", "劳动合同", "经济补偿"}
    assert len(vocabulary.associations["辞退"]) == 2  # per_word
    assert "夫妻" not in vocabulary.expand(["辞退"], 10)
    assert vocabulary.expand(["离婚"], 10) == ["共同财产", "夫妻"]
    assert all(count >= 3 for count in counts.values())
    # A word seen with two kinds of article is weaker with each than a word seen with one.
    weak = dict(vocabulary.associations["赔偿"]) if "赔偿" in vocabulary.associations else {}
    strong = dict(vocabulary.associations["辞退"])
    assert all(value < max(strong.values()) for value in weak.values())
    path = tmp_path / "vocabulary.tsv"
    vocabulary.save(path, counts)
    assert Vocabulary.load(path) == vocabulary


def test_rare_associations_are_left_out() -> None:
    vocabulary, _ = learn_vocabulary(
        [({"辞退"}, {"解除"})] * 2 + [({"其他"}, {"无关"})] * 5, min_pairs=3, min_npmi=0.0, per_word=5
    )
    assert "辞退" not in vocabulary.associations


def test_every_feature_has_one_name_and_a_direction() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURES)
    assert {f.rising for f in FEATURES} == {True, False, None}


def test_training_saved_the_models_and_an_out_of_fold_report(pipeline: Pipeline, settings: Settings) -> None:
    report = read_report(settings.index_dir)
    assert report is not None and pipeline.searcher.models.trained
    assert report["features"] == list(FEATURE_NAMES)
    assert set(report["out_of_fold"]) == {"transfer", "stard-tune", "dev"}
    assert report["questions"]["transfer"] == 741
    for figures in report["out_of_fold"].values():
        assert 0.0 <= figures["learned"]["hit@1"] <= figures["learned"]["hit@3"] <= 1.0
    assert report["vocabulary"]["associations"] > 100


def test_training_is_skipped_when_nothing_changed(
    pipeline: Pipeline, settings: Settings, components: Components
) -> None:
    before = read_report(settings.index_dir)
    assert train_models(settings, components) is None
    assert read_report(settings.index_dir) == before


def test_without_models_or_with_damaged_ones_ranking_falls_back_to_rank_fusion(
    tmp_path: Path, settings: Settings, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(load_models(tmp_path).ranker, FusionRanker)
    damaged = tmp_path / "damaged"
    models_dir(damaged).mkdir(parents=True)
    for file in models_dir(settings.index_dir).iterdir():
        (models_dir(damaged) / file.name).write_bytes(file.read_bytes())
    (models_dir(damaged) / RANKER_FILE).write_text("not a model", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        models = load_models(damaged)
    assert isinstance(models.ranker, FusionRanker) and not models.trained
    assert "policybot train" in caplog.text


def test_rank_fusion_orders_by_reciprocal_ranks() -> None:
    features = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    column = FEATURE_NAMES.index
    features[:, column("bm25_passage_rank")] = np.log2([1, 2, 3])
    features[:, column("dense_main_rank")] = np.log2([3, 1, 2])
    features[:, column("bm25_sentence")] = [1.0, 0.5, 0.2]
    scores = FusionRanker().score(features)
    assert scores.argmax() == 0 and scores.argmin() == 2


def test_an_explanation_adds_up_to_the_rankers_score(pipeline: Pipeline) -> None:
    ranker = pipeline.searcher.models.ranker
    assert isinstance(ranker, LearnedRanker)
    ranking = pipeline.searcher.rank(pipeline.analyzer.analyze("发明专利权的期限是多少年？"), 3, explain=True)
    for hit in ranking.hits:
        assert hit.explanation is not None and set(hit.explanation.values) == set(FEATURE_NAMES)
        raw = hit.explanation.base + sum(hit.explanation.contributions.values())
        assert ranker.calibration.probability(np.array([raw]))[0] == pytest.approx(hit.score, abs=1e-3)
    assert ranking.hits[0].chunk.label == "第四十二条"


def test_an_answer_carries_its_ranking_trace(pipeline: Pipeline) -> None:
    trace = pipeline.answer("发明专利权的期限是多少年？").trace
    assert trace is not None and trace["ranker"] == "learned"
    top = trace["candidates"][0]
    assert top["section"].endswith("第四十二条")
    assert set(top["features"]) == set(top["contributions"]) == set(FEATURE_NAMES)
    json.dumps(trace)  # stored with the turn as JSON


def test_the_trace_says_which_answer_step_decided(pipeline: Pipeline) -> None:
    fee = pipeline.answer("商标注册需要多少钱？")  # the documents state no fee
    assert fee.status == "no_answer" and fee.trace["steps"][-1] == {"step": "unstated_figure", "kind": "money"}
    other_city = pipeline.answer("深圳市对专利申请有什么资助？")  # decided before retrieval
    assert other_city.trace["steps"] == [{"step": "guard", "status": "no_answer", "reason": "other_place"}]
    support = pipeline.answer("规划支持专利质押融资吗？法律上怎么规定？").trace
    sources = next(step for step in support["steps"] if step["step"] == "sources")
    assert sources["reason"] == "support_plan" and len(sources["quoted"]) == 2
