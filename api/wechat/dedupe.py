"""One reply per incoming message, however often WeChat retries it.

WeChat resends a message it got no reply to within 5 seconds (up to three times, same MsgId). The first
request starts the work; every request for the same key shares its result. Each message's reply is either
passive (returned in an HTTP response, to whichever try is current) or late (pushed once through the
messaging API): whichever request first reaches its deadline decides, once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from api.wechat.store import ExpiringMap

Reply = str | None  # a text to send, or None when there is nothing to say (e.g. an ignored event)


class Ticket:
    """The pending or finished reply to one message."""

    def __init__(self, future: Future[Reply]) -> None:
        self.future = future
        self._late: bool | None = None
        self._lock = threading.Lock()

    def settle(self, on_late: Callable[[Future[Reply]], None]) -> bool:
        """Decide (once) how the reply goes out; call at a request's deadline.

        Returns True when the reply is ready and goes back passively (read ``future.result()``). Returns False
        when it is late: ``on_late`` is then called once, with the finished future, when the work completes.
        """
        with self._lock:
            if self._late is None:
                self._late = not self.future.done()
                if self._late:
                    self.future.add_done_callback(on_late)
            return not self._late


class ReplyLedger:
    """Tickets by message key, kept long enough to cover WeChat's retries.

    Args:
        ttl_seconds: how long a message's reply is remembered.
        max_items: messages remembered at most.
    """

    def __init__(self, ttl_seconds: float, max_items: int) -> None:
        self._tickets: ExpiringMap[str, Ticket] = ExpiringMap(ttl_seconds, max_items)

    def claim(self, key: str, start: Callable[[], Future[Reply]]) -> Ticket:
        """The ticket for ``key``; ``start`` runs only for the first request with this key."""
        ticket, _ = self._tickets.setdefault(key, lambda: Ticket(start()))
        return ticket
