"""The CRUD functions on both backends: turns round-trip with their JSON and timestamps, a session's memory,
one rating per answer and session, and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from db_helpers import turn_values
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from api import crud
from api.database import Database, now, reviews


def test_a_turn_round_trips(database: Database) -> None:
    values = turn_values("1" * 32, trace={"hits": [{"chunk_id": "c1", "score": 0.9}]})
    with database.writes.begin() as connection:
        crud.add_turn(connection, **values)
    with database.reads.connect() as connection:
        row = crud.get_turn(connection, answer_id="1" * 32)
        assert crud.session_of_answer(connection, answer_id="1" * 32) == "a" * 32
        assert crud.session_of_answer(connection, answer_id="2" * 32) is None
    assert row is not None
    for key in ("question", "answer", "status", "mode", "citations", "provenance", "trace", "channel", "latency_ms"):
        assert row[key] == values[key], key
    assert row["top_score"] == 1.5
    assert row["created"] == values["created"] and row["created"].tzinfo is not None


def test_session_memory_is_the_latest_turns_oldest_first(database: Database) -> None:
    start = now()
    with database.writes.begin() as connection:
        for number in range(5):
            crud.add_turn(
                connection,
                **turn_values(
                    f"{number:032d}", "s" * 32, memory={"n": number}, created=start + timedelta(seconds=number)
                ),
            )
        crud.add_turn(connection, **turn_values("9" * 32, "t" * 32, memory={"n": 9}))
    with database.reads.connect() as connection:
        latest = crud.session_memory(connection, session_id="s" * 32, since=start - timedelta(hours=1), limit=3)
        recent = crud.session_memory(connection, session_id="s" * 32, since=start + timedelta(seconds=3), limit=10)
    assert [m["n"] for m in latest] == [2, 3, 4]
    assert [m["n"] for m in recent] == [4]
    with database.writes.begin() as connection:
        assert crud.forget_session(connection, session_id="s" * 32) == 5
    with database.reads.connect() as connection:
        assert crud.session_memory(connection, session_id="s" * 32, since=start - timedelta(hours=1), limit=3) == []
        assert crud.get_turn(connection, answer_id="0" * 32) is not None  # forgotten by memory, kept in the log


def test_one_rating_per_answer_and_session_which_may_change(database: Database) -> None:
    answer_id = "1" * 32
    with database.writes.begin() as connection:
        crud.add_turn(connection, **turn_values(answer_id))
        crud.upsert_feedback(
            connection, answer_id=answer_id, session_id="a" * 32, channel="web", helpful=True, comment=None, at=now()
        )
        crud.upsert_feedback(
            connection,
            answer_id=answer_id,
            session_id="a" * 32,
            channel="web",
            helpful=False,
            comment="没有说明起算日",
            at=now(),
        )
        crud.upsert_feedback(
            connection, answer_id=answer_id, session_id="b" * 32, channel="api", helpful=True, comment=None, at=now()
        )
    with database.reads.connect() as connection:
        rows = crud.feedback_for_answer(connection, answer_id=answer_id)
    assert [(r["session_id"], r["helpful"], r["comment"]) for r in rows] == [
        ("a" * 32, False, "没有说明起算日"),
        ("b" * 32, True, None),
    ]


def test_a_rating_must_name_a_stored_answer(database: Database) -> None:
    with pytest.raises(IntegrityError), database.writes.begin() as connection:
        crud.upsert_feedback(
            connection, answer_id="f" * 32, session_id="a" * 32, channel="web", helpful=True, comment=None, at=now()
        )


def test_retention_deletes_old_turns_with_their_feedback_but_keeps_reviewed_ones(database: Database) -> None:
    old = now() - timedelta(days=200)
    with database.writes.begin() as connection:
        crud.add_turn(connection, **turn_values("1" * 32, created=old))
        crud.add_turn(connection, **turn_values("2" * 32, created=old))
        crud.add_turn(connection, **turn_values("3" * 32))
        crud.upsert_feedback(
            connection, answer_id="1" * 32, session_id="a" * 32, channel="web", helpful=False, comment=None, at=old
        )
        connection.execute(insert(reviews).values(answer_id="2" * 32, verdict="wrong", created=now()))
    with database.writes.begin() as connection:
        assert crud.delete_turns_before(connection, before=now() - timedelta(days=180)) == 1
    with database.reads.connect() as connection:
        assert crud.get_turn(connection, answer_id="1" * 32) is None
        assert crud.feedback_for_answer(connection, answer_id="1" * 32) == []
        assert crud.get_turn(connection, answer_id="2" * 32) is not None
        assert crud.get_turn(connection, answer_id="3" * 32) is not None
