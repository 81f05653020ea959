"""Create, read, update and delete rows of the tables in ``api/database.py``: keyword-only functions that take an
open connection (the caller owns the transaction), one place for every query the app runs — the conversation
log, then the staff workspace (accounts, the log as reviewers read it, curated answers, evaluation runs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping

from api.database import (
    curated_answer_sources,
    curated_answer_versions,
    curated_answers,
    eval_results,
    eval_runs,
    feedback,
    reviews,
    staff_sessions,
    staff_users,
    turns,
)


def add_turn(
    connection: Connection,
    *,
    answer_id: str,
    session_id: str,
    channel: str,
    created: datetime,
    question: str,
    query: str,
    answer: str,
    status: str,
    mode: str,
    citations: list[dict[str, Any]],
    latency_ms: float,
    provenance: dict[str, Any],
    memory: dict[str, Any],
    trace: dict[str, Any] | None = None,
) -> None:
    """Store one turn of a conversation (the question already masked)."""
    connection.execute(
        insert(turns).values(
            answer_id=answer_id,
            session_id=session_id,
            channel=channel,
            created=created,
            question=question,
            query=query,
            answer=answer,
            status=status,
            mode=mode,
            citations=citations,
            latency_ms=latency_ms,
            provenance=provenance,
            memory=memory,
            trace=trace,
            forgotten=False,
            top_score=max((c["score"] for c in citations), default=None),
        )
    )


def get_turn(connection: Connection, *, answer_id: str) -> RowMapping | None:
    """The stored turn with this answer id, or None."""
    return connection.execute(select(turns).where(turns.c.answer_id == answer_id)).mappings().first()


def session_of_answer(connection: Connection, *, answer_id: str) -> str | None:
    """The session that received an answer, or None when no such answer is stored."""
    return connection.execute(select(turns.c.session_id).where(turns.c.answer_id == answer_id)).scalar()


def session_memory(connection: Connection, *, session_id: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    """The memory payloads of a session's latest ``limit`` turns after ``since``, oldest first (not forgotten ones).

    Returns:
        One ``memory`` dict per turn.
    """
    rows = (
        connection.execute(
            select(turns.c.memory)
            .where(turns.c.session_id == session_id, turns.c.created > since, turns.c.forgotten.is_(False))
            .order_by(turns.c.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return list(reversed(rows))


def forget_session(connection: Connection, *, session_id: str) -> int:
    """Leave a session's turns out of its memory from now on (the log keeps them). Returns the turns affected."""
    result = connection.execute(
        update(turns).where(turns.c.session_id == session_id, turns.c.forgotten.is_(False)).values(forgotten=True)
    )
    return result.rowcount


def upsert_feedback(
    connection: Connection,
    *,
    answer_id: str,
    session_id: str,
    channel: str,
    helpful: bool,
    comment: str | None,
    at: datetime,
) -> None:
    """Store a session's rating of an answer, replacing that session's earlier rating of it."""
    values = {
        "answer_id": answer_id,
        "session_id": session_id,
        "channel": channel,
        "helpful": helpful,
        "comment": comment,
        "created": at,
        "updated": at,
    }
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(feedback).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[feedback.c.answer_id, feedback.c.session_id],
            set_={
                "helpful": statement.excluded.helpful,
                "comment": statement.excluded.comment,
                "channel": statement.excluded.channel,
                "updated": statement.excluded.updated,
            },
        )
    )


def feedback_for_answer(connection: Connection, *, answer_id: str) -> Sequence[RowMapping]:
    """The ratings of one answer, oldest first."""
    return (
        connection.execute(select(feedback).where(feedback.c.answer_id == answer_id).order_by(feedback.c.id))
        .mappings()
        .all()
    )


def delete_turns_before(connection: Connection, *, before: datetime) -> int:
    """Delete turns older than ``before`` with their feedback; reviewed turns are kept (staff work rests on them).

    Returns:
        The number of turns deleted.
    """
    reviewed = exists().where(reviews.c.answer_id == turns.c.answer_id)
    return connection.execute(delete(turns).where(turns.c.created < before, ~reviewed)).rowcount


# --- staff accounts and their sessions ----------------------------------------------------------------------


def add_staff_user(connection: Connection, *, username: str, password_hash: str, role: str, at: datetime) -> int:
    """Create a staff account. Returns its id.

    Raises:
        sqlalchemy.exc.IntegrityError: the username is taken.
    """
    result = connection.execute(
        insert(staff_users).values(username=username, password_hash=password_hash, role=role, active=True, created=at)
    )
    return int(result.inserted_primary_key[0])


def set_staff_password(connection: Connection, *, username: str, password_hash: str) -> bool:
    """Replace an account's password hash (and reactivate it). Returns False when there is no such account."""
    result = connection.execute(
        update(staff_users).where(staff_users.c.username == username).values(password_hash=password_hash, active=True)
    )
    return result.rowcount > 0


def staff_user_by_name(connection: Connection, *, username: str) -> RowMapping | None:
    """The account with this username, or None."""
    return connection.execute(select(staff_users).where(staff_users.c.username == username)).mappings().first()


def add_staff_session(
    connection: Connection, *, token_hash: str, user_id: int, csrf_token: str, created: datetime, expires: datetime
) -> None:
    """Store a login session (the hash of its cookie, never the cookie) and note the login on the account."""
    connection.execute(
        insert(staff_sessions).values(
            token_hash=token_hash, user_id=user_id, csrf_token=csrf_token, created=created, expires=expires
        )
    )
    connection.execute(update(staff_users).where(staff_users.c.id == user_id).values(last_login=created))


def staff_session(connection: Connection, *, token_hash: str, at: datetime) -> RowMapping | None:
    """The live session with this cookie hash and its active account (user_id, username, role, csrf_token)."""
    return (
        connection.execute(
            select(staff_sessions.c.user_id, staff_sessions.c.csrf_token, staff_users.c.username, staff_users.c.role)
            .join(staff_users, staff_users.c.id == staff_sessions.c.user_id)
            .where(staff_sessions.c.token_hash == token_hash, staff_sessions.c.expires > at, staff_users.c.active)
        )
        .mappings()
        .first()
    )


def delete_staff_session(connection: Connection, *, token_hash: str) -> None:
    """End a login session."""
    connection.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash))


def delete_expired_staff_sessions(connection: Connection, *, at: datetime) -> int:
    """Delete sessions that expired before ``at``. Returns how many."""
    return connection.execute(delete(staff_sessions).where(staff_sessions.c.expires <= at)).rowcount


# --- the conversation log as staff read it ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnFilter:
    """Which turns a reviewer wants to see (every field optional).

    Attributes:
        text: a substring of the question or the answer.
        status: answered, no_answer or refused.
        channel: web, api, cli, wechat or wecom.
        feedback: ``negative`` (rated unhelpful at least once), ``positive`` or ``none`` (never rated).
        since, until: the time range (``until`` excluded).
        max_score: the best citation scored below this (or nothing was cited).
        mode: extractive, curated …
        reviewed: only reviewed (True) or only unreviewed (False) turns.
    """

    text: str | None = None
    status: str | None = None
    channel: str | None = None
    feedback: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    max_score: float | None = None
    mode: str | None = None
    reviewed: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions on ``turns``."""
        rated = select(feedback.c.id).where(feedback.c.answer_id == turns.c.answer_id)
        found: list[ColumnElement[bool]] = []
        if self.text:
            pattern = "%" + self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found.append(or_(turns.c.question.ilike(pattern, escape="\\"), turns.c.answer.ilike(pattern, escape="\\")))
        if self.status:
            found.append(turns.c.status == self.status)
        if self.channel:
            found.append(turns.c.channel == self.channel)
        if self.mode:
            found.append(turns.c.mode == self.mode)
        if self.feedback == "negative":
            found.append(exists(rated.where(feedback.c.helpful.is_(False))))
        elif self.feedback == "positive":
            found.append(exists(rated.where(feedback.c.helpful.is_(True))))
        elif self.feedback == "none":
            found.append(~exists(rated))
        if self.since:
            found.append(turns.c.created >= self.since)
        if self.until:
            found.append(turns.c.created < self.until)
        if self.max_score is not None:
            found.append(or_(turns.c.top_score.is_(None), turns.c.top_score < self.max_score))
        if self.reviewed is not None:
            reviewed = exists().where(reviews.c.answer_id == turns.c.answer_id)
            found.append(reviewed if self.reviewed else ~reviewed)
        return found


def list_turns(
    connection: Connection, *, where: TurnFilter, limit: int | None, offset: int = 0
) -> tuple[int, Sequence[RowMapping]]:
    """Turns matching ``where``, newest first, and how many match in all (``limit`` None: every one)."""
    conditions = where.conditions()
    total = connection.execute(select(func.count()).select_from(turns).where(*conditions)).scalar_one()
    statement = select(turns).where(*conditions).order_by(turns.c.created.desc(), turns.c.id.desc()).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return int(total), connection.execute(statement).mappings().all()


def feedback_counts(connection: Connection, *, answer_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{answer_id: {"helpful": n, "unhelpful": m}}`` for the given answers (answers never rated are absent)."""
    if not answer_ids:
        return {}
    rows = connection.execute(
        select(feedback.c.answer_id, feedback.c.helpful, func.count())
        .where(feedback.c.answer_id.in_(answer_ids))
        .group_by(feedback.c.answer_id, feedback.c.helpful)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for answer_id, helpful, count in rows:
        counts.setdefault(answer_id, {"helpful": 0, "unhelpful": 0})["helpful" if helpful else "unhelpful"] = count
    return counts


def latest_reviews(connection: Connection, *, answer_ids: Sequence[str]) -> dict[str, RowMapping]:
    """The latest review of each of the given answers (answers never reviewed are absent)."""
    if not answer_ids:
        return {}
    rows = (
        connection.execute(
            select(reviews, staff_users.c.username.label("reviewer"))
            .outerjoin(staff_users, staff_users.c.id == reviews.c.reviewer_id)
            .where(reviews.c.answer_id.in_(answer_ids))
            .order_by(reviews.c.id)
        )
        .mappings()
        .all()
    )
    return {row["answer_id"]: row for row in rows}  # later rows replace earlier ones


def reviews_of_answer(connection: Connection, *, answer_id: str) -> Sequence[RowMapping]:
    """Every review of an answer, oldest first, with the reviewer's username."""
    return (
        connection.execute(
            select(reviews, staff_users.c.username.label("reviewer"))
            .outerjoin(staff_users, staff_users.c.id == reviews.c.reviewer_id)
            .where(reviews.c.answer_id == answer_id)
            .order_by(reviews.c.id)
        )
        .mappings()
        .all()
    )


def add_review(
    connection: Connection,
    *,
    answer_id: str,
    reviewer_id: int | None,
    verdict: str,
    comment: str | None,
    corrected_answer: str | None,
    at: datetime,
) -> int:
    """Store a reviewer's verdict on an answer. Returns the review's id."""
    result = connection.execute(
        insert(reviews).values(
            answer_id=answer_id,
            reviewer_id=reviewer_id,
            verdict=verdict,
            comment=comment,
            corrected_answer=corrected_answer,
            created=at,
        )
    )
    return int(result.inserted_primary_key[0])


def all_reviews(connection: Connection) -> Sequence[RowMapping]:
    """Every review with the reviewed question, answer and status and the reviewer's username, oldest first."""
    return (
        connection.execute(
            select(
                reviews,
                staff_users.c.username.label("reviewer"),
                turns.c.question,
                turns.c.answer.label("original"),
                turns.c.status,
            )
            .join(turns, turns.c.answer_id == reviews.c.answer_id)
            .outerjoin(staff_users, staff_users.c.id == reviews.c.reviewer_id)
            .order_by(reviews.c.id)
        )
        .mappings()
        .all()
    )


def turn_activity(connection: Connection, *, since: datetime) -> Sequence[RowMapping]:
    """created, status and latency of every turn since ``since``, with its helpful / unhelpful rating counts."""
    helpful = (
        select(func.count())
        .where(feedback.c.answer_id == turns.c.answer_id, feedback.c.helpful.is_(True))
        .scalar_subquery()
    )
    unhelpful = (
        select(func.count())
        .where(feedback.c.answer_id == turns.c.answer_id, feedback.c.helpful.is_(False))
        .scalar_subquery()
    )
    return (
        connection.execute(
            select(
                turns.c.created,
                turns.c.status,
                turns.c.latency_ms,
                helpful.label("helpful"),
                unhelpful.label("unhelpful"),
            ).where(turns.c.created >= since)
        )
        .mappings()
        .all()
    )


def gap_questions(connection: Connection, *, since: datetime, limit: int) -> list[str]:
    """Questions since ``since`` that the documents did not answer (no_answer), that users rated unhelpful or that
    a reviewer judged wrong: the content gaps, newest first."""
    unhelpful = exists().where(feedback.c.answer_id == turns.c.answer_id, feedback.c.helpful.is_(False))
    wrong = exists().where(reviews.c.answer_id == turns.c.answer_id, reviews.c.verdict == "wrong")
    return list(
        connection.execute(
            select(turns.c.question)
            .where(turns.c.created >= since, or_(turns.c.status == "no_answer", unhelpful, wrong))
            .order_by(turns.c.created.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


# --- curated answers ------------------------------------------------------------------------------------------


def _add_curated_version(
    connection: Connection,
    *,
    curated_id: int,
    version: int,
    question: str,
    answer: str,
    citations: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    author_id: int | None,
    at: datetime,
) -> None:
    """Store one approved version of a curated answer with the chunks it rests on."""
    result = connection.execute(
        insert(curated_answer_versions).values(
            curated_id=curated_id,
            version=version,
            question=question,
            answer=answer,
            citations=citations,
            created_by=author_id,
            created=at,
            approved_by=author_id,
            approved_at=at,
        )
    )
    version_id = int(result.inserted_primary_key[0])
    if sources:
        connection.execute(insert(curated_answer_sources), [{"version_id": version_id, **source} for source in sources])


def add_curated(
    connection: Connection,
    *,
    question: str,
    answer: str,
    citations: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    source_answer_id: str | None,
    author_id: int | None,
    at: datetime,
) -> int:
    """Publish a new curated answer (version 1, approved by its author). Returns its id.

    Args:
        sources: ``{doc_id, doc_version, chunk_id, chunk_hash}`` of every chunk its citations rest on.
    """
    result = connection.execute(
        insert(curated_answers).values(
            status="published",
            current_version=1,
            source_answer_id=source_answer_id,
            created_by=author_id,
            created=at,
            updated=at,
        )
    )
    curated_id = int(result.inserted_primary_key[0])
    _add_curated_version(
        connection,
        curated_id=curated_id,
        version=1,
        question=question,
        answer=answer,
        citations=citations,
        sources=sources,
        author_id=author_id,
        at=at,
    )
    return curated_id


def add_curated_version(
    connection: Connection,
    *,
    curated_id: int,
    question: str,
    answer: str,
    citations: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    author_id: int | None,
    at: datetime,
) -> int:
    """Publish a new version of a curated answer (an edit, or an approval of a stale one). Returns its number."""
    latest = connection.execute(
        select(func.max(curated_answer_versions.c.version)).where(curated_answer_versions.c.curated_id == curated_id)
    ).scalar_one()
    version = int(latest or 0) + 1
    _add_curated_version(
        connection,
        curated_id=curated_id,
        version=version,
        question=question,
        answer=answer,
        citations=citations,
        sources=sources,
        author_id=author_id,
        at=at,
    )
    connection.execute(
        update(curated_answers)
        .where(curated_answers.c.id == curated_id)
        .values(current_version=version, status="published", stale_reason=None, updated=at)
    )
    return version


def set_curated_status(
    connection: Connection,
    *,
    curated_id: int,
    status: str,
    reason: str | None,
    at: datetime,
    only_if: str | None = None,
) -> bool:
    """Set a curated answer's status (``published``, ``stale`` or ``withdrawn``) and why.

    Args:
        only_if: change it only from this status (a stale flag must not revive a withdrawn answer).

    Returns:
        Whether a row changed.
    """
    statement = update(curated_answers).where(curated_answers.c.id == curated_id)
    if only_if:
        statement = statement.where(curated_answers.c.status == only_if)
    return connection.execute(statement.values(status=status, stale_reason=reason, updated=at)).rowcount > 0


def curated_list(
    connection: Connection, *, statuses: Sequence[str] | None = None, curated_id: int | None = None
) -> Sequence[RowMapping]:
    """Curated answers with their current version (``version_id``, ``version``, question, answer, citations,
    ``approved_by_name``, ``approved_at``), newest first; only the given statuses or id when named."""
    author = staff_users.alias("author")
    statement = (
        select(
            curated_answers,
            curated_answer_versions.c.id.label("version_id"),
            curated_answer_versions.c.version,
            curated_answer_versions.c.question,
            curated_answer_versions.c.answer,
            curated_answer_versions.c.citations,
            curated_answer_versions.c.approved_at,
            author.c.username.label("approved_by_name"),
        )
        .join(
            curated_answer_versions,
            (curated_answer_versions.c.curated_id == curated_answers.c.id)
            & (curated_answer_versions.c.version == curated_answers.c.current_version),
        )
        .outerjoin(author, author.c.id == curated_answer_versions.c.approved_by)
        .order_by(curated_answers.c.updated.desc(), curated_answers.c.id.desc())
    )
    if statuses:
        statement = statement.where(curated_answers.c.status.in_(statuses))
    if curated_id is not None:
        statement = statement.where(curated_answers.c.id == curated_id)
    return connection.execute(statement).mappings().all()


def curated_signature(connection: Connection) -> tuple[Any, ...]:
    """What changes whenever a curated answer is added, edited, approved, flagged or withdrawn (a cache key)."""
    return tuple(connection.execute(select(func.count(), func.max(curated_answers.c.updated))).one())


def curated_sources(connection: Connection, *, version_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    """The chunks each of the given curated-answer versions rests on, by version id."""
    if not version_ids:
        return {}
    rows = (
        connection.execute(
            select(curated_answer_sources)
            .where(curated_answer_sources.c.version_id.in_(version_ids))
            .order_by(curated_answer_sources.c.id)
        )
        .mappings()
        .all()
    )
    found: dict[int, list[RowMapping]] = {}
    for row in rows:
        found.setdefault(row["version_id"], []).append(row)
    return found


def curated_versions(connection: Connection, *, curated_id: int) -> Sequence[RowMapping]:
    """Every version of a curated answer, newest first, with its author's username."""
    author = staff_users.alias("author")
    return (
        connection.execute(
            select(curated_answer_versions, author.c.username.label("author"))
            .outerjoin(author, author.c.id == curated_answer_versions.c.created_by)
            .where(curated_answer_versions.c.curated_id == curated_id)
            .order_by(curated_answer_versions.c.version.desc())
        )
        .mappings()
        .all()
    )


# --- evaluation runs ------------------------------------------------------------------------------------------


def add_eval_run(
    connection: Connection, *, dataset: str, provenance: dict[str, Any], started_by: int | None, at: datetime
) -> int:
    """Record an evaluation run that starts now. Returns its id."""
    result = connection.execute(
        insert(eval_runs).values(
            dataset=dataset, status="running", started=at, provenance=provenance, started_by=started_by
        )
    )
    return int(result.inserted_primary_key[0])


def add_eval_results(connection: Connection, *, run_id: int, results: list[dict[str, Any]]) -> None:
    """Store the outcome of cases of a run (``case_id, question, status, answer, citations, metrics, passed,
    latency_ms`` each)."""
    if results:
        connection.execute(insert(eval_results), [{"run_id": run_id, **result} for result in results])


def finish_eval_run(
    connection: Connection,
    *,
    run_id: int,
    status: str,
    summary: dict[str, Any] | None,
    error: str | None,
    at: datetime,
) -> None:
    """Close a run as ``done`` (with its summary) or ``failed`` (with why)."""
    connection.execute(
        update(eval_runs)
        .where(eval_runs.c.id == run_id)
        .values(status=status, summary=summary, error=error, finished=at)
    )


def fail_unfinished_eval_runs(connection: Connection, *, error: str, at: datetime) -> int:
    """Close runs left ``running`` by a process that stopped. Returns how many."""
    return connection.execute(
        update(eval_runs).where(eval_runs.c.status == "running").values(status="failed", error=error, finished=at)
    ).rowcount


def eval_run_list(connection: Connection, *, run_id: int | None = None) -> Sequence[RowMapping]:
    """Evaluation runs, newest first (one when ``run_id`` is given), with who started them and their case count."""
    cases = select(func.count()).where(eval_results.c.run_id == eval_runs.c.id).scalar_subquery()
    statement = (
        select(eval_runs, staff_users.c.username.label("started_by_name"), cases.label("done_cases"))
        .outerjoin(staff_users, staff_users.c.id == eval_runs.c.started_by)
        .order_by(eval_runs.c.id.desc())
    )
    if run_id is not None:
        statement = statement.where(eval_runs.c.id == run_id)
    return connection.execute(statement).mappings().all()


def eval_results_of(connection: Connection, *, run_id: int) -> Sequence[RowMapping]:
    """The per-case results of a run, in the order they ran."""
    return (
        connection.execute(select(eval_results).where(eval_results.c.run_id == run_id).order_by(eval_results.c.id))
        .mappings()
        .all()
    )
