"""Everything the staff console's routes share, opened once with the app: its messages, database access, the
login rate limit, the curated answers (when an index is loaded) and the evaluation runner."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import HTTPException
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from api import crud
from api.database import Database, now
from api.records import Records
from api.staff.curated import CuratedAnswers, QuestionEncoder
from api.staff.eval_runs import EvalRunner
from api.wechat.ratelimit import RateLimiter
from api.writer import classify
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.templates import Templates

logger = logging.getLogger(__name__)
WORDING_FILE = "staff_messages.toml"


class StaffDatabase:
    """The database as the staff console uses it: one transaction per request, waiting for a lock like the
    background writer (the console is not on the answer path), and a Chinese 503 when the database fails.

    Args:
        database: the app's database.
        unavailable: the message of the 503.
    """

    def __init__(self, database: Database, unavailable: str) -> None:
        self.database = database
        self._unavailable = unavailable

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed when the block ends without an error."""
        try:
            with self.database.writes.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            logger.warning("staff console: database error (%s)", classify(error))
            raise HTTPException(status_code=503, detail=self._unavailable) from error


@dataclass(slots=True)
class StaffWorkspace:
    """What the console's routes share.

    Attributes:
        settings: the app's settings (``settings.staff`` holds the console's own).
        wording: the console's messages (``prompts/staff_messages.toml``).
        database: database access for console requests.
        login_limiter: login attempts per client and per username.
        curated: the curated answers, None while no index is loaded.
        runner: evaluation runs.
        zone: the time zone the console counts days in.
    """

    settings: Settings
    wording: Templates
    database: StaffDatabase
    login_limiter: RateLimiter
    curated: CuratedAnswers | None
    runner: EvalRunner
    zone: ZoneInfo

    def close(self) -> None:
        """Wait for an evaluation run in progress."""
        self.runner.close()


def open_workspace(settings: Settings, records: Records, pipeline: Pipeline | None) -> StaffWorkspace:
    """Open the console's shared objects; runs a stopped process left ``running`` are closed as failed."""
    staff = settings.staff
    wording = Templates(settings.prompts_dir / WORDING_FILE)
    curated = None
    if pipeline is not None:
        encoder = QuestionEncoder.of(pipeline, settings.retrieval.second_dense_share)
        curated = CuratedAnswers(
            records.database, records.writer, wording, encoder, min_similarity=staff.curated_min_similarity
        )
    extra = [] if staff.regression_dataset.parent == staff.datasets_dir else [staff.regression_dataset]
    try:
        with records.database.writes.begin() as connection:
            crud.fail_unfinished_eval_runs(connection, error=wording.zh("run_interrupted"), at=now())
    except SQLAlchemyError as error:  # the database may come back later; the runs stay as they are
        logger.warning("could not close interrupted evaluation runs (%s)", classify(error))
    return StaffWorkspace(
        settings=settings,
        wording=wording,
        database=StaffDatabase(records.database, wording.zh("database_unavailable")),
        login_limiter=RateLimiter(
            staff.login_rate_limit, staff.login_rate_window_seconds, max_users=settings.session_cache_size
        ),
        curated=curated,
        runner=EvalRunner(records.database, staff.datasets_dir, extra),
        zone=ZoneInfo(staff.timezone),
    )
