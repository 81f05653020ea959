"""POST /api/feedback: rating an answer from the web."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_rating_an_answer_is_stored_and_can_be_changed(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"question": "发明专利权的期限是多少年？"}).json()
    rating = {"answer_id": answer["answer_id"], "helpful": True, "session_id": answer["session_id"]}
    response = client.post("/api/feedback", json=rating)
    assert response.status_code == 201 and response.json() == {"answer_id": answer["answer_id"], "helpful": True}
    client.post("/api/feedback", json={**rating, "helpful": False, "comment": "没有说明起算日"})
    store = client.app.state.feedback
    [stored] = store.for_answer(answer["answer_id"])
    assert (stored.helpful, stored.comment, stored.source, stored.user) == (
        False, "没有说明起算日", "web", answer["session_id"])


def test_malformed_ratings_are_refused_in_chinese(client: TestClient) -> None:
    bad_id = client.post("/api/feedback", json={"answer_id": "../../etc", "helpful": True})
    assert bad_id.status_code == 422 and bad_id.json() == {"detail": "请求格式错误，请检查字段和类型。"}
    missing = client.post("/api/feedback", json={"answer_id": "a" * 32})
    assert missing.status_code == 422 and missing.json()["detail"].startswith("缺少必填字段")
