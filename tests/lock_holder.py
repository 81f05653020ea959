"""A second process that locks PolicyBot's database until told to let go: ``python lock_holder.py URL``.

SQLite: ``BEGIN EXCLUSIVE`` on the file (no other connection may read or write). PostgreSQL: ``LOCK TABLE …
IN ACCESS EXCLUSIVE MODE`` on the tables the writer uses. Prints ``locked`` once it holds the lock, releases
it at a line on standard input or after ``--seconds`` (a bound, so a failed test never leaves it running).
"""

from __future__ import annotations

import argparse
import select
import sqlite3
import sys

import psycopg
from sqlalchemy import make_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    url = make_url(args.url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
    else:
        connection = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        connection.execute("LOCK TABLE turns, feedback, alembic_version IN ACCESS EXCLUSIVE MODE")
    print("locked", flush=True)
    select.select([sys.stdin], [], [], args.seconds)
    connection.rollback()
    connection.close()


if __name__ == "__main__":
    main()
