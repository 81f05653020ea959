"""The evaluation sets hold what they claim: every evidence string is an exact substring of a chunk of a
document the case names, every key point is in such a chunk, every version label is the one the index gives a
named document, and a case's ``today`` is an ISO date, so a metric can only miss for the system's sake, never
for a typo in the data. Only the built index is read (no model, no answering pipeline)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from eval.dataset import load_dataset
from index.build import read_records

SETS = sorted((Path(__file__).resolve().parents[2] / "eval" / "datasets").glob("*.jsonl"))


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.stem)
def test_evidence_and_key_points_are_in_the_named_documents(built_index: Path, path: Path) -> None:
    docs, all_chunks = read_records(built_index)
    cases = load_dataset(path)
    assert len({case.id for case in cases}) == len(cases), "case ids are unique"
    problems = []
    for case in cases:
        if not case.answerable:
            if case.evidence or case.status == "answered":
                problems.append(f"{case.id}: an unanswerable case has evidence or status answered")
            continue
        chunks = [c.text for c in all_chunks if c.doc_id in case.doc_ids]
        holding = [text for text in chunks if any(evidence in text for evidence in case.evidence)]
        problems += [
            f"{case.id}: evidence not in its documents: {e}"
            for e in case.evidence
            if not any(e in text for text in chunks)
        ]
        problems += [
            f"{case.id}: key point not in an evidence chunk: {k}"
            for k in case.key_points
            if not any(k in text for text in holding)
        ]
        labels = {docs[doc].version for doc in case.doc_ids if doc in docs}
        if case.version and case.version not in labels:
            problems.append(f"{case.id}: version {case.version} is none of its documents' labels {labels}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.stem)
def test_the_day_of_asking_is_an_iso_date(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    bad = []
    for row in rows:
        if "today" in row:
            try:
                date.fromisoformat(row["today"])
            except (TypeError, ValueError):
                bad.append(row["id"])
    assert not bad, f"not an ISO date in 'today': {bad}"
