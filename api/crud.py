"""Create, read, update and delete rows of the tables in ``api/database.py``: keyword-only functions that take an
open connection (the caller owns the transaction), one place for every query the app runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping

from api.database import feedback, reviews, turns


def add_turn(
    connection: Connection, *, answer_id: str, session_id: str, channel: str, created: datetime, question: str,
    query: str, answer: str, status: str, mode: str, citations: list[dict[str, Any]], latency_ms: float,
    provenance: dict[str, Any], memory: dict[str, Any], trace: dict[str, Any] | None = None,
) -> None:
    """Store one turn of a conversation (the question already masked)."""
    connection.execute(insert(turns).values(
        answer_id=answer_id, session_id=session_id, channel=channel, created=created, question=question, query=query,
        answer=answer, status=status, mode=mode, citations=citations, latency_ms=latency_ms, provenance=provenance,
        memory=memory, trace=trace, forgotten=False,
        top_score=max((c["score"] for c in citations), default=None),
    ))


def get_turn(connection: Connection, *, answer_id: str) -> RowMapping | None:
    """The stored turn with this answer id, or None."""
    return connection.execute(select(turns).where(turns.c.answer_id == answer_id)).mappings().first()


def session_of_answer(connection: Connection, *, answer_id: str) -> str | None:
    """The session that received an answer, or None when no such answer is stored."""
    return connection.execute(select(turns.c.session_id).where(turns.c.answer_id == answer_id)).scalar()


def session_memory(connection: Connection, *, session_id: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    """The memory payloads of a session's latest ``limit`` turns after ``since``, oldest first (not forgotten ones).

    Returns:
        One ``memory`` dict per turn.
    """
    rows = connection.execute(
        select(turns.c.memory)
        .where(turns.c.session_id == session_id, turns.c.created > since, turns.c.forgotten.is_(False))
        .order_by(turns.c.id.desc())
        .limit(limit)
    ).scalars().all()
    return list(reversed(rows))


def forget_session(connection: Connection, *, session_id: str) -> int:
    """Leave a session's turns out of its memory from now on (the log keeps them). Returns the turns affected."""
    result = connection.execute(update(turns).where(turns.c.session_id == session_id, turns.c.forgotten.is_(False))
                                .values(forgotten=True))
    return result.rowcount


def upsert_feedback(
    connection: Connection, *, answer_id: str, session_id: str, channel: str, helpful: bool, comment: str | None,
    at: datetime,
) -> None:
    """Store a session's rating of an answer, replacing that session's earlier rating of it."""
    values = {"answer_id": answer_id, "session_id": session_id, "channel": channel, "helpful": helpful,
              "comment": comment, "created": at, "updated": at}
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(feedback).values(**values)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[feedback.c.answer_id, feedback.c.session_id],
        set_={"helpful": statement.excluded.helpful, "comment": statement.excluded.comment,
              "channel": statement.excluded.channel, "updated": statement.excluded.updated},
    ))


def feedback_for_answer(connection: Connection, *, answer_id: str) -> Sequence[RowMapping]:
    """The ratings of one answer, oldest first."""
    return connection.execute(
        select(feedback).where(feedback.c.answer_id == answer_id).order_by(feedback.c.id)
    ).mappings().all()


def delete_turns_before(connection: Connection, *, before: datetime) -> int:
    """Delete turns older than ``before`` with their feedback; reviewed turns are kept (staff work rests on them).

    Returns:
        The number of turns deleted.
    """
    reviewed = exists().where(reviews.c.answer_id == turns.c.answer_id)
    return connection.execute(delete(turns).where(turns.c.created < before, ~reviewed)).rowcount
