"""Corrections become tests: a reviewed turn becomes a case of the regression set (``eval/datasets/regression.jsonl``
by default, ``POLICYBOT_STAFF__REGRESSION_DATASET``) in the format of ``eval/dataset.py``, which
``policybot eval --dataset …`` runs and ``tests/eval/test_regression_set.py`` checks.

Evidence is what the reviewer confirms: exact substrings of chunks of the current index (checked here, as
``tests/eval/test_datasets.py`` checks every set). Key points are clauses of the corrected answer (of the answer
itself when it was judged correct) that are substrings of an evidence chunk, so a key point never asks for words
the documents do not hold.
"""

from __future__ import annotations

import fcntl
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.staff.curated import index_facts
from index.build import LoadedIndex
from index.schema import Chunk

_CLAUSE = re.compile(r"[^，。；：、！？\n“”（）()《》]+")
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_LABEL = re.compile(r"第[一二三四五六七八九十百零〇]+[条章节款项]")
MIN_KEY_POINT_CHARS = 4
MAX_KEY_POINTS = 5


class EvidenceError(ValueError):
    """Confirmed evidence that is not an exact substring of the chunk it names (or names no chunk)."""

    def __init__(self, text: str, chunk: Chunk | None) -> None:
        super().__init__(text)
        self.text = text
        self.chunk = chunk


class CaseExists(ValueError):
    """The regression set already has a case from this turn."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A confirmed passage: the chunk and the exact substring of its text that answers the question."""

    chunk_id: str
    text: str


def case_id(answer_id: str) -> str:
    """The id of the case made from a turn."""
    return f"review-{answer_id[:12]}"


def default_evidence(
    citations: Sequence[Mapping[str, Any]], answer: str, verdict: str | None, index: LoadedIndex
) -> list[Evidence]:
    """What one click confirms: for an answer judged correct, its first cited chunk; otherwise the cited chunks
    that hold a clause of the corrected answer (none: the reviewer must choose)."""
    chunks = [chunk for c in citations if (chunk := _chunk(index, c.get("chunk_id")))]
    if verdict == "correct":
        chunks = chunks[:1]
    evidence = []
    for chunk in chunks:
        points = key_points(answer, [chunk])
        if verdict == "correct" or points:
            # The chunk's sentences that hold a key point, else the whole chunk (each an exact substring of it).
            sentences = [s for s in _SENTENCE.findall(chunk.text) if any(p in s for p in points)]
            evidence += [Evidence(chunk.chunk_id, s.strip()) for s in sentences[:3]] or [
                Evidence(chunk.chunk_id, chunk.text)
            ]
    return evidence


def key_points(answer: str, chunks: Sequence[Chunk]) -> list[str]:
    """Clauses of ``answer`` (at least ``MIN_KEY_POINT_CHARS`` characters) that are substrings of one of ``chunks``."""
    found = [
        clause.strip()
        for clause in _CLAUSE.findall(answer)
        if len(clause.strip()) >= MIN_KEY_POINT_CHARS and not _LABEL.fullmatch(clause.strip())
    ]
    return list(dict.fromkeys(c for c in found if any(c in chunk.text for chunk in chunks)))[:MAX_KEY_POINTS]


def build_case(
    *, turn: Mapping[str, Any], answer: str, status: str, evidence: Sequence[Evidence], index: LoadedIndex
) -> dict[str, Any]:
    """The regression case of a reviewed turn.

    Args:
        turn: the stored turn.
        answer: the corrected answer (or the answer itself when it was judged correct), for key points.
        status: the status a correct answer has (answered, no_answer or refused).
        evidence: the passages the reviewer confirmed (none for no_answer and refused).
        index: the index the evidence is checked against.

    Raises:
        EvidenceError: a confirmed text is not a substring of its chunk, or names no chunk.
    """
    chunks, texts = [], []
    for item in evidence:
        chunk = _chunk(index, item.chunk_id)
        text = item.text.strip()
        if chunk is not None and chunk.head.strip() and text.startswith(chunk.head.strip()):
            text = text[len(chunk.head.strip()) :].strip()  # the repeated head of a split article is not its text
        if chunk is None or not text or text not in chunk.text:
            raise EvidenceError(item.text, chunk)
        chunks.append(chunk)
        texts.append(text)
    answerable = status == "answered"
    docs = list(dict.fromkeys(chunk.doc_id for chunk in chunks)) if answerable else []
    day = (turn.get("memory") or {}).get("query", {}).get("day")
    case: dict[str, Any] = {
        "id": case_id(turn["answer_id"]),
        "question": turn["question"],
        "answerable": answerable,
        "evidence": texts if answerable else [],
        "key_points": key_points(answer, chunks) if answerable else [],
        "doc": (docs[0] if len(docs) == 1 else docs) or None,
        "type": "regression",
        "status": status,
        "answer_id": turn["answer_id"],
    }
    if day:
        case["today"] = day  # the day it was asked: which version of a law applies is part of the case
    return case


def append_case(path: Path, case: Mapping[str, Any]) -> None:
    """Append a case to a JSONL set (created when missing), under an exclusive lock on the file.

    Raises:
        CaseExists: a case with the same id is already there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # two reviewers clicking at once must not interleave lines
        file.seek(0)
        existing = file.read()
        if any(json.loads(line).get("id") == case["id"] for line in existing.splitlines() if line.strip()):
            raise CaseExists(case["id"])
        if existing and not existing.endswith("\n"):
            file.write("\n")
        file.write(json.dumps(case, ensure_ascii=False) + "\n")


def _chunk(index: LoadedIndex, chunk_id: object) -> Chunk | None:
    return index_facts(index).by_id.get(str(chunk_id)) if chunk_id else None
