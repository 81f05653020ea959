"""Exports of the staff workspace as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)
or JSON Lines: conversations, reviews and evaluation results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell: nested values as JSON; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The CSV text of ``rows`` (a header line first), a line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for values in ([*columns], *([_cell(row.get(c)) for c in columns] for row in rows)):
        writer.writerow(values)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def jsonl_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """One JSON object per line."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, default=str) + "\n"
