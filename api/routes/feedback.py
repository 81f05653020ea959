"""POST /api/feedback: rate an answer as helpful or not — only the session that received it, once (changeable)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from api.deps import FeedbackLimiterDep, PipelineDep, RecordsDep
from api.feedback import Ownership
from api.routes.chat import channel_of
from api.schemas import ErrorPublic
from api.sessions import is_web_session_id
from bot.templates import Templates

router = APIRouter(tags=["反馈"])
_REFUSALS = {
    Ownership.UNKNOWN: (404, "unknown_answer"),
    Ownership.FOREIGN: (403, "not_your_answer"),
    Ownership.UNAVAILABLE: (503, "unavailable"),
}


class FeedbackRequest(BaseModel):
    """A rating of one answer."""

    answer_id: str = Field(..., pattern=r"^[0-9a-f]{32}$", description="回答的 answer_id")
    helpful: bool = Field(..., description="是否有帮助")
    session_id: str | None = Field(None, max_length=128, description="收到该回答的会话 ID（同一会话再次评价会覆盖）")
    comment: str | None = Field(None, max_length=500, description="补充说明（可选）")


class FeedbackPublic(BaseModel):
    """The recorded rating."""

    answer_id: str
    helpful: bool


@router.post(
    "/api/feedback",
    status_code=201,
    response_model=FeedbackPublic,
    responses={code: {"model": ErrorPublic} for code in (403, 404, 422, 429, 503)},
    summary="评价一个回答",
)
def feedback(
    body: FeedbackRequest, request: Request, pipeline: PipelineDep, records: RecordsDep, limiter: FeedbackLimiterDep
) -> FeedbackPublic:
    """记录“有帮助/没帮助”：只有收到该回答的会话可以评价，每个会话对每个回答一票，再次评价会覆盖之前的评价。"""
    settings = request.app.state.settings
    messages = _messages(settings.prompts_dir / "feedback.toml")
    if not limiter.allow(request.client.host if request.client else ""):
        raise HTTPException(
            status_code=429,
            detail=messages.zh("rate_limited"),
            headers={"Retry-After": str(round(settings.feedback_rate_window_seconds))},
        )
    # A missing, malformed or other channel's session id never received a web answer: only the lookup is left.
    session_id = body.session_id if body.session_id and is_web_session_id(body.session_id) else None
    ownership = records.feedback.ownership(
        pipeline.sessions if session_id else None, answer_id=body.answer_id, session_id=session_id
    )
    if ownership in _REFUSALS:
        status, key = _REFUSALS[ownership]
        raise HTTPException(status_code=status, detail=messages.zh(key))
    records.feedback.record(
        answer_id=body.answer_id,
        session_id=session_id or "",
        channel=channel_of(request),
        helpful=body.helpful,
        comment=body.comment,
    )
    return FeedbackPublic(answer_id=body.answer_id, helpful=body.helpful)


@lru_cache(maxsize=1)
def _messages(path: Path) -> Templates:
    return Templates(path)
