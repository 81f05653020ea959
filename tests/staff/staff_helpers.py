"""Helpers of the staff workspace's tests (a uniquely named module in tests/staff, which pytest puts on sys.path)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api import crud
from api.database import now
from api.staff.auth import hash_password

USERNAME, PASSWORD = "reviewer1", "correct horse battery"
BROWSER = {"Sec-Fetch-Site": "same-origin"}


def add_user(client: TestClient, username: str, password: str, role: str = "reviewer") -> None:
    """Create an account in the app's database (as `policybot admin create-user` does)."""
    with client.app.state.records.database.writes.begin() as connection:
        crud.add_staff_user(connection, username=username, password_hash=hash_password(password), role=role, at=now())


def log_in(client: TestClient, username: str = USERNAME, password: str = PASSWORD) -> str:
    """Log in and send the session's CSRF token with every later request. Returns the token."""
    response = client.post("/admin/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


def ask(client: TestClient, question: str, session_id: str | None = None) -> dict[str, Any]:
    """Ask on /api/chat as the web page does; wait until the turn is in the database."""
    response = client.post("/api/chat", json={"question": question, "session_id": session_id}, headers=BROWSER)
    assert response.status_code == 200, response.text
    assert client.app.state.records.writer.flush(timeout=30)
    return response.json()
