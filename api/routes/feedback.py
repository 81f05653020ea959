"""POST /api/feedback: rate an answer as helpful or not."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.feedback import FeedbackStore
from api.schemas import ErrorPublic

router = APIRouter(tags=["反馈"])


class FeedbackRequest(BaseModel):
    """A rating of one answer."""

    answer_id: str = Field(..., pattern=r"^[0-9a-f]{32}$", description="回答的 answer_id")
    helpful: bool = Field(..., description="是否有帮助")
    session_id: str | None = Field(None, max_length=128, description="提问时的会话 ID（同一会话再次评价会覆盖）")
    comment: str | None = Field(None, max_length=500, description="补充说明（可选）")


class FeedbackPublic(BaseModel):
    """The recorded rating."""

    answer_id: str
    helpful: bool


@router.post("/api/feedback", status_code=201, response_model=FeedbackPublic,
             responses={422: {"model": ErrorPublic}}, summary="评价一个回答")
def feedback(body: FeedbackRequest, request: Request) -> FeedbackPublic:
    """记录“有帮助/没帮助”；同一会话对同一回答再次评价会覆盖之前的评价。"""
    store: FeedbackStore = request.app.state.feedback
    store.record(body.answer_id, body.helpful, source="web", user=body.session_id or "", comment=body.comment)
    return FeedbackPublic(answer_id=body.answer_id, helpful=body.helpful)
