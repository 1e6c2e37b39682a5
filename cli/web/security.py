"""What every answer of the web app carries, whatever made it (a page, the API, a static file,
an error): a strict Content-Security-Policy and the headers that stop sniffing, framing and
leaking the URL (an idea typed into the search is in it) to other sites.

The policy allows scripts, styles, fonts and connections from the app itself only: no inline
script or style anywhere (the pages have none; the API docs page loads its set-up from
``/static/docs.js``), images also as ``data:`` URIs (Swagger UI's icons).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADERS", "POLICY", "SecurityHeaders"]

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")
HEADERS: dict[str, str] = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware: :data:`HEADERS` on every HTTP answer (set, not added twice)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = {name for name, _ in _RAW}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                message["headers"] = kept + _RAW
            await send(message)

        await self.app(scope, receive, with_headers)
