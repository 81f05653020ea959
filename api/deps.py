"""Dependencies shared by routes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from api.database import Database
from api.records import Records
from api.staff.auth import COOKIE_NAME, CSRF_HEADER, SAFE_METHODS, StaffUser, csrf_matches, session_user
from api.wechat.ratelimit import RateLimiter
from api.writer import classify
from bot.pipeline import Pipeline
from bot.templates import Templates

logger = logging.getLogger(__name__)


def get_pipeline(request: Request) -> Pipeline:
    """The loaded pipeline, or 503 with a message that says what to run (the details stay in /healthz)."""
    pipeline: Pipeline | None = request.app.state.pipeline
    if pipeline is None:
        raise HTTPException(status_code=503, detail=request.app.state.unavailable)
    return pipeline


def get_records(request: Request) -> Records:
    """The database, its background writer, the conversation log and the feedback recorder."""
    return request.app.state.records


def get_feedback_limiter(request: Request) -> RateLimiter:
    """The per-client limit on ratings."""
    return request.app.state.feedback_limiter


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
RecordsDep = Annotated[Records, Depends(get_records)]
FeedbackLimiterDep = Annotated[RateLimiter, Depends(get_feedback_limiter)]


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


def get_staff_wording(request: Request) -> Templates:
    """The staff console's messages (``prompts/staff_messages.toml``)."""
    return request.app.state.staff_wording


def get_staff_database(request: Request) -> StaffDatabase:
    """The database for the staff console."""
    return request.app.state.staff_database


def current_staff(request: Request) -> StaffUser | None:
    """The staff member whose session cookie the request carries, or None."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    with get_staff_database(request).begin() as connection:
        return session_user(connection, token)


def require_staff(request: Request) -> StaffUser:
    """The logged-in staff member: 401 without a live session; for a state-changing method, 403 unless the
    request's ``X-CSRF-Token`` header is the session's token."""
    wording = get_staff_wording(request)
    user = current_staff(request)
    if user is None:
        raise HTTPException(status_code=401, detail=wording.zh("login_required"))
    if request.method not in SAFE_METHODS and not csrf_matches(user, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=wording.zh("csrf_failed"))
    return user


StaffDep = Annotated[StaffUser, Depends(require_staff)]
StaffDatabaseDep = Annotated[StaffDatabase, Depends(get_staff_database)]
StaffWordingDep = Annotated[Templates, Depends(get_staff_wording)]
