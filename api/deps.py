"""Dependencies shared by routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.records import Records
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
