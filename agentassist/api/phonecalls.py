"""The calls phones stream to this center, across reconnects, and the desk a connected phone is.

A :class:`PhoneCall` outlives the connection that opened it: when a phone reconnects and sends ``open``
again, the call goes on where the center's copy ends (``opened.frame``). A call whose phone stays away
past ``[center] phone_timeout_s`` ends ``abnormal``. Everything here runs on the event loop, except
:class:`RemoteDesk`, whose commands come from the API's worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from agentassist.audio.devices import Microphone
from agentassist.desk import CallChange, CallInfo, Desks
from agentassist.errors import AgentassistError
from agentassist.events import Channel
from agentassist.pipeline.ports import StoredEvents
from agentassist.pipeline.resume import Resent
from agentassist.wire import DESK, Message
from agentassist.wire.audio import FRAME_BYTES_STEREO

log = logging.getLogger(__name__)

WINDOW_FRAMES = 1000  # frames pushed but not yet written (20 s): more waits, so the session's queue never drops
_DRAIN_S = 5.0  # the most a push or a pause waits for the session to catch up
_ENDED_KEPT = 10_000  # ids of ended calls remembered, so a late ``open`` is answered ``ended``


class Recording(Protocol):
    """What the center needs of a call's pipeline (agentassist.pipeline.CallSession)."""

    ended_at: datetime | None

    def push(self, channel: Channel, pcm: bytes) -> None: ...

    def push_stereo(self, pcm: bytes) -> None: ...

    @property
    def frames_written(self) -> int: ...

    @property
    def frames_taken(self) -> int: ...

    def when_taken(self, frames: int, callback: Callable[[], None]) -> None: ...

    def end(self, reason: str = "hangup", status: str = "ended") -> None: ...

    def join(self, timeout_s: float | None = None) -> None: ...

    def media(self, facts: dict[str, Any]) -> None: ...

    def pause(self, by: str) -> dict[str, Any]: ...

    def resume(self) -> dict[str, Any] | None: ...


class Center(Protocol):
    """What the endpoint needs of the runtime (agentassist.runtime.Runtime)."""

    desks: Desks

    def call_started(self, info: CallInfo) -> Any: ...

    def call_resumed(self, info: CallInfo) -> Any: ...

    def call_ended(self, call_id: str, reason: str) -> None: ...

    def call_failed(self, info: CallInfo, reason: str) -> None: ...

    def call_changed(self, call_id: str, change: CallChange) -> None: ...


class Link(Protocol):
    """A phone's connection, as a call and its desk see it."""

    agent: str
    loop: asyncio.AbstractEventLoop
    ringing_calls: list[CallInfo]

    async def command(self, action: str, call_id: str, args: dict[str, Any]) -> Message: ...

    def active_calls(self) -> list[str]: ...


@dataclass(eq=False)
class PhoneCall:
    call_id: str
    agent: str
    session: Recording
    received: int = 0  # frames the center holds: pushed to the session, in order
    acked: int = 0
    link: Link | None = None
    sent_from: int = 0  # on this connection, the next frame may not be before this one
    last_active: float = field(default_factory=time.monotonic)
    expiry: asyncio.TimerHandle | None = None
    ended: bool = False
    marks: Counter[str] = field(default_factory=Counter)  # events taken at frame ``marks_at``, each counted
    marks_at: int = -1
    resent: Resent = field(default_factory=lambda: Resent(StoredEvents()))  # what this connection may send again

    def first_time(self, kind: str, parameters: dict[str, Any]) -> bool:
        """False for an event taken at this frame on an earlier connection: a phone that reconnects sends
        again its events from ``opened.frame``. Alike events on one connection are each new (digits of one
        burst, masked "*", share a frame)."""
        if self.marks_at != self.received:
            self.marks, self.marks_at = Counter(), self.received
        key = json.dumps([kind, parameters], sort_keys=True)
        if self.resent.at(self.received, key):
            return False
        self.marks[key] += 1
        return True


class PhoneCalls:
    """Every call phones stream here, by id; on the event loop only."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._calls: dict[str, PhoneCall] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self.connected = 0  # phones and AudioHook sessions connected now
        self.refused_total = 0  # messages answered with an error
        self.abnormal_total = 0  # calls ended abnormal: phone away, stream silent, protocol broken

    def metrics(self) -> dict[str, float]:
        return {
            "agentassist_phone_connections": float(self.connected),
            "agentassist_phone_calls": float(len(self._calls)),
            "agentassist_phone_messages_refused_total": float(self.refused_total),
            "agentassist_phone_calls_abnormal_total": float(self.abnormal_total),
        }

    def get(self, call_id: str) -> PhoneCall | None:
        return self._calls.get(call_id)

    def ended(self, call_id: str) -> bool:
        return call_id in self._ended

    def add(self, call: PhoneCall) -> None:
        self._calls[call.call_id] = call

    def attach(self, call: PhoneCall, link: Link) -> None:
        if call.expiry is not None:
            call.expiry.cancel()
            call.expiry = None
        call.link, call.sent_from, call.last_active = link, 0, time.monotonic()
        call.resent = Resent(StoredEvents(call.marks_at, call.marks))  # the phone resends from ``received``

    def away(self, call: PhoneCall) -> None:
        """Its phone went away: the call waits ``timeout_s`` for it to come back."""
        call.link = None
        if not call.ended:
            loop = asyncio.get_running_loop()
            call.expiry = loop.call_later(self.timeout_s, self.fail, call, "phone lost")

    def fail(self, call: PhoneCall, reason: str) -> None:
        """End the call ``abnormal`` (its phone away too long, or it broke the protocol)."""
        if call.ended:
            return
        log.warning("call %s of %s ends abnormal: %s", call.call_id, call.agent, reason)
        self.abnormal_total += 1
        self.finish(call)
        asyncio.get_running_loop().run_in_executor(None, _end_abnormal, call.session, reason)

    def finish(self, call: PhoneCall) -> None:
        call.ended = True
        if call.expiry is not None:
            call.expiry.cancel()
        self._calls.pop(call.call_id, None)
        self._ended[call.call_id] = None
        while len(self._ended) > _ENDED_KEPT:
            self._ended.popitem(last=False)


async def feed(call: PhoneCall, pairs: list[tuple[bytes, bytes]]) -> None:
    """Push (customer, agent) frames to the call's session, in order, once its queue has room for them."""
    await room(call, len(pairs))
    push = call.session.push
    for external, internal in pairs:
        push(Channel.CUSTOMER, external)
        push(Channel.AGENT, internal)
    call.received += len(pairs)


async def feed_stereo(call: PhoneCall, pcm: bytes) -> None:
    """Push whole stereo frames (the customer first, as the wire carries them) to the call's session as
    one item, once its queue has room for them: no per-frame or per-channel work on the event loop."""
    frames = len(pcm) // FRAME_BYTES_STEREO
    if frames:
        if call.received + frames - call.session.frames_taken > WINDOW_FRAMES:
            await room(call, frames)
        call.session.push_stereo(pcm)
        call.received += frames


async def room(call: PhoneCall, frames: int, window: int = WINDOW_FRAMES) -> None:
    """Wait (a bounded while) until the session's queue takes ``frames`` more: a phone catching up after
    a cut sends faster than real time, and the session drops what its queue cannot hold. The session's
    thread wakes the wait (no polling: 400 calls polling every 10 ms cost more than their audio)."""
    target = call.received + frames - window  # frames the session must have taken
    if call.session.frames_taken >= target:
        return
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:  # on the call thread
        with contextlib.suppress(RuntimeError):  # the loop closed: the center is stopping
            loop.call_soon_threadsafe(_wake, ready)

    call.session.when_taken(target, wake)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready, _DRAIN_S)


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


def _end_abnormal(session: Recording, reason: str) -> None:
    session.media({"wire_error": reason})  # the call says why; a database write: not on the loop
    session.end("abnormal", "ended")


class RemoteDesk:
    """:class:`agentassist.desk.Desk` for a phone on the wire: each command is a ``command`` message,
    answered by the phone's ``result`` (or an error after ``[center] command_timeout_s``)."""

    def __init__(self, link: Link, timeout_s: float) -> None:
        self._link = link
        self._timeout_s = timeout_s

    def _do(self, action: str, call_id: str = "", **args: Any) -> Message:
        done = asyncio.run_coroutine_threadsafe(self._link.command(action, call_id, args), self._link.loop)
        try:
            return done.result(self._timeout_s + 5)  # the link's own timeout answers first
        except TimeoutError:
            done.cancel()
            raise AgentassistError(
                f"the phone of {self._link.agent!r} did not answer {action} within {self._timeout_s:g} s"
            ) from None

    def call(self, uri: str, microphone: Microphone | None = None) -> str:
        if microphone is not None:
            raise AgentassistError("a phone on the wire cannot play a stored prompt as the agent's voice")
        result = self._do("dial", uri=uri)
        call_id = result.param("call_id")
        if not isinstance(call_id, str) or not call_id:
            raise AgentassistError(f"dial: expected the phone's result to name the call, got {call_id!r}")
        return call_id

    def hangup(self, call_id: str) -> None:
        self._do("hangup", call_id)

    def answer(self, call_id: str) -> None:
        self._do("answer", call_id)

    def decline(self, call_id: str) -> None:
        self._do("decline", call_id)

    def hold(self, call_id: str, on: bool) -> None:
        self._do("hold", call_id, on=on)

    def mute(self, call_id: str, on: bool) -> None:
        self._do("mute", call_id, on=on)

    def send_dtmf(self, call_id: str, digits: str, method: str = "rfc4733") -> None:
        self._do("dtmf", call_id, digits=digits, method=method)

    def transfer(self, call_id: str, uri: str) -> None:
        self._do("transfer", call_id, uri=uri)

    def transfer_attended(self, call_id: str, consult_id: str) -> None:
        self._do("transfer_attended", call_id, consult_id=consult_id)

    def pause_recording(self, call_id: str, on: bool) -> None:
        self._do("pause" if on else "resume", call_id)

    def ringing(self) -> list[CallInfo]:
        return list(self._link.ringing_calls)

    def active_calls(self) -> list[str]:
        return self._link.active_calls()


def command_message(command_id: str, action: str, call_id: str, args: dict[str, Any]) -> Message:
    params = {"command": command_id, "action": action, **({"call_id": call_id} if call_id else {}), **args}
    return Message("command", DESK, params)
