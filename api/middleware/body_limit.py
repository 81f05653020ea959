"""A limit on the size of every request body, enforced before anything parses it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, on every route.

    A declared ``Content-Length`` over the limit is refused before the app runs. A body without one (chunked) is
    counted as it streams in: the read that crosses the limit raises a 413 ``HTTPException`` inside the route,
    which the app's handler answers like any other error, so no more than the limit is ever buffered. (Starlette's
    ``RequestBodyLimitMiddleware`` counts the same way but answers in English plain text.)

    Args:
        app: the wrapped application.
        max_bytes: the largest body accepted.
        detail: the message of the 413 answer.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, detail: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = detail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        # ASCII digits only: str.isdigit() accepts "²", which int() refuses (the server normally rejects it first).
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await JSONResponse({"detail": self.detail}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(status_code=413, detail=self.detail)
            return message

        await self.app(scope, counted_receive, send)
