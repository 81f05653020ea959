"""Run a dataset through the pipeline (and optionally the baseline) and report the metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from bot.pipeline import Pipeline
from eval.dataset import Case
from eval.metrics import CaseResult, summarize, summarize_by_type


def run_case(pipeline: Pipeline, case: Case, day: date | None = None) -> CaseResult:
    """Ask a case's earlier turns in a fresh session, then its question; measure the last turn only.

    The questions are asked on the case's own day when it has one, else on ``day`` (default: the pipeline's).
    """
    asked_on = date.fromisoformat(case.today) if case.today else day
    session_id = None
    for earlier in case.history:
        session_id = pipeline.answer(earlier, session_id, day=asked_on).session_id
    answer = pipeline.answer(case.question, session_id, day=asked_on)
    return CaseResult(
        case=case,
        status=answer.status,
        answer=answer.text,
        citation_texts=[c.text for c in answer.citations],
        citation_titles=[c.title for c in answer.citations],
        citation_versions=[c.version for c in answer.citations],
        latency_ms=answer.latency_ms,
        case_titles={pipeline.index.docs[doc].title for doc in case.doc_ids if doc in pipeline.index.docs},
    )


def run_cases(run: Callable[[Case], CaseResult], cases: Iterable[Case]) -> list[CaseResult]:
    return [run(case) for case in cases]


def report(results: list[CaseResult], *, with_cases: bool = False) -> dict[str, Any]:
    """Overall and per-type metrics; with ``with_cases``, each case's outcome too."""
    data: dict[str, Any] = {"overall": summarize(results), "by_type": summarize_by_type(results)}
    if with_cases:
        data["cases"] = [
            {
                "id": r.case.id,
                "type": r.case.type,
                "question": r.case.question,
                "expected_status": r.case.status,
                "status": r.status,
                "evidence_rank": r.evidence_rank,
                "key_point_recall": r.key_point_recall,
                "evidence_quoted": r.evidence_quoted,
                "version_correct": r.version_correct,
                "grounded": r.grounded,
                "answer": r.answer,
                "latency_ms": r.latency_ms,
            }
            for r in results
        ]
    return data
