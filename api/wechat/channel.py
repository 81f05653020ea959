"""One WeChat account's callback behaviour, the same for both channels: request freshness, the reply
deadline, deduplication of WeChat's retries, rate limiting, encrypted replies and late delivery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from api.wechat.crypto import MessageCrypto, signature
from api.wechat.dedupe import Reply, ReplyLedger
from api.wechat.dialog import Dialog
from api.wechat.messages import Message, encrypted_envelope
from api.wechat.outbound import ApiError, MessageSender
from api.wechat.ratelimit import RateLimiter
from api.wechat.replies import RATE_LIMITED
from bot.pipeline import Pipeline

logger = logging.getLogger(__name__)
# Unix seconds in ASCII digits: str.isdigit() also accepts "²" and int() refuses over 4,300 digits, both a 500.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def session_id_of(prefix: str, user: str, key: str) -> str:
    """A WeChat user's session id: the channel's prefix and a keyed hash of the OpenID / UserID, so neither the
    log nor the memory holds the OpenID and the id cannot be computed without the account's token."""
    return f"{prefix}:{hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()[:32]}"


class Channel:
    """Answers the messages of one account within WeChat's 5-second window.

    A reply ready before ``reply_deadline_seconds`` goes back in the HTTP response; a later one is
    acknowledged with ``ack`` in time and then pushed through ``sender``.

    Args:
        session_prefix: prefix of the users' session ids (``wx`` or ``wecom``).
        crypto: the account's token, key and receive id.
        dialog: turns messages into reply texts.
        ledger: replies by message, for WeChat's retries.
        limiter: per-user message limit.
        sender: pushes late replies.
        mode: ``plain`` accepts plaintext bodies only, ``safe`` encrypted ones only, ``compat`` both.
        executor: runs the dialog and the pushes; owned and shut down by the channel.
        reply_deadline_seconds: time budget of a passive reply, from the request's arrival.
        max_clock_skew_seconds: requests whose timestamp is further from now are replays.
        max_body_bytes: larger request bodies are refused.
        ack: the body that acknowledges a message without a passive reply.
    """

    def __init__(
        self,
        *,
        session_prefix: str,
        crypto: MessageCrypto,
        dialog: Dialog,
        ledger: ReplyLedger,
        limiter: RateLimiter,
        sender: MessageSender,
        mode: str,
        executor: ThreadPoolExecutor,
        reply_deadline_seconds: float,
        max_clock_skew_seconds: float,
        max_body_bytes: int,
        ack: str,
    ) -> None:
        self.crypto = crypto
        self.mode = mode
        self.max_body_bytes = max_body_bytes
        self.ack = ack
        self._prefix = session_prefix
        self._dialog = dialog
        self._ledger = ledger
        self._limiter = limiter
        self._sender = sender
        self._executor = executor
        self._deadline = reply_deadline_seconds
        self._max_skew = max_clock_skew_seconds

    def is_fresh(self, timestamp: str) -> bool:
        """Whether a request's ``timestamp`` is close enough to now not to be a replay."""
        return bool(_TIMESTAMP.fullmatch(timestamp)) and abs(time.time() - int(timestamp)) <= self._max_skew

    def accepts(self, *, encrypted: bool) -> bool:
        """Whether a body in this form (encrypted or plaintext) is accepted in the account's mode."""
        return self.mode == "compat" or (self.mode == "safe") == encrypted

    def seal(self, xml: str) -> str:
        """An encrypted, signed envelope around a reply document."""
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        encrypt = self.crypto.encrypt(xml)
        return encrypted_envelope(encrypt, signature(self.crypto.token, timestamp, nonce, encrypt), timestamp, nonce)

    async def respond(self, pipeline: Pipeline | None, message: Message, started: float) -> Reply:
        """The passive reply to ``message``, or None to acknowledge it only (nothing to say, or late).

        ``started`` is the request's arrival on the ``time.monotonic()`` clock. A retry of a message already
        being answered waits for the same work; a late reply is pushed once, whichever try took it late.
        """
        session_id = session_id_of(self._prefix, message.from_user, self.crypto.token)

        def start() -> Future[Reply]:
            if message.msg_type != "event" and not self._limiter.allow(session_id):
                limited: Future[Reply] = Future()
                limited.set_result(RATE_LIMITED)
                return limited
            return self._executor.submit(self._dialog.reply, pipeline, session_id, message)

        ticket = self._ledger.claim(message.dedupe_key, start)
        remaining = self._deadline - (time.monotonic() - started)
        if not ticket.future.done() and remaining > 0:
            await asyncio.wait([asyncio.wrap_future(ticket.future)], timeout=remaining)
        if ticket.settle(lambda future: self._push_when_done(message.from_user, future)):
            return ticket.future.result()
        return None

    def _push_when_done(self, user: str, future: Future[Reply]) -> None:
        if future.cancelled():
            return
        try:
            self._executor.submit(self._push, user, future.result())
        except RuntimeError:  # shutting down: push from this (worker) thread rather than drop the answer
            self._push(user, future.result())

    def _push(self, user: str, text: Reply) -> None:
        if text is None:
            return
        try:
            self._sender.send_text(user, text)
        except ApiError as error:
            logger.error("could not push a late reply to %s: %s", user, error)
        # Not httpx's own text: it may quote the URL, whose query holds the AppSecret or the access token.
        except httpx.HTTPStatusError as error:
            logger.error(
                "could not push a late reply to %s: HTTP %d from %s",
                user,
                error.response.status_code,
                error.request.url.path,
            )
        except httpx.HTTPError as error:
            logger.error("could not push a late reply to %s: %s", user, type(error).__name__)

    def close(self) -> None:
        """Finish the running work (queued questions are dropped), then close the outbound client."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._sender.close()
