"""Curated answers: GET/POST /admin/api/curated, GET/PUT/DELETE /admin/api/curated/{id} and
POST /admin/api/curated/{id}/approve (approve a stale answer again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from api import crud
from api.database import now
from api.deps import StaffDep, StaffWorkspaceDep
from api.schemas import ErrorPublic
from api.staff.curated import UnknownCitation, resolve_citations, staleness
from api.staff.views import curated_view, iso
from api.staff.workspace import StaffWorkspace
from bot.pipeline import Pipeline

router = APIRouter(prefix="/admin/api/curated", tags=["工作人员后台"])
ERRORS = {code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422, 503)}


class CitationRequest(BaseModel):
    """A passage a curated answer cites: the document and its section (or just its article label)."""

    doc_id: str = Field(..., max_length=255)
    section: str = Field(..., max_length=300)


class CuratedEdit(BaseModel):
    """A curated answer's question, answer and citations."""

    question: str = Field(..., min_length=1, max_length=500)
    answer: str = Field(..., min_length=1, max_length=4000)
    citations: list[CitationRequest] = Field(default_factory=list, max_length=10)


class CuratedRequest(CuratedEdit):
    """A new curated answer, usually from a reviewed turn."""

    source_answer_id: str | None = Field(None, max_length=32)


def _pipeline(request: Request, staff: StaffWorkspace) -> Pipeline:
    pipeline: Pipeline | None = request.app.state.pipeline
    if pipeline is None or staff.curated is None:
        raise HTTPException(status_code=503, detail=staff.wording.zh("index_unavailable"))
    return pipeline


def _resolved(
    pipeline: Pipeline, staff: StaffWorkspace, citations: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Citations looked up in the index; 400 for one it does not hold, 409 when they rest on a superseded
    version (a curated answer that could not be served)."""
    try:
        stored, sources = resolve_citations(pipeline.index, citations)
    except UnknownCitation as error:
        raise HTTPException(
            status_code=400, detail=staff.wording.zh("citation_unknown", doc_id=error.doc_id, section=error.section)
        ) from error
    if reason := staleness(pipeline.index, sources, stored, pipeline.today(), staff.wording):
        raise HTTPException(status_code=409, detail=staff.wording.zh("curated_still_stale", reason=reason))
    return stored, sources


def _views(connection: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    sources = crud.curated_sources(connection, version_ids=[row["version_id"] for row in rows])
    return [curated_view(row, sources.get(row["version_id"], [])) for row in rows]


def _flag_stale(connection: Connection, pipeline: Pipeline, staff: StaffWorkspace) -> bool:
    """Flag the published answers that may no longer be served today (their documents changed). Returns whether
    any was flagged."""
    rows = crud.curated_list(connection, statuses=["published"])
    sources = crud.curated_sources(connection, version_ids=[row["version_id"] for row in rows])
    flagged = False
    for row in rows:
        reason = staleness(
            pipeline.index, sources.get(row["version_id"], []), row["citations"], pipeline.today(), staff.wording
        )
        if reason:
            flagged |= crud.set_curated_status(
                connection, curated_id=row["id"], status="stale", reason=reason, at=now(), only_if="published"
            )
    return flagged


def _one(connection: Connection, curated_id: int, staff: StaffWorkspace) -> Any:
    rows = crud.curated_list(connection, curated_id=curated_id)
    if not rows:
        raise HTTPException(status_code=404, detail=staff.wording.zh("curated_not_found"))
    return rows[0]


@router.get("", summary="审核答复列表", responses=ERRORS)
def list_curated(request: Request, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """全部审核答复（已发布 / 已过时 / 已撤回）及其当前版本；依据的文件已变化的已发布答复在此标记为过时。"""
    pipeline = request.app.state.pipeline
    with staff.database.begin() as connection:
        if pipeline is not None and _flag_stale(connection, pipeline, staff) and staff.curated is not None:
            staff.curated.invalidate()
        items = _views(connection, crud.curated_list(connection))
    return {"items": items}


@router.post("", status_code=201, summary="发布审核答复", responses=ERRORS)
def publish(body: CuratedRequest, request: Request, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """发布一条审核答复（版本 1）；之后与其问题足够接近的提问直接得到这条答复，标明“经工作人员审核”。"""
    pipeline = _pipeline(request, staff)
    stored, sources = _resolved(pipeline, staff, [c.model_dump() for c in body.citations])
    with staff.database.begin() as connection:
        if body.source_answer_id and crud.get_turn(connection, answer_id=body.source_answer_id) is None:
            raise HTTPException(status_code=404, detail=staff.wording.zh("turn_not_found"))
        curated_id = crud.add_curated(
            connection,
            question=body.question.strip(),
            answer=body.answer.strip(),
            citations=stored,
            sources=sources,
            source_answer_id=body.source_answer_id,
            author_id=user.user_id,
            at=now(),
        )
    assert staff.curated is not None
    staff.curated.invalidate()
    return {"id": curated_id, "version": 1}


@router.get("/{curated_id}", summary="审核答复详情（含历史版本）", responses=ERRORS)
def get_curated(curated_id: int, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """当前版本、依据的片段和所有历史版本。"""
    with staff.database.begin() as connection:
        view = _views(connection, [_one(connection, curated_id, staff)])[0]
        view["versions"] = [
            {
                "version": v["version"],
                "question": v["question"],
                "answer": v["answer"],
                "citations": v["citations"],
                "author": v["author"],
                "created": iso(v["created"]),
            }
            for v in crud.curated_versions(connection, curated_id=curated_id)
        ]
    return view


@router.put("/{curated_id}", summary="修改审核答复（生成新版本）", responses=ERRORS)
def edit(
    curated_id: int, body: CuratedEdit, request: Request, user: StaffDep, staff: StaffWorkspaceDep
) -> dict[str, Any]:
    """保存为新版本并发布（过时或已撤回的答复修改后重新发布）。"""
    pipeline = _pipeline(request, staff)
    stored, sources = _resolved(pipeline, staff, [c.model_dump() for c in body.citations])
    with staff.database.begin() as connection:
        _one(connection, curated_id, staff)
        version = crud.add_curated_version(
            connection,
            curated_id=curated_id,
            question=body.question.strip(),
            answer=body.answer.strip(),
            citations=stored,
            sources=sources,
            author_id=user.user_id,
            at=now(),
        )
    assert staff.curated is not None
    staff.curated.invalidate()
    return {"id": curated_id, "version": version}


@router.post("/{curated_id}/approve", summary="重新审核通过过时的答复", responses=ERRORS)
def approve(curated_id: int, request: Request, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """确认答复对变化后的文件仍然成立：以当前条文重新记录依据，生成新版本并恢复发布。"""
    pipeline = _pipeline(request, staff)
    with staff.database.begin() as connection:
        row = _one(connection, curated_id, staff)
    if row["status"] == "withdrawn":
        raise HTTPException(status_code=409, detail=staff.wording.zh("curated_withdrawn"))
    cited = [{"doc_id": c["doc_id"], "section": c["section"]} for c in row["citations"]]
    stored, sources = _resolved(pipeline, staff, cited)
    with staff.database.begin() as connection:
        version = crud.add_curated_version(
            connection,
            curated_id=curated_id,
            question=row["question"],
            answer=row["answer"],
            citations=stored,
            sources=sources,
            author_id=user.user_id,
            at=now(),
        )
    assert staff.curated is not None
    staff.curated.invalidate()
    return {"id": curated_id, "version": version}


@router.delete("/{curated_id}", summary="撤回审核答复", responses=ERRORS)
def withdraw(curated_id: int, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """撤回后不再提供给用户（历史版本保留）。"""
    with staff.database.begin() as connection:
        _one(connection, curated_id, staff)
        crud.set_curated_status(connection, curated_id=curated_id, status="withdrawn", reason=None, at=now())
    if staff.curated is not None:
        staff.curated.invalidate()
    return {"id": curated_id, "status": "withdrawn"}
