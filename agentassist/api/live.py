"""WebSocket feeds: every active call's events, or one call's."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentassist.api.deps import token_from
from agentassist.bus import EventBus, Subscription
from agentassist.store.db import Store, UserRecord

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

_CLOSE_UNAUTHORIZED = 4401
_CLOSE_FORBIDDEN = 4403
_CLOSE_NOT_FOUND = 4404


LIVE_WALL_ROLES = ("team_leader", "supervisor", "admin")


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
    async def drain_client() -> None:  # notice a client that goes away while nothing is published
        while True:
            await ws.receive_text()

    reader = asyncio.create_task(drain_client())
    try:
        async for item in sub:
            if reader.done():
                break
            if scope is not None and not await scope.allows(str(item.get("call_id", ""))):
                continue
            await ws.send_json(item)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        sub.close()
        reader.cancel()


async def _accept(ws: WebSocket) -> tuple[Store, EventBus] | None:
    store: Store = ws.app.state.store
    bus: EventBus = ws.app.state.bus
    token = token_from(ws.headers.get("authorization"), ws.query_params.get("token"))
    user = await asyncio.to_thread(store.user_for_token, token) if token else None
    await ws.accept()
    if user is None:
        await ws.close(_CLOSE_UNAUTHORIZED, "missing or invalid token")
        return None
    ws.state.user = user
    return store, bus


@router.websocket("/api/live")
async def live_all(ws: WebSocket) -> None:
    accepted = await _accept(ws)
    if accepted is None:
        return
    store, bus = accepted
    if ws.state.user.role not in LIVE_WALL_ROLES:
        await ws.close(
            _CLOSE_FORBIDDEN,
            f"the live wall is for {', '.join(LIVE_WALL_ROLES)}; follow one call at /api/calls/{{id}}/live",
        )
        return
    await _serve(ws, bus.subscribe(), _ScopeFilter(store, ws.state.user))


@router.websocket("/api/calls/{call_id}/live")
async def live_call(ws: WebSocket, call_id: str) -> None:
    accepted = await _accept(ws)
    if accepted is None:
        return
    store, bus = accepted
    call = await asyncio.to_thread(store.get_call, call_id)
    if call is None:
        await ws.close(_CLOSE_NOT_FOUND, f"no call with id {call_id!r}")
        return
    if not await asyncio.to_thread(store.can_see_call, ws.state.user, call_id):
        reason = "another agent's call" if ws.state.user.role == "agent" else "outside what this user may see"
        await ws.close(_CLOSE_FORBIDDEN, reason)
        return
    await _serve(ws, bus.subscribe(call_id))
