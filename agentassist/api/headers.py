"""Security headers on every HTTP answer (pages, static files, API), as a pure ASGI middleware.

The pages (static/*.html) load only their own script and style files and talk only to their own
origin (fetch, WebSocket, the recording in an <audio>), with no inline script, inline style or
``eval``: the policy allows exactly that, and no framing (clickjacking). The interactive API docs
(/docs, /redoc, made by FastAPI) load Swagger UI and ReDoc from the jsDelivr CDN and run one inline
script: their paths get a policy of their own that allows those, by hash (see :func:`docs_policy`).

An error no handler took (a bug, a database gone) is answered here, 500 with the same headers, rather
than by Starlette's outermost handler, which adds none; the exception goes on up to be logged.

``Cache-Control`` on /api answers that do not set their own: ``no-store`` (they carry personal data:
calls, transcripts, users), except answers with an ``ETag`` (a recording, a script): those are
``private, no-cache``, kept by the browser alone and revalidated on every use, so replay's seeks
and repeated plays of a recording cost a 304, not the whole file again.
"""

from __future__ import annotations

import base64
import hashlib
import re

from agentassist.api.limits import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",  # 'self' covers ws:// and wss:// to this host (CSP level 3)
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # page URLs may carry ?token= (media, WebSocket): never pass them on
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(*html: str) -> str:
    """The policy for FastAPI's docs pages ``html``: the CDN they load from, their inline scripts by
    hash, inline styles (ReDoc's styled-components add <style> elements) and ReDoc's blob: worker."""
    hashes = sorted(
        {
            f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for page in html
            for s in _INLINE_SCRIPT.findall(page)
        }
    )
    cdn = "https://cdn.jsdelivr.net"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {cdn} {' '.join(hashes)}".rstrip(),
            f"style-src 'self' {cdn} https://fonts.googleapis.com 'unsafe-inline'",
            "font-src https://fonts.gstatic.com",
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
            "worker-src blob:",
            "connect-src 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer; a header the answer already
    has is left as it is. ``policies``: path -> its own Content-Security-Policy (the docs pages)."""

    def __init__(self, app: ASGIApp, policies: dict[str, str] | None = None) -> None:
        self.app = app
        self.policies = policies or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = self.policies.get(path, PAGE_POLICY).encode()
        api = path.startswith("/api/")

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                have = {name.lower() for name, _ in headers}
                extra = [*FIXED, (b"content-security-policy", policy)]
                if api and b"cache-control" not in have:
                    extra.append((b"cache-control", b"private, no-cache" if b"etag" in have else b"no-store"))
                headers.extend((name, value) for name, value in extra if name not in have)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # else the client sees the answer cut short: nothing better can be sent
                body = b'{"detail":"internal error: see the server log"}'
                kind = b"application/json"
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
                    }
                )
                await send_with_headers({"type": "http.response.body", "body": body})
            raise
