"""GET /healthz and GET /api/documents."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import PipelineDep
from api.schemas import DocumentPublic, ErrorPublic, HealthPublic
from index.build import describe_documents

router = APIRouter(tags=["系统"])


@router.get("/healthz", response_model=HealthPublic, responses={503: {"model": HealthPublic}}, summary="服务状态")
def healthz(request: Request, response: Response) -> HealthPublic:
    """索引是否已加载、使用的模型、文档数与片段数。无法回答问题时返回 503，负载均衡器据此摘除本实例。"""
    pipeline = request.app.state.pipeline
    model = request.app.state.settings.retrieval.models
    if pipeline is None:
        response.status_code = 503
        return HealthPublic(status="no_index", index_loaded=False, model=model, documents=0, chunks=0,
                            detail=request.app.state.startup_error)
    index = pipeline.index
    return HealthPublic(status="degraded" if index.passed_over else "ok", index_loaded=True, model=model,
                        documents=len(index.docs), chunks=len(index.chunks), build_id=index.build_id,
                        stale=request.app.state.index_stale, previous_build=bool(index.passed_over),
                        detail="；".join(index.passed_over) or None)


@router.get("/api/documents", response_model=list[DocumentPublic], responses={503: {"model": ErrorPublic}},
            summary="已索引的文档")
def documents(pipeline: PipelineDep) -> list[DocumentPublic]:
    """标题、类别、版本、是否现行及片段数。"""
    rows = describe_documents(pipeline.index.docs.values(), pipeline.index.chunks)
    return [DocumentPublic.model_validate(row) for row in rows]
