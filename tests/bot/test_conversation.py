"""Sessions persist in SQL: a later process (or a restart) continues the conversation; reset forgets it."""

from __future__ import annotations

from pathlib import Path

from bot.conversation import SessionStore, Turn, sqlite_url
from bot.query import Query


def make_turn(question: str) -> Turn:
    return Turn(question, Query(original=question, text=question, dense_text=question, tokens=[question]), "a1",
                items=["一是", "二是"], cited=[("doc#1", 0.9)])


def test_turns_survive_a_new_store_on_the_same_database(tmp_path: Path) -> None:
    url = sqlite_url(str(tmp_path / "sessions.sqlite3"))
    first = SessionStore(url, ttl_seconds=3600, max_turns=5)
    session = first.get(None)
    first.record(session, make_turn("发明专利保护多少年？"))
    again = SessionStore(url, ttl_seconds=3600, max_turns=5).get(session.session_id)
    assert again.last is not None
    assert again.last.question == "发明专利保护多少年？"
    assert again.last.items == ["一是", "二是"] and again.last.cited == [("doc#1", 0.9)]


def test_only_the_latest_turns_are_kept(tmp_path: Path) -> None:
    store = SessionStore(sqlite_url(str(tmp_path / "s.sqlite3")), ttl_seconds=3600, max_turns=2)
    session = store.get("abc")
    for number in range(4):
        store.record(session, make_turn(f"问题{number}"))
    assert [t.question for t in store.get("abc").turns] == ["问题2", "问题3"]


def test_expired_and_reset_sessions_start_afresh(tmp_path: Path) -> None:
    store = SessionStore(sqlite_url(str(tmp_path / "s.sqlite3")), ttl_seconds=0, max_turns=5)
    session = store.get("abc")
    store.record(session, make_turn("问题"))
    assert store.get("abc").turns == []  # idle longer than the time-to-live
    live = SessionStore(sqlite_url(str(tmp_path / "t.sqlite3")), ttl_seconds=3600, max_turns=5)
    live.record(live.get("xyz"), make_turn("问题"))
    live.reset("xyz")
    assert live.get("xyz").turns == []
