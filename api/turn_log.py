"""The conversation log in SQL: the implementation of ``bot.conversation.ConversationLog`` the app and the CLI
give the pipeline. Every finished turn, from every channel, becomes a row of ``turns`` written by the
background writer (``api/writer.py``); a session missing from memory is read back from those rows."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from api import crud
from api.database import Database
from api.writer import DatabaseWriter, Write, classify
from bot.conversation import Turn, TurnRecord

logger = logging.getLogger(__name__)


def turn_row(record: TurnRecord) -> dict[str, Any]:
    """The ``turns`` row of a finished turn (keyword arguments of ``crud.add_turn``)."""
    answer = record.answer
    # The cited text as the user saw it: the index may change after the answer was given.
    citations = [
        asdict(citation) | {"chunk_id": chunk_id}
        for citation, (chunk_id, _) in zip(answer.citations, record.turn.cited, strict=False)
    ]
    return {
        "answer_id": answer.answer_id,
        "session_id": answer.session_id,
        "channel": record.channel,
        "created": datetime.fromtimestamp(record.created, UTC),
        "question": record.turn.question,
        "query": answer.rewritten_query,
        "answer": answer.text,
        "status": answer.status,
        "mode": answer.mode,
        "citations": citations,
        "latency_ms": answer.latency_ms,
        "trace": answer.trace,
        "provenance": dict(record.provenance),
        "memory": record.turn.to_dict(),
    }


class SqlTurnLog:
    """Turns written through the background writer; a session's memory read with a short timeout.

    Args:
        database: where the turns are.
        writer: the background writer.
    """

    def __init__(self, database: Database, writer: DatabaseWriter) -> None:
        self._database = database
        self._writer = writer

    def append(self, record: TurnRecord) -> None:
        row = turn_row(record)
        self._writer.submit(
            Write(
                "turn",
                f"answer_id={row['answer_id']} session={row['session_id']}",
                lambda connection: crud.add_turn(connection, **row),
            )
        )

    def recent(self, session_id: str, *, limit: int, since: float) -> list[Turn]:
        if not self._writer.available:
            return []
        try:
            with self._database.reads.connect() as connection:
                payloads = crud.session_memory(
                    connection, session_id=session_id, limit=limit, since=datetime.fromtimestamp(since, UTC)
                )
        except Exception as error:  # the answer goes on without the earlier turns
            logger.warning("could not read session %s from the database (%s)", session_id, classify(error))
            return []
        return [Turn.from_dict(payload) for payload in payloads]

    def forget(self, session_id: str) -> None:
        self._writer.submit(
            Write(
                "forget",
                f"session={session_id}",
                lambda connection: crud.forget_session(connection, session_id=session_id),
            )
        )

    def session_of_answer(self, answer_id: str) -> str | None:
        """The session a stored answer went to, or None when there is no such answer.

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database cannot be read now.
        """
        with self._database.reads.connect() as connection:
            return crud.session_of_answer(connection, answer_id=answer_id)
