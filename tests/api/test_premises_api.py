"""Issue 16 over HTTP: an article past the end of a law and a false figure, as /api/chat returns them."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_no_such_article_over_the_api(client: TestClient) -> None:
    body = client.post("/api/chat", json={"question": "商标法第一百条规定了什么？", "session_id": None}).json()
    assert body["status"] == "no_answer"
    assert body["answer"] == "《中华人民共和国商标法》（现行有效版本）没有第一百条，全文共七十三条。"
    assert all(c["title"] == "中华人民共和国商标法" for c in body["citations"])


def test_false_figure_over_the_api(client: TestClient) -> None:
    body = client.post("/api/chat", json={"question": "发明专利的保护期是五十年，对吗？", "session_id": None}).json()
    assert body["status"] == "answered"
    assert body["answer"].startswith("您提到的「五十年」与条文不符：\n根据《中华人民共和国专利法》第四十二条")
    assert body["citations"][0]["section"].endswith("第四十二条")
