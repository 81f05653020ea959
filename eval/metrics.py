"""Metrics over evaluated cases: evidence ranks in citations, key-point recall, abstention, versions, latency."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eval.dataset import Case
from eval.grounding import ungrounded

ABSTAINED = {"no_answer", "refused"}
_SPACE = re.compile(r"\s+")
_ANSWER_CLAUSE = re.compile(r"[^，。；：、！？\n“”（）()]+")
MIN_QUOTED_CHARS = 8
"""A clause of the answer this long found in an evidence article means the answer quotes that article."""


@dataclass(slots=True)
class CaseResult:
    """What the system did on one case."""

    case: Case
    status: str
    answer: str
    citation_texts: list[str]
    citation_titles: list[str] = field(default_factory=list)
    citation_versions: list[str | None] = field(default_factory=list)
    latency_ms: float = 0.0
    case_titles: set[str] = field(default_factory=set)

    @property
    def evidence_rank(self) -> int | None:
        """1-based rank of the first citation holding any evidence string; None when none does."""
        for rank, text in enumerate(self.citation_texts, 1):
            if any(evidence in text for evidence in self.case.evidence):
                return rank
        return None

    @property
    def key_point_recall(self) -> float:
        answer = _SPACE.sub("", self.answer)
        points = self.case.key_points
        return sum(_SPACE.sub("", p) in answer for p in points) / len(points) if points else 1.0

    @property
    def evidence_quoted(self) -> bool:
        """The answer text itself quotes an article holding the evidence (not only its citations list): one of its
        clauses of ``MIN_QUOTED_CHARS`` or more is in a cited text that holds an evidence string."""
        if self.abstained:
            return False
        holding = [text for text in self.citation_texts if any(evidence in text for evidence in self.case.evidence)]
        clauses = [c for c in _ANSWER_CLAUSE.findall(self.answer) if len(c.strip()) >= MIN_QUOTED_CHARS]
        return any(clause.strip() in text for text in holding for clause in clauses)

    @property
    def grounded(self) -> bool:
        """Every clause and number of the answer is in a cited text (abstentions are not checked)."""
        return self.abstained or not ungrounded(self.answer, self.citation_texts)

    @property
    def abstained(self) -> bool:
        return self.status in ABSTAINED

    @property
    def version_correct(self) -> bool | None:
        """For cases that name a version and whose evidence is cited: the best-ranked citation holding evidence has
        that version. None otherwise (a missed evidence counts against hit@k, not here).

        With ``case_titles`` (the titles of the case's documents), only citations of those documents count:
        another law that happens to repeat the evidence's wording is not a version of this one. Later citations
        may hold other versions: a note about a revision not yet in force quotes it.
        """
        if not self.case.version:
            return None
        versions = [
            version
            for version, text, title in zip(
                self.citation_versions, self.citation_texts, self.citation_titles, strict=True
            )
            if version is not None
            and any(e in text for e in self.case.evidence)
            and (not self.case_titles or title in self.case_titles)
        ]
        return versions[0] == self.case.version if versions else None


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    """Aggregate metrics of a set of case results.

    hit@k and MRR count answerable cases (a missing evidence scores 0); key-point recall is averaged
    over answerable cases that have key points; ``evidence_quoted`` is the share of answerable cases whose answer
    text quotes an article holding the evidence; version correctness counts cases that name a version and cite
    their evidence; no-answer precision/recall treat abstaining (no_answer or refused) as the positive class;
    no-answer accuracy is the share of unanswerable cases that abstained with the expected status; the
    false-refusal rate is the share of answerable cases that abstained; the grounded rate is the share of
    answers whose every clause and number is in a cited text.
    """
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    ranks = [r.evidence_rank for r in answerable]
    abstained = [r for r in results if r.abstained]
    answered = [r for r in results if not r.abstained]
    versioned = [r.version_correct for r in results if r.version_correct is not None]
    with_points = [r for r in answerable if r.case.key_points]
    latencies = np.array([r.latency_ms for r in results]) if results else np.zeros(1)
    return {
        "cases": len(results),
        "answerable": len(answerable),
        "hit@1": _ratio(sum(1 for k in ranks if k and k <= 1), len(ranks)),
        "hit@3": _ratio(sum(1 for k in ranks if k and k <= 3), len(ranks)),
        "hit@5": _ratio(sum(1 for k in ranks if k and k <= 5), len(ranks)),
        "mrr": _ratio(sum(1 / k for k in ranks if k), len(ranks)),
        "key_point_recall": _ratio(sum(r.key_point_recall for r in with_points), len(with_points)),
        "evidence_quoted": _ratio(sum(r.evidence_quoted for r in answerable), len(answerable)),
        "no_answer_precision": _ratio(sum(1 for r in abstained if not r.case.answerable), len(abstained)),
        "no_answer_recall": _ratio(sum(1 for r in unanswerable if r.abstained), len(unanswerable)),
        "no_answer_accuracy": _ratio(sum(1 for r in unanswerable if r.status == r.case.status), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(1 for r in answerable if r.abstained), len(answerable)),
        "version_correctness": _ratio(sum(versioned), len(versioned)),
        "grounded_rate": _ratio(sum(r.grounded for r in answered), len(answered)),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 2),
    }


def summarize_by_type(results: list[CaseResult]) -> dict[str, dict[str, Any]]:
    """``summarize`` for each question type."""
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[result.case.type].append(result)
    return {kind: summarize(group) for kind, group in sorted(groups.items())}
