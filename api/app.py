"""create_app(): the FastAPI application — API, web chat page and error handling in Chinese."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.factory import build_pipeline, load_components, session_store
from api.records import open_records
from api.routes import chat, feedback, system
from api.wechat import routes as wechat_routes
from api.wechat.ratelimit import RateLimiter
from api.wechat.setup import open_channels
from bot.pipeline import Pipeline
from bot.settings import Settings, get_settings
from index.build import is_stale
from index.errors import CorpusIndexError

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
_FIELD_NAMES = {"question": "问题", "session_id": "会话 ID", "answer_id": "回答 ID", "helpful": "是否有帮助",
                "comment": "意见"}


def _validation_message(error: RequestValidationError) -> str:
    """A Chinese message for a malformed request body."""
    for item in error.errors():
        kind, location = item.get("type", ""), [str(part) for part in item.get("loc", ())]
        field = _FIELD_NAMES.get(location[-1], location[-1]) if location else "请求"
        if kind == "json_invalid":
            return "请求体不是有效的 JSON，请检查格式。"
        if kind == "missing":
            return f"缺少必填字段：{field}。"
        if kind in {"string_type", "model_attributes_type", "dict_type"}:
            return f"字段格式错误：{field} 的类型不正确。"
        if kind == "string_too_long":
            return f"字段过长：{field}。"
    return "请求格式错误，请检查字段和类型。"


def create_app(settings: Settings | None = None, *, pipeline: Pipeline | None = None) -> FastAPI:
    """Build the app. The pipeline is loaded at start-up unless one is given (tests pass their own).

    A missing or mismatched index does not stop the app: /healthz reports it and /api/chat answers 503
    with a message that says how to build the index.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.records = records = open_records(settings)
        app.state.pipeline = pipeline.with_sessions(session_store(settings, records.turns)) if pipeline else None
        app.state.startup_error = None
        if pipeline is None:
            try:
                app.state.pipeline = build_pipeline(settings, load_components(settings), log=records.turns)
            except CorpusIndexError as error:
                logger.warning("index not loaded: %s", error)
                app.state.startup_error = str(error)
        app.state.index_stale = app.state.pipeline is not None and is_stale(
            settings.index_dir, [settings.corpus_dir], embedding_model=settings.retrieval.embedding_model,
            chunk_max_chars=settings.retrieval.chunk_max_chars,
            second_model=settings.retrieval.second_embedding_model,
        )
        if app.state.index_stale:
            logger.warning("corpus/ changed since the index was built: run `policybot ingest` to update it")
        app.state.feedback_limiter = RateLimiter(settings.feedback_rate_limit, settings.feedback_rate_window_seconds,
                                                 max_users=settings.session_cache_size)
        app.state.wechat = open_channels(settings, records.feedback)
        yield
        app.state.wechat.close()
        records.close()

    app = FastAPI(
        title="PolicyBot 政策问答 API",
        description="《武汉市知识产权“十四五”规划》及相关国家知识产权法律法规的带引用问答。",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_message(error)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {404: "未找到该页面或接口。", 405: "不支持该请求方法。"}
        # A route's own (Chinese) detail is kept; Starlette's English defaults ("Not Found") are replaced.
        own = isinstance(error.detail, str) and error.detail != HTTPStatus(error.status_code).phrase
        detail = error.detail if own else None
        return JSONResponse(status_code=error.status_code, content={"detail": detail or messages.get(
            error.status_code, "请求无法处理。")}, headers=getattr(error, "headers", None))

    app.include_router(chat.router)
    app.include_router(system.router)
    app.include_router(feedback.router)
    app.include_router(wechat_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    return app
