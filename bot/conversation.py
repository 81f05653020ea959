"""Conversation sessions: the turns of each chat, persisted in SQL (SQLite by default) with a
time-to-live, and cached in memory so a follow-up costs no database read."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Engine

from bot.database import create_database_engine
from bot.query import Query

_metadata = MetaData()
_turns = Table(
    "session_turns",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(128), index=True, nullable=False),
    Column("created", Float, nullable=False),
    Column("payload", Text, nullable=False),
)


@dataclass(slots=True)
class Turn:
    """What a later turn may refer back to.

    Attributes:
        question: the question as asked.
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

    def to_json(self) -> str:
        data = asdict(self)
        data["query"]["day"] = self.query.day.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> Turn:
        data = json.loads(payload)
        data["query"] = Query(**{**data["query"], "day": date.fromisoformat(data["query"]["day"])})
        data["cited"] = [tuple(pair) for pair in data["cited"]]
        return cls(**data)


@dataclass(slots=True)
class Session:
    """One conversation."""

    session_id: str
    turns: list[Turn] = field(default_factory=list)
    touched: float = field(default_factory=time.time)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


def sqlite_url(path: str) -> str:
    """A SQLAlchemy URL for a SQLite file."""
    return f"sqlite:///{path}"


class SessionStore:
    """Thread-safe sessions in a SQL database, with the most recent ones cached in memory.

    Args:
        url: a SQLAlchemy database URL (``sqlite:///data/policybot.sqlite3``, ``sqlite://`` for memory only).
        ttl_seconds: a session idle for longer starts afresh.
        max_turns: turns kept per session.
        max_cached: sessions kept in memory.
    """

    def __init__(self, url: str, *, ttl_seconds: float, max_turns: int, max_cached: int = 10_000) -> None:
        self._engine: Engine = create_database_engine(url)
        _metadata.create_all(self._engine)
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._ttl = ttl_seconds
        self._max_turns = max_turns
        self._max_cached = max_cached

    def _load(self, session_id: str) -> Session:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(_turns.c.payload, _turns.c.created)
                .where(_turns.c.session_id == session_id)
                .order_by(_turns.c.id.desc())
                .limit(self._max_turns)
            ).all()
        turns = [Turn.from_json(payload) for payload, _ in reversed(rows)]
        return Session(session_id, turns, touched=rows[0].created if rows else time.time())

    def get(self, session_id: str | None) -> Session:
        """The session with this id (a fresh one when unknown or expired); None makes a new id."""
        with self._lock:
            now = time.time()
            sid = session_id or uuid.uuid4().hex
            session = self._cache.get(sid) or (self._load(sid) if session_id else Session(sid))
            if now - session.touched > self._ttl:
                session = Session(sid)
            session.touched = now
            self._cache[sid] = session
            self._cache.move_to_end(sid)
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
            return session

    def record(self, session: Session, turn: Turn) -> None:
        """Append a turn, keeping the most recent ``max_turns``."""
        with self._lock:
            session.turns.append(turn)
            del session.turns[: -self._max_turns]
            with self._engine.begin() as connection:
                connection.execute(
                    insert(_turns).values(session_id=session.session_id, created=time.time(), payload=turn.to_json())
                )

    def reset(self, session_id: str) -> None:
        """Forget a conversation (the user asked to start again)."""
        with self._lock:
            self._cache.pop(session_id, None)
            with self._engine.begin() as connection:
                connection.execute(delete(_turns).where(_turns.c.session_id == session_id))
