"""``GET /api/audiohook``: a contact-center platform streams a call as AudioHook publishes it.

One session per connection: ``open`` (the center chooses PCMU at 8 kHz, both channels), binary audio,
``close``. The call runs as a phone's does - the same runtime path, the agent the credential's - with
``external`` as the customer and ``internal`` as the agent. AudioHook has no resumption: a connection
that drops before ``close`` ends the call ``abnormal`` at once. Sign-in: ``X-API-KEY`` carries a phone
credential (``agentassist users add-phone``); the platform's request signature is not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from agentassist.api.phone import phone_calls, sign_in
from agentassist.api.phonecalls import Center, PhoneCall, PhoneCalls, feed
from agentassist.desk import CallInfo
from agentassist.errors import AgentassistError
from agentassist.wire import WireError
from agentassist.wire.audiohook import (
    HookAudio,
    HookMessage,
    choose_media,
    decode_hook,
    encode_hook,
    parse_duration,
    silence,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["phone"])

PROBE = "00000000-0000-0000-0000-000000000000"  # the conversation of a connection probe: no call is made
_FRAME_S = 0.02


@router.websocket("/api/audiohook")
async def audiohook(ws: WebSocket) -> None:
    check = await sign_in(ws, ws.headers.get("x-api-key"))
    if check is None or check.agent is None:
        return
    await ws.accept()
    await HookSession(ws, check.agent, ws.app.state.runtime, phone_calls(ws)).run()


class HookSession:
    def __init__(self, ws: WebSocket, agent: str, center: Center, calls: PhoneCalls) -> None:
        self.ws = ws
        self.agent = agent
        self.center = center
        self.calls = calls
        self.id = ""
        self.seq = 0
        self.clientseq = 0
        self.call: PhoneCall | None = None
        self.audio: HookAudio | None = None
        self.closed = False

    @property
    def position_s(self) -> float:
        return self.call.received * _FRAME_S if self.call is not None else 0.0

    async def send(self, kind: str, **params: Any) -> None:
        self.seq += 1
        await self.ws.send_text(encode_hook(kind, self.id, self.seq, self.clientseq, self.position_s, **params))

    async def run(self) -> None:
        self.calls.connected += 1
        try:
            while not self.closed:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                try:
                    if message.get("bytes") is not None:
                        await self._audio(message["bytes"])
                    elif message.get("text") is not None:
                        await self._message(decode_hook(message["text"]))
                except (WireError, AgentassistError) as exc:
                    await self._fail(str(exc))
                    break
        except WebSocketDisconnect:
            pass
        finally:
            self.calls.connected -= 1
            if self.call is not None and not self.call.ended:
                self.calls.fail(self.call, "audiohook connection lost before close")

    async def _fail(self, why: str) -> None:
        """AudioHook's way out: ``disconnect`` with the reason; the call ends abnormal."""
        log.warning("audiohook session %s of %s: %s", self.id, self.agent, why)
        self.calls.refused_total += 1
        with contextlib.suppress(Exception):
            await self.send("disconnect", reason="error", info=why)
        if self.call is not None:
            self.calls.fail(self.call, f"audiohook: {why}")

    async def _message(self, m: HookMessage) -> None:
        if self.id and m.id != self.id:
            raise WireError("bad-message", f"{m.type}: expected session id {self.id!r}, got {m.id!r}")
        if m.seq != self.clientseq + 1:
            raise WireError("out-of-order", f"{m.type}: expected seq {self.clientseq + 1}, got {m.seq}")
        self.clientseq = m.seq
        if m.type == "open":
            await self._open(m)
        elif self.audio is None:
            raise WireError("bad-message", f"expected open first, got {m.type}")
        elif m.type == "ping":
            await self.send("pong")
        elif m.type in ("resumed", "discarded") and self.call is not None:
            # the client paused or dropped audio: silence keeps the recording on the call's clock
            await feed(self.call, silence(parse_duration(m.parameters.get("discarded", "PT0S"))))
        elif m.type == "close":
            await self._close(m)
        # update, paused, dtmf, error: nothing the call's pipeline needs

    async def _open(self, m: HookMessage) -> None:
        if self.audio is not None:
            raise WireError("bad-message", "open: the session is already open")
        self.id = m.id
        media = choose_media(m.parameters.get("media"))
        self.audio = HookAudio(media["channels"])
        conversation = str(m.parameters.get("conversationId", ""))
        if conversation != PROBE:
            if self.calls.get(m.id) is not None or self.calls.ended(m.id):
                raise WireError("bad-message", f"open: session {m.id!r} was opened before")
            participant = m.parameters.get("participant")
            ani = str(participant.get("ani", "")) if isinstance(participant, dict) else ""
            info = CallInfo(m.id, "inbound", ani, conversation, datetime.now(UTC), agent=self.agent)
            session = await asyncio.to_thread(self.center.call_started, info)
            self.call = PhoneCall(m.id, self.agent, session)
            self.calls.add(self.call)
            log.info("audiohook call %s (conversation %s) of %s opened", m.id, conversation, self.agent)
        await self.send("opened", startPaused=False, media=[media])

    async def _audio(self, data: bytes) -> None:
        if self.audio is None:
            raise WireError("bad-message", "audio before open")
        pairs = self.audio.push(data)
        if self.call is not None:
            await feed(self.call, pairs)

    async def _close(self, m: HookMessage) -> None:
        call = self.call
        if call is not None:
            self.calls.finish(call)
            await asyncio.to_thread(self.center.call_ended, call.call_id, "hangup")
            log.info("audiohook call %s of %s closed: %d frames", call.call_id, self.agent, call.received)
        await self.send("closed")
        self.closed = True
