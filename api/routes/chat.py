"""POST /api/chat: answer a question, with its citations."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api.deps import PipelineDep
from api.schemas import AnswerPublic, ChatRequest, ErrorPublic
from api.sessions import web_session
from bot.errors import QuestionError

router = APIRouter(tags=["问答"])


def channel_of(request: Request) -> str:
    """``web`` for the chat page (browsers mark their same-origin requests; scripts cannot forge the header from
    a page), ``api`` for every other client. A label for the log, not a security boundary."""
    return "web" if request.headers.get("sec-fetch-site") == "same-origin" else "api"


@router.post(
    "/api/chat",
    response_model=AnswerPublic,
    response_model_exclude_unset=True,  # ``trace`` only when asked for
    responses={400: {"model": ErrorPublic}, 422: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
    summary="提问并获得带引用的回答",
)
def chat(body: ChatRequest, request: Request, pipeline: PipelineDep) -> AnswerPublic:
    """回答一个问题；追问时传入上一轮返回的 ``session_id``（未知或过期的会话 ID 会开始新的会话）。"""
    session_id, channel = web_session(pipeline.sessions, body.session_id), channel_of(request)
    curated = request.app.state.staff.curated
    try:
        # A question close to one a reviewer answered gets that answer; every other question the pipeline's.
        answer = (
            curated.respond(pipeline, body.question, session_id, channel=channel) if curated else None
        ) or pipeline.answer(body.question, session_id, channel=channel)
    except QuestionError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    data = answer.to_dict()
    data["answer"] = data.pop("text")
    if not body.debug:
        data.pop("trace")
    return AnswerPublic.model_validate(data)
