"""A bounded, expiring, thread-safe map: the in-process memory behind deduplication, rate limiting and
reply pages. It lives in one process: run one worker, or replace it with a shared store (e.g. Redis) when
running several, or WeChat's retries and a user's messages may land on workers that do not share it."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Entries live ``ttl_seconds`` from their last ``set``; past ``max_items`` the least recently set go first.

    Args:
        ttl_seconds: lifetime of an entry.
        max_items: entries kept at most.
        clock: seconds, monotonic (tests pass a fake one).
    """

    def __init__(self, ttl_seconds: float, max_items: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._ttl = ttl_seconds
        self._max = max_items
        self._clock = clock
        self.lock = threading.RLock()  # callers may hold it to make read-modify-write steps atomic

    def _expire(self, now: float) -> None:
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now and len(self._items) <= self._max:
                break
            del self._items[key]

    def get(self, key: K) -> V | None:
        """The live value for ``key``, or None."""
        with self.lock:
            self._expire(self._clock())
            entry = self._items.get(key)
            return entry[1] if entry else None

    def set(self, key: K, value: V) -> None:
        """Store ``value``, restarting its lifetime."""
        with self.lock:
            now = self._clock()
            self._items.pop(key, None)
            self._items[key] = (now + self._ttl, value)
            self._expire(now)

    def pop(self, key: K) -> V | None:
        """Remove and return the live value for ``key``, or None."""
        with self.lock:
            self._expire(self._clock())
            entry = self._items.pop(key, None)
            return entry[1] if entry else None

    def setdefault(self, key: K, factory: Callable[[], V]) -> tuple[V, bool]:
        """The live value for ``key``, or a new one from ``factory``; True when it was created now."""
        with self.lock:
            value = self.get(key)
            if value is not None:
                return value, False
            value = factory()
            self.set(key, value)
            return value, True
