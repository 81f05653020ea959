"""The Alembic migrations create exactly the schema api/database.py declares, on SQLite and PostgreSQL, and
can be taken back down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from api.database import Database, current_revision, downgrade, metadata, upgrade

TABLES = {
    "turns",
    "feedback",
    "staff_users",
    "staff_sessions",
    "reviews",
    "curated_answers",
    "curated_answer_versions",
    "curated_answer_sources",
    "eval_runs",
    "eval_results",
}


def test_migrations_match_the_declared_schema(database: Database) -> None:
    with database.writes.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert tables == TABLES | {"alembic_version"}
    assert set(metadata.tables) == TABLES


def test_migrations_go_down_and_up_again(database: Database) -> None:
    head = current_revision(database)
    downgrade(database, "base")
    with database.writes.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade(database)
    assert current_revision(database) == head
    upgrade(database)  # already at the latest revision: nothing to do
    assert current_revision(database) == head
