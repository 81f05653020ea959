"""The conversation log through the real app and pipeline, on SQLite and PostgreSQL: every turn is stored with
what the user was told and what produced it, personal data masked; a database locked by another process
neither slows nor breaks an answer; a conversation outlives a restart."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from db_helpers import lock_held, wait_until
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import crud
from api.app import create_app
from api.cli import app as cli
from api.database import open_database
from api.turn_log import turn_row
from bot.conversation import Turn, TurnRecord
from bot.pipeline import Pipeline
from bot.query import Query
from bot.schema import Answer
from bot.settings import Settings, get_settings

QUESTION = "发明专利权的期限是多少年？"
PERSONAL = "我的手机号是13812345678，邮箱zhang.san@example.com，身份证42010619900307123X，卡号6222021234567890123。"
BROWSER = {"Sec-Fetch-Site": "same-origin"}  # what a browser adds to the chat page's requests


def stored_turn(client: TestClient, answer_id: str) -> dict[str, object]:
    records = client.app.state.records
    assert records.writer.flush(timeout=30)
    with records.database.reads.connect() as connection:
        row = crud.get_turn(connection, answer_id=answer_id)
    assert row is not None, "the turn was not stored"
    return dict(row)


def test_every_turn_is_stored_with_what_produced_it(db_client: TestClient) -> None:
    response = db_client.post("/api/chat", json={"question": QUESTION}, headers=BROWSER).json()
    row = stored_turn(db_client, response["answer_id"])
    pipeline: Pipeline = db_client.app.state.pipeline
    assert row["channel"] == "web" and row["session_id"] == response["session_id"] and row["question"] == QUESTION
    assert (row["answer"], row["status"], row["mode"]) == (response["answer"], response["status"], response["mode"])
    assert row["latency_ms"] == response["latency_ms"] and row["query"]
    assert [(c["doc_id"], c["title"], c["version"], c["section"], c["score"], c["text"]) for c in row["citations"]] == [
        (c["doc_id"], c["title"], c["version"], c["section"], c["score"], c["text"]) for c in response["citations"]
    ]
    assert all(c["chunk_id"] for c in row["citations"]) and row["top_score"] == response["citations"][0]["score"]
    assert row["provenance"] == pipeline.provenance
    assert row["provenance"]["index_build"] == pipeline.index.build_id
    assert set(row["provenance"]) == {
        "index_build",
        "ranker_model",
        "settings_hash",
        "embedding_models",
        "templates_version",
    }
    assert row["trace"]["ranker"] == "learned"  # how the answer was ranked, feature by feature
    assert row["trace"]["candidates"][0]["contributions"]
    assert (datetime.now(UTC) - row["created"]).total_seconds() < 600
    assert row["memory"]["answer_id"] == response["answer_id"]
    plain = db_client.post("/api/chat", json={"question": QUESTION}).json()
    assert stored_turn(db_client, plain["answer_id"])["channel"] == "api"


def test_personal_data_is_masked_before_anything_is_stored(db_client: TestClient) -> None:
    response = db_client.post("/api/chat", json={"question": PERSONAL + QUESTION}).json()
    row = stored_turn(db_client, response["answer_id"])
    assert row["question"] == "我的手机号是[手机号]，邮箱[邮箱]，身份证[身份证号]，卡号[银行卡号]。" + QUESTION
    for personal in ("13812345678", "zhang.san@example.com", "42010619900307123X", "6222021234567890123"):
        assert personal not in str(row)  # nowhere: not in the memory, the analysed query or the answer either


def test_a_trace_is_stored_when_the_answer_has_one() -> None:
    query = Query(original=QUESTION, text=QUESTION, dense_text=QUESTION, tokens=[QUESTION])
    trace = {"stages": [{"name": "fusion", "hits": [{"chunk_id": "c1", "score": 0.9}]}]}
    answer = Answer("1" * 32, "回答", "answered", [], "s" * 32, "extractive", 3.0, trace=trace)
    row = turn_row(TurnRecord(Turn(QUESTION, query, "1" * 32), answer, "api", 0.0, {"index_build": "b"}))
    assert row["trace"] == trace and row["memory"]["query"]["tokens"] == [QUESTION]


def test_chat_answers_while_another_process_locks_the_database(db_client: TestClient, database_url: str) -> None:
    writer = db_client.app.state.records.writer
    with lock_held(database_url):
        first = db_client.post("/api/chat", json={"question": QUESTION})
        session_id = first.json()["session_id"]
        follow = db_client.post("/api/chat", json={"question": "那实用新型呢？", "session_id": session_id})
        rating = db_client.post(
            "/api/feedback", json={"answer_id": first.json()["answer_id"], "helpful": True, "session_id": session_id}
        )
        assert (first.status_code, follow.status_code, rating.status_code) == (200, 200, 201)
        assert "十年" in follow.json()["answer"]  # the follow-up kept its conversation (from memory)
        assert wait_until(lambda: writer.status.state == "degraded")
        health = db_client.get("/healthz")
        assert health.status_code == 200  # still answering: a load balancer keeps the instance
        assert health.json()["database"] == "degraded" and health.json()["database_reason"] == "locked"
        assert health.json()["database_backlog"] >= 1
    assert stored_turn(db_client, follow.json()["answer_id"])["session_id"] == session_id
    with db_client.app.state.records.database.reads.connect() as connection:
        assert len(crud.feedback_for_answer(connection, answer_id=first.json()["answer_id"])) == 1
    assert wait_until(lambda: db_client.get("/healthz").json()["database"] == "ok")


def test_a_conversation_continues_after_a_restart(settings: Settings, pipeline: Pipeline, database_url: str) -> None:
    configured = settings.model_copy(update={"database_url": database_url})
    with TestClient(create_app(configured, pipeline=pipeline)) as client:
        first = client.post("/api/chat", json={"question": QUESTION}).json()
    with TestClient(create_app(configured, pipeline=pipeline)) as client:  # a new process: memory is empty
        follow = client.post("/api/chat", json={"question": "那实用新型呢？", "session_id": first["session_id"]}).json()
    assert follow["session_id"] == first["session_id"] and "十年" in follow["answer"]


@pytest.mark.slow
def test_the_cli_stores_its_turns(
    settings: Settings, built_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", url)
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(built_index))
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(settings.corpus_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["ask", QUESTION, "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    answer_id = re.search(r'"answer_id": "([0-9a-f]{32})"', result.output).group(1)
    database = open_database(url)
    with database.reads.connect() as connection:
        row = crud.get_turn(connection, answer_id=answer_id)
    database.dispose()
    assert row is not None and row["channel"] == "cli" and row["question"] == QUESTION
