"""Question -> Answer: the one path every channel (CLI, web API, WeChat, evaluation) goes through."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.answering import AnswerConfig, Composed, ExtractiveAnswerer
from bot.conversation import SessionStore, Turn, TurnRecord
from bot.errors import QuestionError
from bot.guard import Guard
from bot.masking import Masker
from bot.query import Query, QueryAnalyzer, chinese_number
from bot.retrieval import HybridSearcher, PolicyRetriever, Ranking, ranking_trace
from bot.schema import Answer, Citation
from bot.templates import Templates
from index.segment import Segmenter

EXTRACTIVE_MODE = "extractive"


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Limits of one answer.

    Attributes:
        max_question_chars: longer questions are rejected.
        candidates: hits the answerer may choose from (every quoted chunk is cited, plus the top hits).
    """

    max_question_chars: int
    candidates: int


def answer_trace(ranking: Ranking | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """How an answer was reached: the retrieval steps and candidates (when it retrieved), then the answer steps."""
    trace = ranking_trace(ranking) if ranking else {"steps": []}
    trace["steps"] = [*trace["steps"], *steps]
    return trace


class Pipeline:
    """Answers questions from a loaded index, remembering each session's turns.

    Args:
        segmenter: the tokeniser the index was built with.
        templates_path: the answer templates file.
        sessions: the conversation store.
        searcher: ranks the index's passages for a question.
        answering: answerer thresholds.
        config: question and citation limits.
        today: the day of asking (which version of a law is in force is decided for it).
        provenance: what produces the answers (index build, settings hash, models, template version), stored
            with every turn; computed once by the composition root.
    """

    def __init__(
        self,
        segmenter: Segmenter,
        *,
        templates_path: Path,
        sessions: SessionStore,
        searcher: HybridSearcher,
        answering: AnswerConfig,
        config: PipelineConfig,
        today: Callable[[], date] = date.today,
        provenance: Mapping[str, str] | None = None,
    ) -> None:
        self.index = index = searcher.index
        self.embeddings = searcher.embeddings
        self.today = today
        self.provenance = dict(provenance or {})
        self.masker = Masker.from_data()
        self.config = config
        self.sessions = sessions
        self.analyzer = QueryAnalyzer(segmenter, sorted({d.title for d in index.docs.values()}))
        self.searcher = searcher
        written = "\n".join(chunk.text for chunk in index.chunks)
        self.guard = Guard(self.analyzer.known_law_name, lambda term: term in written)
        self.templates = Templates(templates_path)
        self.answerer = ExtractiveAnswerer(index, self.guard, self.templates, answering, segmenter.tokens)

    @property
    def mode(self) -> str:
        return EXTRACTIVE_MODE

    def warm_up(self) -> None:
        """Run one query through every stage so the first user does not pay for lazy initialisation."""
        self._compose(self.analyzer.analyze("发明专利权的期限是多少年？", day=self.today()), None)

    def with_sessions(self, sessions: SessionStore) -> Pipeline:
        """The same pipeline remembering conversations in ``sessions`` (the app attaches its database log)."""
        twin = copy.copy(self)
        twin.sessions = sessions
        return twin

    def retriever(self, k: int = 5) -> PolicyRetriever:
        """The same retrieval as a LangChain retriever."""
        return PolicyRetriever(searcher=self.searcher, analyzer=self.analyzer, k=k)

    def validate(self, question: str) -> str:
        """The question stripped, or a ``QuestionError`` with a message for the user."""
        stripped = question.strip() if isinstance(question, str) else ""
        if not stripped:
            raise QuestionError(self.templates.zh("empty_question"))
        if len(stripped) > self.config.max_question_chars:
            raise QuestionError(
                self.templates.zh("long_question", length=len(stripped), limit=self.config.max_question_chars)
            )
        # Half of a UTF-16 pair (JSON "\ud800", or undecodable bytes on a command line) cannot be encoded for
        # segmentation or storage.
        if any("\ud800" <= char <= "\udfff" for char in stripped):
            raise QuestionError(self.templates.zh("invalid_characters"))
        return stripped

    def answer(
        self, question: str, session_id: str | None = None, *, channel: str = "api", day: date | None = None
    ) -> Answer:
        """Answer one question within a session: None starts a new one under a fresh id, an unknown id starts
        one under that id (callers decide which ids a client may name; see ``api/sessions.py``). The question is
        asked on ``day`` (default: ``today()``): which version of a law is in force is decided for it.

        Personal data in the question is masked first: nothing after this line sees it.

        Args:
            question: the question as asked.
            session_id: the conversation to continue.
            channel: where the question came from, for the conversation log.
            day: the day of asking.

        Raises:
            QuestionError: the question is empty, too long or holds characters that cannot be encoded.
        """
        started = time.perf_counter()
        question = self.masker.mask(self.validate(question))
        session = self.sessions.get(session_id) if session_id else self.sessions.new()
        last = session.last
        query = self.analyzer.analyze(question, last.query if last else None, day=day or self.today())
        composed, ranking = self._compose(query, last)
        answer_id = uuid.uuid4().hex
        timeline = self.index.timeline
        citations = [Citation.from_hit(hit, timeline.status(hit.doc.doc_id, query.day)) for hit in composed.cited]
        turn = Turn(
            question,
            query,
            answer_id,
            composed.items or (last.items if last and query.item_ref else []),
            [(c.chunk.chunk_id, c.score) for c in composed.cited],
        )
        answer = Answer(
            answer_id=answer_id,
            text=composed.text,
            status=composed.status,
            citations=citations,
            session_id=session.session_id,
            mode=self.mode,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            rewritten_query=query.text + (f"（接上文：{last.question}）" if query.is_followup and last else ""),
            items=composed.items,
            trace=answer_trace(ranking, composed.steps),
        )
        self.sessions.record(session, TurnRecord(turn, answer, channel, time.time(), self.provenance))
        return answer

    def _compose(self, query: Query, last: Turn | None) -> tuple[Composed, Ranking | None]:
        if query.item_ref is not None and last and last.items:
            return self._item_answer(query.item_ref, last), None
        if verdict := self.guard.before_retrieval(query):
            composed = self.answerer.abstention(verdict, query)
            composed.steps = [{"step": "guard", "status": verdict.status, "reason": verdict.reason}]
            return composed, None
        ranking = self.searcher.rank(query, self.config.candidates, explain=True)
        hits = ranking.hits
        remainder = self.answerer.residual_query(query, hits)
        extra = self.searcher.search(remainder, self.config.candidates) if remainder else []
        return self.answerer.answer(query, hits, lambda: self.searcher.closeness(query), extra), ranking

    def _item_answer(self, number: int, last: Turn) -> Composed:
        """Answer "第三项是什么" from the previous list answer, citing what that answer cited."""
        cited = self.searcher.hits_for(last.cited)
        if not 1 <= number <= len(last.items):
            text = self.templates.zh("item_missing", number=number, count=len(last.items))
            return Composed(
                text, "answered", cited, steps=[{"step": "item_reference", "number": number, "found": False}]
            )
        item = last.items[number - 1]
        containing = [h for h in cited if item.rstrip("；;。") in h.chunk.text] or cited
        # An item that summarises a whole passage (a plan task area) is answered with the passage itself.
        whole = next((h.chunk.text for h in containing if h.chunk.text.startswith(item)), item)
        text = self.templates.zh("item_answer", number=chinese_number(number), item=whole)
        steps = [{"step": "item_reference", "number": number, "found": True}]
        return Composed(text, "answered", containing, last.items, steps)
