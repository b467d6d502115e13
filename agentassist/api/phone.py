"""``GET /api/phone``: the WebSocket a phone streams its agent's calls on (docs/wire-protocol.md).

One :class:`PhoneLink` per connection: it signs the phone in (401 before the accept for a bad
credential), attaches a :class:`~agentassist.api.phonecalls.RemoteDesk` for the credential's agent, and
turns messages into the runtime's calls: ``open`` starts a call, audio is pushed to its session, ``close``
ends it. A message that breaks the protocol is answered with ``error``; when it concerns a call, that call
ends ``abnormal``; nothing else on the connection stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from agentassist.api.deps import NullRuntime, token_from
from agentassist.api.phonecalls import Center, PhoneCall, PhoneCalls, RemoteDesk, command_message, feed_stereo, room
from agentassist.config import CenterSettings, Settings
from agentassist.desk import CallInfo, DtmfDigit, HoldChange, TransferProgress
from agentassist.errors import AgentassistError
from agentassist.restart import WIRE_PHONE, CarriedElsewhereError
from agentassist.store.db import Store
from agentassist.store.phones import PhoneCheck, check_phone, is_live
from agentassist.wire import DESK, Message, WireError, decode_audio, decode_text, encode_text
from agentassist.wire.audio import FRAME_BYTES_STEREO
from agentassist.wire.messages import parse_time

log = logging.getLogger(__name__)
router = APIRouter(tags=["phone"])

_HELLO_S = 10.0  # a phone that says nothing this long after connecting is cut off
_ACK_S = 0.2  # acks go out this often: a phone's spool holds about this much beyond the recording
_TICK_S = 0.2  # every connection's silent calls and credential are looked at this often
CLOSE_REVOKED = 4401


def phone_calls(ws: WebSocket) -> PhoneCalls:
    """The calls of every phone of this app (made by create_app)."""
    calls: PhoneCalls = ws.app.state.phone_calls
    return calls


async def sign_in(ws: WebSocket, credential: str | None) -> PhoneCheck | None:
    """The phone's agent, or None after answering 401 (503 without a runtime) before the accept."""
    store: Store = ws.app.state.store
    if credential is None:
        why = "missing credential: send 'Authorization: Bearer <phone credential>' (`agentassist users add-phone`)"
        check = PhoneCheck(None)
    else:
        why = "unknown or revoked phone credential"
        check = await asyncio.to_thread(check_phone, store, credential)
    if check.agent is None:
        headers = {"WWW-Authenticate": "Bearer"}
        await ws.send_denial_response(JSONResponse({"detail": why}, 401, headers=headers))
        return None
    runtime = ws.app.state.runtime
    if runtime is None or isinstance(runtime, NullRuntime):
        reason = runtime.reason if runtime is not None else "no runtime"
        await ws.send_denial_response(JSONResponse({"detail": f"this server runs no calls: {reason}"}, 503))
        return None
    return check


@router.websocket("/api/phone")
async def phone(ws: WebSocket) -> None:
    check = await sign_in(ws, token_from(ws.headers.get("authorization")))
    if check is None:
        return
    await ws.accept()
    link = PhoneLink(ws, check, ws.app.state.runtime, phone_calls(ws), ws.app.state.settings)
    await link.run()


def ticker_of(ws: WebSocket) -> Ticker:
    """The app's one ticker of phone connections (made on first use, on the app's loop)."""
    ticker: Ticker | None = getattr(ws.app.state, "phone_ticker", None)
    if ticker is None:
        ticker = ws.app.state.phone_ticker = Ticker(ws.app.state.store, ws.app.state.settings.center)
    return ticker


class Ticker:
    """One task for every phone connection of the app, not one a connection: every ``_TICK_S`` it ends the
    calls whose stream went silent, and every ``[center] credential_check_s`` it cuts off the phones whose
    credential was revoked (the checks of every phone due in one worker-thread hop). It runs while phones
    are connected. Acks are not its work: each connection sends its own as audio comes (``PhoneLink._acks``)."""

    def __init__(self, store: Store, center: CenterSettings) -> None:
        self.store = store
        self.timeout_s = center.phone_timeout_s
        self.check_s = center.credential_check_s
        self.links: set[PhoneLink] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, link: PhoneLink) -> None:
        self.links.add(link)
        task = self._task
        # none yet, ended when the last phone went, or of a loop gone (an app started again: tests)
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            self._task = asyncio.create_task(self._run(), name="phone-ticker")

    def discard(self, link: PhoneLink) -> None:
        self.links.discard(link)

    async def _run(self) -> None:
        while self.links:
            await asyncio.sleep(_TICK_S)
            now = time.monotonic()
            due: list[PhoneLink] = []
            for link in list(self.links):
                try:
                    link.tick(now, self.timeout_s)
                except Exception:  # one connection's failure stops no other's ticks
                    log.exception("phone of %s: its tick failed", link.agent)
                if now >= link.next_check:
                    link.next_check = now + self.check_s
                    due.append(link)
            if due:
                await self._check(due)

    async def _check(self, links: list[PhoneLink]) -> None:
        store = self.store

        def revoked() -> list[PhoneLink]:
            return [link for link in links if not is_live(store, link.credential_id)]

        try:
            cut = await asyncio.to_thread(revoked)
        except Exception:  # the database failing: the phones stay on, and are checked again next time
            log.exception("phone credentials could not be checked")
            return
        for link in cut:
            link.spawn(link.revoked())


class PhoneLink:
    def __init__(self, ws: WebSocket, check: PhoneCheck, center: Center, calls: PhoneCalls, settings: Settings) -> None:
        assert check.agent is not None and check.credential_id is not None
        self.ws = ws
        self.agent = check.agent
        self.credential_id = check.credential_id
        self.center = center
        self.calls = calls
        self.settings = settings
        self.loop = asyncio.get_running_loop()
        self.ringing_calls: list[CallInfo] = []
        self._streams: dict[int, PhoneCall] = {}
        self._stream_ids = itertools.count(1)
        self._command_ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._seq = 0
        self._last_in = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.desk = RemoteDesk(self, settings.center.command_timeout_s)
        # On a shared database another node may take a call over (agentassist.restart) and needs the whole
        # call from the phone's spool: a live call's frames are acknowledged only at its close.
        self._ack_live = ws.app.state.store.dialect != "postgresql"
        self._next_ack = time.monotonic() + _ACK_S
        self._last_audio = 0.0  # when the last audio message came: while audio comes, its reader acks
        self.next_check = time.monotonic() + settings.center.credential_check_s

    # ---- the connection --------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            first = await asyncio.wait_for(self.ws.receive_text(), _HELLO_S)
            hello = decode_text(first)
            if hello.type != "hello":
                raise WireError("bad-message", f"expected hello first, got {hello.type}")
        except (TimeoutError, WireError, KeyError, WebSocketDisconnect) as exc:
            why = str(exc) if isinstance(exc, WireError) else f"expected hello within {_HELLO_S:g} s"
            with contextlib.suppress(Exception):
                await self.send(Message("error", DESK, {"code": "bad-message", "message": why}))
                await self.ws.close(1008, why[:120])
            return
        self._last_in = hello.seq
        self._ringing(hello.param("ringing", []))
        await self.send(Message("welcome", DESK, {"agent": self.agent}))
        self.center.desks.attach(self.agent, self.desk)
        log.info("phone of %s connected (credential %d)", self.agent, self.credential_id)
        ticker = ticker_of(self.ws)
        ticker.add(self)
        self.calls.connected += 1
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self._receive(message.get("text"), message.get("bytes"))
        except WebSocketDisconnect:
            pass
        finally:
            self.calls.connected -= 1
            ticker.discard(self)
            self.center.desks.detach(self.agent, self.desk)
            for call in self._streams.values():
                if call.link is self:
                    self.calls.away(call)
            for pending in self._pending.values():
                pending.cancel()
            log.info("phone of %s disconnected; %d call(s) wait for it", self.agent, len(self._streams))

    async def send(self, message: Message) -> None:
        self._seq += 1
        text = encode_text(Message(message.type, message.id, message.parameters, self._seq, self._last_in))
        await self.ws.send_text(text)

    async def _error(self, call_id: str, code: str, text: str) -> None:
        with contextlib.suppress(Exception):  # the phone may be gone already
            await self.send(Message("error", call_id, {"code": code, "message": text}))

    async def _receive(self, text: str | None, data: bytes | None) -> None:
        call: PhoneCall | None = None
        ident = DESK  # what the error names: the message's call, read before the message is checked
        try:
            if data is not None:
                call = self._streams.get(int.from_bytes(data[:2], "big")) if len(data) >= 2 else None
                ident = call.call_id if call is not None else DESK
                now = self._last_audio = await self._audio(data)
                if now >= self._next_ack and self._ack_live:
                    await self._acks(now)
            elif text is not None:
                ident = _ident(text)
                known = self.calls.get(ident)
                call = known if known is not None and known.link is self else None
                m = decode_text(text)
                self._last_in = m.seq
                await self._message(m)
        except WireError as exc:
            log.warning("phone of %s: %s: %s", self.agent, exc.code, exc)
            self.calls.refused_total += 1
            await self._error(ident, exc.code, str(exc))
            if call is not None and exc.code not in ("not-yours", "ended"):
                self.calls.fail(call, f"protocol error: {exc.code}")
        except AgentassistError as exc:  # the runtime refused (a call not active, the store failing)
            await self._error(ident, "ended", str(exc))

    def tick(self, now: float, timeout_s: float) -> None:
        """The shared ticker's look at this connection (on the loop, never waits): a call whose stream went
        silent for ``timeout_s`` ends ``abnormal``, its error sent by a task of its own; frames written since
        the last ack while no audio came (a burst sent, the phone waiting for its ack) are acknowledged."""
        owed = False
        for call in list(self._streams.values()):
            if call.ended or call.link is not self:
                continue
            if now - call.last_active > timeout_s:
                self.spawn(self._error(call.call_id, "timeout", f"no audio or message for {timeout_s:g} s"))
                self.calls.fail(call, "phone stream silent")
            elif self._ack_live and now >= self._next_ack and now - self._last_audio >= _ACK_S:
                owed = owed or min(call.session.frames_written, call.received) > call.acked
        if owed:
            self.spawn(self._acks(now))

    async def revoked(self) -> None:
        log.warning("phone of %s: its credential was revoked: cut off", self.agent)
        with contextlib.suppress(Exception):  # gone already
            await self.ws.close(CLOSE_REVOKED, "phone credential revoked")

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acks(self, now: float) -> None:
        """Acks, at most every ``_ACK_S``, sent by the connection's own reader after an audio message:
        no timer, and a phone slow to read its acks holds up no other phone."""
        self._next_ack = now + _ACK_S
        for call in list(self._streams.values()):
            if not call.ended and call.link is self:
                await self._ack(call)

    async def _ack(self, call: PhoneCall) -> None:
        written = min(call.session.frames_written, call.received)
        if written > call.acked:
            call.acked = written
            await self.send(Message("ack", call.call_id, {"frame": written}))

    # ---- center to phone: commands ----------------------------------------------------------------

    async def command(self, action: str, call_id: str, args: dict[str, Any]) -> Message:
        command_id = str(next(self._command_ids))
        answer: asyncio.Future[Message] = self.loop.create_future()
        self._pending[command_id] = answer
        timeout_s = self.settings.center.command_timeout_s
        try:
            try:
                await self.send(command_message(command_id, action, call_id, args))
            except (WebSocketDisconnect, RuntimeError, OSError):
                raise AgentassistError(f"the phone of {self.agent!r} is not connected") from None
            result = await asyncio.wait_for(answer, timeout_s)
        except TimeoutError:
            raise AgentassistError(
                f"the phone of {self.agent!r} did not answer {action} within {timeout_s:g} s"
            ) from None
        finally:
            self._pending.pop(command_id, None)
        if not result.param("ok"):
            raise AgentassistError(result.param("error") or f"the phone refused {action}")
        return result

    def active_calls(self) -> list[str]:
        return [c.call_id for c in self._streams.values() if c.link is self and not c.ended]

    def _ringing(self, calls: list[dict[str, str]]) -> None:
        self.ringing_calls = [
            CallInfo(c["id"], "inbound", c["remote"], "", parse_time(c["since"]), agent=self.agent) for c in calls
        ]

    # ---- phone to center --------------------------------------------------------------------------

    async def _message(self, m: Message) -> None:
        if m.type == "ping":
            await self.send(Message("pong"))
        elif m.type == "pong" or m.type == "hello":
            pass
        elif m.type == "ringing":
            self._ringing(m.parameters["calls"])
        elif m.type == "result":
            answer = self._pending.get(m.parameters["command"])
            if answer is not None and not answer.done():
                answer.set_result(m)
        elif m.type == "open":
            await self._open(m)
        elif m.type == "failed":
            await asyncio.to_thread(self.center.call_failed, self._info(m), m.parameters["reason"])
        else:
            await self._call_message(m, self._call(m))

    def _call(self, m: Message) -> PhoneCall:
        call = self.calls.get(m.id)
        if call is None or call.link is not self:
            why = "an ended call" if self.calls.ended(m.id) else "a call not opened on this connection"
            raise WireError("unknown-stream", f"{m.type}: expected open first, got {m.type} for {why}")
        call.last_active = time.monotonic()
        return call

    def _info(self, m: Message) -> CallInfo:
        p = m.parameters
        if p["agent"] != self.agent:
            raise WireError(
                "not-yours", f"{m.type}: expected calls of {self.agent!r} on this phone, got {p['agent']!r}"
            )
        started = parse_time(p["started_at"])
        return CallInfo(m.id, p["direction"], p["remote"], p["sip_call_id"], started, agent=self.agent)

    async def _open(self, m: Message) -> None:
        info = self._info(m)
        call = self.calls.get(m.id)
        if call is not None and call.agent != self.agent:
            raise WireError("not-yours", f"open: call {m.id!r} is another agent's")
        if call is None:
            if self.calls.ended(m.id):
                raise WireError("ended", f"open: call {m.id!r} has ended at the center")
            store: Store = self.ws.app.state.store
            row = await asyncio.to_thread(store.get_call, m.id)
            if row is not None and row["status"] != "ringing":  # a dialled call has a row: one that ran has not
                session = await self._resumed(info, row["agent"])
            else:
                session = await asyncio.to_thread(self.center.call_started, info)
            call = PhoneCall(m.id, self.agent, session, received=session.frames_written)
            self.calls.add(call)
            log.info("call %s of %s opened by its phone at frame %d", m.id, self.agent, call.received)
            # a phone's call may be resumed after a restart (agentassist.restart); one recorded on the desk
            # while the center was away says so
            await asyncio.to_thread(
                session.media, {**WIRE_PHONE, **({"uploaded_late": True} if m.param("uploaded_late") else {})}
            )
        for stream, earlier in list(self._streams.items()):
            if earlier is call:
                del self._streams[stream]
        self.calls.attach(call, self)
        stream = next(self._stream_ids)
        self._streams[stream] = call
        await self.send(Message("opened", m.id, {"stream": stream, "frame": call.received}))

    async def _resumed(self, info: CallInfo, agent: str) -> Any:
        """A call an earlier run of the center recorded: it goes on if it waits for its phone, or if its node
        died (a takeover: agentassist.restart)."""
        if agent != self.agent:
            raise WireError("not-yours", f"open: call {info.call_id!r} is another agent's")
        try:
            session = await asyncio.to_thread(self.center.call_resumed, info)
        except CarriedElsewhereError as exc:  # its node lives: the phone goes back to it
            raise WireError("elsewhere", f"open: {exc}; connect to another node") from None
        if session is None:
            raise WireError(
                "ended", f"open: call {info.call_id!r} was recorded by an earlier run of the center and ended"
            )
        return session

    async def _audio(self, data: bytes) -> float:
        """The audio message pushed to its call's session; the monotonic time it came."""
        a = decode_audio(data)
        call = self._streams.get(a.stream)
        if call is None or call.ended or call.link is not self:
            raise WireError("unknown-stream", f"audio: expected a stream opened on this connection, got {a.stream}")
        if a.frame < call.sent_from or a.frame > call.received:
            raise WireError(
                "out-of-order",
                f"audio: expected frame {call.received} (or a repeat from {call.sent_from}), got {a.frame}",
            )
        call.sent_from = a.frame + a.frames
        call.last_active = now = time.monotonic()
        held = call.received - a.frame  # frames the center holds already: dropped
        await feed_stereo(call, a.pcm[held * FRAME_BYTES_STEREO :] if held else a.pcm)
        return now

    async def _call_message(self, m: Message, call: PhoneCall) -> None:
        p = m.parameters
        if m.type in ("pause", "resume", "hold", "dtmf"):
            if not call.first_time(m.type, p):
                return  # sent again after a reconnect: taken already
            await room(call, 0, window=0)  # marked at this frame, not behind what is still queued
        if m.type in ("pause", "resume"):
            # the session's own pause, not the runtime's: that one tells the phone, which told us
            if m.type == "pause":
                await asyncio.to_thread(call.session.pause, p.get("by", "agent"))
            else:
                await asyncio.to_thread(call.session.resume)
        elif m.type == "hold":
            await asyncio.to_thread(self.center.call_changed, call.call_id, HoldChange(p["held"], p["by"]))
        elif m.type == "dtmf":
            await asyncio.to_thread(self.center.call_changed, call.call_id, DtmfDigit(p["digit"], p["method"]))
        elif m.type == "transfer":
            change = TransferProgress(p["target"], p["status_code"], p["reason"])
            await asyncio.to_thread(self.center.call_changed, call.call_id, change)
        elif m.type == "quality":
            await asyncio.to_thread(call.session.media, {"phone": p})
        elif m.type == "close":
            if p["frames"] != call.received:  # not fatal: the phone sends the rest, then closes again
                text = f"close: expected every frame first: the call has {p['frames']}, the center {call.received}"
                await self._error(call.call_id, "out-of-order", text)
                return
            self.calls.finish(call)
            await asyncio.to_thread(self.center.call_ended, call.call_id, p["reason"])
            self.spawn(self._closed(call))

    async def _closed(self, call: PhoneCall) -> None:
        """Once the session has written the whole recording: the last ack, and ``closed``."""
        await asyncio.to_thread(call.session.join, 120)
        for stream, c in list(self._streams.items()):
            if c is call:
                del self._streams[stream]
        with contextlib.suppress(Exception):
            await self.send(Message("ack", call.call_id, {"frame": call.received}))
            await self.send(Message("closed", call.call_id))
        log.info("call %s of %s closed: %d frames", call.call_id, self.agent, call.received)


def _ident(text: str) -> str:
    """The ``id`` a text message names, if it has one that could be a call's; else ``desk``."""
    try:
        ident = json.loads(text).get("id")
    except (ValueError, AttributeError):
        return DESK
    return ident if isinstance(ident, str) and 0 < len(ident) <= 100 else DESK
