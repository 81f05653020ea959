"""Records that flow from the corpus into the index: source documents and their chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KIND_PLAN = "规划解读"
KIND_LAW = "法律"
KIND_REGULATION = "行政法规"
KIND_JUDICIAL = "司法解释"
KIND_OTHER = "其他"


@dataclass(slots=True)
class SourceDoc:
    """One corpus file after loading and cleaning, with metadata read from the document itself.

    Attributes:
        doc_id: stable id, the file's path inside the corpus without its suffix.
        path: the file's path inside the corpus.
        title: the document's own title (its `# ` line or its first line).
        kind: 规划解读 / 法律 / 行政法规 / 司法解释, from the title's form.
        text: the cleaned full text; chunk offsets point into it.
        sha256: hash of the file's bytes, to detect changes.
        version: a short version label shown in citations, e.g. ``2020年修正``.
        promulgated: ISO date this version was adopted or promulgated, when known.
        effective: ISO date this version takes effect, when stated (else it counts from ``promulgated``).
        history: promulgation and amendment lines as the document states them.
        extra: operator-supplied fields from the metadata sidecar (issuer, 文号, status...).
    """

    doc_id: str
    path: str
    title: str
    kind: str
    text: str
    sha256: str
    version: str | None = None
    promulgated: str | None = None
    effective: str | None = None
    history: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def starts(self) -> str | None:
        """ISO date from which this version applies: its effective date, else its promulgation date."""
        return self.effective or self.promulgated

    def to_dict(self, *, with_text: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data


@dataclass(slots=True)
class Chunk:
    """A retrievable unit: one law article (or part of it) or one passage of the plan.

    Attributes:
        chunk_id: ``{doc_id}#{ordinal}``.
        doc_id: the document it belongs to.
        ordinal: position within the document.
        text: the exact cleaned text, equal to ``doc.text[start:end]``.
        start, end: character offsets into the cleaned document text.
        section: the human-readable section path, e.g. ``第五章 专利权的期限、终止和无效 › 第四十二条``.
        heading: the heading path above the chunk, without the chunk's own label.
        label: the chunk's own label: an article number (``第四十二条``) or an item marker (``三是``).
        group: chunks sharing a group are the items of one enumeration, in ordinal order.
        head: text repeated before a split article's items, so each part reads whole.
        announces: the group of the items this passage announces (it ends with ``：``), if any.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str
    heading: list[str] = field(default_factory=list)
    label: str | None = None
    group: str | None = None
    head: str = ""
    announces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)
