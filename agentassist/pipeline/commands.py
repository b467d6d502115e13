"""What travels on a call's queue besides its audio (:class:`agentassist.events.Frame`): commands
to the media loop, each a class (livekit's sentinels as types, not magic tuples)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from agentassist.events import Frame


class Stereo(NamedTuple):
    """Whole 20 ms frames of both channels as a phone sends them, interleaved sample by sample: the
    customer (``external``) then the agent (``internal``). One queue item for both channels and every
    frame of a message: the event loop does no per-channel work, and one turn of the media thread takes it."""

    pcm: bytes


@dataclass(frozen=True, slots=True)
class EndInput:
    """The call is over: the loop handles what was queued before it, then closes the call."""


@dataclass(frozen=True, slots=True)
class Align:
    """Bring the lagging channel level with the other now (a hold began or ended: the bridge stops
    pulling the agent's frames)."""


@dataclass(frozen=True, slots=True)
class DigitIn:
    """A DTMF digit the peer sent; stamped with the media time of the frames before it."""

    digit: str
    method: str  # "rfc4733" | "info"


Item = Stereo | Frame | EndInput | Align | DigitIn
