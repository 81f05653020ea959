"""What the app and the CLI record, opened together: the database, its background writer, the conversation log
and the feedback recorder. ``open_records`` never fails because of the database: a database that cannot be
reached or upgraded now is reported degraded and retried by the writer, while answers go on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from api.database import Database, open_database
from api.feedback import FeedbackRecorder
from api.turn_log import SqlTurnLog
from api.writer import DatabaseWriter
from bot.masking import Masker
from bot.settings import Settings

CLOSE_TIMEOUT_SECONDS = 10.0  # at exit, how long queued writes may take before they are dropped (and logged)


@dataclass(frozen=True, slots=True)
class Records:
    """The database and everything that writes to it."""

    database: Database
    writer: DatabaseWriter
    turns: SqlTurnLog
    feedback: FeedbackRecorder

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Write what is queued (for up to ``timeout`` seconds), then release the database."""
        self.writer.close(timeout)


def open_records(settings: Settings) -> Records:
    """Open the database the settings name, bring its schema up to date and start the background writer."""
    database = open_database(settings.database_url)
    writer = DatabaseWriter(
        database,
        queue_size=settings.database_queue_size,
        retry_seconds=settings.database_retry_seconds,
        retention=timedelta(days=settings.turn_retention_days),
    )
    writer.start()
    turns = SqlTurnLog(database, writer)
    return Records(database, writer, turns, FeedbackRecorder(writer, turns, Masker.from_data()))
