"""SQL engines for the stores that keep state (sessions, feedback): SQLite by default, any SQLAlchemy URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

_SQLITE_FILE = "sqlite:///"


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created and write-ahead logging turned on
    (readers do not wait for a writer)."""
    engine = create_engine(url)
    if url.startswith(_SQLITE_FILE) and url != _SQLITE_FILE:
        Path(url.removeprefix(_SQLITE_FILE)).parent.mkdir(parents=True, exist_ok=True)

        @event.listens_for(engine, "connect")
        def _write_ahead_log(connection: Any, _: Any) -> None:
            connection.execute("PRAGMA journal_mode=WAL")

    return engine
