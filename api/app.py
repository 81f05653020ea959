"""create_app(): the FastAPI application — API, web chat page and error handling in Chinese."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.factory import build_pipeline, load_components, session_store
from api.middleware.body_limit import BodySizeLimit
from api.middleware.security_headers import DOCS_POLICY, SecurityHeaders
from api.middleware.server_errors import ServerErrors
from api.records import open_records
from api.routes import chat, feedback, system
from api.routes.staff import STAFF_ROUTERS
from api.staff.workspace import open_workspace
from api.wechat import routes as wechat_routes
from api.wechat.ratelimit import RateLimiter
from api.wechat.setup import open_channels
from bot.pipeline import Pipeline
from bot.settings import Settings, get_settings
from bot.templates import Templates
from index.build import is_stale
from index.errors import CorpusIndexError, IndexCorrupt, IndexMismatch, IndexNotReady

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
WORDING_FILE = "api_messages.toml"
DOCS_URL, OPENAPI_URL = "/docs", "/openapi.json"
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Why the index could not be loaded -> what users are told (the details go to /healthz and the log).
_UNAVAILABLE = {IndexNotReady: "index_missing", IndexMismatch: "index_mismatch", IndexCorrupt: "index_corrupt"}
_FRAMEWORK_ERRORS = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


def _field_name(wording: Templates, location: list[str]) -> str:
    name = location[-1] if location else "request"
    try:
        return wording.zh(f"field_{name}")
    except KeyError:
        return name


def _validation_message(error: RequestValidationError, wording: Templates) -> str:
    """A Chinese message for a malformed request body."""
    for item in error.errors():
        kind, location = item.get("type", ""), [str(part) for part in item.get("loc", ())]
        field = _field_name(wording, location)
        if kind == "json_invalid":
            return wording.zh("json_invalid")
        if kind == "missing":
            return wording.zh("field_missing", field=field)
        if kind in {"string_type", "model_attributes_type", "dict_type"}:
            return wording.zh("field_type", field=field)
        if kind == "string_too_long":
            return wording.zh("field_too_long", field=field)
        if kind == "string_unicode":  # pydantic's word for a string holding a lone surrogate (JSON "\ud800")
            return wording.zh("field_characters", field=field)
    return wording.zh("request_invalid")


def _http_message(error: StarletteHTTPException, wording: Templates, max_request_bytes: int) -> str:
    """The Chinese detail of an HTTP error: PolicyBot's own errors carry one; the framework's carry English, which
    is replaced by what its status (and, for a body that did not parse, its cause) means."""
    if isinstance(error.detail, str) and _HAN.search(error.detail):
        return error.detail
    if error.status_code == 400:
        cause = error.__cause__
        if isinstance(cause, UnicodeDecodeError):
            return wording.zh("invalid_utf8")
        if isinstance(cause, RecursionError):
            return wording.zh("json_too_deep")
        return wording.zh("body_unreadable")
    return wording.zh(_FRAMEWORK_ERRORS.get(error.status_code, "request_failed"), limit=max_request_bytes)


def create_app(settings: Settings | None = None, *, pipeline: Pipeline | None = None) -> FastAPI:
    """Build the app. The pipeline is loaded at start-up unless one is given (tests pass their own).

    A missing, mismatched or corrupt index does not stop the app: /healthz reports it and /api/chat answers 503
    with a message that says what to run. A corrupt build with an intact earlier one beside it serves the earlier
    one, and /healthz says so.
    """
    settings = settings or get_settings()
    wording = Templates(settings.prompts_dir / WORDING_FILE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.wording = wording
        app.state.records = records = open_records(settings)
        app.state.pipeline = pipeline.with_sessions(session_store(settings, records.turns)) if pipeline else None
        app.state.startup_error = None
        app.state.unavailable = None
        if pipeline is None:
            try:
                app.state.pipeline = build_pipeline(settings, load_components(settings), log=records.turns)
            except CorpusIndexError as error:
                logger.error("index at %s not loaded: %s", settings.index_dir, error)
                app.state.startup_error = str(error)
                app.state.unavailable = wording.zh(_UNAVAILABLE.get(type(error), "index_corrupt"))
        app.state.index_stale = app.state.pipeline is not None and is_stale(
            settings.index_dir,
            [settings.corpus_dir],
            embedding_model=settings.retrieval.embedding_model,
            chunk_max_chars=settings.retrieval.chunk_max_chars,
            second_model=settings.retrieval.second_embedding_model,
        )
        if app.state.index_stale:
            logger.warning(
                "corpus/ changed since the index was built, or the index needs rebuilding: "
                "run `policybot ingest` to update it"
            )
        app.state.feedback_limiter = RateLimiter(
            settings.feedback_rate_limit, settings.feedback_rate_window_seconds, max_users=settings.session_cache_size
        )
        app.state.wechat = open_channels(settings, records.feedback)
        app.state.staff = open_workspace(settings, records, app.state.pipeline)
        yield
        app.state.staff.close()
        app.state.wechat.close()
        records.close()

    app = FastAPI(
        title="PolicyBot 政策问答 API",
        description="《武汉市知识产权“十四五”规划》及相关国家知识产权法律法规的带引用问答。",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=DOCS_URL if settings.api_docs else None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.api_docs else None,
    )
    # add_middleware wraps what is already there: the last added runs first.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        detail=wording.zh("body_too_large", limit=settings.max_request_bytes),
    )
    app.add_middleware(ServerErrors, detail=wording.zh("internal_error"))
    app.add_middleware(SecurityHeaders, policies={DOCS_URL: DOCS_POLICY})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_message(error, wording)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": _http_message(error, wording, settings.max_request_bytes)},
            headers=getattr(error, "headers", None),
        )

    app.include_router(chat.router)
    app.include_router(system.router)
    app.include_router(feedback.router)
    app.include_router(wechat_routes.router)
    for router in STAFF_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    return app
