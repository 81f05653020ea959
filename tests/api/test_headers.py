"""Security headers on every response, a web page that needs no exception to its Content-Security-Policy, API docs
only when the operator turns them on, HEAD /, and an unhandled error answered in Chinese and logged (by a real
uvicorn with the logging of `policybot serve`) without the user's question."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from live_server import live_server

from api.app import STATIC_DIR, create_app
from bot.pipeline import Pipeline
from bot.settings import Settings

HAN = re.compile(r"[\u4e00-\u9fff]")


def assert_security_headers(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("HEAD", "/", 200),
        ("GET", "/static/app.js", 200),
        ("GET", "/static/style.css", 200),
        ("GET", "/healthz", 200),
        ("GET", "/api/documents", 200),
        ("GET", "/no-such-page", 404),
        ("POST", "/api/chat", 422),
        ("DELETE", "/api/chat", 405),
    ],
)
def test_every_response_carries_the_security_headers(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert_security_headers(response)


def test_the_page_policy_allows_no_inline_code_and_no_other_origin(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy


class _InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block in a page: inline scripts and styles, style
    attributes, event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style" or (tag == "script" and "src" not in names):
            self._open = tag
        self.found += [f"{tag}[{name}]" for name in names if name == "style" or name.startswith("on")]

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.found.append(f"inline <{self._open}>")

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def test_the_web_page_has_no_inline_script_or_style() -> None:
    parser = _InlineCode()
    parser.feed((STATIC_DIR / "index.html").read_text(encoding="utf-8"))
    assert parser.found == []
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    assert ".style" not in script and 'setAttribute("style"' not in script and "eval(" not in script


def test_head_of_the_page_has_no_body(client: TestClient) -> None:
    head, get = client.head("/"), client.get("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_api_docs_are_off_unless_the_operator_turns_them_on(
    client: TestClient, settings: Settings, pipeline: Pipeline
) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 404 and HAN.search(response.json()["detail"])
    with TestClient(create_app(settings.model_copy(update={"api_docs": True}), pipeline=pipeline)) as docs_client:
        docs = docs_client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]  # what the page loads
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
        assert docs_client.get("/openapi.json").status_code == 200
        assert docs_client.get("/").headers["content-security-policy"].count("jsdelivr") == 0


class BrokenPipeline:
    """The real pipeline, but answering fails with a library-style error whose message quotes its input (as
    ``UnicodeEncodeError`` and pydantic's ``ValidationError`` do): the stand-in for a bug, which this machine has
    no real way to cause on demand."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def answer(self, question: str, session_id: str | None = None, **_: Any) -> Any:
        raise ValueError(f"cannot segment {question!r}")

    def with_sessions(self, sessions: Any) -> BrokenPipeline:
        """This stand-in, over the real pipeline with the app's conversation memory."""
        self._pipeline = self._pipeline.with_sessions(sessions)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipeline, name)


def test_an_unhandled_error_is_a_chinese_500_and_the_log_keeps_the_question_out(
    settings: Settings, pipeline: Pipeline, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "我们的配方编号XJ-20931保密吗"
    with live_server(create_app(settings, pipeline=BrokenPipeline(pipeline))) as url:  # type: ignore[arg-type]
        response = httpx.post(f"{url}/api/chat", json={"question": secret})
        assert httpx.get(f"{url}/healthz").status_code == 200  # still serving
    assert response.status_code == 500 and response.json() == {"detail": "服务器内部错误，请稍后再试。"}
    assert_security_headers(response)
    out, err = capfd.readouterr()
    log = out + err
    assert "unhandled ValueError in POST /api/chat" in log
    assert f"{Path('api') / 'routes' / 'chat.py'}" in log  # where it happened is kept
    assert secret not in log and "XJ-20931" not in log
