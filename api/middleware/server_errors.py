"""The last resort for an exception no handler took: a 500 in Chinese, and a log entry without user data."""

from __future__ import annotations

import logging
import traceback

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


def stack_without_messages(error: BaseException) -> str:
    """The traceback of ``error`` and of the exceptions chained to it, with each exception's type but not its
    message: library errors quote their input in the message (a ``UnicodeEncodeError`` holds the whole string, a
    pydantic ``ValidationError`` its ``input_value``), and users' questions must stay out of the log."""
    text = ""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        text += "".join(traceback.format_tb(current.__traceback__)) + f"{kind.__module__}.{kind.__qualname__}"
        if current.__cause__ is not None:
            text, current = text + "\n\ncaused by:\n", current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            text, current = text + "\n\nraised while handling:\n", current.__context__
        else:
            current = None
    return text + "\n(exception messages withheld: they may quote user input)"


class ServerErrors:
    """Answer an unhandled exception with 500 and ``detail``, and log where it happened without its message.

    It catches what would otherwise reach Starlette's ``ServerErrorMiddleware``, which logs (through the server)
    the full message. When the response had already started, the connection is left to the server to close.

    Args:
        app: the wrapped application.
        detail: the message of the 500 answer.
    """

    def __init__(self, app: ASGIApp, *, detail: str) -> None:
        self.app = app
        self.detail = detail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:  # the last resort: whatever it is, the client gets a 500 and the log no user data
            logger.error(
                "unhandled %s in %s %s\n%s",
                type(error).__name__,
                scope["method"],
                scope["path"],
                stack_without_messages(error),
            )
            if not started:
                await JSONResponse({"detail": self.detail}, status_code=500)(scope, receive, send)
