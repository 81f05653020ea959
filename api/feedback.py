"""Ratings of answers (有帮助 / 没帮助), from the web API and from WeChat's 1/0 replies: who may rate what, and
the write through the background writer.

An answer may be rated only by the session that received it: found in that session's memory (which also
holds answers whose turn is still queued for the database), else in the stored turns. One rating per answer
and session; the same session rating again replaces its rating.
"""

from __future__ import annotations

import logging
from enum import Enum

from api import crud
from api.database import now
from api.turn_log import SqlTurnLog
from api.writer import DatabaseWriter, Write, classify
from bot.conversation import SessionStore
from bot.masking import Masker

logger = logging.getLogger(__name__)


class Ownership(Enum):
    """Whether a session may rate an answer."""

    OWN = "own"
    UNKNOWN = "unknown"  # no such answer
    FOREIGN = "foreign"  # the answer went to another session
    UNAVAILABLE = "unavailable"  # not in memory, and the database cannot be read now


class FeedbackRecorder:
    """Checks who may rate an answer and queues ratings for the database.

    Args:
        writer: the background writer.
        turn_log: the stored turns (to find the session an answer went to).
        masker: masks personal data in comments.
    """

    def __init__(self, writer: DatabaseWriter, turn_log: SqlTurnLog, masker: Masker) -> None:
        self._writer = writer
        self._turn_log = turn_log
        self._masker = masker

    def ownership(self, sessions: SessionStore | None, *, answer_id: str, session_id: str | None) -> Ownership:
        """Whether ``session_id`` received the answer ``answer_id`` (None: no session, so never its own).

        Args:
            sessions: the conversation memory to look in first (None: the stored turns only).
            answer_id: the answer to rate.
            session_id: the session that claims it.
        """
        session = sessions.find(session_id) if sessions is not None and session_id else None
        if session is not None and any(turn.answer_id == answer_id for turn in session.turns):
            return Ownership.OWN
        if not self._writer.available:  # missing or unreachable: do not make the user wait for a timeout
            return Ownership.UNAVAILABLE
        try:
            owner = self._turn_log.session_of_answer(answer_id)
        except Exception as error:
            logger.warning("could not look up answer %s (%s)", answer_id, classify(error))
            return Ownership.UNAVAILABLE
        if owner is None:
            return Ownership.UNKNOWN
        return Ownership.OWN if owner == session_id else Ownership.FOREIGN

    def record(
        self, *, answer_id: str, session_id: str, channel: str, helpful: bool, comment: str | None = None
    ) -> None:
        """Queue a session's rating of an answer (its comment masked); returns at once."""
        masked, at = (self._masker.mask(comment) if comment else None), now()
        self._writer.submit(
            Write(
                "feedback",
                f"answer_id={answer_id} session={session_id}",
                lambda connection: crud.upsert_feedback(
                    connection,
                    answer_id=answer_id,
                    session_id=session_id,
                    channel=channel,
                    helpful=helpful,
                    comment=masked,
                    at=at,
                ),
            )
        )
