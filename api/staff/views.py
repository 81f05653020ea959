"""Rows of the staff workspace's tables as the console's JSON API returns them (timestamps in ISO 8601, UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 timestamp, or None."""
    return value.isoformat() if value else None


def review_view(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A review: verdict, comment, corrected answer, who and when."""
    if row is None:
        return None
    return {
        "id": row["id"],
        "verdict": row["verdict"],
        "comment": row["comment"],
        "corrected_answer": row["corrected_answer"],
        "reviewer": row.get("reviewer"),
        "created": iso(row["created"]),
    }


def turn_view(
    row: Mapping[str, Any], counts: Mapping[str, int] | None, review: Mapping[str, Any] | None, *, detail: bool = False
) -> dict[str, Any]:
    """A logged turn as listed (``detail``: with its analysed query, provenance and trace)."""
    view = {
        "answer_id": row["answer_id"],
        "session_id": row["session_id"],
        "question": row["question"],
        "answer": row["answer"],
        "status": row["status"],
        "mode": row["mode"],
        "citations": row["citations"],
        "channel": row["channel"],
        "created": iso(row["created"]),
        "latency_ms": row["latency_ms"],
        "top_score": row["top_score"],
        "feedback": dict(counts or {"helpful": 0, "unhelpful": 0}),
        "review": review_view(review),
    }
    if detail:
        view.update({"query": row["query"], "provenance": row["provenance"], "trace": row["trace"]})
    return view


def curated_view(row: Mapping[str, Any], sources: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A curated answer with its current version and the chunks that version rests on."""
    return {
        "id": row["id"],
        "status": row["status"],
        "version": row["version"],
        "question": row["question"],
        "answer": row["answer"],
        "citations": row["citations"],
        "stale_reason": row["stale_reason"],
        "source_answer_id": row["source_answer_id"],
        "approved_by": row["approved_by_name"],
        "approved_at": iso(row["approved_at"]),
        "created": iso(row["created"]),
        "updated": iso(row["updated"]),
        "sources": [
            {
                "doc_id": s["doc_id"],
                "doc_version": s["doc_version"],
                "chunk_id": s["chunk_id"],
                "chunk_hash": s["chunk_hash"],
            }
            for s in sources
        ],
    }


def run_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """An evaluation run: its dataset, status, progress, provenance and summary."""
    return {
        "id": row["id"],
        "dataset": row["dataset"],
        "status": row["status"],
        "started": iso(row["started"]),
        "finished": iso(row["finished"]),
        "started_by": row["started_by_name"],
        "provenance": row["provenance"],
        "summary": row["summary"],
        "error": row["error"],
        "done_cases": row["done_cases"],
        "cases": (row["provenance"] or {}).get("cases"),
    }


def result_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """One case of a run."""
    return {
        "case_id": row["case_id"],
        "question": row["question"],
        "status": row["status"],
        "answer": row["answer"],
        "passed": row["passed"],
        "latency_ms": row["latency_ms"],
        "metrics": row["metrics"],
        "citations": row["citations"],
    }
