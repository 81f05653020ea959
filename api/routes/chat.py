"""POST /api/chat: answer a question, with its citations."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.deps import PipelineDep
from api.schemas import AnswerPublic, ChatRequest, ErrorPublic
from bot.errors import QuestionError

router = APIRouter(tags=["问答"])


@router.post(
    "/api/chat",
    response_model=AnswerPublic,
    responses={400: {"model": ErrorPublic}, 422: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
    summary="提问并获得带引用的回答",
)
def chat(request: ChatRequest, pipeline: PipelineDep) -> AnswerPublic:
    """回答一个问题；追问时传入上一轮的 ``session_id``。"""
    try:
        answer = pipeline.answer(request.question, request.session_id)
    except QuestionError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    data = answer.to_dict()
    data["answer"] = data.pop("text")
    return AnswerPublic.model_validate(data)
