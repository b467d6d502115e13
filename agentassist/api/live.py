"""WebSocket feeds: every active call's events, or one call's."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentassist.api.deps import token_from
from agentassist.bus import EventBus, Subscription
from agentassist.store.db import Store

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

_CLOSE_UNAUTHORIZED = 4401
_CLOSE_FORBIDDEN = 4403
_CLOSE_NOT_FOUND = 4404


async def _serve(ws: WebSocket, sub: Subscription) -> None:
    async def drain_client() -> None:  # notice a client that goes away while nothing is published
        while True:
            await ws.receive_text()

    reader = asyncio.create_task(drain_client())
    try:
        async for item in sub:
            if reader.done():
                break
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
    _, bus = accepted
    if ws.state.user.role == "agent":
        await ws.close(_CLOSE_FORBIDDEN, "agents may follow their own calls only: /api/calls/{id}/live")
        return
    await _serve(ws, bus.subscribe())


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
    if ws.state.user.role == "agent" and call["agent"] != ws.state.user.name:
        await ws.close(_CLOSE_FORBIDDEN, "another agent's call")
        return
    await _serve(ws, bus.subscribe(call_id))
