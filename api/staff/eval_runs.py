"""Evaluation runs started from the console: ``policybot eval``'s harness over a dataset, in one background
thread, on the pipeline the server answers with (its provenance is the run's), with a memory-only conversation
store so evaluation turns stay out of the conversation log. Each case's outcome is stored as it finishes; two runs
compare case by case."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import crud
from api.database import Database, now
from bot.conversation import SessionStore
from bot.pipeline import Pipeline
from eval.dataset import Case, load_dataset
from eval.harness import report, run_case
from eval.metrics import CaseResult

logger = logging.getLogger(__name__)
BATCH = 20  # case results written per transaction
TOP_K = 5  # a case passes when its evidence is cited within the first TOP_K (and its status is as expected)
COMPARED = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "key_point_recall",
    "evidence_quoted",
    "no_answer_accuracy",
    "false_refusal_rate",
    "version_correctness",
    "grounded_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = {"false_refusal_rate", "latency_p50_ms", "latency_p95_ms"}


class RunnerBusy(RuntimeError):
    """A run is already in progress."""


class UnknownDataset(ValueError):
    """The dataset is not one the console offers."""


def passed(result: CaseResult) -> bool:
    """A case passes when its status is the expected one and, when answerable, its evidence is cited in the top 5."""
    if result.status != result.case.status:
        return False
    rank = result.evidence_rank
    return not result.case.answerable or (rank is not None and rank <= TOP_K)


def result_row(result: CaseResult) -> dict[str, Any]:
    """The ``eval_results`` row of one case (without its run id)."""
    return {
        "case_id": result.case.id,
        "question": result.case.question,
        "status": result.status,
        "answer": result.answer,
        "latency_ms": result.latency_ms,
        "passed": passed(result),
        "citations": [
            {"title": title, "version": version, "text": text}
            for title, version, text in zip(
                result.citation_titles, result.citation_versions, result.citation_texts, strict=False
            )
        ],
        "metrics": {
            "type": result.case.type,
            "expected_status": result.case.status,
            "evidence_rank": result.evidence_rank,
            "key_point_recall": result.key_point_recall,
            "evidence_quoted": result.evidence_quoted,
            "grounded": result.grounded,
            "version_correct": result.version_correct,
        },
    }


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset the console can run: its name (the file name) and where it is."""

    name: str
    path: Path


class EvalRunner:
    """Starts evaluation runs one at a time in a background thread and stores their results.

    Args:
        database: where runs and results are stored.
        datasets_dir: the folder whose ``*.jsonl`` sets the console offers.
        extra: further sets offered (the regression set, when it lives elsewhere).
    """

    def __init__(self, database: Database, datasets_dir: Path, extra: Sequence[Path] = ()) -> None:
        self._database = database
        self._datasets_dir = datasets_dir
        self._extra = list(extra)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eval-run")
        self._busy = threading.Lock()

    def datasets(self) -> list[Dataset]:
        """The sets the console offers, by file name (``extra`` before the folder's)."""
        paths = sorted(self._datasets_dir.glob("*.jsonl")) if self._datasets_dir.is_dir() else []
        found = {path.name: path for path in paths}
        for path in self._extra:  # the configured regression set wins over a file of the same name in the folder
            found[path.name] = path
        return [Dataset(name, path) for name, path in sorted(found.items())]

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self._busy.locked()

    def start(self, pipeline: Pipeline, dataset: str, *, started_by: int | None) -> int:
        """Start a run of ``dataset`` (a name from ``datasets()``). Returns the run's id at once.

        Raises:
            UnknownDataset: no such set.
            RunnerBusy: a run is in progress.
            ValueError: the set cannot be read (a malformed line, named in the message).
            sqlalchemy.exc.SQLAlchemyError: the run cannot be recorded.
        """
        chosen = next((d for d in self.datasets() if d.name == dataset), None)
        if chosen is None:
            raise UnknownDataset(dataset)
        if not self._busy.acquire(blocking=False):
            raise RunnerBusy(dataset)
        try:
            cases = load_dataset(chosen.path)
            content = chosen.path.read_bytes()
            provenance = {
                **pipeline.provenance,
                "dataset_sha256": hashlib.sha256(content).hexdigest()[:12],
                "cases": len(cases),
                "today": pipeline.today().isoformat(),
            }
            with self._database.writes.begin() as connection:
                run_id = crud.add_eval_run(
                    connection, dataset=chosen.name, provenance=provenance, started_by=started_by, at=now()
                )
        except BaseException:
            self._busy.release()
            raise
        self._executor.submit(self._run, pipeline, run_id, cases)
        return run_id

    def close(self) -> None:
        """Wait for the run in progress (if any) to finish."""
        self._executor.shutdown(wait=True)

    def _run(self, pipeline: Pipeline, run_id: int, cases: list[Case]) -> None:
        # A memory-only conversation store: evaluation turns are not conversations to review.
        quiet = pipeline.with_sessions(SessionStore(None, ttl_seconds=3600, max_turns=10, max_cached=100))
        results: list[CaseResult] = []
        try:
            pending: list[dict[str, Any]] = []
            for case in cases:
                results.append(run_case(quiet, case))
                pending.append(result_row(results[-1]))
                if len(pending) >= BATCH:
                    self._store(run_id, pending)
                    pending = []
            self._store(run_id, pending)
            summary = report(results)
            with self._database.writes.begin() as connection:
                crud.finish_eval_run(connection, run_id=run_id, status="done", summary=summary, error=None, at=now())
        except Exception as error:
            logger.exception("evaluation run %d failed", run_id)
            try:
                with self._database.writes.begin() as connection:
                    crud.finish_eval_run(
                        connection,
                        run_id=run_id,
                        status="failed",
                        summary=None,
                        error=f"{type(error).__name__}: {error}"[:500],
                        at=now(),
                    )
            except Exception:
                logger.exception("could not record the failure of evaluation run %d", run_id)
        finally:
            self._busy.release()

    def _store(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self._database.writes.begin() as connection:
                crud.add_eval_results(connection, run_id=run_id, results=rows)


def compare(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Two runs' results case by case, regressions first.

    Args:
        first: the earlier (reference) run's ``eval_results`` rows.
        second: the later run's.

    Returns:
        ``{case_id, question, a, b, change}`` per case, where ``a``/``b`` hold status, passed and evidence rank
        (None when the case is missing from that run) and ``change`` is ``regressed`` (passed, now fails),
        ``fixed``, ``worse`` / ``better`` (the evidence rank moved), ``changed`` (the status changed), ``same``,
        or ``added`` / ``removed``.
    """
    earlier = {row["case_id"]: row for row in first}
    later = {row["case_id"]: row for row in second}
    order = {"regressed": 0, "worse": 1, "removed": 2, "changed": 3, "fixed": 4, "better": 5, "added": 6, "same": 7}
    rows = []
    for case_id in dict.fromkeys([*earlier, *later]):
        a, b = earlier.get(case_id), later.get(case_id)
        rows.append(
            {
                "case_id": case_id,
                "question": (a or b or {}).get("question", ""),
                "a": _outcome(a),
                "b": _outcome(b),
                "change": _change(a, b),
            }
        )
    return sorted(rows, key=lambda row: order[row["change"]])


def compare_summaries(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The overall metrics of two runs side by side: ``{metric, a, b, delta, worse}`` (``worse`` marks a drop, or a
    rise of a metric where lower is better)."""
    a = (first or {}).get("overall", {})
    b = (second or {}).get("overall", {})
    rows = []
    for metric in COMPARED:
        x, y = a.get(metric), b.get(metric)
        delta = round(y - x, 4) if isinstance(x, int | float) and isinstance(y, int | float) else None
        worse = delta is not None and (delta > 0 if metric in LOWER_IS_BETTER else delta < 0)
        rows.append({"metric": metric, "a": x, "b": y, "delta": delta, "worse": worse})
    return rows


def _outcome(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "status": row["status"],
        "passed": row["passed"],
        "rank": (row["metrics"] or {}).get("evidence_rank"),
        "answer": row["answer"],
    }


def _change(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> str:
    if a is None:
        return "added"
    if b is None:
        return "removed"
    if a["passed"] and not b["passed"]:
        return "regressed"
    if b["passed"] and not a["passed"]:
        return "fixed"
    rank_a, rank_b = (a["metrics"] or {}).get("evidence_rank"), (b["metrics"] or {}).get("evidence_rank")
    if rank_a != rank_b:
        if rank_b is None or (rank_a is not None and rank_b > rank_a):
            return "worse"
        return "better"
    return "changed" if a["status"] != b["status"] else "same"
