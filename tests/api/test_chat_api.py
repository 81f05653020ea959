"""The HTTP API contract: /api/chat, /healthz, /api/documents, Chinese errors, the web chat page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.factory import Components, build_pipeline
from bot.pipeline import Pipeline
from bot.settings import Settings

HAN = re.compile(r"[\u4e00-\u9fff]")
CITATION_FIELDS = {"doc_id", "title", "section", "version", "status", "in_force", "text", "score"}


def test_chat_answers_with_the_contract_fields(client: TestClient) -> None:
    response = client.post("/api/chat", json={"question": "发明专利权的期限是多少年？", "session_id": None})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"answer_id", "answer", "status", "citations", "session_id", "mode", "latency_ms"}
    assert body["status"] == "answered" and body["mode"] == "extractive"
    assert body["citations"] and all(set(c) == CITATION_FIELDS for c in body["citations"])
    assert "第四十二条" in body["citations"][0]["section"]
    follow = client.post("/api/chat", json={"question": "那实用新型呢？", "session_id": body["session_id"]}).json()
    assert follow["session_id"] == body["session_id"] and follow["answer_id"] != body["answer_id"]
    assert "十年" in follow["answer"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"question": "   "}}, 400),
        ({"json": {"question": "专" * 501}}, 400),
        ({"json": {"session_id": None}}, 422),
        ({"json": {"question": 42}}, 422),
        ({"content": b'{"question": ', "headers": {"Content-Type": "application/json"}}, 422),
    ],
)
def test_bad_requests_get_a_chinese_message(client: TestClient, kwargs: dict, status: int) -> None:
    response = client.post("/api/chat", **kwargs)
    assert response.status_code == status
    assert HAN.search(response.json()["detail"])


def test_health_and_documents(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["index_loaded"]
    assert health["model"] == "use-multilingual + e5-small"  # main and second embedding model
    assert health["documents"] == 22 and health["chunks"] > 2500
    assert health["today"] == "2026-12-02"  # the day the statuses are computed for (POLICYBOT_TODAY in the tests)
    assert health["ranker"] == "learned"  # trained by `policybot train` (conftest trains the test index)
    documents = client.get("/api/documents").json()
    assert len(documents) == 22
    rules = [d for d in documents if d["title"] == "中华人民共和国专利法实施细则"]
    assert sorted((d["version"], d["status"]) for d in rules) == [("2010年版", "已被取代"), ("2023年修订", "现行有效")]
    trademark = sorted(
        (d["promulgated"], d["effective"], d["status"]) for d in documents if d["title"] == "中华人民共和国商标法"
    )
    assert trademark == [("2019-04-23", None, "现行有效"), ("2026-06-26", "2027-01-01", "尚未施行")]
    assert all(d["chunks"] > 0 for d in documents)


def test_openapi_documents_the_chat_endpoint(settings: Settings, pipeline: Pipeline) -> None:
    with TestClient(create_app(settings.model_copy(update={"api_docs": True}), pipeline=pipeline)) as client:
        schema = client.get("/openapi.json").json()
        assert client.get("/docs").status_code == 200
    assert "/api/chat" in schema["paths"] and "AnswerPublic" in schema["components"]["schemas"]


def test_web_chat_page_is_served_without_external_resources(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "知识产权政策问答" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # works offline: no CDN
    assert client.get("/static/app.js").status_code == 200


def test_unknown_paths_answer_in_chinese(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and HAN.search(response.json()["detail"])


def test_missing_index_is_reported_with_how_to_build_it(tmp_path: Path, settings: Settings) -> None:
    empty = settings.model_copy(update={"index_dir": tmp_path / "no-index", "database_url": "sqlite://"})
    with TestClient(create_app(empty)) as client:
        health = client.get("/healthz").json()
        assert health["status"] == "no_index" and "policybot ingest" in health["detail"]
        response = client.post("/api/chat", json={"question": "发明专利保护多少年？"})
        assert response.status_code == 503 and "policybot ingest" in response.json()["detail"]


def test_health_reports_a_changed_corpus(tmp_path: Path, settings: Settings, pipeline: Pipeline) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "新文件.txt").write_text("新的政策文件\n\n第一条 内容。", encoding="utf-8")
    changed = settings.model_copy(update={"corpus_dir": corpus, "database_url": "sqlite://"})
    with TestClient(create_app(changed, pipeline=pipeline)) as client:
        assert client.get("/healthz").json()["stale"] is True
    with TestClient(create_app(settings.model_copy(update={"database_url": "sqlite://"}), pipeline=pipeline)) as client:
        assert client.get("/healthz").json()["stale"] is False


@pytest.mark.parametrize(
    ("today", "first", "note"),
    [
        (date(2026, 12, 2), ("2019年修正", "现行有效"), True),
        (date(2027, 1, 2), ("2026年6月26日公布，2027年1月1日施行", "现行有效"), False),
    ],
)
def test_the_same_trademark_question_on_two_days(
    settings: Settings, components: Components, today: date, first: tuple[str, str], note: bool
) -> None:
    """POLICYBOT_TODAY decides the version in force: the switch on 2027-01-01 needs no re-ingest."""
    as_of = settings.model_copy(update={"today": today})
    with TestClient(create_app(as_of, pipeline=build_pipeline(as_of, components))) as client:
        body = client.post("/api/chat", json={"question": "注册商标的有效期是多久？"}).json()
        assert client.get("/healthz").json()["today"] == today.isoformat()
    top = body["citations"][0]
    assert (top["title"], top["version"], top["status"]) == ("中华人民共和国商标法", *first)
    assert top["in_force"] is True
    assert ("注意：2026年6月26日修订的《中华人民共和国商标法》将于2027年1月1日起施行" in body["answer"]) is note


def test_debug_returns_how_the_answer_was_reached(client: TestClient) -> None:
    plain = client.post("/api/chat", json={"question": "发明专利权的期限是多少年？"}).json()
    assert "trace" not in plain
    traced = client.post("/api/chat", json={"question": "发明专利权的期限是多少年？", "debug": True}).json()
    trace = traced["trace"]
    assert traced["answer"] == plain["answer"] and trace["ranker"] == "learned"
    assert trace["candidates"][0]["section"].endswith("第四十二条")
    assert set(trace["candidates"][0]["contributions"]) == set(trace["candidates"][0]["features"])
    steps = [step["step"] for step in trace["steps"]]
    assert steps[:2] == ["candidates", "ranker"] and {"evidence", "sources", "answered"} <= set(steps)
    missing = client.post("/api/chat", json={"question": "商标法第一百条规定了什么？", "debug": True}).json()
    assert missing["status"] == "no_answer" and missing["trace"]["steps"][-1]["step"] == "no_such_article"
