"""Which conversation a web or API client may continue: only live sessions the server issued. Another
channel's session (``wx:<…>``), a made-up id or an expired one starts a new conversation instead."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

QUESTION = "发明专利权的期限是多少年？"
FOLLOW_UP = "那实用新型呢？"
ISSUED = re.compile(r"[0-9a-f]{32}")


def test_issued_session_ids_continue_their_conversation(db_client: TestClient) -> None:
    first = db_client.post("/api/chat", json={"question": QUESTION, "session_id": None}).json()
    assert ISSUED.fullmatch(first["session_id"])
    follow = db_client.post("/api/chat", json={"question": FOLLOW_UP, "session_id": first["session_id"]}).json()
    assert follow["session_id"] == first["session_id"] and "十年" in follow["answer"]


def test_a_web_client_cannot_read_or_continue_a_wechat_conversation(db_client: TestClient) -> None:
    pipeline = db_client.app.state.pipeline
    wechat = "wx:" + "5" * 32
    pipeline.answer(QUESTION, wechat, channel="wechat")  # a WeChat user's conversation
    response = db_client.post("/api/chat", json={"question": FOLLOW_UP, "session_id": wechat}).json()
    assert response["session_id"] != wechat and ISSUED.fullmatch(response["session_id"])
    assert "十年" not in response["answer"]  # not answered as the WeChat user's follow-up
    assert len(pipeline.sessions.get(wechat).turns) == 1  # and nothing added to their conversation


@pytest.mark.parametrize("made_up", ["0" * 32, "abc", "../../etc/passwd", "WX:" + "5" * 32])
def test_a_session_id_the_server_never_issued_starts_a_new_conversation(db_client: TestClient, made_up: str) -> None:
    response = db_client.post("/api/chat", json={"question": QUESTION, "session_id": made_up})
    assert response.status_code == 200
    assert response.json()["session_id"] != made_up and ISSUED.fullmatch(response.json()["session_id"])
