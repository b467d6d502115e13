"""One call on the desk as the uplink keeps it: its spool, its stereo pairing and pause, and how far
the current connection to the center has got. Pure: the uplink does the I/O with what it returns.

A call's messages go in one order on a connection: ``open``; after ``opened`` its frames, each event
(``pause``, ``hold``, ``dtmf``...) sent before the first frame at or after its position; ``close`` when
the call has ended and every frame is sent. After a cut the next connection starts again from
``open`` and from the frame the center says it holds: events at or after that frame go again (the
center may see one twice at that very frame; frames never).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from agentassist.desk import CallChange, CallInfo, DtmfDigit, HoldChange, TransferProgress
from agentassist.events import Channel
from agentassist.pause import DtmfPauseOptions
from agentassist.phone.spool import Spool, SpooledCall, SpoolError
from agentassist.phone.stereo import SILENT_STEREO, PauseGate, StereoPairer
from agentassist.sip.quality import StreamQuality
from agentassist.wire import FRAME_BYTES_STEREO, MAX_FRAMES_PER_MESSAGE, MEDIA, Message, encode_audio

log = logging.getLogger(__name__)

FRAME_S = 0.02
_TAIL_FRAMES = 500  # 10 s, 640 kB
# A call first opened at the center this far into it (5 s), or after it ended, ran while the center was
# away: it says so (open.uploaded_late).
_LATE_FRAMES = 250


def call_meta(info: CallInfo) -> dict[str, Any]:
    """The ``open`` parameters of a call, as kept in its spool (``agent`` filled in when sent)."""
    return {
        "direction": info.direction,
        "remote": info.remote,
        "sip_call_id": info.sip_call_id,
        "started_at": info.started_at.astimezone(UTC).isoformat(),
        "agent": info.agent,
    }


class CallFeed:
    """A call of this desk, live (frames still coming) or spooled by an earlier run (``live`` False)."""

    def __init__(self, spooled: SpooledCall, dtmf_pause: DtmfPauseOptions | None = None, live: bool = True) -> None:
        self.spooled = spooled
        self.call_id = spooled.call_id
        self.live = live
        self.pairer = StereoPairer()
        self.gate = PauseGate(dtmf_pause)
        self.store_digits = False
        # Frames after the spool refused one (full): the call goes on (the error logged once); the newest
        # _TAIL_FRAMES of them are kept in memory, for a connected center to get them live; older ones
        # reach it as silence, the count kept right.
        self.unspooled = 0
        self._tail: deque[bytes] = deque(maxlen=_TAIL_FRAMES)
        self.center_ended = False  # the center ended the call already: nothing more of it goes up
        self.reset()

    @property
    def frames(self) -> int:
        return self.spooled.frames + self.unspooled

    @classmethod
    def start(cls, spool: Spool, info: CallInfo, dtmf_pause: DtmfPauseOptions | None, store_digits: bool) -> CallFeed:
        feed = cls(spool.open_call(info.call_id, call_meta(info)), dtmf_pause)
        feed.store_digits = store_digits
        return feed

    # ---- what the desk reports -----------------------------------------------------------------

    def frame(self, channel: Channel, pcm: bytes) -> None:
        self._keep(self.pairer.push(channel, pcm))

    def changed(self, change: CallChange) -> None:
        at = self.frames
        if isinstance(change, HoldChange):
            self._keep(self.pairer.align())  # the bridge stops (or starts again) pulling the agent's side
            self._event("hold", {"held": change.held, "by": change.by, "frame": self.frames})
        elif isinstance(change, DtmfDigit):
            for digit in self.gate.dtmf(change.digit, change.method, at * FRAME_S):
                self._digit(digit.digit, digit.method)
        elif isinstance(change, StreamQuality):
            self._event("quality", asdict(change))
        elif isinstance(change, TransferProgress):
            self._event(
                "transfer", {"target": change.target, "status_code": change.status_code, "reason": change.reason}
            )

    def end(self, reason: str) -> None:
        self._keep(self.pairer.align())
        for digit in self.gate.flush():  # a trigger cut short by the hangup: plain digits after all
            self._digit(digit.digit, digit.method)
        self.spooled.close(reason)
        self.live = False

    def pause(self, on: bool, by: str) -> None:
        """The center's pause or resume: from the next frame on."""
        if on:
            self.gate.pause(by)
        else:
            self.gate.resume()

    def _digit(self, digit: str, method: str) -> None:
        masked = not self.store_digits or self.gate.paused  # a card number keyed never leaves the desk
        params = {"digit": "*" if masked else digit, "method": method, "frame": self.frames, "masked": masked}
        self._event("dtmf", params)

    def _keep(self, frames: list[bytes]) -> None:
        for stereo in frames:
            kept, span = self.gate.gate(self.frames, stereo)
            if span is not None:
                self._event(span.type, {"frame": span.frame, "by": span.by})
            if not self.unspooled:
                try:
                    self.spooled.append(kept)
                    continue
                except SpoolError as exc:
                    log.error("call %s: %s; the call's frames from %d on are not kept", self.call_id, exc, self.frames)
            self._tail.append(kept)
            self.unspooled += 1

    def _event(self, kind: str, parameters: dict[str, Any]) -> None:
        self.spooled.add_event({"type": kind, "at": self.frames, "parameters": parameters})

    # ---- what the connection sends -------------------------------------------------------------

    def reset(self) -> None:
        """A new connection: nothing of this call is sent on it yet."""
        self.open_sent = False
        self.stream: int | None = None
        self.sent = 0  # the next frame to send
        self.events_sent = 0
        self.close_sent = False

    def opened(self, stream: int, frame: int) -> None:
        if frame < self.spooled.first:
            log.error(
                "call %s: the center holds frames up to %d, the spool from %d (acknowledged): frames %d-%d are lost",
                self.call_id, frame, self.spooled.first, frame, self.spooled.first - 1,
            )  # fmt: skip
            frame = self.spooled.first
        self.stream, self.sent = stream, frame
        if not self.spooled.opened_once:
            self.spooled.opened_once = True
            self.spooled.save()
        events = self.spooled.events
        self.events_sent = next((i for i, e in enumerate(events) if e["at"] >= frame), len(events))

    def next_messages(self, agent: str) -> list[Message | bytes]:
        """What to send next on this connection, in order (at most one audio message); [] when all is."""
        if not self.open_sent:
            self.open_sent = True
            params = {**self.spooled.meta, "agent": agent, "media": MEDIA}
            if not self.spooled.opened_once and (not self.live or self.frames > _LATE_FRAMES):
                params["uploaded_late"] = True  # the center was away while the call ran
            return [Message("open", self.call_id, params)]
        if self.stream is None or self.close_sent:
            return []
        out: list[Message | bytes] = []
        events = self.spooled.events
        while self.events_sent < len(events) and events[self.events_sent]["at"] <= self.sent:
            event = events[self.events_sent]
            out.append(Message(event["type"], self.call_id, event["parameters"]))
            self.events_sent += 1
        upto = self.frames
        if self.events_sent < len(events):
            upto = min(upto, events[self.events_sent]["at"])
        count = min(upto - self.sent, MAX_FRAMES_PER_MESSAGE)
        if count > 0:
            out.append(self._audio(count))
        elif self.spooled.closed and self.sent >= self.frames and self.events_sent == len(events):
            self.close_sent = True
            out.append(Message("close", self.call_id, {"reason": self.spooled.reason, "frames": self.frames}))
        return out

    def _audio(self, count: int) -> bytes:
        assert self.stream is not None
        pcm = self.spooled.read(self.sent, count)
        first = self.sent + len(pcm) // FRAME_BYTES_STEREO
        if first < self.sent + count:  # frames the spool refused: from memory while they are there
            tail_from = self.frames - len(self._tail)
            missing = range(first, self.sent + count)
            pcm += b"".join(self._tail[i - tail_from] if i >= tail_from else SILENT_STEREO for i in missing)
        message = encode_audio(self.stream, self.sent, pcm)
        self.sent += count
        return message


def ringing_list(calls: list[CallInfo]) -> list[dict[str, str]]:
    return [{"id": c.call_id, "remote": c.remote, "since": c.started_at.astimezone(UTC).isoformat()} for c in calls]


def failed_message(info: CallInfo, agent: str, reason: str) -> Message:
    params = {**call_meta(info), "agent": agent, "reason": reason}
    return Message("failed", info.call_id, params)


def utc_now() -> str:
    return datetime.now(UTC).isoformat()
