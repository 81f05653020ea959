"""The one database module: every table PolicyBot keeps (one ``MetaData``), the engines that reach them, and
the Alembic migrations that create and change them. CRUD lives in ``api/crud.py``.

SQLite is the embedded default; PostgreSQL is used when ``POLICYBOT_DATABASE_URL`` names it (``postgresql://``
URLs get the psycopg 3 driver). Schema changes are Alembic revisions in ``api/migrations/versions``; the app,
the CLI and ``policybot db upgrade`` bring a database to the latest one at start-up. Nothing here calls
``create_all``.

SQLite runs with a rollback journal (``journal_mode=DELETE``), not write-ahead logging. WAL keeps its index in
a ``-shm`` file that SQLite maps into memory; when that file is truncated, unwritable or on a full disk, the
next access is a SIGBUS that kills the process before Python can log anything. A rollback journal maps
nothing, and WAL's advantage (readers do not wait for a writer) matters little here: one background thread
writes small transactions (``api/writer.py``) and the answer path reads only on a session-cache miss, with a
short timeout. A database left in WAL mode by an older version is converted on connect under an exclusive
lock, which makes SQLite keep the WAL index on the heap instead of mapping the ``-shm`` file.

SQLite connections are not pooled: each unit of work opens the file again with ``mode=rw`` (never create),
so a database file deleted or replaced while the server runs is noticed (an error, reported as degraded)
instead of being written to through a deleted inode.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.pool import NullPool, StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Busy timeouts: the background writer may wait for a lock; a read on the answer path gives up quickly and the
# answer goes on without what it wanted to read (an earlier turn), rather than waiting for another process.
WRITE_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 0.25
CONNECT_TIMEOUT_SECONDS = 3
_SQLITE_HEADER = b"SQLite format 3\x00"
_WAL_VERSION = 2  # bytes 18-19 of a SQLite header: 1 = rollback journal, 2 = write-ahead log

# Constraint names follow one convention so later migrations (and SQLite's batch mode) can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it without a zone and returns it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite auto-increments only an INTEGER primary key

turns = Table(
    "turns",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False, unique=True, comment="the answer's id, as the user got it"),
    Column("session_id", String(64), nullable=False, comment="pseudonymous: server-issued, or a hashed OpenID"),
    Column("channel", String(16), nullable=False, index=True, comment="web, api, cli, wechat or wecom"),
    Column("created", UtcDateTime, nullable=False, index=True),
    Column("question", Text, nullable=False, comment="as asked, personal data masked"),
    Column("query", Text, nullable=False, comment="the question as retrieval saw it"),
    Column("answer", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True, comment="answered, no_answer or refused"),
    Column("mode", String(16), nullable=False, comment="extractive, curated …"),
    Column("citations", Json, nullable=False, comment="[{doc_id, title, version, section, chunk_id, score, …}]"),
    Column("top_score", Float, nullable=True, comment="the best citation's score (for low-score filters)"),
    Column("latency_ms", Float, nullable=False),
    Column("trace", Json, nullable=True, comment="how the answer was ranked, when the pipeline explains it"),
    Column("provenance", Json, nullable=False, comment="index build, settings hash, models, template version"),
    Column("memory", Json, nullable=False, comment="what a follow-up needs: analysed query, list items, cited"),
    Column("forgotten", Boolean, nullable=False, default=False, comment="the user restarted the conversation"),
    Index("ix_turns_session_created", "session_id", "created"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), ForeignKey("turns.answer_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("session_id", String(64), nullable=False, comment="the session that received the answer"),
    Column("channel", String(16), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text, nullable=True, comment="personal data masked"),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    UniqueConstraint("answer_id", "session_id", name="uq_feedback_answer_session"),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False, comment="argon2"),
    Column("display_name", String(64), nullable=True),
    Column("role", String(16), nullable=False, default="reviewer"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created", UtcDateTime, nullable=False),
    Column("last_login", UtcDateTime, nullable=True),
    CheckConstraint("role IN ('admin', 'reviewer')", name="role"),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="SHA-256 of the session cookie, never the cookie"),
    Column("user_id", Id, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=False, index=True),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), ForeignKey("turns.answer_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("reviewer_id", Id, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    Column("verdict", String(16), nullable=False),
    Column("comment", Text, nullable=True),
    Column("corrected_answer", Text, nullable=True),
    Column("created", UtcDateTime, nullable=False),
    CheckConstraint("verdict IN ('correct', 'partial', 'wrong')", name="verdict"),
)

curated_answers = Table(
    "curated_answers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False, index=True),
    Column("current_version", Integer, nullable=False, default=1),
    Column("source_answer_id", String(32), ForeignKey("turns.answer_id", ondelete="SET NULL"), nullable=True),
    Column("stale_reason", Text, nullable=True, comment="which document changed, when flagged stale"),
    Column("created_by", Id, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    CheckConstraint("status IN ('published', 'stale', 'withdrawn')", name="status"),
)

curated_answer_versions = Table(
    "curated_answer_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("curated_id", Id, ForeignKey("curated_answers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Json, nullable=False, comment="[{doc_id, section, …}]"),
    Column("created_by", Id, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    Column("created", UtcDateTime, nullable=False),
    Column("approved_by", Id, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    UniqueConstraint("curated_id", "version", name="uq_curated_answer_versions_curated_version"),
)

curated_answer_sources = Table(
    "curated_answer_sources",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version_id", Id, ForeignKey("curated_answer_versions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("doc_id", String(255), nullable=False, index=True),
    Column("doc_version", String(64), nullable=True, comment="the document version the answer rests on"),
    Column("chunk_id", String(255), nullable=False),
    Column("chunk_hash", String(64), nullable=False, comment="SHA-256 of the chunk text it rests on"),
)

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dataset", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started", UtcDateTime, nullable=False, index=True),
    Column("finished", UtcDateTime, nullable=True),
    Column("provenance", Json, nullable=False),
    Column("summary", Json, nullable=True, comment="overall and per-type metrics"),
    Column("error", Text, nullable=True),
    Column("started_by", Id, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
    CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
)

eval_results = Table(
    "eval_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("eval_runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("case_id", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Json, nullable=False),
    Column("metrics", Json, nullable=False, comment="hit ranks, key-point recall, abstention outcome …"),
    Column("passed", Boolean, nullable=True),
    Column("latency_ms", Float, nullable=True),
    UniqueConstraint("run_id", "case_id", name="uq_eval_results_run_case"),
)


@dataclass(frozen=True, slots=True)
class Database:
    """The engines of one database.

    Attributes:
        writes: for the background writer and migrations (waits up to ``WRITE_TIMEOUT_SECONDS`` for a lock).
        reads: for reads on the answer path (gives up after ``READ_TIMEOUT_SECONDS``).
        url: the URL with any password hidden, for logs.
        sqlite_path: the database file, for SQLite files.
    """

    writes: Engine
    reads: Engine
    url: str
    sqlite_path: Path | None

    def dispose(self) -> None:
        """Close pooled connections."""
        self.writes.dispose()
        self.reads.dispose()


def _normalise(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _convert_from_wal(connection: sqlite3.Connection, path: Path) -> None:
    """Switch a WAL-mode database file to a rollback journal without mapping its ``-shm`` file.

    An exclusive lock taken before the first access makes SQLite keep the WAL index on the heap; the WAL's
    committed pages are checkpointed into the database as the mode changes.
    """
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return  # missing or unreadable: the first statement reports it
    if header[:16] != _SQLITE_HEADER or header[18] != _WAL_VERSION:
        return
    connection.execute("PRAGMA locking_mode=EXCLUSIVE")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.execute("PRAGMA locking_mode=NORMAL")


def _sqlite_engine(path: Path | None, timeout: float) -> Engine:
    if path is None:  # an in-memory database lives in one connection, shared by every thread
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(
            f"sqlite:///file:{quote(str(path))}?mode=rw&uri=true",
            poolclass=NullPool,
            connect_args={"timeout": timeout, "check_same_thread": False},
        )

    # do_connect, not connect: the dialect's first-connect queries would otherwise touch a WAL-mode file (and map
    # its -shm) before the conversion below could run.
    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Dialect, _: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> sqlite3.Connection:
        connection: sqlite3.Connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
        try:
            if path is not None:
                _convert_from_wal(connection, path)
                connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA mmap_size=0")  # nothing mapped: a storage fault is an error, not a SIGBUS
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    return engine


def open_database(url: str) -> Database:
    """Engines for ``url`` (a SQLAlchemy URL; ``sqlite://`` is a private in-memory database).

    A SQLite file's folder is created; the file itself is created by ``upgrade`` (not by a connection), so a
    file deleted later is an error rather than a silent new one.
    """
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database
        path = None if name in (None, "", ":memory:") else Path(name).resolve()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        writes = _sqlite_engine(path, WRITE_TIMEOUT_SECONDS)
        reads = writes if path is None else _sqlite_engine(path, READ_TIMEOUT_SECONDS)
        return Database(writes, reads, parsed.render_as_string(hide_password=True), path)
    # PostgreSQL readers never wait for writers, but every statement may wait for a lock: bound both sides.
    write_ms, read_ms = int(WRITE_TIMEOUT_SECONDS * 1000), int(READ_TIMEOUT_SECONDS * 1000)
    writes = create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": f"-c lock_timeout={write_ms}"},
    )
    reads = create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": f"-c statement_timeout={read_ms}"},
    )
    return Database(writes, reads, parsed.render_as_string(hide_password=True), None)


def alembic_config() -> Config:
    """The Alembic configuration of PolicyBot's migrations (``api/migrations``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default), creating a SQLite file that does not exist.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database cannot be reached or changed.
    """
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        sqlite3.connect(database.sqlite_path).close()
    config = alembic_config()
    with database.writes.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(database: Database) -> str | None:
    """The revision the database's schema is at (None: no schema yet)."""
    with database.writes.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` removes every table)."""
    config = alembic_config()
    with database.writes.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def now() -> datetime:
    """The current time, timezone-aware UTC (what every timestamp column holds)."""
    return datetime.now(UTC)
