"""Curated answers: answers a reviewer approved, served instead of the pipeline's to questions that match theirs
closely, with the passages they cite — and held back once a passage they rest on has changed.

Matching: a question's similarity to a curated question — their cosine with the main embedding model, blended
with the second model's as retrieval blends them for a Chinese question (70/30 by default) — must reach
``min_similarity`` (``POLICYBOT_STAFF__CURATED_MIN_SIMILARITY``), and both must name the same IP subjects
(``bot/data/subjects.txt``: 发明, 实用新型, 商标, 著作权 …). A cosine alone cannot tell "发明专利权的期限" from
"实用新型专利权的期限" (0.947 with USE); the subject check can. The threshold was measured on
``eval/curated/pairs.tsv`` by ``scripts/measure_curated_threshold.py`` (README, "Staff workspace").

Staleness: every version records the chunks its citations rest on (doc id, version label, chunk id, SHA-256 of the
chunk text). It is stale when one of those documents left the index, when a chunk's text is no longer in it
(the document was changed and re-ingested), or when a newer version of a cited document is in force on the day of
asking (``index.versions.VersionTimeline``). A stale answer is flagged in the database, shown as stale in the
console and never served until a reviewer approves it again.

The published answers and their question vectors are cached in memory; the cache is rebuilt after a change made
through this process and, for changes made by another process sharing the database, when a cheap signature of
the table changes (checked at most every ``CHECK_SECONDS``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from api import crud
from api.database import Database, now
from api.writer import DatabaseWriter, Write, classify
from bot.conversation import Turn, TurnRecord
from bot.pipeline import Pipeline
from bot.schema import Answer, Citation
from bot.templates import Templates
from index.build import LoadedIndex
from index.schema import Chunk
from index.segment import read_word_list
from index.versions import VersionStatus

logger = logging.getLogger(__name__)

CURATED_MODE = "curated"
CHECK_SECONDS = 10.0
SUBJECTS = frozenset(read_word_list(Path(str(resources.files("bot.data").joinpath("subjects.txt")))))


class UnknownCitation(ValueError):
    """A citation names a document or section the index does not hold."""

    def __init__(self, doc_id: str, section: str) -> None:
        super().__init__(f"{doc_id} {section}")
        self.doc_id = doc_id
        self.section = section


def chunk_hash(chunk: Chunk) -> str:
    """The SHA-256 of a chunk's text: what a curated answer records of each passage it rests on."""
    return hashlib.sha256(chunk.text.encode("utf-8")).hexdigest()


def subjects_agree(first: str, second: str) -> bool:
    """Whether two questions name the same IP subjects: each subject word found in one is found in the other, or
    a word containing it or contained in it is (发明专利权 and 发明专利 agree; 发明 and 实用新型 do not)."""
    found = [{subject for subject in SUBJECTS if subject in text} for text in (first, second)]

    def covered(words: set[str], others: set[str]) -> bool:
        return all(any(word in other or other in word for other in others) for word in words)

    return covered(found[0], found[1]) and covered(found[1], found[0])


class _IndexFacts:
    """Per loaded index: chunks by id, by document and the set of chunk hashes (computed once per index)."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index  # held so the id() key below cannot be reused while cached
        self.by_id = {chunk.chunk_id: chunk for chunk in index.chunks}
        self.by_doc: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            self.by_doc.setdefault(chunk.doc_id, []).append(chunk)
        self.hashes = {chunk_hash(chunk) for chunk in index.chunks}


_facts_lock = threading.Lock()
_facts: dict[int, _IndexFacts] = {}


def index_facts(index: LoadedIndex) -> _IndexFacts:
    """The chunk lookups of ``index`` (cached for the last two indexes seen)."""
    with _facts_lock:
        facts = _facts.get(id(index))
        if facts is None or facts.index is not index:
            facts = _facts[id(index)] = _IndexFacts(index)
            while len(_facts) > 2:
                del _facts[next(iter(_facts))]
        return facts


def find_chunks(index: LoadedIndex, doc_id: str, section: str) -> list[Chunk]:
    """The chunks of ``doc_id`` whose section is ``section``, or, failing that, whose section ends with it
    (``第四十二条`` names ``第五章 … › 第四十二条``). Several when an article was split."""
    chunks = index_facts(index).by_doc.get(doc_id, [])
    exact = [chunk for chunk in chunks if chunk.section == section.strip()]
    if exact or not section.strip():
        return exact
    suffix = [chunk for chunk in chunks if chunk.section.endswith(section.strip())]
    sections = {chunk.section for chunk in suffix}
    return suffix if len(sections) == 1 else []  # an ambiguous label names nothing


def resolve_citations(
    index: LoadedIndex, citations: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Look up the passages a curated answer cites.

    Args:
        index: the index answers are served from.
        citations: ``{doc_id, section}`` each.

    Returns:
        The citations as stored (doc id, title, version, the full section path, chunk ids) and the sources rows
        (doc id, version label, chunk id, chunk hash).

    Raises:
        UnknownCitation: a document or section is not in the index.
    """
    stored, sources = [], []
    for citation in citations:
        doc_id, section = str(citation.get("doc_id", "")), str(citation.get("section", ""))
        doc = index.docs.get(doc_id)
        chunks = find_chunks(index, doc_id, section) if doc else []
        if doc is None or not chunks:
            raise UnknownCitation(doc_id, section)
        stored.append(
            {
                "doc_id": doc_id,
                "title": doc.title,
                "version": doc.version,
                "section": chunks[0].section,
                "chunk_ids": [chunk.chunk_id for chunk in chunks],
            }
        )
        sources += [
            {"doc_id": doc_id, "doc_version": doc.version, "chunk_id": chunk.chunk_id, "chunk_hash": chunk_hash(chunk)}
            for chunk in chunks
        ]
    return stored, sources


def staleness(
    index: LoadedIndex,
    sources: Sequence[Mapping[str, Any]],
    citations: Sequence[Mapping[str, Any]],
    day: date,
    wording: Templates,
) -> str | None:
    """Why a curated answer resting on ``sources`` may not be served on ``day`` (None: it may).

    Args:
        index: the index answers are served from.
        sources: the rows of ``curated_answer_sources`` of its current version.
        citations: its stored citations (for the titles and sections of the reasons).
        day: the day of asking.
        wording: the staff messages.
    """
    facts = index_facts(index)
    sections = {chunk_id: c for c in citations for chunk_id in c.get("chunk_ids", [])}
    for source in sources:
        cited = sections.get(source["chunk_id"], {})
        doc = index.docs.get(source["doc_id"])
        if doc is None:
            return wording.zh("stale_removed", title=cited.get("title", source["doc_id"]))
        if source["chunk_hash"] not in facts.hashes:
            return wording.zh("stale_changed", title=doc.title, section=cited.get("section", ""))
        if index.timeline.status(doc.doc_id, day) is VersionStatus.SUPERSEDED:
            current = index.timeline.in_force(doc.doc_id, day)
            return wording.zh(
                "stale_superseded",
                title=doc.title,
                version=doc.version or "",
                effective=(current.starts if current else "") or "",
            )
    return None


class QuestionEncoder:
    """Question vectors of the main and the second embedding model (unit length, cached by text), and their
    blended similarity ``(1 - share) * cos_main + share * cos_second``.

    The second model is much slower here (e5-small about 30 ms a question, USE about 2 ms), so it is asked only
    when the main cosine alone can still reach a threshold: with ``cos_second <= 1`` that needs
    ``cos_main >= (threshold - share) / (1 - share)`` (``main_bound``), an exact bound.

    Args:
        main: the main embedding model.
        second: the second model (None: the main model's cosine alone).
        second_share: the second model's share of the similarity.
    """

    def __init__(self, main: Embeddings, second: Embeddings | None, second_share: float) -> None:
        self._main = main
        self._second = second
        self.share = second_share if second is not None else 0.0
        self._cache: dict[tuple[int, str], np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, pipeline: Pipeline, second_share: float) -> QuestionEncoder:
        """The encoder of the models ``pipeline`` retrieves with."""
        second = pipeline.index.second_dense
        return cls(pipeline.embeddings, second.embeddings if second is not None else None, second_share)

    def _vector(self, which: int, model: Embeddings, text: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get((which, text))
        if cached is not None:
            return cached
        raw = np.asarray(model.embed_query(text), dtype=np.float32)
        vector = raw / (np.linalg.norm(raw) or 1.0)
        with self._lock:
            if len(self._cache) > 8192:  # questions asked once should not pile up
                self._cache.clear()
            self._cache[(which, text)] = vector
        return vector

    def main(self, text: str) -> np.ndarray:
        """The main model's unit vector of ``text``."""
        return self._vector(0, self._main, text)

    def second(self, text: str) -> np.ndarray | None:
        """The second model's unit vector of ``text`` (None without a second model)."""
        return self._vector(1, self._second, text) if self._second is not None else None

    def main_bound(self, threshold: float) -> float:
        """The least main cosine with which the blended similarity can still reach ``threshold``."""
        return (threshold - self.share) / (1.0 - self.share)

    def blend(self, main_cosine: float, first: str, second: str) -> float:
        """The blended similarity of two questions whose main cosine is known."""
        if self._second is None:
            return main_cosine
        other = self.second(first) @ self.second(second)  # type: ignore[operator]
        return float((1.0 - self.share) * main_cosine + self.share * other)

    def similarity(self, first: str, second: str) -> float:
        """The blended similarity of two questions."""
        return self.blend(float(self.main(first) @ self.main(second)), first, second)


@dataclass(slots=True)
class CuratedEntry:
    """A published curated answer as served: its current version, what it rests on and its question's main vector."""

    curated_id: int
    version: int
    question: str
    answer: str
    citations: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    vector: np.ndarray = field(repr=False)


@dataclass(frozen=True, slots=True)
class CuratedMatch:
    """The curated answer a question matched, and how closely (the blended similarity)."""

    entry: CuratedEntry
    similarity: float


class CuratedAnswers:
    """The published curated answers, matched against questions before the pipeline answers them.

    Args:
        database: where curated answers are stored.
        writer: the background writer (a stale flag found while answering is written through it).
        wording: the staff messages (the mark of a curated answer, stale reasons).
        encoder: the question vectors.
        min_similarity: the least similarity between a question and a curated question that serves it.
    """

    def __init__(
        self,
        database: Database,
        writer: DatabaseWriter,
        wording: Templates,
        encoder: QuestionEncoder,
        *,
        min_similarity: float,
    ) -> None:
        self._database = database
        self.encoder = encoder
        self._writer = writer
        self._wording = wording
        self.min_similarity = min_similarity
        self._lock = threading.Lock()
        self._entries: list[CuratedEntry] = []
        self._signature: tuple[Any, ...] | None = None
        self._checked = float("-inf")

    def invalidate(self) -> None:
        """Reload from the database at the next question (after a change made through the console)."""
        with self._lock:
            self._signature, self._checked = None, float("-inf")

    def matches(self, question: str, candidate: str) -> bool:
        """Whether ``question`` is close enough to the curated question ``candidate`` to be served its answer."""
        return self.encoder.similarity(question, candidate) >= self.min_similarity and subjects_agree(
            question, candidate
        )

    def match(self, pipeline: Pipeline, question: str, day: date) -> CuratedMatch | None:
        """The best published curated answer for ``question`` (already masked) that may be served on ``day``."""
        entries = self._current()
        if not entries:
            return None
        mains = np.stack([entry.vector for entry in entries]) @ self.encoder.main(question)
        bound = self.encoder.main_bound(self.min_similarity)
        candidates = [
            (self.encoder.blend(float(mains[n]), question, entry.question), entry)
            for n, entry in enumerate(entries)
            if mains[n] >= bound and subjects_agree(question, entry.question)
        ]
        for similarity, entry in sorted(candidates, key=lambda pair: -pair[0]):
            if similarity < self.min_similarity:
                break
            reason = staleness(pipeline.index, entry.sources, entry.citations, day, self._wording)
            if reason is None:
                return CuratedMatch(entry, similarity)
            self._flag_stale(entry, reason)
        return None

    def respond(self, pipeline: Pipeline, question: str, session_id: str | None, *, channel: str) -> Answer | None:
        """Answer ``question`` with a curated answer when one matches, recording the turn like the pipeline does
        (mode ``curated``); None when none matches. Never raises for a database fault (no curated answers then).

        Raises:
            QuestionError: the question is empty, too long or holds characters that cannot be encoded.
        """
        started = time.perf_counter()
        question = pipeline.masker.mask(pipeline.validate(question))
        day = pipeline.today()
        found = self.match(pipeline, question, day)
        if found is None:
            return None
        entry = found.entry
        facts = index_facts(pipeline.index)
        chunks = [facts.by_id[source["chunk_id"]] for source in entry.sources]
        citations = [
            Citation(
                doc_id=chunk.doc_id,
                title=pipeline.index.docs[chunk.doc_id].title,
                section=chunk.section,
                version=pipeline.index.docs[chunk.doc_id].version,
                status=(status := pipeline.index.timeline.status(chunk.doc_id, day)).value,
                in_force=status is VersionStatus.IN_FORCE,
                text=chunk.head + chunk.text,
                score=round(found.similarity, 4),
            )
            for chunk in chunks
        ]
        session = pipeline.sessions.get(session_id) if session_id else pipeline.sessions.new()
        query = pipeline.analyzer.analyze(question, None, day=day)
        answer = Answer(
            answer_id=(answer_id := uuid.uuid4().hex),
            text=entry.answer.rstrip() + "\n" + self._wording.zh("curated_mark"),
            status="answered",
            citations=citations,
            session_id=session.session_id,
            mode=CURATED_MODE,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            rewritten_query=query.text,
        )
        turn = Turn(question, query, answer_id, [], [(chunk.chunk_id, found.similarity) for chunk in chunks])
        provenance = {
            **pipeline.provenance,
            "curated_id": str(entry.curated_id),
            "curated_version": str(entry.version),
            "similarity": f"{found.similarity:.4f}",
        }
        pipeline.sessions.record(session, TurnRecord(turn, answer, channel, time.time(), provenance))
        return answer

    # --- the cache ------------------------------------------------------------------------------------------

    def _current(self) -> list[CuratedEntry]:
        """The published entries, reloaded when the table changed (checked at most every ``CHECK_SECONDS``)."""
        if time.monotonic() - self._checked < CHECK_SECONDS:
            return self._entries
        with self._lock:
            if time.monotonic() - self._checked < CHECK_SECONDS:
                return self._entries
            self._checked = time.monotonic()
            if not self._writer.available:
                return self._entries
            try:
                with self._database.reads.connect() as connection:
                    signature = crud.curated_signature(connection)
                    if signature != self._signature:
                        rows = crud.curated_list(connection, statuses=["published"])
                        sources = crud.curated_sources(connection, version_ids=[row["version_id"] for row in rows])
                        self._entries = [
                            CuratedEntry(
                                row["id"],
                                row["version"],
                                row["question"],
                                row["answer"],
                                list(row["citations"]),
                                [dict(s) for s in sources.get(row["version_id"], [])],
                                self.encoder.main(row["question"]),
                            )
                            for row in rows
                        ]
                        self._signature = signature
            except Exception as error:  # answers go on from the pipeline; the next check tries again
                logger.warning("could not read curated answers (%s)", classify(error))
            return self._entries

    def _flag_stale(self, entry: CuratedEntry, reason: str) -> None:
        """Stop serving ``entry`` now and record it as stale (through the writer: this is the answer path)."""
        with self._lock:
            self._entries = [e for e in self._entries if e is not entry]
        at = now()
        self._writer.submit(
            Write(
                "curated-stale",
                f"curated_id={entry.curated_id}",
                lambda connection: crud.set_curated_status(
                    connection, curated_id=entry.curated_id, status="stale", reason=reason, at=at, only_if="published"
                ),
            )
        )
