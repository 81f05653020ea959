"""Fixtures of the database tests: a migrated database on each backend and background writers over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from db_helpers import WriterFactory

from api.database import Database, open_database, upgrade
from api.writer import DatabaseWriter


@pytest.fixture()
def database(database_url: str) -> Iterator[Database]:
    """A fresh database at the latest schema."""
    opened = open_database(database_url)
    upgrade(opened)
    yield opened
    opened.dispose()


@pytest.fixture()
def make_writer() -> Iterator[WriterFactory]:
    """Start background writers (``retry_seconds`` and the queue size as a test needs); closed afterwards."""
    writers: list[DatabaseWriter] = []

    def make(database: Database, *, queue_size: int = 100, retry_seconds: float = 60.0) -> DatabaseWriter:
        writer = DatabaseWriter(
            database, queue_size=queue_size, retry_seconds=retry_seconds, retention=timedelta(days=180)
        )
        writer.start()
        writers.append(writer)
        return writer

    yield make
    for writer in writers:
        writer.close(timeout=5)


@pytest.fixture()
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A fresh SQLite file at the latest schema, for faults only a file can have."""
    opened = open_database(f"sqlite:///{tmp_path / 'policybot.sqlite3'}")
    upgrade(opened)
    yield opened
    opened.dispose()
