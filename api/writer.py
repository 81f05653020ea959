"""The background writer: everything PolicyBot records (turns, feedback, forgotten sessions) goes through one
bounded queue and one thread, so a database that is locked, read-only, unreachable or gone never slows or
breaks an answer.

A write that fails for a reason that may pass (a lock, a lost connection, a missing or read-only file) is
retried with exponential backoff, in order, for up to ``retry_seconds``; one that can never succeed (a
constraint violation) is dropped at once. Whatever is dropped — the queue is full, the retries ran out, the
process is stopping — is logged by its ids (answer and session ids, never a user's words). The writer's last
outcome is the database status ``/healthz`` reports; while idle it probes the database with a write that
changes nothing, so a fault is noticed without waiting for traffic. Old turns are deleted once an hour
(retention).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from api import crud
from api.database import Database, now, upgrade

logger = logging.getLogger(__name__)

BATCH_SIZE = 64  # writes per transaction: one commit (one fsync on SQLite) for a burst of turns
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0
PROBE_SECONDS = 15.0  # how often an idle writer checks the database
DEGRADED_PROBE_SECONDS = 1.0  # ... and how often while it is degraded, to notice the recovery soon
PRUNE_SECONDS = 3600.0

Reason = Literal["locked", "read_only", "missing", "unreachable", "error"]


@dataclass(frozen=True, slots=True)
class Write:
    """One unit of work for the writer.

    Attributes:
        kind: what is written (``turn``, ``feedback``, ``forget``), for the log.
        ids: what identifies it in the log if it is dropped (ids only, never a user's words).
        apply: runs the write on a connection inside the writer's transaction.
    """

    kind: str
    ids: str
    apply: Callable[[Connection], object]


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    """The database as the writer last found it.

    Attributes:
        state: ``ok``, or ``degraded`` when the last write or probe failed.
        reason: why it is degraded (None when ok).
        backlog: writes waiting in the queue.
        dropped: writes dropped since start-up.
    """

    state: Literal["ok", "degraded"]
    reason: Reason | None
    backlog: int
    dropped: int


def classify(error: BaseException) -> Reason:
    """What kind of fault a database error is (for the status and the log)."""
    message = str(getattr(error, "orig", error)).lower()
    if "locked" in message or "busy" in message or "lock timeout" in message or "statement timeout" in message:
        return "locked"
    if "readonly" in message or "read-only" in message or "read only" in message:
        return "read_only"
    if "unable to open" in message or "no such table" in message or "does not exist" in message:
        return "missing"
    if (isinstance(error, DBAPIError) and error.connection_invalidated) or "connection" in message:
        return "unreachable"
    return "error"


def _transient(error: BaseException) -> bool:
    """Whether retrying may help: yes for faults of the database, not for constraint violations, bad data or bugs."""
    return isinstance(error, SQLAlchemyError) and not isinstance(error, IntegrityError | DataError)


class DatabaseWriter:
    """A bounded queue of writes and the one thread that applies them.

    Args:
        database: where the writes go.
        queue_size: writes that may wait; when the queue is full, new writes are dropped (and logged).
        retry_seconds: how long a failing write is retried before it is dropped.
        retention: turns older than this are deleted (reviewed turns are kept).
    """

    def __init__(self, database: Database, *, queue_size: int, retry_seconds: float, retention: timedelta) -> None:
        self._database = database
        self._queue: queue.Queue[Write] = queue.Queue(maxsize=queue_size)
        self._retry_seconds = retry_seconds
        self._retention = retention
        self._stop = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="database-writer", daemon=True)
        self._state: Literal["ok", "degraded"] = "ok"
        self._reason: Reason | None = None
        self._dropped = 0
        self._drop_lock = threading.Lock()
        self._schema_ready = False
        self._next_prune = 0.0

    # --- the caller's side ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Bring the schema up to date (one try here; the thread retries) and start the thread."""
        self._upgrade()
        self._thread.start()

    def submit(self, write: Write) -> bool:
        """Queue a write without waiting. Returns False when it was dropped (queue full or writer stopped)."""
        if self._closing:
            self._drop(write, "the writer has stopped")
            return False
        try:
            self._queue.put_nowait(write)
        except queue.Full:
            self._drop(write, f"the queue is full ({self._queue.maxsize} writes waiting)")
            return False
        return True

    @property
    def status(self) -> DatabaseStatus:
        """The database's state as last seen, and the writes waiting."""
        return DatabaseStatus(self._state, self._reason, self._queue.qsize(), self._dropped)

    @property
    def available(self) -> bool:
        """Whether a read is worth trying now (not while the database is missing or unreachable)."""
        return self._state == "ok" or self._reason in {"locked", "read_only"}

    def flush(self, timeout: float) -> bool:
        """Wait until every queued write is written or dropped. Returns False when ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def close(self, timeout: float) -> None:
        """Stop taking writes, write what is queued for up to ``timeout`` seconds, drop (and log) the rest."""
        self._closing = True
        self.flush(timeout)
        self._stop.set()
        with contextlib.suppress(queue.Full):  # wake the thread from its wait; a full queue means it is busy
            self._queue.put_nowait(_WAKE)
        if self._thread.is_alive():
            self._thread.join(timeout=BACKOFF_MAX_SECONDS + 1)
        while True:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                break
            if write is not _WAKE:
                self._drop(write, "the process is stopping")
            self._queue.task_done()
        self._database.dispose()

    # --- the writer thread ----------------------------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        while not self._schema_ready and not self._stop.wait(_backoff(attempt)):
            attempt += 1
            self._upgrade()
        if self._schema_ready:
            self._prune_when_due()
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=DEGRADED_PROBE_SECONDS if self._state == "degraded" else PROBE_SECONDS)
            except queue.Empty:
                self._probe()
                self._prune_when_due()
                continue
            if first is _WAKE:
                self._queue.task_done()
                continue
            batch = [first]
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()
            self._prune_when_due()

    def _write(self, batch: list[Write]) -> None:
        """Apply a batch in one transaction, retrying transient faults; split it when one write is bad."""
        started, attempt = time.monotonic(), 0
        while True:
            try:
                with self._database.writes.begin() as connection:
                    for write in batch:
                        write.apply(connection)
                self._healthy()
                return
            except Exception as error:
                if not _transient(error):
                    if len(batch) > 1:  # find the bad write and keep the others
                        for write in batch:
                            self._write([write])
                        return
                    logger.warning("%s write failed: %s", batch[0].kind, type(error).__name__)
                    self._drop(batch[0], f"it cannot be written ({type(error).__name__})")
                    return
                self._degraded(error)
                if time.monotonic() - started >= self._retry_seconds or self._stop.is_set():
                    for write in batch:
                        self._drop(write, f"the database stayed {self._reason} for {self._retry_seconds:g} s")
                    return
                if self._stop.wait(_backoff(attempt)):
                    continue  # stopping: one last try above, then drop
                attempt += 1

    def _upgrade(self) -> None:
        try:
            upgrade(self._database)
        except Exception as error:
            self._degraded(error)
            return
        self._schema_ready = True
        self._healthy()

    def _probe(self) -> None:
        """A write that changes nothing: fails when the database is locked, read-only, missing or unreachable."""
        try:
            with self._database.writes.begin() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except Exception as error:
            self._degraded(error)
            return
        self._healthy()

    def _prune_when_due(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_SECONDS
        try:
            with self._database.writes.begin() as connection:
                deleted = crud.delete_turns_before(connection, before=now() - self._retention)
        except Exception as error:  # retention can wait for the next round
            logger.warning("deleting old turns failed (%s); retrying in an hour", classify(error))
            return
        if deleted:
            logger.info("deleted %d turns older than %s days", deleted, self._retention.days)

    # --- state and the drop log -----------------------------------------------------------------------------

    def _healthy(self) -> None:
        if self._state != "ok":
            logger.warning("database %s is writable again", self._database.url)
        self._state, self._reason = "ok", None

    def _degraded(self, error: BaseException) -> None:
        reason = classify(error)
        if (self._state, self._reason) != ("degraded", reason):
            logger.error(
                "database %s degraded (%s): %s",
                self._database.url,
                reason,
                str(getattr(error, "orig", error)).splitlines()[0][:200],
            )
        self._state, self._reason = "degraded", reason

    def _drop(self, write: Write, why: str) -> None:
        with self._drop_lock:
            self._dropped += 1
        logger.error("dropped %s %s: %s", write.kind, write.ids, why)


_WAKE = Write("wake", "", lambda _: None)  # put by close() to end the thread's wait for work


def _backoff(attempt: int) -> float:
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2**attempt)
