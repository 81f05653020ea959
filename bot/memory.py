"""The question memory: labelled questions (``policybot train``'s questions over the corpus) with the passages that
answer them. A new question close in meaning to a remembered one proposes that question's passages, and the
ranker weighs how close (the ``memory`` feature): what was learned about one wording carries to its paraphrases."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

VECTORS_FILE = "memory.npy"
ANSWERS_FILE = "memory.json"
RECALLED = 20
"""How many of the closest remembered questions propose their passages."""


@dataclass(frozen=True, slots=True)
class QuestionMemory:
    """Remembered questions: their unit vectors (main embedding model) and the chunk ids that answer each."""

    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    answers: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.answers)

    def recall(self, vector: np.ndarray, positions: dict[str, int], size: int) -> np.ndarray:
        """Per passage of an index of ``size`` passages: the cosine of the closest remembered question it answers
        (0 for passages no close remembered question is answered by). ``positions`` maps chunk ids to positions."""
        scores = np.zeros(size, dtype=np.float32)
        if not len(self):
            return scores
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32)
        for question in np.argsort(-cosines)[:RECALLED]:
            for chunk_id in self.answers[question]:
                if (position := positions.get(chunk_id)) is not None:
                    scores[position] = max(scores[position], float(cosines[question]))
        return scores

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, self.vectors)
        (folder / ANSWERS_FILE).write_text(json.dumps(self.answers, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> QuestionMemory:
        answers = json.loads((folder / ANSWERS_FILE).read_text(encoding="utf-8"))
        vectors = np.load(folder / VECTORS_FILE)
        if len(vectors) != len(answers):
            raise ValueError("the question memory's vectors and answers disagree")
        return cls(vectors.astype(np.float32), answers)
