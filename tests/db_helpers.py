"""Helpers for tests that make database faults for real: a second process holding a lock, and waiting for a
background thread to get somewhere."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from api import crud
from api.database import Database, now
from api.writer import DatabaseWriter, Write

LOCK_HOLDER = Path(__file__).with_name("lock_holder.py")
WriterFactory = Callable[..., DatabaseWriter]  # the make_writer fixture of tests/db


@contextmanager
def lock_held(url: str) -> Iterator[None]:
    """Another process holds an exclusive lock on the database for the duration of the block."""
    holder = subprocess.Popen(
        [sys.executable, str(LOCK_HOLDER), url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("release\n")
        holder.stdin.close()
        holder.wait(timeout=30)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` until it holds (a synchronisation with a generous bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def turn_values(answer_id: str, session_id: str = "a" * 32, **overrides: object) -> dict[str, object]:
    """Keyword arguments of ``crud.add_turn`` for a plausible turn (what the pipeline would record)."""
    values: dict[str, object] = {
        "answer_id": answer_id,
        "session_id": session_id,
        "channel": "api",
        "created": now(),
        "question": "发明专利权的期限是多少年？",
        "query": "发明专利权 期限 多少年",
        "answer": "根据《专利法》第四十二条：二十年。",
        "status": "answered",
        "mode": "extractive",
        "latency_ms": 12.5,
        "citations": [
            {
                "doc_id": "related/专利法",
                "title": "中华人民共和国专利法",
                "version": "2020年修正",
                "section": "第四十二条",
                "chunk_id": "related/专利法#42",
                "score": 1.5,
                "in_force": True,
                "text": "第四十二条 发明专利权的期限为二十年",
            }
        ],
        "provenance": {"index_build": "b1", "settings_hash": "s1", "embedding_models": "m", "templates_version": "t"},
        "memory": {"question": "发明专利权的期限是多少年？", "answer_id": answer_id},
        "trace": None,
    }
    values.update(overrides)
    return values


def turn_write(answer_id: str, **overrides: object) -> Write:
    """A writer job that stores ``turn_values(answer_id, **overrides)``."""
    values = turn_values(answer_id, **overrides)
    return Write(
        "turn",
        f"answer_id={answer_id} session={values['session_id']}",
        lambda connection: crud.add_turn(connection, **values),
    )


def stored(database: Database, answer_id: str) -> bool:
    """Whether the turn with this answer id is in the database."""
    with database.reads.connect() as connection:
        return crud.get_turn(connection, answer_id=answer_id) is not None
