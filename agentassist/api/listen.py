"""Listening in: ``WS /api/calls/{call_id}/listen``, a live call's audio for a leader, as it is recorded.

::

    CallSession (call thread) --AudioTap--> Listener (this loop) --_send_audio--> WebSocket

A team leader, supervisor or admin who may see the call (their teams' agents, or every team) gets
first a ``listen.start`` message saying the format, then the call's audio as binary messages: both
parties mixed to mono, PCM16 little-endian at 16 kHz, 20-100 ms a message. During a card-data pause
nothing is sent, not even the recording's silence: ``listen.paused`` says where it begins and ends.
When the call ends the socket closes with 1000. Every listen is written to the audit log
(``listen``), a refused one as ``refused`` with ``listen`` (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentassist.api.live import _CLOSE_FORBIDDEN, _CLOSE_NOT_FOUND, LIVE_WALL_ROLES, accepted
from agentassist.api.sockets import Held, guarded
from agentassist.audio.pcm import SAMPLE_RATE_HZ
from agentassist.errors import AgentassistError
from agentassist.store.db import Store, UserRecord

if TYPE_CHECKING:
    from agentassist.api.deps import Runtime
    from agentassist.pipeline.tap import Listener

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

LISTEN_ROLES = LIVE_WALL_ROLES  # who may watch the wall may listen in on the calls it shows
CLOSE_NOT_ACTIVE = 4409  # the call exists but is not going on here (ended, or carried by another node)


class ListenCounts:
    """Who listens now and what the slow ones lost, for /metrics (one per app, touched on its loop)."""

    def __init__(self) -> None:
        self.listening = 0
        self.listens = 0
        self.dropped_frames = 0

    def metrics(self) -> dict[str, float]:
        return {
            "agentassist_listeners": float(self.listening),
            "agentassist_listens_total": float(self.listens),
            "agentassist_listen_dropped_frames_total": float(self.dropped_frames),  # a listener's oldest audio
        }


@router.websocket("/api/calls/{call_id}/listen")
async def listen(ws: WebSocket, call_id: str) -> None:
    await accepted(ws, lambda held: _listen(ws, held, call_id))


async def _listen(ws: WebSocket, held: Held, call_id: str) -> None:
    store: Store = ws.app.state.store
    runtime: Runtime = ws.app.state.runtime
    user: UserRecord = ws.state.user
    refusal = await asyncio.to_thread(_refusal, store, user, call_id)
    if refusal is not None:
        code, reason = refusal
        await ws.close(code, reason)
        return
    try:
        tap = runtime.tap(call_id)
    except AgentassistError as exc:
        await ws.close(CLOSE_NOT_ACTIVE, str(exc).encode()[:120].decode(errors="ignore"))  # at most 123 bytes
        return
    listener = tap.listen(asyncio.get_running_loop())
    started = time.monotonic()
    counts: ListenCounts = ws.app.state.listen_counts
    counts.listening += 1
    counts.listens += 1
    try:
        await asyncio.to_thread(store.audit, user, "listen", call_id)
        log.info("call %s: %s (%s) listens in", call_id, user.name, user.role)
        await ws.send_json(
            {
                "type": "listen.start",
                "call_id": call_id,
                "sample_rate_hz": SAMPLE_RATE_HZ,
                "channels": 1,
                "format": "s16le",
            }
        )
        ended = await guarded(ws, held, _serve(ws, listener))
    finally:
        tap.leave(listener)
        counts.listening -= 1
        counts.dropped_frames += listener.dropped_frames
    log.info(
        "call %s: %s stopped listening after %.1f s (%d frames dropped: too slow)",
        call_id,
        user.name,
        time.monotonic() - started,
        listener.dropped_frames,
    )
    if ended:
        with contextlib.suppress(Exception):  # the client may be gone as well
            await ws.close(1000, "call ended")


def _refusal(store: Store, user: UserRecord, call_id: str) -> tuple[int, str] | None:
    """Why ``user`` may not listen to ``call_id`` (a close code and reason), written to the audit log as
    ``refused``; None when they may."""
    if user.role not in LISTEN_ROLES:
        if store.get_call(call_id) is not None:
            store.audit(user, "refused", call_id, "listen")
        return _CLOSE_FORBIDDEN, f"listening in is for {', '.join(LISTEN_ROLES)}"
    if store.get_call(call_id) is None:
        return _CLOSE_NOT_FOUND, f"no call with id {call_id!r}"
    if not store.can_see_call(user, call_id):
        store.audit(user, "refused", call_id, "listen")
        return _CLOSE_FORBIDDEN, "outside what this user may see"
    return None


class _CallEndedError(Exception):
    """The call's audio is all sent: ends the socket's other task (the client's reader)."""


async def _serve(ws: WebSocket, listener: Listener) -> bool:
    """Send the call's audio and pause markers until the call ends (True) or the client goes (False)."""

    async def drain_client() -> None:  # notice a client that goes away while the call is paused
        while True:
            await ws.receive_text()

    async def send_audio() -> None:
        while (item := await listener.next()) is not None:
            if isinstance(item, bytes):
                await ws.send_bytes(item)
            else:
                await ws.send_json({"type": "listen.paused", "paused": item.on})
        raise _CallEndedError

    ended = False
    try:
        async with asyncio.TaskGroup() as tasks:  # the first to fail ends the other
            tasks.create_task(drain_client())
            tasks.create_task(send_audio())
    except* _CallEndedError:
        ended = True
    except* (WebSocketDisconnect, RuntimeError, OSError, KeyError):
        pass  # the client went (KeyError: it sent binary, which Starlette's receive_text does not take)
    return ended
