"""Run PolicyBot's database layer in a process of its own against a SQLite file, so a test can see whether a
storage fault kills the process: ``python storage_probe.py PATH ANSWER_ID``.

Opens the database as the app does (migrations, background writer), records one turn, waits for the writer,
and prints what it found as JSON. Exits 0 unless something kills it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

from db_helpers import turn_values

from api import crud
from api.database import open_database
from api.writer import DatabaseWriter, Write


def main(path: Path, answer_id: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    database = open_database(f"sqlite:///{path}")
    writer = DatabaseWriter(database, queue_size=10, retry_seconds=1.0, retention=timedelta(days=180))
    writer.start()
    values = turn_values(answer_id)
    writer.submit(Write("turn", f"answer_id={answer_id}", lambda connection: crud.add_turn(connection, **values)))
    writer.flush(timeout=5)
    status = writer.status
    try:
        with database.reads.connect() as connection:
            answers = connection.exec_driver_sql("SELECT answer_id FROM turns ORDER BY id").scalars().all()
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    except Exception as error:
        answers, journal = [], f"unreadable: {type(error).__name__}"
    writer.close(timeout=1)
    print(
        json.dumps(
            {
                "state": status.state,
                "reason": status.reason,
                "dropped": writer.status.dropped,
                "answers": answers,
                "journal": journal,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
