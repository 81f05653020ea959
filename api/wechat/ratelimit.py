"""Per-user rate limiting: at most N messages in a sliding window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from api.wechat.store import ExpiringMap


class RateLimiter:
    """Allows each user ``limit`` messages per ``window_seconds``.

    Args:
        limit: messages allowed in a window.
        window_seconds: the sliding window.
        max_users: users tracked at most (the least recently active are forgotten first).
        clock: seconds, monotonic (tests pass a fake one).
    """

    def __init__(
        self, limit: int, window_seconds: float, max_users: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._recent: ExpiringMap[str, deque[float]] = ExpiringMap(window_seconds, max_users, clock=clock)
        self._limit = limit
        self._window = window_seconds
        self._clock = clock

    def allow(self, user: str) -> bool:
        """Count a message from ``user``; False when it is over the limit (it is then not counted)."""
        with self._recent.lock:
            now = self._clock()
            recent = self._recent.get(user) or deque()
            while recent and recent[0] <= now - self._window:
                recent.popleft()
            allowed = len(recent) < self._limit
            if allowed:
                recent.append(now)
            self._recent.set(user, recent)
            return allowed
