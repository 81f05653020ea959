"""POST /api/feedback on both backends: a rating names an answer that exists and comes from the session that
received it; one vote per answer and session, changeable by that session only; flooding is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import crud
from api.app import create_app
from bot.pipeline import Pipeline
from bot.settings import Settings

QUESTION = "发明专利权的期限是多少年？"


def ratings(client: TestClient, answer_id: str) -> list[tuple[str, bool, str | None, str]]:
    records = client.app.state.records
    assert records.writer.flush(timeout=30)
    with records.database.reads.connect() as connection:
        return [
            (r["session_id"], r["helpful"], r["comment"], r["channel"])
            for r in crud.feedback_for_answer(connection, answer_id=answer_id)
        ]


def test_a_session_rates_its_answer_once_and_may_change_its_mind(db_client: TestClient) -> None:
    answer = db_client.post("/api/chat", json={"question": QUESTION}).json()
    rating = {"answer_id": answer["answer_id"], "helpful": True, "session_id": answer["session_id"]}
    response = db_client.post("/api/feedback", json=rating)
    assert response.status_code == 201 and response.json() == {"answer_id": answer["answer_id"], "helpful": True}
    again = db_client.post(
        "/api/feedback", json={**rating, "helpful": False, "comment": "没有说明起算日，请回电 13812345678"}
    )
    assert again.status_code == 201
    assert ratings(db_client, answer["answer_id"]) == [
        (answer["session_id"], False, "没有说明起算日，请回电 [手机号]", "api")
    ]


def test_an_answer_that_was_never_given_cannot_be_rated(db_client: TestClient) -> None:
    answer = db_client.post("/api/chat", json={"question": QUESTION}).json()
    response = db_client.post(
        "/api/feedback", json={"answer_id": "0" * 32, "helpful": False, "session_id": answer["session_id"]}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该回答，无法评价。请针对收到的回答进行评价。"}


def test_another_session_cannot_rate_or_overwrite_an_answer(db_client: TestClient) -> None:
    mine = db_client.post("/api/chat", json={"question": QUESTION}).json()
    theirs = db_client.post("/api/chat", json={"question": "商标注册的有效期是多久？"}).json()
    assert (
        db_client.post(
            "/api/feedback", json={"answer_id": mine["answer_id"], "helpful": True, "session_id": mine["session_id"]}
        ).status_code
        == 201
    )
    assert db_client.app.state.records.writer.flush(timeout=30)  # stored: the lookup goes to the database
    for session_id in (theirs["session_id"], None, "wx:" + "0" * 32):
        response = db_client.post(
            "/api/feedback", json={"answer_id": mine["answer_id"], "helpful": False, "session_id": session_id}
        )
        assert response.status_code == 403, session_id
        assert response.json() == {"detail": "只能评价本会话收到的回答。"}
    assert [helpful for _, helpful, _, _ in ratings(db_client, mine["answer_id"])] == [True]


def test_flooding_ratings_is_refused_in_chinese(settings: Settings, pipeline: Pipeline, database_url: str) -> None:
    limited = settings.model_copy(update={"database_url": database_url, "feedback_rate_limit": 3})
    with TestClient(create_app(limited, pipeline=pipeline)) as client:
        answer = client.post("/api/chat", json={"question": QUESTION}).json()
        rating = {"answer_id": answer["answer_id"], "helpful": False, "session_id": answer["session_id"]}
        codes = [client.post("/api/feedback", json=rating).status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        refused = client.post("/api/feedback", json=rating)
        assert refused.json() == {"detail": "评价提交过于频繁，请稍后再试。"} and "retry-after" in refused.headers
        assert len(ratings(client, answer["answer_id"])) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_ratings_are_refused_in_chinese(db_client: TestClient) -> None:
    bad_id = db_client.post("/api/feedback", json={"answer_id": "../../etc", "helpful": True})
    assert bad_id.status_code == 422 and bad_id.json() == {"detail": "请求格式错误，请检查字段和类型。"}
    missing = db_client.post("/api/feedback", json={"answer_id": "a" * 32})
    assert missing.status_code == 422 and missing.json()["detail"].startswith("缺少必填字段")
