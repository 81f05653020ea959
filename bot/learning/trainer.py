"""Train the ranker and the vocabulary: features of every training question's candidates, LambdaMART with
monotone constraints (LightGBM), probabilities by Platt scaling (scikit-learn), all with a fixed seed.

Every figure the report gives is out of fold: questions are split into folds by a hash of their id; the
vocabulary that feeds a question's features and the model that scores it were learned without its fold.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import lightgbm
import numpy as np
from sklearn.linear_model import LogisticRegression

from bot.features import FEATURE_NAMES, FEATURES
from bot.learning.examples import TrainingQuestion, words_of
from bot.learning.vocabulary import learn_vocabulary
from bot.memory import QuestionMemory
from bot.models import LearnedModels
from bot.query import QueryAnalyzer
from bot.ranker import Calibration, FusionRanker, LearnedRanker
from bot.retrieval import HybridSearcher
from bot.settings import TrainingSettings
from bot.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class Corpus:
    """An index to train on, with what analyses questions for it (its documents' titles)."""

    searcher: HybridSearcher
    analyzer: QueryAnalyzer


@dataclass(slots=True)
class Group:
    """One question's candidates: their features and labels (1 = answers the question)."""

    question: TrainingQuestion
    fold: int
    features: np.ndarray
    labels: np.ndarray
    missed: bool = False  # no answering passage among the candidates


@dataclass(slots=True)
class Trained:
    """What training produced: the models and the report saved beside them."""

    models: LearnedModels
    pair_counts: dict[tuple[str, str], int]
    report: dict[str, Any] = field(default_factory=dict)


def _pairs(
    questions: Sequence[TrainingQuestion], corpora: dict[str, Corpus], tokens: Callable[[str], list[str]]
) -> dict[str, tuple[set[str], set[str]]]:
    """Per question id: its words and the words of the passages that answer it."""
    pairs = {}
    for question in questions:
        index = corpora[question.source].searcher.index
        texts = [c.head + c.text for c in index.chunks if question.answers(c, index.docs[c.doc_id])]
        if texts:
            pairs[question.id] = (words_of(question.question, tokens), words_of(" ".join(texts), tokens))
    return pairs


@dataclass(slots=True)
class Remembered:
    """The training questions over one corpus as the question memory holds them, with their folds."""

    vectors: list[np.ndarray] = field(default_factory=list)
    answers: list[list[str]] = field(default_factory=list)
    folds: list[int] = field(default_factory=list)

    def memory(self, excluded: int | None = None) -> QuestionMemory:
        """The memory of every question but those of fold ``excluded``."""
        keep = [i for i, fold in enumerate(self.folds) if fold != excluded]
        if not keep:
            return QuestionMemory()
        return QuestionMemory(np.vstack([self.vectors[i] for i in keep]), [self.answers[i] for i in keep])


def _remember(
    questions: Sequence[TrainingQuestion], corpora: dict[str, Corpus], folds: int, day: date
) -> dict[int, Remembered]:
    """Per corpus (by ``id``): its questions' vectors and answering chunk ids."""
    remembered: dict[int, Remembered] = {}
    for question in questions:
        corpus = corpora[question.source]
        index = corpus.searcher.index
        answers = [c.chunk_id for c in index.chunks if question.answers(c, index.docs[c.doc_id])]
        if not answers:
            continue
        query = corpus.analyzer.analyze(question.question, day=question.day or day)
        entry = remembered.setdefault(id(corpus), Remembered())
        entry.vectors.append(corpus.searcher.question_vector(query))
        entry.answers.append(answers)
        entry.folds.append(question.fold(folds))
    return remembered


def _groups(
    questions: Sequence[TrainingQuestion],
    corpora: dict[str, Corpus],
    vocabularies: list[Vocabulary],
    remembered: dict[int, Remembered],
    settings: TrainingSettings,
    day: date,
) -> list[Group]:
    groups = []
    memories: dict[tuple[int, int], QuestionMemory] = {}
    for question in questions:
        corpus = corpora[question.source]
        fold = question.fold(settings.folds)
        key = (id(corpus), fold)
        if key not in memories:
            memories[key] = remembered[id(corpus)].memory(fold) if id(corpus) in remembered else QuestionMemory()
        searcher = copy.copy(corpus.searcher)
        searcher.models = LearnedModels(vocabulary=vocabularies[fold], memory=memories[key])
        query = corpus.analyzer.analyze(question.question, day=question.day or day)
        found = searcher.candidates(query)
        index = searcher.index
        labels = np.array(
            [question.answers(index.chunks[i], searcher.facts.docs[i]) for i in found.positions], dtype=np.float32
        )
        groups.append(Group(question, fold, found.features, labels, missed=not labels.any()))
    return groups


def _params(settings: TrainingSettings) -> dict[str, Any]:
    return {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [3],
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "feature_fraction": 0.9,
        "monotone_constraints": [0 if f.rising is None else (1 if f.rising else -1) for f in FEATURES],
        "monotone_constraints_method": "advanced",
        "seed": settings.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 2,
        "verbose": -1,
    }


def _dataset(groups: Sequence[Group]) -> lightgbm.Dataset:
    return lightgbm.Dataset(
        np.vstack([g.features for g in groups]),
        np.concatenate([g.labels for g in groups]),
        group=[len(g.labels) for g in groups],
        feature_name=list(FEATURE_NAMES),
        free_raw_data=False,
    )


def _hits(groups: Sequence[Group], scores: Sequence[np.ndarray]) -> dict[str, float]:
    """hit@1 / hit@3 of per-group scores (a group whose answer is not among its candidates is a miss)."""
    ranks = []
    for group, score in zip(groups, scores, strict=True):
        order = np.argsort(-score, kind="stable")
        found = np.flatnonzero(group.labels[order])
        ranks.append(int(found[0]) + 1 if len(found) else None)
    count = len(ranks) or 1
    return {
        "questions": len(ranks),
        "hit@1": round(sum(r == 1 for r in ranks if r) / count, 3),
        "hit@3": round(sum(r <= 3 for r in ranks if r) / count, 3),
        "candidate_recall": round(sum(r is not None for r in ranks) / count, 3),
    }


def train(
    questions: Sequence[TrainingQuestion],
    corpora: dict[str, Corpus],
    tokens: Callable[[str], list[str]],
    settings: TrainingSettings,
    *,
    served: Corpus,
    day: date,
    progress: Callable[[str], None] = lambda message: None,
) -> Trained:
    """Learn the vocabulary and the ranker from ``questions`` (each answered from ``corpora[question.source]``).

    Args:
        questions: the training questions.
        corpora: per source, the index its questions are answered from.
        served: the corpus answers are served from (its questions become the question memory).
        tokens: the segmenter's tokeniser (the vocabulary's words are its tokens).
        settings: seed, folds, vocabulary and model sizes.
        day: the day questions without their own are asked on (versions in force).
        progress: told what is happening.
    """
    started = time.perf_counter()
    folds = settings.folds
    pairs = _pairs([q for q in questions if q.source in settings.vocabulary_sources], corpora, tokens)
    fold_of = {q.id: q.fold(folds) for q in questions}

    def vocabulary(excluded: int | None) -> tuple[Vocabulary, dict[tuple[str, str], int]]:
        chosen = [pair for qid, pair in pairs.items() if fold_of[qid] != excluded]
        return learn_vocabulary(
            chosen,
            min_pairs=settings.vocabulary_min_pairs,
            min_npmi=settings.vocabulary_min_npmi,
            per_word=settings.vocabulary_per_word,
        )

    progress(f"词表：{len(pairs)} 组问答（按 {folds} 折交叉学习）")
    out_of_fold = [vocabulary(fold)[0] for fold in range(folds)]
    progress(f"特征：{len(questions)} 个问题")
    remembered = _remember(questions, corpora, folds, day)
    groups = _groups(questions, corpora, out_of_fold, remembered, settings, day)
    usable = [g for g in groups if not g.missed and len(g.labels) > 1]

    params = _params(settings)
    oof: dict[int, np.ndarray] = {}
    rounds = []
    for fold in range(folds):
        train_groups = [g for g in usable if g.fold != fold]
        valid_groups = [g for g in usable if g.fold == fold]
        booster = lightgbm.train(
            params,
            _dataset(train_groups),
            num_boost_round=settings.max_rounds,
            valid_sets=[_dataset(valid_groups)],
            callbacks=[lightgbm.early_stopping(settings.early_stopping_rounds, first_metric_only=True, verbose=False)],
        )
        rounds.append(booster.best_iteration or settings.max_rounds)
        for group in (g for g in groups if g.fold == fold):
            oof[id(group)] = np.asarray(booster.predict(group.features, num_iteration=booster.best_iteration))
        progress(f"第 {fold + 1}/{folds} 折：{rounds[-1]} 轮")
    final_rounds = int(np.median(rounds))
    booster = lightgbm.train(params, _dataset(usable), num_boost_round=final_rounds)

    raw = np.concatenate([oof[id(g)] for g in usable]).reshape(-1, 1)
    labels = np.concatenate([g.labels for g in usable])
    platt = LogisticRegression(C=1e6).fit(raw, labels)
    calibration = Calibration(float(platt.coef_[0][0]), float(platt.intercept_[0]))
    full_vocabulary, counts = vocabulary(None)

    fusion = FusionRanker()
    by_source: dict[str, dict[str, Any]] = {}
    for source in sorted({g.question.source for g in groups}):
        chosen = [g for g in groups if g.question.source == source]
        by_source[source] = {
            "learned": _hits(chosen, [oof[id(g)] for g in chosen]),
            "rank_fusion": _hits(chosen, [fusion.score(g.features) for g in chosen]),
        }
    importance = booster.feature_importance(importance_type="gain")
    report = {
        "seed": settings.seed,
        "features": list(FEATURE_NAMES),
        "folds": folds,
        "rounds": final_rounds,
        "fold_rounds": rounds,
        "questions": {s: sum(g.question.source == s for g in groups) for s in by_source},
        "usable_questions": len(usable),
        "calibration": {"slope": calibration.slope, "intercept": calibration.intercept},
        "out_of_fold": by_source,
        "vocabulary": {
            "pairs": len(pairs),
            "question_words": len(full_vocabulary.associations),
            "associations": len(full_vocabulary),
        },
        "feature_gain": {
            name: round(float(gain), 1)
            for name, gain in sorted(zip(FEATURE_NAMES, importance, strict=True), key=lambda item: -item[1])
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    memory = remembered[id(served)].memory() if id(served) in remembered else QuestionMemory()
    report["memory"] = {"questions": len(memory)}
    models = LearnedModels(LearnedRanker(booster, calibration), full_vocabulary, memory, report)
    return Trained(models, counts, report)
