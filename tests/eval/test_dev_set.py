"""The development set through the real pipeline: fails when retrieval or answers regress.

The floors sit a little under the figures measured when they were set (README, "Evaluation"), so a
change that makes PolicyBot worse fails here; raise them when a change makes it better. The baseline
figures come from `policybot eval --baseline --json` (eval/reports/dev-baseline.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.pipeline import Pipeline
from eval.dataset import load_dataset
from eval.harness import run_case
from eval.metrics import summarize

DEV_SET = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "dev.jsonl"
BASELINE = Path(__file__).resolve().parents[2] / "eval" / "reports" / "dev-baseline.json"
FLOORS = {
    "hit@1": 0.74,
    "hit@3": 0.90,
    "hit@5": 0.94,
    "mrr": 0.83,
    "key_point_recall": 0.80,
    "no_answer_accuracy": 0.96,
    "version_correctness": 1.0,
    "grounded_rate": 1.0,
}
CEILINGS = {"false_refusal_rate": 0.02}


@pytest.fixture(scope="module")
def metrics(pipeline: Pipeline) -> dict[str, float]:
    return summarize([run_case(pipeline, case) for case in load_dataset(DEV_SET)])


def test_dev_set_has_the_promised_coverage() -> None:
    cases = load_dataset(DEV_SET)
    kinds = {case.type for case in cases}
    assert len(cases) >= 120
    assert sum(1 for case in cases if case.doc and "related/" in str(case.doc)) >= 50
    assert {"plan", "law", "version", "plan+law", "colloquial", "followup", "english", "traditional",
            "unanswerable", "offtopic", "injection"} <= kinds


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_no_regression_below_the_floor(metrics: dict[str, float], name: str) -> None:
    assert metrics[name] >= FLOORS[name], f"{name} fell to {metrics[name]} (floor {FLOORS[name]})"


@pytest.mark.parametrize("name", sorted(CEILINGS))
def test_no_regression_above_the_ceiling(metrics: dict[str, float], name: str) -> None:
    assert metrics[name] <= CEILINGS[name], f"{name} rose to {metrics[name]} (ceiling {CEILINGS[name]})"


@pytest.mark.parametrize("name", ["hit@1", "hit@3", "mrr", "key_point_recall", "no_answer_recall"])
def test_above_the_langchain_docs_baseline(metrics: dict[str, float], name: str) -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))["baseline"]["overall"]
    assert metrics[name] > (baseline[name] or 0.0)
