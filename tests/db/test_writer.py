"""The background writer on both backends, with faults made for real: another process holding a lock on the
database, a full queue, a write that can never succeed. The caller never waits; what cannot be kept is
logged by its ids."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from db_helpers import WriterFactory, lock_held, stored, turn_values, turn_write, wait_until

from api import crud
from api.database import Database, now
from api.writer import DatabaseWriter, Write

QUESTION = "发明专利权的期限是多少年？"


def degraded(writer: DatabaseWriter, reason: str) -> bool:
    status = writer.status
    return status.state == "degraded" and status.reason == reason


def test_writes_are_applied_and_the_database_reported_ok(database: Database, make_writer: WriterFactory) -> None:
    writer = make_writer(database)
    assert writer.submit(turn_write("1" * 32))
    assert writer.submit(
        Write(
            "feedback",
            "answer_id=1…",
            lambda connection: crud.upsert_feedback(
                connection, answer_id="1" * 32, session_id="a" * 32, channel="web", helpful=True, comment=None, at=now()
            ),
        )
    )
    assert writer.flush(timeout=30)
    assert stored(database, "1" * 32)
    with database.reads.connect() as connection:
        assert len(crud.feedback_for_answer(connection, answer_id="1" * 32)) == 1
    assert writer.status.state == "ok" and writer.status.backlog == 0 and writer.status.dropped == 0


def test_a_locked_database_holds_writes_until_it_is_released(
    database: Database, database_url: str, make_writer: WriterFactory
) -> None:
    writer = make_writer(database)
    with lock_held(database_url):
        assert writer.submit(turn_write("1" * 32))  # returns at once: the caller never waits for the lock
        assert wait_until(lambda: degraded(writer, "locked"))
        assert not writer.flush(timeout=0.1)  # still queued, not lost
    assert writer.flush(timeout=30)
    assert stored(database, "1" * 32)
    assert writer.status.state == "ok" and writer.status.dropped == 0


def test_a_full_queue_drops_new_writes_and_logs_their_ids(
    database: Database, database_url: str, make_writer: WriterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(database, queue_size=2)
    with lock_held(database_url), caplog.at_level(logging.ERROR, logger="api.writer"):
        writer.submit(turn_write("1" * 32))
        assert wait_until(lambda: degraded(writer, "locked"))  # the writer holds the first write, retrying
        assert writer.submit(turn_write("2" * 32)) and writer.submit(turn_write("3" * 32))
        assert not writer.submit(turn_write("4" * 32, session_id="b" * 32))
    assert f"dropped turn answer_id={'4' * 32} session={'b' * 32}: the queue is full" in caplog.text
    assert QUESTION not in caplog.text  # ids only, never what the user asked
    assert writer.flush(timeout=30)
    assert [stored(database, n * 32) for n in "1234"] == [True, True, True, False]
    assert writer.status.dropped == 1


def test_writes_that_keep_failing_are_dropped_after_the_retry_window(
    database: Database, database_url: str, make_writer: WriterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(database, retry_seconds=0.5)
    with lock_held(database_url), caplog.at_level(logging.ERROR, logger="api.writer"):
        writer.submit(turn_write("1" * 32))
        assert wait_until(lambda: writer.status.dropped == 1)
    assert f"dropped turn answer_id={'1' * 32} session={'a' * 32}: the database stayed locked" in caplog.text
    assert writer.flush(timeout=30) and not stored(database, "1" * 32)


def test_a_write_that_can_never_succeed_does_not_hold_up_the_others(
    database: Database, make_writer: WriterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(database)
    orphan = Write(
        "feedback",
        f"answer_id={'f' * 32}",
        lambda connection: crud.upsert_feedback(
            connection, answer_id="f" * 32, session_id="a" * 32, channel="web", helpful=True, comment=None, at=now()
        ),
    )
    with caplog.at_level(logging.ERROR, logger="api.writer"):
        writer.submit(turn_write("1" * 32))
        writer.submit(orphan)  # names no stored answer: a constraint violation, never retried
        writer.submit(turn_write("2" * 32))
        assert writer.flush(timeout=30)
    assert stored(database, "1" * 32) and stored(database, "2" * 32)
    assert writer.status.dropped == 1 and f"dropped feedback answer_id={'f' * 32}" in caplog.text
    assert writer.status.state == "ok"


def test_old_turns_are_deleted_by_the_writer(database: Database, make_writer: WriterFactory) -> None:
    with database.writes.begin() as connection:
        crud.add_turn(connection, **turn_values("1" * 32, created=now() - timedelta(days=181)))
        crud.add_turn(connection, **turn_values("2" * 32, created=now() - timedelta(days=179)))
    make_writer(database)  # retention: 180 days
    assert wait_until(lambda: not stored(database, "1" * 32))
    assert stored(database, "2" * 32)
