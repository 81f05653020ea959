"""Conversation memory: the turns a follow-up leans on ("那实用新型呢？", "第三项是什么"), kept in memory with a
time-to-live, and the ``ConversationLog`` interface through which every finished turn leaves the pipeline.

The pipeline depends only on ``ConversationLog``, a protocol defined here; the SQL implementation lives in
``api/turn_log.py`` (data flows one way: bot/ never imports api/). A log must not slow an answer: ``append``
returns at once (the SQL log queues the write for a background writer) and ``recent`` — read only when a
session is not in memory, e.g. after a restart — gives up quickly and returns nothing when the database
cannot answer. Without a log (evaluation runs) sessions live in memory only.

The lock guards the in-memory cache only and is never held while the log is read or written.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.figures import Figure
from bot.query import Query
from bot.schema import Answer


@dataclass(slots=True)
class Turn:
    """What a later turn may refer back to.

    Attributes:
        question: the question as asked (personal data masked).
        query: the analysed question.
        answer_id: the answer's id.
        items: the items of a list answer ("第三项是什么" picks from them).
        cited: (chunk id, score) of the chunks the answer cited, best first.
    """

    question: str
    query: Query
    answer_id: str
    items: list[str] = field(default_factory=list)
    cited: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (``from_dict`` reads it back)."""
        data = asdict(self)
        data["query"]["day"] = self.query.day.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        values = dict(data)
        query = dict(values["query"])
        if "day" in query:
            query["day"] = date.fromisoformat(query["day"])
        query["asserted"] = [Figure(**figure) for figure in query.get("asserted", [])]
        values["query"] = Query(**query)
        values["cited"] = [(chunk_id, score) for chunk_id, score in values["cited"]]
        return cls(**values)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """Everything known about a finished turn, for the conversation log.

    Attributes:
        turn: what a follow-up needs.
        answer: what the user was told.
        channel: where the question came from (``web``, ``api``, ``cli``, ``wechat``, ``wecom``).
        created: when it was answered (seconds since the epoch).
        provenance: what produced the answer (index build, settings hash, models, template version).
    """

    turn: Turn
    answer: Answer
    channel: str
    created: float
    provenance: Mapping[str, str]


class ConversationLog(Protocol):
    """Where finished turns go, and where a session's earlier turns come back from."""

    def append(self, record: TurnRecord) -> None:
        """Keep a finished turn. Must return at once and never raise."""

    def recent(self, session_id: str, *, limit: int, since: float) -> list[Turn]:
        """The session's latest ``limit`` turns after ``since`` (epoch seconds), oldest first; empty when there
        are none or the log cannot be read now. Must not raise."""

    def forget(self, session_id: str) -> None:
        """Leave the session's turns out of ``recent`` from now on (the log itself keeps them)."""


@dataclass(slots=True)
class Session:
    """One conversation."""

    session_id: str
    turns: list[Turn] = field(default_factory=list)
    touched: float = field(default_factory=time.time)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


def new_session_id() -> str:
    """An unguessable session id (128 random bits, 32 hex digits), as the server issues them."""
    return secrets.token_hex(16)


class SessionStore:
    """Thread-safe conversation memory: recent sessions cached in memory, earlier ones read back from the log.

    Args:
        log: where finished turns go (None: memory only).
        ttl_seconds: a session idle for longer starts afresh.
        max_turns: turns remembered per session.
        max_cached: sessions kept in memory.
    """

    def __init__(
        self, log: ConversationLog | None, *, ttl_seconds: float, max_turns: int, max_cached: int = 10_000
    ) -> None:
        self.log = log
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._ttl = ttl_seconds
        self._max_turns = max_turns
        self._max_cached = max_cached

    def new(self) -> Session:
        """A new session under a fresh server-issued id."""
        return self._remember(Session(new_session_id()))

    def find(self, session_id: str) -> Session | None:
        """The live session with this id (from memory, else from the log), or None when unknown or expired."""
        now = time.time()
        with self._lock:
            session = self._cache.get(session_id)
            if session is not None and now - session.touched <= self._ttl:
                session.touched = now
                self._cache.move_to_end(session_id)
                return session
        if self.log is None:
            return None
        turns = self.log.recent(session_id, limit=self._max_turns, since=now - self._ttl)
        return self._remember(Session(session_id, turns)) if turns else None

    def get(self, session_id: str) -> Session:
        """The live session with this id, or a new empty one under the same id (for callers that own the id:
        a WeChat user's session, the CLI's ``--session``)."""
        return self.find(session_id) or self._remember(Session(session_id))

    def record(self, session: Session, record: TurnRecord) -> None:
        """Remember a finished turn in its session (keeping the latest ``max_turns``) and hand it to the log."""
        with self._lock:
            session.turns.append(record.turn)
            del session.turns[: -self._max_turns]
            session.touched = record.created
        if self.log is not None:
            self.log.append(record)

    def reset(self, session_id: str) -> None:
        """Forget a conversation (the user asked to start again)."""
        # An empty session stays cached, so the next message does not read back turns the log has yet to forget.
        self._remember(Session(session_id))
        if self.log is not None:
            self.log.forget(session_id)

    def _remember(self, session: Session) -> Session:
        with self._lock:
            self._cache[session.session_id] = session
            self._cache.move_to_end(session.session_id)
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
        return session
