"""Malformed and oversized requests, sent for real: a lone surrogate, invalid UTF-8, JSON nested too deep, and
bodies over the size limit (declared or streamed) all get a 4xx with a Chinese message, on every route, and the
service keeps answering."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bot.pipeline import Pipeline
from bot.settings import Settings

HAN = re.compile(r"[\u4e00-\u9fff]")
QUESTION = "发明专利权的期限是多少年？"
LIMIT = 64 * 1024  # the default of POLICYBOT_MAX_REQUEST_BYTES
TWENTY_MB = 20 * 1024 * 1024


def padded(size: int) -> bytes:
    """A valid chat request of ``size`` bytes: a real question and a padding field."""
    head = json.dumps({"question": QUESTION, "padding": ""}).encode()
    return head[:-2] + b"x" * (size - len(head)) + head[-2:]


def assert_chinese_error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert HAN.search(detail), detail
    return detail


def assert_still_answers(client: TestClient) -> None:
    response = client.post("/api/chat", json={"question": QUESTION})
    assert response.status_code == 200 and "二十年" in response.json()["answer"]


@pytest.mark.parametrize("question", ["\ud800", "专利\udfff保护多少年", "\udc80"])
def test_a_lone_surrogate_in_the_question_is_a_400(client: TestClient, question: str) -> None:
    body = json.dumps({"question": question})  # ASCII JSON: the surrogate travels as its \u escape
    assert "\\ud" in body
    detail = assert_chinese_error(
        client.post("/api/chat", content=body, headers={"Content-Type": "application/json"}), 400
    )
    assert "无法识别的字符" in detail
    assert_still_answers(client)


def test_a_lone_surrogate_in_the_session_id_is_a_422(client: TestClient) -> None:
    body = json.dumps({"question": QUESTION, "session_id": "abc\ud800"})
    detail = assert_chinese_error(
        client.post("/api/chat", content=body, headers={"Content-Type": "application/json"}), 422
    )
    assert "会话 ID" in detail and "无效字符" in detail


def test_the_pipeline_refuses_a_lone_surrogate_on_every_channel(pipeline: Pipeline) -> None:
    """The command line gets one from undecodable bytes in its arguments (Python decodes them as surrogates)."""
    from bot.errors import QuestionError

    with pytest.raises(QuestionError, match="无法识别的字符"):
        pipeline.answer(b"\xe4\xb8\x93\xff".decode("utf-8", "surrogateescape"))


@pytest.mark.parametrize("body", [b'{"question": "\xff\xfe"}', b"\xc3\x28", '{"question": "专利"}'.encode("gbk")])
def test_invalid_utf8_is_a_400(client: TestClient, body: bytes) -> None:
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert "UTF-8" in assert_chinese_error(response, 400)


@pytest.mark.parametrize("depth", [3_000, 30_000])
def test_json_nested_too_deep_is_a_400(client: TestClient, depth: int) -> None:
    body = b'{"question": "' + QUESTION.encode() + b'", "x": ' + b"[" * depth + b"]" * depth + b"}"
    assert len(body) < LIMIT
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert "嵌套" in assert_chinese_error(response, 400)
    assert_still_answers(client)


def test_other_malformed_json_stays_a_chinese_422(client: TestClient) -> None:
    for body in (b'{"question": ', b"[1, 2", b"null"):
        response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in {400, 422} and HAN.search(response.json()["detail"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/chat"),
        ("POST", "/api/feedback"),
        ("GET", "/healthz"),
        ("GET", "/"),
        ("POST", "/wechat/mp"),
        ("POST", "/no-such-path"),
    ],
)
def test_a_twenty_megabyte_body_is_a_413_on_every_route(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, content=padded(TWENTY_MB), headers={"Content-Type": "application/json"})
    assert "请求体过大" in assert_chinese_error(response, 413)
    assert_still_answers(client)


def test_a_body_at_the_limit_is_answered_and_one_byte_more_is_not(client: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert client.post("/api/chat", content=padded(LIMIT), headers=headers).status_code == 200
    assert_chinese_error(client.post("/api/chat", content=padded(LIMIT + 1), headers=headers), 413)


def test_the_limit_is_a_setting(settings: Settings, pipeline: Pipeline) -> None:
    small = settings.model_copy(update={"max_request_bytes": 1000})
    with TestClient(create_app(small, pipeline=pipeline)) as client:
        headers = {"Content-Type": "application/json"}
        assert client.post("/api/chat", content=padded(1000), headers=headers).status_code == 200
        assert "1000" in assert_chinese_error(client.post("/api/chat", content=padded(1001), headers=headers), 413)


def stream(
    client: TestClient, path: str, chunks: Iterator[bytes], length: bytes | None = None
) -> tuple[int, dict, int]:
    """POST a body that streams in without a Content-Length (as a chunked upload does; or with ``length`` as it)
    straight into the ASGI app; returns the status, the JSON answer and how many body bytes the app pulled."""
    pulled = 0
    messages: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked") if length is None else (b"content-length", length),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    assert client.portal is not None
    client.portal.call(client.app, scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, json.loads(body), pulled


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient, path: str) -> None:
    body = padded(TWENTY_MB)
    chunk = 16 * 1024
    status, answer, pulled = stream(client, path, (body[i : i + chunk] for i in range(0, len(body), chunk)))
    assert status == 413 and "请求体过大" in answer["detail"]
    assert pulled <= LIMIT + chunk  # reading stopped at the limit: the other 20 MB were never buffered
    assert_still_answers(client)


def test_a_streamed_body_under_the_limit_is_answered(client: TestClient) -> None:
    body = padded(10_000)
    status, answer, pulled = stream(client, "/api/chat", (body[i : i + 1000] for i in range(0, len(body), 1000)))
    assert status == 200 and "二十年" in answer["answer"] and pulled == len(body)


def test_a_content_length_that_is_not_ascii_digits_is_no_500(client: TestClient) -> None:
    """The server in front normally refuses such a header; the app must not fail on it either."""
    body = padded(1000)
    status, answer, _ = stream(client, "/api/chat", iter([body]), length="²".encode())
    assert status == 200 and "二十年" in answer["answer"]
