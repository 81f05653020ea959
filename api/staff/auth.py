"""Staff accounts and login sessions: argon2 password hashes (argon2-cffi), server-side sessions in
``staff_sessions`` keyed by the SHA-256 of a random cookie, and a CSRF token per session that every
state-changing request must echo in ``X-CSRF-Token``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from api import crud
from api.database import now

COOKIE_NAME = "policybot_staff"
COOKIE_PATH = "/admin"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_CHARS = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLES = ("admin", "reviewer")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A logged-in staff member.

    Attributes:
        user_id: the account's id.
        username: the login name.
        role: ``admin`` or ``reviewer``.
        csrf_token: what state-changing requests of this session must send in ``X-CSRF-Token``.
    """

    user_id: int
    username: str
    role: str
    csrf_token: str


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the parameters are stored in the hash)."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """What is stored of a session cookie: its SHA-256 (a stolen table gives no usable cookie)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def log_in(connection: Connection, *, username: str, password: str, hours: float) -> tuple[str, StaffUser] | None:
    """Check a username and password and open a session.

    Args:
        connection: an open transaction.
        username: the login name.
        password: the password as typed.
        hours: how long the session lasts.

    Returns:
        The session cookie's value and the user, or None when the username or password is wrong (or the account
        is disabled).
    """
    account = crud.staff_user_by_name(connection, username=username)
    matches = password_matches(account["password_hash"] if account else _UNKNOWN_USER_HASH, password)
    if account is None or not matches or not account["active"]:
        return None
    token, csrf, at = secrets.token_urlsafe(32), secrets.token_urlsafe(32), now()
    crud.delete_expired_staff_sessions(connection, at=at)
    crud.add_staff_session(
        connection,
        token_hash=token_hash(token),
        user_id=account["id"],
        csrf_token=csrf,
        created=at,
        expires=at + timedelta(hours=hours),
    )
    return token, StaffUser(account["id"], account["username"], account["role"], csrf)


def session_user(connection: Connection, token: str) -> StaffUser | None:
    """The user of a live session cookie, or None (unknown, expired, or the account was disabled)."""
    row = crud.staff_session(connection, token_hash=token_hash(token), at=now())
    return StaffUser(row["user_id"], row["username"], row["role"], row["csrf_token"]) if row else None


def csrf_matches(user: StaffUser, header: str | None) -> bool:
    """Whether a request's ``X-CSRF-Token`` is its session's token (compared in constant time)."""
    return bool(header) and hmac.compare_digest(user.csrf_token.encode(), (header or "").encode())
