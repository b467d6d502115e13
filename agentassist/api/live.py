"""WebSocket feeds: every active call's events, or one call's; the tickets that open them from a page.

A socket is opened with ``Authorization: Bearer <token>`` (programs) or ``?ticket=`` from
``POST /api/ws-ticket`` (pages: a browser cannot set that header, and a URL is logged, so it carries
a one-use credential that expires in 30 s instead of the token). It closes with 4401 when its token
ends (logout, rotation, deletion, expiry; see sockets.py) and is refused with 4429 past
``[server] max_sockets_per_user``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from agentassist.api.deps import PHONE_ONLY, UserDep, token_from
from agentassist.api.signing import TICKET_TTL_S, LinkError, Signer
from agentassist.api.sockets import CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED, Held, SocketRegistry, guarded
from agentassist.bus import EventBus, Subscription
from agentassist.store.accounts import TokenCheck, token_hash
from agentassist.store.db import Store, UserRecord
from agentassist.store.phones import check_phone
from agentassist.store.scope import CLIENT

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

_CLOSE_FORBIDDEN = 4403
_CLOSE_NOT_FOUND = 4404


LIVE_WALL_ROLES = ("team_leader", "supervisor", "admin")


class TicketOut(BaseModel):
    ticket: str
    expires_in_s: int


class _ScopeFilter:
    """Which calls' events one wall client may get: decided once per call, from the database."""

    def __init__(self, store: Store, user: UserRecord) -> None:
        self.store, self.user = store, user
        self.decided: dict[str, bool] = {}

    async def allows(self, call_id: str) -> bool:
        if self.store.sees_all(self.user):
            return True
        if call_id not in self.decided:
            if len(self.decided) > 10_000:
                self.decided.clear()
            self.decided[call_id] = await asyncio.to_thread(self.store.can_see_call, self.user, call_id)
        return self.decided[call_id]


async def _serve(ws: WebSocket, sub: Subscription, scope: _ScopeFilter | None = None) -> None:
    """Send ``sub``'s events until the client goes: the reader notices a departure at once, not at the
    next event, so a closed client's subscription ends with it (and SIGTERM need not wait for one)."""

    async def drain_client() -> None:
        while True:
            await ws.receive_text()

    async def send_events() -> None:
        async for item in sub:
            if scope is not None and not await scope.allows(str(item.get("call_id", ""))):
                continue
            await ws.send_json(item)

    reader = asyncio.create_task(drain_client())
    sender = asyncio.create_task(send_events())
    try:
        await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sub.close()
        for task in (reader, sender):
            task.cancel()
        for task in (reader, sender):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await task


async def _authenticate(ws: WebSocket) -> TokenCheck | str:
    """Whose socket this is, from ``Authorization: Bearer`` (programs) or ``?ticket=`` (pages); else why not."""
    store: Store = ws.app.state.store
    token = token_from(ws.headers.get("authorization"))
    ticket = ws.query_params.get("ticket")
    if token is not None:
        check = await asyncio.to_thread(store.check_token_hash, token_hash(token))
    elif ticket:
        signer: Signer = ws.app.state.signer
        try:
            spent = signer.redeem(ticket)
        except LinkError as exc:
            return str(exc)
        check = await asyncio.to_thread(store.check_user_token, spent.user_id, spent.token_prefix)
    elif ws.query_params.get("token"):
        return "?token= is no longer accepted: use ?ticket= from POST /api/ws-ticket, or an Authorization header"
    else:
        return "missing credentials: ?ticket= from POST /api/ws-ticket, or 'Authorization: Bearer <token>'"
    if check.user is None:
        if token is not None and (await asyncio.to_thread(check_phone, store, token)).agent is not None:
            return PHONE_ONLY
        return "invalid or revoked token"
    if check.expired:
        return "token expired"
    return check


async def accepted(ws: WebSocket, serve: Callable[[Held], Awaitable[None]]) -> None:
    """Accept ``ws``, then either close it with the reason (4401 who, 4403 a phone's credential, 4429 too
    many) or ``serve`` it with its claim (``ws.state.user`` is its user), released at the end. Every socket
    route opens with this."""
    check = await _authenticate(ws)
    await ws.accept()
    if isinstance(check, str):
        await ws.close(_CLOSE_FORBIDDEN if check == PHONE_ONLY else CLOSE_UNAUTHORIZED, check)
        return
    assert check.user is not None
    sockets: SocketRegistry = ws.app.state.sockets
    held = sockets.hold(check.user.id, check.token_hash, check.expires_at)
    if held is None:
        reason = f"too many open sockets: {check.user.name} holds {sockets.max_per_user}, the most allowed"
        log.warning("live: %s", reason)
        await ws.close(CLOSE_TOO_MANY, reason.encode()[:120].decode(errors="ignore"))  # at most 123 bytes
        return
    ws.state.user = check.user
    try:
        await serve(held)
    finally:
        sockets.release(held)


@router.post("/api/ws-ticket", response_model=TicketOut)
def ws_ticket(request: Request, user: UserDep) -> dict[str, Any]:
    """A one-use ticket for opening one WebSocket from a page: ``new WebSocket(url + '?ticket=' + t)``."""
    signer: Signer = request.app.state.signer
    return {"ticket": signer.ticket(user.id, request.state.token_hash), "expires_in_s": TICKET_TTL_S}


@router.websocket("/api/live")
async def live_all(ws: WebSocket) -> None:
    await accepted(ws, lambda held: _live_all(ws, held))


async def _live_all(ws: WebSocket, held: Held) -> None:
    store: Store = ws.app.state.store
    bus: EventBus = ws.app.state.bus
    if ws.state.user.role not in LIVE_WALL_ROLES:
        await ws.close(
            _CLOSE_FORBIDDEN,
            f"the live wall is for {', '.join(LIVE_WALL_ROLES)}; follow one call at /api/calls/{{id}}/live",
        )
        return
    await guarded(ws, held, _serve(ws, bus.subscribe(), _ScopeFilter(store, ws.state.user)))


@router.websocket("/api/calls/{call_id}/live")
async def live_call(ws: WebSocket, call_id: str) -> None:
    await accepted(ws, lambda held: _live_call(ws, held, call_id))


async def _live_call(ws: WebSocket, held: Held, call_id: str) -> None:
    store: Store = ws.app.state.store
    bus: EventBus = ws.app.state.bus
    if ws.state.user.role == CLIENT:  # a client follows no call live, nor learns here which calls exist
        await ws.close(_CLOSE_FORBIDDEN, "a client may not follow a call live")
        return
    call = await asyncio.to_thread(store.get_call, call_id)
    if call is None:
        await ws.close(_CLOSE_NOT_FOUND, f"no call with id {call_id!r}")
        return
    if not await asyncio.to_thread(store.can_see_call, ws.state.user, call_id):
        reason = "another agent's call" if ws.state.user.role == "agent" else "outside what this user may see"
        await ws.close(_CLOSE_FORBIDDEN, reason)
        return
    await guarded(ws, held, _serve(ws, bus.subscribe(call_id)))
