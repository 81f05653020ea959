"""Exports: GET /admin/api/export/conversations|reviews|runs?format=csv|jsonl (conversations take the list's
filters; runs take ``run_id``, else every run)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api import crud
from api.deps import StaffDep, StaffWorkspaceDep
from api.routes.staff_turns import TurnFilterQuery
from api.schemas import ErrorPublic
from api.staff.exports import csv_lines, jsonl_lines
from api.staff.views import iso, result_view, review_view, turn_view

router = APIRouter(prefix="/admin/api/export", tags=["工作人员后台"])
ERRORS = {code: {"model": ErrorPublic} for code in (401, 422, 503)}
Format = Annotated[Literal["csv", "jsonl"], Query(description="csv 或 jsonl")]
TURN_COLUMNS = (
    "answer_id",
    "created",
    "channel",
    "session_id",
    "question",
    "answer",
    "status",
    "mode",
    "latency_ms",
    "top_score",
    "citations",
    "helpful",
    "unhelpful",
    "verdict",
    "corrected_answer",
)
REVIEW_COLUMNS = (
    "id",
    "answer_id",
    "created",
    "reviewer",
    "verdict",
    "comment",
    "corrected_answer",
    "question",
    "original",
    "status",
)
RESULT_COLUMNS = ("run_id", "dataset", "case_id", "question", "status", "passed", "latency_ms", "answer", "metrics")


def _respond(name: str, format: str, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> StreamingResponse:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    body = csv_lines(columns, rows) if format == "csv" else jsonl_lines(rows)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    disposition = f'attachment; filename="policybot-{name}-{stamp}.{format}"'
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/conversations", summary="导出对话记录", responses=ERRORS)
def conversations(
    user: StaffDep, staff: StaffWorkspaceDep, filters: Annotated[TurnFilterQuery, Depends()], format: Format = "csv"
) -> StreamingResponse:
    """按列表的筛选条件导出全部匹配的对话记录。"""
    with staff.database.begin() as connection:
        _, rows = crud.list_turns(connection, where=filters.build(staff), limit=None)
        ids = [row["answer_id"] for row in rows]
        counts = crud.feedback_counts(connection, answer_ids=ids)
        reviews = crud.latest_reviews(connection, answer_ids=ids)
    views = [turn_view(row, counts.get(row["answer_id"]), reviews.get(row["answer_id"])) for row in rows]
    if format == "csv":
        views = [
            {
                **view,
                **view["feedback"],
                "verdict": (view["review"] or {}).get("verdict"),
                "corrected_answer": (view["review"] or {}).get("corrected_answer"),
            }
            for view in views
        ]
    return _respond("conversations", format, TURN_COLUMNS, views)


@router.get("/reviews", summary="导出审核记录", responses=ERRORS)
def reviews(user: StaffDep, staff: StaffWorkspaceDep, format: Format = "csv") -> StreamingResponse:
    """全部审核记录及被审核的问题和原回答。"""
    with staff.database.begin() as connection:
        rows = [
            {
                **(review_view(row) or {}),
                "answer_id": row["answer_id"],
                "question": row["question"],
                "original": row["original"],
                "status": row["status"],
            }
            for row in crud.all_reviews(connection)
        ]
    return _respond("reviews", format, REVIEW_COLUMNS, rows)


@router.get("/runs", summary="导出评测结果", responses=ERRORS)
def runs(
    user: StaffDep, staff: StaffWorkspaceDep, format: Format = "csv", run_id: Annotated[int | None, Query()] = None
) -> StreamingResponse:
    """一次（或全部）评测运行的逐个用例结果，附运行的评测集。"""
    rows = []
    with staff.database.begin() as connection:
        for run in crud.eval_run_list(connection, run_id=run_id):
            rows += [
                {
                    "run_id": run["id"],
                    "dataset": run["dataset"],
                    "run_started": iso(run["started"]),
                    "provenance": run["provenance"],
                    **result_view(result),
                }
                for result in crud.eval_results_of(connection, run_id=run["id"])
            ]
    return _respond("runs", format, RESULT_COLUMNS, rows)
