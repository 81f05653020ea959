"""The regression set (``eval/datasets/regression.jsonl``, or ``POLICYBOT_STAFF__REGRESSION_DATASET``): cases that
reviewers made from real turns in the staff console ("转为测试用例"). Each must keep its status and, when
answerable, cite its evidence within the first five citations; a case that does not has regressed."""

from __future__ import annotations

from datetime import date

import pytest

from bot.pipeline import Pipeline
from bot.settings import Settings
from eval.dataset import Case, load_dataset
from eval.harness import run_case

TOP_K = 5
CASES = load_dataset(Settings().staff.regression_dataset) if Settings().staff.regression_dataset.is_file() else []
ASKED_ON = date(2026, 12, 2)  # a case's own day (the day it was asked) wins


@pytest.mark.skipif(not CASES, reason="the regression set is empty")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_reviewed_case_has_not_regressed(pipeline: Pipeline, case: Case) -> None:
    result = run_case(pipeline, case, ASKED_ON)
    assert result.status == case.status, f"{case.id}: status {result.status}, reviewed as {case.status}"
    if case.answerable:
        assert result.evidence_rank is not None and result.evidence_rank <= TOP_K, (
            f"{case.id}: the evidence is not cited in the first {TOP_K} (rank {result.evidence_rank})"
        )
