"""Security headers on every response: a Content-Security-Policy that lets the web chat load only its own files,
no framing, no MIME sniffing, no referrer."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The web chat (api/static/) loads its script, style sheet and data from this origin only, with no inline code.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI page (served only when POLICYBOT_API_DOCS is on) loads its bundle from jsDelivr and starts
# it with an inline script.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers without CSP level 2
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Add ``HEADERS`` to every HTTP response that does not set them itself.

    Args:
        app: the wrapped application.
        policies: a Content-Security-Policy for particular paths (e.g. the API docs page) instead of ``PAGE_POLICY``.
    """

    def __init__(self, app: ASGIApp, *, policies: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.policies = dict(policies or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {**HEADERS, "Content-Security-Policy": self.policies.get(scope["path"], PAGE_POLICY)}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = MutableHeaders(scope=message)
                for name, value in headers.items():
                    present.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
