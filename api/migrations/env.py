"""Alembic environment: migrations run on the connection PolicyBot hands over (``api.database.upgrade``), or,
from the ``alembic`` command line, on the database ``POLICYBOT_DATABASE_URL`` names."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from api.database import metadata, open_database


def _run(connection: Connection) -> None:
    # SQLite cannot alter most of a table in place: batch mode copies the table, so later revisions work there too.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from bot.settings import get_settings  # the alembic command line is an entry point of its own

    database = open_database(get_settings().database_url)
    if database.sqlite_path is not None and not database.sqlite_path.exists():
        import sqlite3

        sqlite3.connect(database.sqlite_path).close()
    try:
        with database.writes.begin() as connection:
            _run(connection)
    finally:
        database.dispose()


_main()
