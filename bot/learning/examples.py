"""Training questions: real questions with the passages that answer them.

- ``transfer``: STARD questions answered by laws outside the corpus (``eval/training/stard-transfer.jsonl``); their
  labelled articles are written out as a small corpus of their own (``write_transfer_corpus``), indexed like the
  real one, so the ranker sees the same features on passages it must tell apart.
- ``stard-tune``: the tune split of ``eval/datasets/stard-civil.jsonl`` (real questions over the corpus).
- ``dev``: the team's own development set (plan questions, enterprise wording), when training includes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from eval.dataset import Case, load_dataset
from index.cleaning import NUMERALS
from index.schema import Chunk, SourceDoc

TRANSFER = "transfer"
_NUMBER = re.compile(rf"第?[{NUMERALS}\d.]+[条款项章节编]?")


@dataclass(frozen=True, slots=True)
class TrainingQuestion:
    """A question and how to recognise the passages that answer it.

    Attributes:
        id: the question's id (its fold is fixed by a hash of it).
        question: the question as asked.
        source: ``transfer``, ``stard-tune`` or ``dev``.
        articles: (document title, article label) pairs that answer it (transfer questions).
        evidence: substrings of the answering passages (questions over the corpus).
        day: the day it is asked on, when that matters (versions).
    """

    id: str
    question: str
    source: str
    articles: frozenset[tuple[str, str]] = frozenset()
    evidence: tuple[str, ...] = ()
    day: date | None = None

    def answers(self, chunk: Chunk, doc: SourceDoc) -> bool:
        """Whether the passage is one that answers the question."""
        if (doc.title, chunk.label) in self.articles:
            return True
        text = chunk.head + chunk.text
        return any(evidence in text for evidence in self.evidence)

    def fold(self, folds: int) -> int:
        return int(hashlib.sha256(self.id.encode("utf-8")).hexdigest(), 16) % folds


def transfer_questions(path: Path) -> list[TrainingQuestion]:
    """The transfer questions of a STARD file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        TrainingQuestion(
            row["id"], row["question"], TRANSFER, articles=frozenset((a["law"], a["article"]) for a in row["articles"])
        )
        for row in rows
    ]


def transfer_articles(path: Path) -> dict[str, dict[str, str]]:
    """Law title → article label → text, for every article the transfer questions are labelled with."""
    laws: dict[str, dict[str, str]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            for article in json.loads(line)["articles"]:
                laws[article["law"]][article["article"]] = article["text"]
    return laws


def write_transfer_corpus(path: Path, folder: Path) -> list[Path]:
    """Write the transfer questions' articles as one Markdown file per law (``# 标题`` then ``第X条 …``), the way
    the corpus writes its laws, and return the files (stale files of earlier runs are removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for law, articles in sorted(transfer_articles(path).items()):
        file = folder / f"{hashlib.sha256(law.encode('utf-8')).hexdigest()[:12]}.md"
        body = "\n\n".join(f"{label} {text.strip()}" for label, text in articles.items())
        text = f"# {law}\n\n{body}\n"
        if not file.exists() or file.read_text(encoding="utf-8") != text:
            file.write_text(text, encoding="utf-8")
        written.append(file)
    for stale in set(folder.glob("*.md")) - set(written):
        stale.unlink()
    return written


def case_questions(path: Path, source: str, split: str | None = None) -> list[TrainingQuestion]:
    """The answerable, single-turn cases of an evaluation set that name their evidence."""
    return [
        _from_case(case, source)
        for case in load_dataset(path, split)
        if case.answerable and case.evidence and not case.history
    ]


def _from_case(case: Case, source: str) -> TrainingQuestion:
    return TrainingQuestion(
        case.id,
        case.question,
        source,
        evidence=tuple(case.evidence),
        day=date.fromisoformat(case.today) if case.today else None,
    )


def words_of(text: str, tokens: Callable[[str], list[str]]) -> set[str]:
    """The multi-character words of a text, without numbers (an article's number says nothing of its subject)."""
    return {t for t in tokens(text) if len(t) > 1 and not _NUMBER.fullmatch(t)}
