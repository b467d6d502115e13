"""Request body limits per route, enforced before a body is read whole.

A pure ASGI middleware (not ``BaseHTTPMiddleware``, which would buffer): a request whose
``Content-Length`` is over its route's limit is answered 413 at once, unread; a body without one
(chunked) is counted as it streams in and refused at the first chunk past the limit, so the server
never holds more than the limit plus one chunk of it. Before this, a 100 MiB body to ``/api/login``
was parsed whole before its 422 (+241 MiB RSS).

The limits live in one table, :data:`ROUTE_BODY_LIMITS`; every other route gets
``[server] max_body_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, status

KIB = 1024
MIB = 1024 * KIB

# path prefix (a whole path segment: "/api/prompts" covers "/api/prompts/7", not "/api/promptsx")
# -> the most bytes a request body to it may have. The longest prefix that matches wins.
ROUTE_BODY_LIMITS: dict[str, int] = {
    "/api/login": 16 * KIB,  # a name and a password: 1,200 characters at most, JSON-escaped
    "/api/scripts": 2 * MIB,  # a 1 MB script (scripts.py), JSON-escaped ({"yaml": ...}) up to twice that
    "/api/prompts": 25 * MIB,  # a prompt WAV: 13 min of 16 kHz 16-bit mono
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit. An HTTPException, so that the
    route reading the body (FastAPI's body parsing re-raises these) answers it as the app answers
    every error; the middleware answers it itself if it comes through unanswered."""

    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, too_large(limit))
        self.limit = limit


def too_large(limit: int) -> str:
    return f"request body too large: expected at most {limit} bytes for this route"


def limit_for(path: str, default: int, table: dict[str, int] = ROUTE_BODY_LIMITS) -> int:
    """The body limit of ``path``: its longest matching prefix in ``table``, else ``default``."""
    best, best_len = default, -1
    for prefix, limit in table.items():
        if (path == prefix or path.startswith(prefix.rstrip("/") + "/")) and len(prefix) > best_len:
            best, best_len = limit, len(prefix)
    return best


class BodyLimit:
    """ASGI middleware: 413 with a JSON ``detail`` naming the limit, before the body is read whole."""

    def __init__(self, app: ASGIApp, default_bytes: int, table: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.table = ROUTE_BODY_LIMITS if table is None else table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.default_bytes, self.table)
        declared = _content_length(scope)
        if declared is None:
            await _answer(send, status.HTTP_400_BAD_REQUEST, "Content-Length: expected a whole number of bytes")
            return
        if declared > limit:
            await _answer(send, status.HTTP_413_CONTENT_TOO_LARGE, too_large(limit))
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _answer(send, exc.status_code, str(exc.detail))


def _content_length(scope: Scope) -> int | None:
    """The declared length (-1 when none is declared), or None when the header is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return -1


async def _answer(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    # No "Connection: close": closing a socket with unread bytes sends a TCP reset, which can take
    # this answer with it before the client reads it. uvicorn reads and drops the rest of a body that
    # an answered request left unread, keeping none of it.
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
