"""The conversation log for reviewers: GET /admin/api/turns (filters), GET /admin/api/turns/{answer_id},
POST …/review, POST …/to-eval, and GET /admin/api/passages (finding a document's sections to cite)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from api import crud
from api.database import now
from api.deps import StaffDep, StaffWorkspaceDep
from api.schemas import ErrorPublic
from api.staff.curated import find_chunks, index_facts
from api.staff.regression import CaseExists, Evidence, EvidenceError, append_case, build_case, default_evidence
from api.staff.views import review_view, turn_view
from api.staff.workspace import StaffWorkspace

router = APIRouter(prefix="/admin/api", tags=["工作人员后台"])
ERRORS = {code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422, 503)}
Status = Literal["answered", "no_answer", "refused"]


def _moment(value: str | None, staff: StaffWorkspace, *, end: bool) -> datetime | None:
    """A ``since``/``until`` value: an ISO date (a whole day in the staff's time zone; ``until`` includes it) or an
    ISO timestamp."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as error:
            raise HTTPException(status_code=400, detail=staff.wording.zh("bad_date", value=value)) from error
        return moment if moment.tzinfo else moment.replace(tzinfo=staff.zone)
    return datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=staff.zone)


def turn_filter(
    staff: StaffWorkspace,
    *,
    q: str | None,
    status: str | None,
    channel: str | None,
    feedback: str | None,
    since: str | None,
    until: str | None,
    max_score: float | None,
    mode: str | None,
    reviewed: str | None,
) -> crud.TurnFilter:
    """The filter of the list and of the conversation export, from query parameters (empty ones ignored)."""
    return crud.TurnFilter(
        text=q or None,
        status=status or None,
        channel=channel or None,
        feedback=feedback or None,
        since=_moment(since, staff, end=False),
        until=_moment(until, staff, end=True),
        max_score=max_score,
        mode=mode or None,
        reviewed={"yes": True, "no": False}.get(reviewed or ""),
    )


class TurnFilterQuery:
    """The query parameters of the conversation list (and the conversation export)."""

    def __init__(
        self,
        q: Annotated[str | None, Query(max_length=200, description="问题或回答中的文字")] = None,
        status: Annotated[Literal["answered", "no_answer", "refused", ""] | None, Query()] = None,
        channel: Annotated[str | None, Query(max_length=16)] = None,
        feedback: Annotated[Literal["negative", "positive", "none", ""] | None, Query()] = None,
        since: Annotated[str | None, Query(description="起始日期（含），如 2026-12-01")] = None,
        until: Annotated[str | None, Query(description="截止日期（含）")] = None,
        max_score: Annotated[float | None, Query(description="最高引用得分低于此值")] = None,
        mode: Annotated[str | None, Query(max_length=16)] = None,
        reviewed: Annotated[Literal["yes", "no", ""] | None, Query()] = None,
    ) -> None:
        self.values = {
            "q": q,
            "status": status,
            "channel": channel,
            "feedback": feedback,
            "since": since,
            "until": until,
            "max_score": max_score,
            "mode": mode,
            "reviewed": reviewed,
        }

    def build(self, staff: StaffWorkspace) -> crud.TurnFilter:
        return turn_filter(staff, **self.values)


@router.get("/turns", summary="对话记录列表", responses=ERRORS)
def list_turns(
    user: StaffDep,
    staff: StaffWorkspaceDep,
    filters: Annotated[TurnFilterQuery, Depends()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """按状态、渠道、反馈、日期、最高得分和文字筛选的对话记录，最新的在前。"""
    with staff.database.begin() as connection:
        total, rows = crud.list_turns(connection, where=filters.build(staff), limit=limit, offset=offset)
        ids = [row["answer_id"] for row in rows]
        counts = crud.feedback_counts(connection, answer_ids=ids)
        reviews = crud.latest_reviews(connection, answer_ids=ids)
    return {
        "total": total,
        "items": [turn_view(row, counts.get(row["answer_id"]), reviews.get(row["answer_id"])) for row in rows],
    }


@router.get("/turns/{answer_id}", summary="一条对话记录的详情", responses=ERRORS)
def get_turn(answer_id: str, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """问题、回答、引用原文、排序过程（trace）、用户反馈、审核记录与出处（索引版本、设置、模型、模板）。"""
    with staff.database.begin() as connection:
        row = _turn(connection, answer_id, staff)
        counts = crud.feedback_counts(connection, answer_ids=[answer_id]).get(answer_id)
        reviews = crud.reviews_of_answer(connection, answer_id=answer_id)
        ratings = crud.feedback_for_answer(connection, answer_id=answer_id)
    view = turn_view(row, counts, reviews[-1] if reviews else None, detail=True)
    view["reviews"] = [review_view(review) for review in reviews]
    view["feedback_comments"] = [
        {"helpful": r["helpful"], "comment": r["comment"], "created": r["created"].isoformat()} for r in ratings
    ]
    return view


class ReviewRequest(BaseModel):
    """A reviewer's verdict on an answer."""

    verdict: Literal["correct", "partial", "wrong"] = Field(
        ..., description="correct 正确 / partial 部分正确 / wrong 错误"
    )
    comment: str | None = Field(None, max_length=2000, description="审核意见")
    corrected_answer: str | None = Field(None, max_length=4000, description="修正后的回答")


@router.post("/turns/{answer_id}/review", status_code=201, summary="审核一条回答", responses=ERRORS)
def review_turn(answer_id: str, body: ReviewRequest, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """记录审核结论（正确 / 部分正确 / 错误）、意见和修正后的回答。"""
    with staff.database.begin() as connection:
        _turn(connection, answer_id, staff)
        review_id = crud.add_review(
            connection,
            answer_id=answer_id,
            reviewer_id=user.user_id,
            verdict=body.verdict,
            comment=(body.comment or "").strip() or None,
            corrected_answer=(body.corrected_answer or "").strip() or None,
            at=now(),
        )
        saved = crud.reviews_of_answer(connection, answer_id=answer_id)
    return review_view(next(r for r in saved if r["id"] == review_id)) or {}


class EvidencePublic(BaseModel):
    """A passage the reviewer confirms: the chunk and the exact words of it that answer the question."""

    chunk_id: str = Field(..., max_length=255)
    text: str = Field(..., min_length=1, max_length=4000)


class ToEvalRequest(BaseModel):
    """What the case should expect (all optional: one click takes the defaults)."""

    status: Status | None = Field(None, description="正确的回答状态；默认：审核为正确时沿用原状态，否则为 answered")
    evidence: list[EvidencePublic] | None = Field(None, max_length=10, description="确认的证据原文")


@router.post("/turns/{answer_id}/to-eval", status_code=201, summary="把审核过的回答转为回归测试用例", responses=ERRORS)
def to_eval(
    answer_id: str,
    request: Request,
    user: StaffDep,
    staff: StaffWorkspaceDep,
    body: Annotated[ToEvalRequest | None, Body()] = None,
) -> dict[str, Any]:
    """在回归评测集中追加一个用例：问题、确认的证据原文、修正回答中出现在证据条文里的要点。"""
    pipeline = request.app.state.pipeline
    if pipeline is None:
        raise HTTPException(status_code=503, detail=staff.wording.zh("index_unavailable"))
    body = body or ToEvalRequest()
    with staff.database.begin() as connection:
        turn = _turn(connection, answer_id, staff)
        reviews = crud.reviews_of_answer(connection, answer_id=answer_id)
    if not reviews:
        raise HTTPException(status_code=409, detail=staff.wording.zh("review_first"))
    review = reviews[-1]
    correct = review["verdict"] == "correct"
    answer = turn["answer"] if correct else (review["corrected_answer"] or "")
    status = body.status or (turn["status"] if correct else "answered")
    evidence = (
        [Evidence(e.chunk_id, e.text) for e in body.evidence]
        if body.evidence is not None
        else default_evidence(turn["citations"], answer, review["verdict"], pipeline.index)
    )
    if status == "answered" and not evidence:
        raise HTTPException(status_code=400, detail=staff.wording.zh("evidence_missing"))
    try:
        case = build_case(
            turn=turn,
            answer=answer,
            status=status,
            evidence=evidence if status == "answered" else [],
            index=pipeline.index,
        )
        append_case(staff.settings.staff.regression_dataset, case)
    except EvidenceError as error:
        chunk = error.chunk
        title = pipeline.index.docs[chunk.doc_id].title if chunk else ""
        raise HTTPException(
            status_code=400,
            detail=staff.wording.zh(
                "evidence_not_in_chunk",
                text=error.text[:40],
                title=title,
                section=chunk.section if chunk else "",
            ),
        ) from error
    except CaseExists as error:
        raise HTTPException(status_code=409, detail=staff.wording.zh("case_exists")) from error
    return {"dataset": staff.settings.staff.regression_dataset.name, "case": case}


@router.get("/passages", summary="查找文件的条款（用于引用和证据）", responses=ERRORS)
def passages(
    request: Request,
    user: StaffDep,
    staff: StaffWorkspaceDep,
    doc_id: Annotated[str, Query(max_length=255)],
    section: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    """某文件中章节/条款路径包含所给文字的片段（如“第四十二条”），及其原文。"""
    pipeline = request.app.state.pipeline
    if pipeline is None:
        raise HTTPException(status_code=503, detail=staff.wording.zh("index_unavailable"))
    doc = pipeline.index.docs.get(doc_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=staff.wording.zh("document_unknown", doc_id=doc_id))
    chunks = find_chunks(pipeline.index, doc_id, section) if section else []
    if not chunks:
        chunks = [c for c in index_facts(pipeline.index).by_doc.get(doc_id, []) if section.strip() in c.section]
    return {
        "doc_id": doc_id,
        "title": doc.title,
        "version": doc.version,
        "items": [{"chunk_id": c.chunk_id, "section": c.section, "text": c.head + c.text} for c in chunks[:30]],
    }


def _turn(connection: Any, answer_id: str, staff: StaffWorkspace) -> Any:
    row = crud.get_turn(connection, answer_id=answer_id)
    if row is None:
        raise HTTPException(status_code=404, detail=staff.wording.zh("turn_not_found"))
    return row
