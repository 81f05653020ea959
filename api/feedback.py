"""Feedback on answers (有帮助 / 没帮助), from the web API and from WeChat, stored in SQL beside the sessions."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
)

from bot.database import create_database_engine

_metadata = MetaData()
_feedback = Table(
    "answer_feedback",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False, index=True),
    Column("user", String(128), nullable=False),
    Column("source", String(16), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text, nullable=True),
    Column("created", Float, nullable=False),
    UniqueConstraint("answer_id", "user"),
)


@dataclass(frozen=True, slots=True)
class Feedback:
    """One user's rating of one answer."""

    answer_id: str
    user: str
    source: str
    helpful: bool
    comment: str | None


class FeedbackStore:
    """Ratings by answer; a user who rates an answer again replaces their earlier rating.

    Args:
        url: a SQLAlchemy database URL (the sessions' database by default).
    """

    def __init__(self, url: str) -> None:
        self._engine = create_database_engine(url)
        _metadata.create_all(self._engine)

    def record(self, answer_id: str, helpful: bool, *, source: str, user: str = "", comment: str | None = None) -> None:
        """Store a rating (``user`` is e.g. ``wx:<OpenID>`` or a web session id; empty when unknown)."""
        with self._engine.begin() as connection:
            connection.execute(delete(_feedback).where(_feedback.c.answer_id == answer_id, _feedback.c.user == user))
            connection.execute(insert(_feedback).values(answer_id=answer_id, user=user, source=source, helpful=helpful,
                                                        comment=comment, created=time.time()))

    def for_answer(self, answer_id: str) -> list[Feedback]:
        """The ratings of one answer, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(_feedback.c.answer_id, _feedback.c.user, _feedback.c.source, _feedback.c.helpful,
                       _feedback.c.comment).where(_feedback.c.answer_id == answer_id).order_by(_feedback.c.id)
            ).all()
        return [Feedback(*row) for row in rows]

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()
