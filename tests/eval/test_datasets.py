"""The evaluation sets hold what they claim: every evidence string is an exact substring of a chunk of a
document the case names, and every key point is in such a chunk, so a metric can only miss for the system's
sake, never for a typo in the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.pipeline import Pipeline
from eval.dataset import load_dataset

SETS = sorted((Path(__file__).resolve().parents[2] / "eval" / "datasets").glob("*.jsonl"))


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.stem)
def test_evidence_and_key_points_are_in_the_named_documents(pipeline: Pipeline, path: Path) -> None:
    cases = load_dataset(path)
    assert len({case.id for case in cases}) == len(cases), "case ids are unique"
    problems = []
    for case in cases:
        if not case.answerable:
            if case.evidence or case.status == "answered":
                problems.append(f"{case.id}: an unanswerable case has evidence or status answered")
            continue
        chunks = [c.text for c in pipeline.index.chunks if c.doc_id in case.doc_ids]
        holding = [text for text in chunks if any(evidence in text for evidence in case.evidence)]
        problems += [f"{case.id}: evidence not in its documents: {e}" for e in case.evidence
                     if not any(e in text for text in chunks)]
        problems += [f"{case.id}: key point not in an evidence chunk: {k}" for k in case.key_points
                     if not any(k in text for text in holding)]
    assert not problems, "\n".join(problems)
