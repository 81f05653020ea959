"""GET /healthz and GET /api/documents."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import PipelineDep, RecordsDep
from api.schemas import DocumentPublic, ErrorPublic, HealthPublic
from bot.settings import today
from index.build import describe_documents

router = APIRouter(tags=["系统"])


@router.get("/healthz", response_model=HealthPublic, responses={503: {"model": HealthPublic}}, summary="服务状态")
def healthz(request: Request, response: Response, records: RecordsDep) -> HealthPublic:
    """索引是否已加载、使用的模型、文档数与片段数，以及对话记录数据库的状态。

    没有可用的索引（无法回答）时返回 503，负载均衡器据此摘除本实例。数据库降级或索引退回上一个完好的构建时
    仍返回 200：照常回答，负载均衡不应因此摘除实例（见 README“Failure modes”）。
    """
    pipeline = request.app.state.pipeline
    settings = request.app.state.settings
    model, day = settings.retrieval.models, today(settings).isoformat()
    database = records.writer.status
    database_fields = {
        "database": database.state,
        "database_reason": database.reason,
        "database_backlog": database.backlog,
    }
    if pipeline is None:
        response.status_code = 503
        return HealthPublic(
            status="no_index",
            index_loaded=False,
            model=model,
            documents=0,
            chunks=0,
            today=day,
            detail=request.app.state.startup_error,
            **database_fields,
        )
    index = pipeline.index
    return HealthPublic(
        status="degraded" if index.passed_over else "ok",
        index_loaded=True,
        model=model,
        documents=len(index.docs),
        chunks=len(index.chunks),
        build_id=index.build_id,
        ranker=pipeline.searcher.models.ranker.name,
        today=day,
        stale=request.app.state.index_stale,
        previous_build=bool(index.passed_over),
        detail="；".join(index.passed_over) or None,
        **database_fields,
    )


@router.get(
    "/api/documents",
    response_model=list[DocumentPublic],
    responses={503: {"model": ErrorPublic}},
    summary="已索引的文档",
)
def documents(pipeline: PipelineDep) -> list[DocumentPublic]:
    """标题、类别、版本、公布与施行日期、当天的状态（现行有效 / 尚未施行 / 已被取代）及片段数。"""
    rows = describe_documents(pipeline.index.docs.values(), pipeline.index.chunks, pipeline.today())
    return [DocumentPublic.model_validate(row) for row in rows]
