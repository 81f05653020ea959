"""Answers while the database is locked: POST /api/chat and /api/feedback latency with the SQLite file free, then
while another process holds ``BEGIN EXCLUSIVE`` on it for 10 s, and whether every turn reached the database
afterwards.

Serves the real app with uvicorn on 127.0.0.1 over a fresh SQLite file (the index the settings name; build it
first with ``policybot ingest``), asks distinct dev-set questions one after another, and prints p50 / p95 /
max, the errors, what /healthz said during the lock, and the turns stored once the lock is gone.

    python scripts/bench_db_faults.py [--lock-seconds 10]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from api.app import create_app
from bot.settings import PROJECT_ROOT, get_settings
from eval.bench import percentile, served
from eval.dataset import load_dataset

HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.rollback()
"""


def _turn(http: httpx.Client, question: str) -> tuple[float, int, int]:
    """Ask, then rate the answer: (milliseconds for both, chat status, feedback status)."""
    started = time.perf_counter()
    chat = http.post("/api/chat", json={"question": question})
    rated = 0
    if chat.status_code == 200:
        answer = chat.json()
        rated = http.post(
            "/api/feedback",
            json={"answer_id": answer["answer_id"], "helpful": True, "session_id": answer["session_id"]},
        ).status_code
    return (time.perf_counter() - started) * 1000, chat.status_code, rated


def _report(name: str, results: list[tuple[float, int, int]]) -> None:
    timings = [ms for ms, _, _ in results]
    errors = sum(1 for _, chat, rated in results if chat != 200 or rated != 201)
    print(
        f"  {name}: {len(results)} questions, each answered and rated: p50 {statistics.median(timings):.1f} ms  "
        f"p95 {percentile(timings, 0.95):.1f} ms  max {max(timings):.1f} ms  errors {errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--lock-seconds", type=float, default=10.0)
    args = parser.parse_args()

    questions = [case.question for case in load_dataset(PROJECT_ROOT / "eval" / "datasets" / "dev.jsonl")]
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite:///{database}", "feedback_rate_limit": 10_000}
    )
    with served(create_app(settings), args.port) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        if http.get("/healthz").json()["status"] != "ok":
            raise SystemExit("no index: run `policybot ingest` first")
        free = [_turn(http, question) for question in questions[:20]]
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(database), str(args.lock_seconds)], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        locked_until = time.monotonic() + args.lock_seconds
        locked, health = [], []
        for question in questions[20:]:
            if time.monotonic() >= locked_until - 0.2:
                break
            locked.append(_turn(http, question))
            response = http.get("/healthz")
            health.append((response.status_code, response.json()["database"], response.json()["database_reason"]))
        holder.wait()
        drained_after = time.monotonic()
        while http.get("/healthz").json()["database_backlog"] and time.monotonic() - drained_after < 60:
            time.sleep(0.05)
        drained = time.monotonic() - drained_after
    with sqlite3.connect(database) as connection:
        turns, ratings = (
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("turns", "feedback")
        )
    print(f"POST /api/chat + POST /api/feedback over a SQLite file (models {settings.retrieval.models}):")
    _report("database free", free)
    _report(f"another process holding BEGIN EXCLUSIVE for {args.lock_seconds:g} s", locked)
    print(f"  /healthz during the lock: {sorted(set(health))}")
    print(
        f"  after the lock: backlog written in {drained:.1f} s; {turns} turns and {ratings} ratings stored "
        f"of {len(free) + len(locked)} answered and rated"
    )


if __name__ == "__main__":
    main()
