"""The dashboard's figures: GET /admin/api/stats?days=N (daily figures and content gaps)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import crud
from api.deps import StaffDep, StaffWorkspaceDep
from api.schemas import ErrorPublic
from api.staff.gaps import content_gaps
from api.staff.stats import daily_figures, window_start

router = APIRouter(prefix="/admin/api", tags=["工作人员后台"])
GAP_QUESTIONS = 500  # the newest gap questions clustered at most


@router.get("/stats", summary="质量统计与内容缺口", responses={c: {"model": ErrorPublic} for c in (401, 422, 503)})
def stats(user: StaffDep, staff: StaffWorkspaceDep, days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, Any]:
    """最近 N 天每天的提问数、回答 / 未找到 / 拒答数、有帮助 / 没帮助评价数和 95 分位用时，以及内容缺口：
    没能回答、被评为没帮助或审核为错误的问题按含义聚类，最大的在前。"""
    today = datetime.now(staff.zone).date()
    since = window_start(days, today, staff.zone)
    with staff.database.begin() as connection:
        activity = crud.turn_activity(connection, since=since)
        gaps = crud.gap_questions(connection, since=since, limit=GAP_QUESTIONS)
    encoder = staff.curated.encoder if staff.curated is not None else None
    return {
        "days": days,
        "daily": daily_figures(activity, days=days, today=today, zone=staff.zone),
        "gaps": content_gaps(gaps, encoder, similarity=staff.settings.staff.gap_similarity),
    }
