"""Evaluation runs from the console: GET /admin/api/eval-datasets, GET/POST /admin/api/eval-runs,
GET /admin/api/eval-runs/{id}, GET /admin/api/eval-runs/compare?a=&b=."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from api import crud
from api.deps import StaffDep, StaffWorkspaceDep
from api.schemas import ErrorPublic
from api.staff.eval_runs import RunnerBusy, UnknownDataset, compare, compare_summaries
from api.staff.views import result_view, run_view
from api.staff.workspace import StaffWorkspace
from eval.dataset import load_dataset

router = APIRouter(prefix="/admin/api", tags=["工作人员后台"])
ERRORS = {code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 422, 503)}


class RunRequest(BaseModel):
    """Which dataset to run (a file name from GET /admin/api/eval-datasets)."""

    dataset: str = Field(..., max_length=255)


@router.get("/eval-datasets", summary="可运行的评测集", responses=ERRORS)
def datasets(user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """评测集文件名及其用例数。"""
    items = []
    for dataset in staff.runner.datasets():
        try:
            cases: int | None = len(load_dataset(dataset.path))
        except (OSError, ValueError):
            cases = None
        items.append({"name": dataset.name, "cases": cases})
    return {"items": items, "running": staff.runner.running}


@router.get("/eval-runs", summary="评测运行列表", responses=ERRORS)
def runs(user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """所有评测运行，最新的在前（进度、总体指标、出处）。"""
    with staff.database.begin() as connection:
        return {"items": [run_view(row) for row in crud.eval_run_list(connection)], "running": staff.runner.running}


@router.post("/eval-runs", status_code=202, summary="开始一次评测", responses=ERRORS)
def start(body: RunRequest, request: Request, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """在后台用当前的索引和设置运行评测集（同一时间只运行一个），每个用例的结果随完成随保存。"""
    pipeline = request.app.state.pipeline
    if pipeline is None:
        raise HTTPException(status_code=503, detail=staff.wording.zh("index_unavailable"))
    try:
        run_id = staff.runner.start(pipeline, body.dataset, started_by=user.user_id)
    except UnknownDataset as error:
        raise HTTPException(status_code=404, detail=staff.wording.zh("dataset_unknown", name=body.dataset)) from error
    except RunnerBusy as error:
        raise HTTPException(status_code=409, detail=staff.wording.zh("run_busy")) from error
    except ValueError as error:
        raise HTTPException(status_code=400, detail=staff.wording.zh("dataset_invalid", error=error)) from error
    return {"id": run_id, "status": "running"}


@router.get("/eval-runs/compare", summary="对比两次评测", responses=ERRORS)
def compare_runs(
    user: StaffDep, staff: StaffWorkspaceDep, a: Annotated[int, Query()], b: Annotated[int, Query()]
) -> dict[str, Any]:
    """两次运行的总体指标并排，以及逐个用例的变化（退步的在前）。"""
    with staff.database.begin() as connection:
        first, second = _run(connection, a, staff), _run(connection, b, staff)
        cases = compare(crud.eval_results_of(connection, run_id=a), crud.eval_results_of(connection, run_id=b))
    return {
        "a": run_view(first),
        "b": run_view(second),
        "metrics": compare_summaries(first["summary"], second["summary"]),
        "cases": cases,
        "regressions": sum(1 for case in cases if case["change"] in ("regressed", "worse")),
    }


@router.get("/eval-runs/{run_id}", summary="一次评测的结果", responses=ERRORS)
def run_detail(run_id: int, user: StaffDep, staff: StaffWorkspaceDep) -> dict[str, Any]:
    """运行的出处、总体与分题型指标，以及每个用例的结果。"""
    with staff.database.begin() as connection:
        view = run_view(_run(connection, run_id, staff))
        view["results"] = [result_view(row) for row in crud.eval_results_of(connection, run_id=run_id)]
    return view


def _run(connection: Any, run_id: int, staff: StaffWorkspace) -> Any:
    rows = crud.eval_run_list(connection, run_id=run_id)
    if not rows:
        raise HTTPException(status_code=404, detail=staff.wording.zh("run_not_found"))
    return rows[0]
