"""Initial schema: the conversation log (turns, feedback) and the staff workspace (staff users and their
sessions, reviews, versioned curated answers with the chunks they rest on, evaluation runs and their cases).

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Types spelled out here rather than imported from api/database.py: a revision must not change with the models.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", ID, autoincrement=True, nullable=False)


def _staff(name: str, table: str, *, nullable: bool = True) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    """A column referring to a staff user, and its foreign key (SET NULL: a removed account keeps its work)."""
    return (
        sa.Column(name, ID, nullable=nullable),
        sa.ForeignKeyConstraint([name], ["staff_users.id"], name=f"fk_{table}_{name}_staff_users", ondelete="SET NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "staff_users",
        _id(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False, comment="argon2"),
        sa.Column("display_name", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created", TIME, nullable=False),
        sa.Column("last_login", TIME, nullable=True),
        sa.CheckConstraint("role IN ('admin', 'reviewer')", name="ck_staff_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("username", name="uq_staff_users_username"),
    )
    op.create_table(
        "turns",
        _id(),
        sa.Column("answer_id", sa.String(32), nullable=False, comment="the answer's id, as the user got it"),
        sa.Column(
            "session_id", sa.String(64), nullable=False, comment="pseudonymous: server-issued, or a hashed OpenID"
        ),
        sa.Column("channel", sa.String(16), nullable=False, comment="web, api, cli, wechat or wecom"),
        sa.Column("created", TIME, nullable=False),
        sa.Column("question", sa.Text(), nullable=False, comment="as asked, personal data masked"),
        sa.Column("query", sa.Text(), nullable=False, comment="the question as retrieval saw it"),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="answered, no_answer or refused"),
        sa.Column("mode", sa.String(16), nullable=False, comment="extractive, curated …"),
        sa.Column("citations", JSON, nullable=False, comment="[{doc_id, title, version, section, chunk_id, score, …}]"),
        sa.Column("top_score", sa.Float(), nullable=True, comment="the best citation's score (for low-score filters)"),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("trace", JSON, nullable=True, comment="how the answer was ranked, when the pipeline explains it"),
        sa.Column("provenance", JSON, nullable=False, comment="index build, settings hash, models, template version"),
        sa.Column("memory", JSON, nullable=False, comment="what a follow-up needs: analysed query, list items, cited"),
        sa.Column("forgotten", sa.Boolean(), nullable=False, comment="the user restarted the conversation"),
        sa.PrimaryKeyConstraint("id", name="pk_turns"),
        sa.UniqueConstraint("answer_id", name="uq_turns_answer_id"),
    )
    op.create_index("ix_turns_channel", "turns", ["channel"])
    op.create_index("ix_turns_created", "turns", ["created"])
    op.create_index("ix_turns_status", "turns", ["status"])
    op.create_index("ix_turns_session_created", "turns", ["session_id", "created"])

    op.create_table(
        "feedback",
        _id(),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False, comment="the session that received the answer"),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True, comment="personal data masked"),
        sa.Column("created", TIME, nullable=False),
        sa.Column("updated", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["turns.answer_id"], name="fk_feedback_answer_id_turns", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("answer_id", "session_id", name="uq_feedback_answer_session"),
    )
    op.create_index("ix_feedback_answer_id", "feedback", ["answer_id"])

    op.create_table(
        "staff_sessions",
        sa.Column(
            "token_hash", sa.String(64), nullable=False, comment="SHA-256 of the session cookie, never the cookie"
        ),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created", TIME, nullable=False),
        sa.Column("expires", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name="fk_staff_sessions_user_id_staff_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_index("ix_staff_sessions_expires", "staff_sessions", ["expires"])

    reviewer, reviewer_key = _staff("reviewer_id", "reviews")
    op.create_table(
        "reviews",
        _id(),
        sa.Column("answer_id", sa.String(32), nullable=False),
        reviewer,
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("corrected_answer", sa.Text(), nullable=True),
        sa.Column("created", TIME, nullable=False),
        sa.CheckConstraint("verdict IN ('correct', 'partial', 'wrong')", name="ck_reviews_verdict"),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["turns.answer_id"], name="fk_reviews_answer_id_turns", ondelete="CASCADE"
        ),
        reviewer_key,
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_answer_id", "reviews", ["answer_id"])

    creator, creator_key = _staff("created_by", "curated_answers")
    op.create_table(
        "curated_answers",
        _id(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("source_answer_id", sa.String(32), nullable=True),
        sa.Column("stale_reason", sa.Text(), nullable=True, comment="which document changed, when flagged stale"),
        creator,
        sa.Column("created", TIME, nullable=False),
        sa.Column("updated", TIME, nullable=False),
        sa.CheckConstraint("status IN ('published', 'stale', 'withdrawn')", name="ck_curated_answers_status"),
        creator_key,
        sa.ForeignKeyConstraint(
            ["source_answer_id"],
            ["turns.answer_id"],
            name="fk_curated_answers_source_answer_id_turns",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_curated_answers"),
    )
    op.create_index("ix_curated_answers_status", "curated_answers", ["status"])

    author, author_key = _staff("created_by", "curated_answer_versions")
    approver, approver_key = _staff("approved_by", "curated_answer_versions")
    op.create_table(
        "curated_answer_versions",
        _id(),
        sa.Column("curated_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", JSON, nullable=False, comment="[{doc_id, section, …}]"),
        author,
        sa.Column("created", TIME, nullable=False),
        approver,
        sa.Column("approved_at", TIME, nullable=True),
        approver_key,
        author_key,
        sa.ForeignKeyConstraint(
            ["curated_id"],
            ["curated_answers.id"],
            name="fk_curated_answer_versions_curated_id_curated_answers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_curated_answer_versions"),
        sa.UniqueConstraint("curated_id", "version", name="uq_curated_answer_versions_curated_version"),
    )
    op.create_index("ix_curated_answer_versions_curated_id", "curated_answer_versions", ["curated_id"])

    op.create_table(
        "curated_answer_sources",
        _id(),
        sa.Column("version_id", ID, nullable=False),
        sa.Column("doc_id", sa.String(255), nullable=False),
        sa.Column("doc_version", sa.String(64), nullable=True, comment="the document version the answer rests on"),
        sa.Column("chunk_id", sa.String(255), nullable=False),
        sa.Column("chunk_hash", sa.String(64), nullable=False, comment="SHA-256 of the chunk text it rests on"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["curated_answer_versions.id"],
            name="fk_curated_answer_sources_version_id_curated_answer_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_curated_answer_sources"),
    )
    op.create_index("ix_curated_answer_sources_doc_id", "curated_answer_sources", ["doc_id"])
    op.create_index("ix_curated_answer_sources_version_id", "curated_answer_sources", ["version_id"])

    starter, starter_key = _staff("started_by", "eval_runs")
    op.create_table(
        "eval_runs",
        _id(),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started", TIME, nullable=False),
        sa.Column("finished", TIME, nullable=True),
        sa.Column("provenance", JSON, nullable=False),
        sa.Column("summary", JSON, nullable=True, comment="overall and per-type metrics"),
        sa.Column("error", sa.Text(), nullable=True),
        starter,
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="ck_eval_runs_status"),
        starter_key,
        sa.PrimaryKeyConstraint("id", name="pk_eval_runs"),
    )
    op.create_index("ix_eval_runs_started", "eval_runs", ["started"])

    op.create_table(
        "eval_results",
        _id(),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False, comment="hit ranks, key-point recall, abstention outcome …"),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["eval_runs.id"], name="fk_eval_results_run_id_eval_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_eval_results"),
        sa.UniqueConstraint("run_id", "case_id", name="uq_eval_results_run_case"),
    )
    op.create_index("ix_eval_results_run_id", "eval_results", ["run_id"])


def downgrade() -> None:
    for table in (
        "eval_results",
        "eval_runs",
        "curated_answer_sources",
        "curated_answer_versions",
        "curated_answers",
        "reviews",
        "staff_sessions",
        "feedback",
        "turns",
        "staff_users",
    ):
        op.drop_table(table)  # a table's indexes go with it
