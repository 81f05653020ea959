"""Conversation memory over the real SQL conversation log (SQLite and PostgreSQL): a later process continues
a conversation, only the latest turns are remembered, expired and restarted sessions start afresh, unknown
ids are not sessions, and the lock around the cache is never held while the database is busy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from db_helpers import lock_held

from api.records import Records, open_records
from bot.conversation import SessionStore, Turn, TurnRecord
from bot.query import Query
from bot.schema import Answer
from bot.settings import Settings


@pytest.fixture()
def records(database_url: str) -> Iterator[Records]:
    opened = open_records(Settings(database_url=database_url))
    yield opened
    opened.close()


def record(store: SessionStore, session_id: str, question: str, answer_id: str) -> None:
    session = store.get(session_id)
    turn = Turn(
        question,
        Query(original=question, text=question, dense_text=question, tokens=[question]),
        answer_id,
        items=["一是", "二是"],
        cited=[("doc#1", 0.9)],
    )
    answer = Answer(answer_id, "回答", "answered", [], session_id, "extractive", 1.0)
    store.record(session, TurnRecord(turn, answer, "api", session.touched, {"index_build": "b"}))


def store_over(records: Records, **sizes: float) -> SessionStore:
    return SessionStore(records.turns, **({"ttl_seconds": 3600, "max_turns": 5} | sizes))


def test_a_new_store_on_the_same_database_continues_the_conversation(records: Records) -> None:
    record(store_over(records), "s" * 32, "发明专利保护多少年？", "1" * 32)
    assert records.writer.flush(timeout=30)
    again = store_over(records).find("s" * 32)  # a restarted process: nothing in memory
    assert again is not None and again.last is not None
    assert again.last.question == "发明专利保护多少年？" and again.last.answer_id == "1" * 32
    assert again.last.items == ["一是", "二是"] and again.last.cited == [("doc#1", 0.9)]
    assert again.last.query.tokens == ["发明专利保护多少年？"]


def test_only_the_latest_turns_are_remembered(records: Records) -> None:
    store = store_over(records, max_turns=2)
    for number in range(4):
        record(store, "s" * 32, f"问题{number}", f"{number:032d}")
    assert [t.question for t in store.get("s" * 32).turns] == ["问题2", "问题3"]
    assert records.writer.flush(timeout=30)
    assert [t.question for t in store_over(records, max_turns=2).get("s" * 32).turns] == ["问题2", "问题3"]


def test_expired_restarted_and_unknown_sessions_start_afresh(records: Records) -> None:
    expired = store_over(records, ttl_seconds=0)
    record(expired, "s" * 32, "问题", "1" * 32)
    assert expired.find("s" * 32) is None and expired.get("s" * 32).turns == []
    live = store_over(records)
    record(live, "t" * 32, "问题", "2" * 32)
    live.reset("t" * 32)
    assert live.get("t" * 32).turns == []
    assert records.writer.flush(timeout=30)
    assert store_over(records).find("t" * 32) is None  # forgotten in the database too
    assert live.find("u" * 32) is None
    assert len(live.new().session_id) == 32 and live.new().session_id != live.new().session_id


def test_a_locked_database_costs_a_follow_up_its_memory_not_its_answer(records: Records, database_url: str) -> None:
    store = store_over(records)
    record(store, "s" * 32, "问题", "1" * 32)
    assert records.writer.flush(timeout=30)
    with lock_held(database_url):
        assert store.find("s" * 32) is not None  # in memory: no database read
        assert store_over(records).find("s" * 32) is None  # not in memory: the read gives up, the session is new
        record(store, "s" * 32, "追问", "2" * 32)  # queued, not waited for
    assert records.writer.flush(timeout=30)
    assert [t.answer_id for t in store_over(records).get("s" * 32).turns] == ["1" * 32, "2" * 32]
