"""A call's two channels as the wire's stereo frames, and the card-data pause applied on the desk.

Both are pure objects driven by the uplink's event-loop thread, frame by frame:

- :class:`StereoPairer` pairs the n-th frame of each channel (pjmedia's clock thread delivers both
  every 20 ms). A channel that gets no frames (the agent's side on hold: the bridge stops pulling it)
  is filled with silence once it lags the other by ``max_lag_frames``, and :meth:`StereoPairer.align`
  levels them at once when the hold begins or ends.
- :class:`PauseGate` silences every frame between a pause and its resume before the frame is spooled
  or sent: card data never reaches the disk or the network. A pause comes from the center (the
  agent's page) or from the far end's DTMF, through the same triggers the center runs
  (:mod:`agentassist.pause`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from agentassist.audio.pcm import FRAME_BYTES, FRAME_MS, SILENT_FRAME
from agentassist.events import Channel
from agentassist.pause import Digit, DtmfPauseOptions, DtmfTriggers
from agentassist.wire import FRAME_BYTES_STEREO, interleave

SILENT_STEREO = bytes(FRAME_BYTES_STEREO)
# 200 ms: both channels come from one pjmedia clock tick, so in a live call they differ by a frame at
# most; a channel this far behind has stopped (hold), and the other must not wait longer for it.
MAX_LAG_FRAMES = 10


class StereoPairer:
    """Mono frames of either channel in, stereo frames (external = customer, internal = agent) out."""

    def __init__(self, max_lag_frames: int = MAX_LAG_FRAMES) -> None:
        self.max_lag_frames = max_lag_frames
        self._pending: dict[Channel, deque[bytes]] = {ch: deque() for ch in Channel}
        self.filled = {ch: 0 for ch in Channel}  # frames of silence put in for a channel that got none

    def push(self, channel: Channel, pcm: bytes) -> list[bytes]:
        """The stereo frames that ``pcm`` completes, in order (none while the other channel is due)."""
        if len(pcm) != FRAME_BYTES:
            raise ValueError(f"expected a {FRAME_BYTES}-byte frame, got {len(pcm)} bytes")
        self._pending[channel].append(pcm)
        return self._pair(self.max_lag_frames)

    def align(self) -> list[bytes]:
        """Level the channels now (a hold began or ended): the lagging one is filled with silence."""
        return self._pair(0)

    def _pair(self, max_lag: int) -> list[bytes]:
        customer, agent = self._pending[Channel.CUSTOMER], self._pending[Channel.AGENT]
        out: list[bytes] = []
        while customer and agent:
            out.append(interleave(customer.popleft(), agent.popleft()))
        for ahead, behind in ((customer, Channel.AGENT), (agent, Channel.CUSTOMER)):
            while len(ahead) > max_lag:
                self.filled[behind] += 1
                pcm = ahead.popleft()
                out.append(interleave(pcm, SILENT_FRAME) if behind is Channel.AGENT else interleave(SILENT_FRAME, pcm))
        return out


@dataclass(frozen=True, slots=True)
class Span:
    """A pause began (``pause``) or ended (``resume``) at ``frame``: the wire's message of that type."""

    type: str
    frame: int
    by: str


class PauseGate:
    """Which frames are silenced. Requests (:meth:`pause`, :meth:`resume`, a digit) take effect at the
    next frame through :meth:`gate`, which reports where each span begins and ends."""

    def __init__(self, options: DtmfPauseOptions | None = None) -> None:
        self._triggers = DtmfTriggers(options) if options is not None and options.enabled else None
        self._quiet_s = options.quiet_s if options is not None else 0.0
        self.paused = False  # requested
        self._by = ""
        self._silencing = False  # applied: the frames gate passes now are silenced
        self._resume_at_s: float | None = None  # a pause keyed digits opened ends at this media time

    def pause(self, by: str) -> None:
        if not self.paused:
            self.paused, self._by = True, by

    def resume(self) -> None:
        self.paused, self._resume_at_s = False, None

    def dtmf(self, digit: str, method: str, t_s: float) -> list[Digit]:
        """A digit from the far end at media time ``t_s``; the digits to report (a trigger's own are
        swallowed, held ones released). As the center's pipeline does (agentassist/pipeline.py)."""
        released = [Digit(t_s, digit, method)]
        if self._triggers is None:
            return released
        action, released = self._triggers.feed(released[0])
        if action == "pause":
            self.pause("dtmf")
        elif action == "resume":
            self.resume()
        if released and self._quiet_s > 0:
            if not self.paused:
                self.pause("keypad")
                self._resume_at_s = t_s + self._quiet_s
            elif self._resume_at_s is not None:
                self._resume_at_s = t_s + self._quiet_s  # still typing: the pause goes on
        return released

    def flush(self) -> list[Digit]:
        """Digits held back by a trigger that never completed (the call ended): plain digits after all."""
        return self._triggers.flush() if self._triggers is not None else []

    def gate(self, frame: int, stereo: bytes) -> tuple[bytes, Span | None]:
        """Frame number ``frame`` as it may be kept, and the span that begins or ends at it."""
        if self._resume_at_s is not None and frame * FRAME_MS / 1000 >= self._resume_at_s:
            self.resume()  # the keypad has been quiet: the customer is done typing
        span = None
        if self.paused != self._silencing:
            self._silencing = self.paused
            span = Span("pause" if self.paused else "resume", frame, self._by)
        return (SILENT_STEREO if self._silencing else stereo), span
