"""Evaluation cases: questions with their expected status, exact evidence substrings and key points."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Case:
    """One evaluation question.

    Attributes:
        id: unique case id.
        question: the question asked.
        answerable: whether the documents answer it.
        evidence: exact substrings of the cleaned documents that answer it.
        key_points: short strings a correct answer contains verbatim.
        doc: the doc id(s) holding the evidence.
        type: question type (plan, law, version, followup, english, unanswerable ...).
        status: the expected status.
        history: earlier questions of the same session, asked first.
        version: the version label a law answer must cite.
        today: the ISO date the question is asked on, when the answer depends on it (which version is in force).
        split: for a set split once into parts (``tune`` to learn from, ``test`` reported in aggregate only).
    """

    id: str
    question: str
    answerable: bool
    evidence: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    doc: str | list[str] | None = None
    type: str = "other"
    status: str = "answered"
    history: list[str] = field(default_factory=list)
    version: str | None = None
    today: str | None = None
    split: str | None = None

    @property
    def doc_ids(self) -> list[str]:
        """The doc ids holding the evidence, as a list."""
        return [self.doc] if isinstance(self.doc, str) else list(self.doc or [])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def load_dataset(path: Path, split: str | None = None) -> list[Case]:
    """Read a JSONL dataset (only the cases of ``split`` when given); a malformed line raises ``ValueError`` naming
    the line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(Case.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError, KeyError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return [case for case in cases if split is None or case.split == split]
