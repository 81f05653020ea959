"""Daily figures of the dashboard: questions, answered / no-answer / refused, helpful / unhelpful ratings and the
95th-percentile latency, per day in the staff's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np


def window_start(days: int, today: date, zone: ZoneInfo) -> datetime:
    """The first moment of the ``days``-day window that ends with ``today`` (in ``zone``)."""
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=zone)


def daily_figures(rows: Iterable[Mapping[str, Any]], *, days: int, today: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    """One entry per day of the window, oldest first (days without questions included, with zeros).

    Args:
        rows: ``created``, ``status``, ``latency_ms``, ``helpful`` and ``unhelpful`` of each turn in the window.
        days: the window's length.
        today: its last day.
        zone: the time zone days are counted in.

    Returns:
        ``{date, questions, answered, no_answer, refused, helpful, unhelpful, p95_ms}`` per day (``p95_ms`` None on
        a day without questions).
    """
    first = today - timedelta(days=days - 1)
    counts = {
        first + timedelta(days=n): {
            "questions": 0,
            "answered": 0,
            "no_answer": 0,
            "refused": 0,
            "helpful": 0,
            "unhelpful": 0,
        }
        for n in range(days)
    }
    latencies: dict[date, list[float]] = {day: [] for day in counts}
    for row in rows:
        day = row["created"].astimezone(zone).date()
        if day not in counts:
            continue
        figures = counts[day]
        figures["questions"] += 1
        if row["status"] in ("answered", "no_answer", "refused"):
            figures[row["status"]] += 1
        figures["helpful"] += int(row["helpful"] or 0)
        figures["unhelpful"] += int(row["unhelpful"] or 0)
        latencies[day].append(float(row["latency_ms"]))
    return [
        {
            "date": day.isoformat(),
            **figures,
            "p95_ms": round(float(np.percentile(latencies[day], 95)), 1) if latencies[day] else None,
        }
        for day, figures in counts.items()
    ]
