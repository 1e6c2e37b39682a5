"""What every answer of the web app carries, whatever made it (a page, the API, a static file,
an error): a strict Content-Security-Policy and the headers that stop sniffing, framing and
leaking the URL (an idea typed into the search is in it) to other sites. And what no request
may send: a body over :data:`matcher.limits.BODY` bytes (413, before it is read on).

The policy allows scripts, styles, fonts and connections from the app itself only: no inline
script or style anywhere (the pages have none; the API docs page loads its set-up from
``/static/docs.js``), images also as ``data:`` URIs (Swagger UI's icons).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcher import limits

__all__ = ["HEADERS", "POLICY", "BodyLimit", "BodyTooLarge", "SecurityHeaders"]

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


class _HttpMiddleware:
    """ASGI middleware acting on HTTP requests only (:meth:`http`); anything else passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class SecurityHeaders(_HttpMiddleware):
    """ASGI middleware: :data:`HEADERS` on every HTTP answer (set, not added twice)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = {name for name, _ in _RAW}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                message["headers"] = kept + _RAW
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(HTTPException):
    """A body that went over the bound while it was read (413; ``detail`` says so)."""

    def __init__(self, bound: int) -> None:
        super().__init__(413, f"the request body is over {bound:,} bytes "
                              f"({_megabytes(bound)}), the most taken: send less")


class BodyLimit(_HttpMiddleware):
    """ASGI middleware: a request body over :data:`matcher.limits.BODY` bytes is 413 with
    a sentence, refused by its ``Content-Length`` before it is read, or as soon as what
    arrives (a chunked body) goes over (:class:`BodyTooLarge`, which FastAPI lets through
    to the error handlers). Nothing of it is echoed."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        bound = limits.BODY
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > bound:
            await _refuse(send, f"the request body is {int(declared):,} bytes; at most "
                                f"{bound:,} ({_megabytes(bound)}) are taken: send less")
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > bound:
                    raise BodyTooLarge(bound)
            return message

        await self.app(scope, counted, send)


def _megabytes(n: int) -> str:
    return f"{n / 1024**2:g} MB"


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"error": "TooLarge", "message": message, "field": None}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *_RAW]})
    await send({"type": "http.response.body", "body": body})
