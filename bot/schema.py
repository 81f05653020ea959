"""What the bot returns: answers with their citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.schema import Chunk, SourceDoc
from index.versions import VersionStatus

Status = Literal["answered", "no_answer", "refused"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a passage ranked where it did: each named feature's value and its contribution to the ranker's raw
    score (which adds up with ``base``)."""

    values: dict[str, float]
    contributions: dict[str, float]
    base: float


@dataclass(slots=True)
class Hit:
    """A retrieved chunk with its ranking score (a calibrated probability once the ranker is trained) and, when
    retrieval was asked to explain itself, why."""

    chunk: Chunk
    doc: SourceDoc
    score: float
    explanation: Explanation | None = None


@dataclass(slots=True)
class Citation:
    """A cited chunk: where it comes from, its version's status on the day of asking, and its exact text."""

    doc_id: str
    title: str
    section: str
    version: str | None
    status: str
    in_force: bool
    text: str
    score: float

    @classmethod
    def from_hit(cls, hit: Hit, status: VersionStatus) -> Citation:
        return cls(
            doc_id=hit.doc.doc_id,
            title=hit.doc.title,
            section=hit.chunk.section,
            version=hit.doc.version,
            status=status.value,
            in_force=status is VersionStatus.IN_FORCE,
            text=hit.chunk.head + hit.chunk.text,
            score=round(float(hit.score), 4),
        )


@dataclass(slots=True)
class Answer:
    """One turn's answer.

    Attributes:
        answer_id: identifies the turn, for feedback and review.
        text: the answer shown to the user.
        status: answered, no_answer or refused.
        citations: cited chunks, best first.
        session_id: the conversation the turn belongs to.
        mode: how the answer was produced (``extractive``).
        latency_ms: time spent answering.
        rewritten_query: the query as retrieval saw it (after normalisation and follow-up merging).
        items: the items of a list answer, for follow-ups such as "第三项是什么".
        trace: how the answer was ranked (the pipeline's explain output, JSON-able), when it explains itself.
    """

    answer_id: str
    text: str
    status: Status
    citations: list[Citation]
    session_id: str
    mode: str
    latency_ms: float
    rewritten_query: str = ""
    items: list[str] = field(default_factory=list)
    trace: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
