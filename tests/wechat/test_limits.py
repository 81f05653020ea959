"""The in-process stores: expiring map, rate limiter and the reply ledger's one-time decision."""

from __future__ import annotations

from concurrent.futures import Future

from api.wechat.dedupe import Reply, ReplyLedger, Ticket
from api.wechat.ratelimit import RateLimiter
from api.wechat.store import ExpiringMap


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_the_oldest_go_past_the_bound() -> None:
    clock = FakeClock()
    store: ExpiringMap[str, int] = ExpiringMap(10, 2, clock=clock)
    store.set("a", 1)
    store.set("b", 2)
    store.set("c", 3)
    assert (store.get("a"), store.get("b"), store.get("c")) == (None, 2, 3)
    clock.now += 11
    assert store.get("b") is None
    assert store.setdefault("b", lambda: 4) == (4, True)
    assert store.setdefault("b", lambda: 5) == (4, False)
    assert store.pop("b") == 4 and store.pop("b") is None


def test_rate_limit_is_per_user_over_a_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 60, 100, clock=clock)
    assert [limiter.allow("u"), limiter.allow("u"), limiter.allow("u")] == [True, True, False]
    assert limiter.allow("v")
    clock.now += 30
    assert not limiter.allow("u")  # refused messages do not count, but the window has not moved on yet
    clock.now += 31
    assert limiter.allow("u") and limiter.allow("u") and not limiter.allow("u")


def test_ledger_starts_the_work_once_per_key() -> None:
    ledger = ReplyLedger(60, 100)
    started: list[Future[Reply]] = []

    def start() -> Future[Reply]:
        started.append(Future())
        return started[-1]

    first, retry = ledger.claim("m1", start), ledger.claim("m1", start)
    assert first is retry and len(started) == 1
    assert ledger.claim("m2", start) is not first and len(started) == 2


def test_a_ready_reply_stays_passive_for_every_retry() -> None:
    future: Future[Reply] = Future()
    future.set_result("答复")
    ticket, late = Ticket(future), []
    assert ticket.settle(late.append) and ticket.settle(late.append)
    assert late == []


def test_a_late_reply_is_pushed_once_and_never_returned_passively() -> None:
    future: Future[Reply] = Future()
    ticket, late = Ticket(future), []
    assert not ticket.settle(late.append)
    future.set_result("答复")
    assert not ticket.settle(late.append)  # a retry after the reply was ready: still the push's job
    assert late == [future]
