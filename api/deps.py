"""Dependencies shared by routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.records import Records
from api.staff.auth import COOKIE_NAME, CSRF_HEADER, SAFE_METHODS, StaffUser, csrf_matches, session_user
from api.staff.workspace import StaffWorkspace
from api.wechat.ratelimit import RateLimiter
from bot.pipeline import Pipeline


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


def get_staff(request: Request) -> StaffWorkspace:
    """What the staff console's routes share."""
    return request.app.state.staff


def current_staff(request: Request) -> StaffUser | None:
    """The staff member whose session cookie the request carries, or None."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    with get_staff(request).database.begin() as connection:
        return session_user(connection, token)


def require_staff(request: Request) -> StaffUser:
    """The logged-in staff member: 401 without a live session; for a state-changing method, 403 unless the
    request's ``X-CSRF-Token`` header is the session's token."""
    wording = get_staff(request).wording
    user = current_staff(request)
    if user is None:
        raise HTTPException(status_code=401, detail=wording.zh("login_required"))
    if request.method not in SAFE_METHODS and not csrf_matches(user, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=wording.zh("csrf_failed"))
    return user


StaffDep = Annotated[StaffUser, Depends(require_staff)]
StaffWorkspaceDep = Annotated[StaffWorkspace, Depends(get_staff)]
