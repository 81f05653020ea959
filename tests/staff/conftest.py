"""Fixtures of the staff workspace's tests: the app over the shared pipeline with a fresh database (SQLite, then
PostgreSQL) holding one staff account, a regression set in a temporary file, and a logged-in client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from staff_helpers import PASSWORD, USERNAME, add_user, log_in

from api.app import create_app
from bot.pipeline import Pipeline
from bot.settings import Settings


@pytest.fixture()
def staff_settings(settings: Settings, database_url: str, tmp_path: Path) -> Settings:
    """The test settings with a fresh database and the regression set in a temporary file."""
    staff = settings.staff.model_copy(update={"regression_dataset": tmp_path / "regression.jsonl"})
    return settings.model_copy(update={"database_url": database_url, "staff": staff})


@pytest.fixture()
def console(staff_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    """The app with one reviewer account, not logged in."""
    with TestClient(create_app(staff_settings, pipeline=pipeline)) as client:
        add_user(client, USERNAME, PASSWORD)
        yield client


@pytest.fixture()
def staff(console: TestClient) -> TestClient:
    """The same client, logged in (its ``headers`` carry the session's CSRF token)."""
    log_in(console)
    return console
