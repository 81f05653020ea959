"""SQLite storage faults made for real: a shared-memory (-shm) file truncated and unwritable, an unwritable
write-ahead log, a read-only database, a database file deleted while the server runs. None of them may take
the process down or be silently written around; each is reported as the database's status.

"Unwritable" is made with ``chattr +i`` when the tests run as root (root ignores file modes) and with the file
mode otherwise. Faults that could kill a process are run in a child process (storage_probe.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from db_helpers import WriterFactory, stored, turn_write, wait_until

from api import crud
from api.database import Database, open_database, upgrade

TESTS = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).with_name("storage_probe.py")
MakeUnwritable = Callable[[Path], None]
OLD_ANSWER = "0" * 32  # written by an older, WAL-mode PolicyBot before the fault


@pytest.fixture()
def unwritable() -> Iterator[MakeUnwritable]:
    """Make files unwritable for this process (and undo it afterwards, so the folder can be removed)."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() == 0:
            if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
                pytest.skip("cannot make a file unwritable for root here (chattr +i unsupported)")
        else:
            path.chmod(0o444)
        made.append(path)

    yield make
    for path in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        else:
            path.chmod(0o644)


def left_in_wal_mode(path: Path) -> None:
    """A database as a WAL-mode PolicyBot leaves it when killed: its last turn still in the -wal file, the -shm
    file beside it (the process exits without closing, so nothing is checkpointed)."""
    database = open_database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    script = f"""
        import os, sqlite3
        connection = sqlite3.connect({str(path)!r})
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("INSERT INTO turns (answer_id, session_id, channel, created, question, query, answer, "
                           "status, mode, citations, latency_ms, provenance, memory, forgotten) "
                           "VALUES (?, 's', 'web', datetime('now'), 'q', 'q', 'a', 'answered', 'extractive', "
                           "'[]', 1.0, '{{}}', '{{}}', 0)", ({OLD_ANSWER!r},))
        connection.commit()
        os._exit(0)
    """
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True)
    assert Path(f"{path}-wal").stat().st_size > 0 and Path(f"{path}-shm").exists()


def probe(path: Path, answer_id: str) -> tuple[int, dict[str, object]]:
    """Run the database layer in a child process; its exit code and what it reported."""
    done = subprocess.run(
        [sys.executable, str(PROBE), str(path), answer_id],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
    )
    report = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    return done.returncode, report


def test_a_truncated_unwritable_shm_file_kills_a_wal_mode_process(tmp_path: Path, unwritable: MakeUnwritable) -> None:
    """The fault itself, shown on plain SQLite in WAL mode (what PolicyBot used before): SIGBUS, nothing logged."""
    path = tmp_path / "wal.sqlite3"
    script = f"""
        import os, sqlite3, subprocess
        connection = sqlite3.connect({str(path)!r})
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.commit()
        os.truncate({str(path)!r} + "-shm", 0)
        print("truncated", flush=True)
        input()
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
    """
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "truncated"
    unwritable(Path(f"{path}-shm"))
    child.communicate("\n", timeout=60)
    assert child.returncode == -signal.SIGBUS


def test_a_database_left_in_wal_mode_with_a_broken_shm_file_is_converted_without_a_crash(
    tmp_path: Path, unwritable: MakeUnwritable
) -> None:
    path = tmp_path / "policybot.sqlite3"
    left_in_wal_mode(path)
    shm = Path(f"{path}-shm")
    shm.write_bytes(b"")
    unwritable(shm)
    code, report = probe(path, "1" * 32)
    assert code == 0, f"the process died (exit code {code})"
    assert report["state"] == "ok" and report["journal"] == "delete"
    assert report["answers"] == [OLD_ANSWER, "1" * 32]  # the WAL's last turn was kept, the new one written
    assert not Path(f"{path}-wal").exists()


def test_an_unwritable_wal_file_degrades_the_database_without_a_crash(
    tmp_path: Path, unwritable: MakeUnwritable
) -> None:
    path = tmp_path / "policybot.sqlite3"
    left_in_wal_mode(path)
    unwritable(Path(f"{path}-wal"))
    code, report = probe(path, "1" * 32)
    assert code == 0, f"the process died (exit code {code})"
    assert report["state"] == "degraded" and report["dropped"] == 1, report


def test_the_writer_keeps_no_shared_memory_file(sqlite_database: Database, make_writer: WriterFactory) -> None:
    writer = make_writer(sqlite_database)
    for number in range(3):
        writer.submit(turn_write(f"{number:032d}"))
    assert writer.flush(timeout=30)
    path = sqlite_database.sqlite_path
    assert not Path(f"{path}-shm").exists() and not Path(f"{path}-wal").exists()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_read_only_database_is_reported_and_its_writes_dropped(
    sqlite_database: Database, make_writer: WriterFactory, unwritable: MakeUnwritable, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(sqlite_database, retry_seconds=0.5)
    unwritable(sqlite_database.sqlite_path)
    writer.submit(turn_write("1" * 32))
    assert wait_until(lambda: writer.status.dropped == 1)
    assert writer.status.state == "degraded" and writer.status.reason == "read_only"
    assert f"dropped turn answer_id={'1' * 32}" in caplog.text
    with sqlite_database.reads.connect() as connection:  # still readable
        assert crud.get_turn(connection, answer_id="1" * 32) is None


def test_a_deleted_database_file_is_noticed_not_written_to(
    sqlite_database: Database, make_writer: WriterFactory
) -> None:
    writer = make_writer(sqlite_database)
    writer.submit(turn_write("1" * 32))
    assert writer.flush(timeout=30)
    sqlite_database.sqlite_path.unlink()
    writer.submit(turn_write("2" * 32, question="删除之后的问题"))
    assert wait_until(lambda: writer.status.reason == "missing")
    assert not sqlite_database.sqlite_path.exists()  # not silently recreated (nor written through the old inode)
    upgrade(sqlite_database)  # what `policybot db upgrade` (or a restart) does: a new, empty database
    assert writer.flush(timeout=30)
    assert stored(sqlite_database, "2" * 32) and not stored(sqlite_database, "1" * 32)
    assert writer.status.state == "ok"
