"""Which conversation a web or API client may continue.

Session ids of the web and the API are only ones the server issued: 32 hex digits of randomness
(``bot.conversation.new_session_id``), handed out in ``/api/chat``'s answer. Other channels keep their own
namespaces (``wx:…`` and ``wecom:…`` for WeChat users, built from the signed sender), which a web id can never
look like. An id that is not a live server-issued session — unknown, expired, malformed or another channel's —
starts a new conversation under a fresh id rather than being refused: the answer carries the new
``session_id``, so a client whose session expired simply goes on, and nobody reads a conversation that is not
theirs.
"""

from __future__ import annotations

import re

from bot.conversation import SessionStore

WEB_SESSION_ID = re.compile(r"[0-9a-f]{32}")


def is_web_session_id(session_id: str) -> bool:
    """Whether ``session_id`` has the form of a server-issued web or API session id."""
    return WEB_SESSION_ID.fullmatch(session_id) is not None


def web_session(sessions: SessionStore, requested: str | None) -> str | None:
    """The session a web or API client may continue: ``requested`` when it is a live server-issued session,
    otherwise None (the pipeline then starts a new session under a fresh id)."""
    if requested and is_web_session_id(requested) and sessions.find(requested) is not None:
        return requested
    return None
