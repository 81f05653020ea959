"""The learned layperson → statute vocabulary: for a word of a question, the words of the law that answer such
questions (``辞退`` → ``解除``, ``劳动合同``), learned from real question/article pairs by ``policybot train``
(``bot/learning/vocabulary.py``) and stored as a TSV table next to the index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HEADER = "question_word\tstatute_word\tnpmi\tpairs"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Question word → statute words with their association strength (normalised PMI, -1…1)."""

    associations: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(words) for words in self.associations.values())

    def expand(self, tokens: Iterable[str], limit: int) -> list[str]:
        """The statute words most strongly associated with any of ``tokens`` (the tokens themselves excluded)."""
        own = set(tokens)
        best: dict[str, float] = {}
        for token in own:
            for word, strength in self.associations.get(token, ()):
                if word not in own and strength > best.get(word, -1.0):
                    best[word] = strength
        return sorted(best, key=lambda w: (-best[w], w))[:limit]

    def save(self, path: Path, pairs: dict[tuple[str, str], int]) -> None:
        """Write the table (``pairs``: how many question/article pairs each association was seen in)."""
        rows = [
            f"{q}\t{w}\t{s:.4f}\t{pairs.get((q, w), 0)}"
            for q, words in sorted(self.associations.items())
            for w, s in words
        ]
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        associations: dict[str, list[tuple[str, float]]] = {}
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            question_word, statute_word, strength, _ = line.split("\t")
            associations.setdefault(question_word, []).append((statute_word, float(strength)))
        return cls(associations)
