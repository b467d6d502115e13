"""The channel aligner: both channels of a call on one clock.

A channel that gets no frames for a while (the agent's on hold: the bridge stops pulling them) falls
behind the other; the recording, the segmenters and the utterance times share one clock only when it is
filled with silence. Pure: the media loop asks it, after each frame, how much silence to put in where.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.events import Channel

MAX_LAG_FRAMES = 10  # a channel this far behind gets no frames (hold): filled with silence, before the
# recorder's own 0.5 s skew fill would pad it a second time
FRAME_S = FRAME_BYTES / 2 / SAMPLE_RATE_HZ


@dataclass(frozen=True, slots=True)
class Fill:
    """Put ``frames`` frames of silence on ``channel`` (already counted by the aligner)."""

    channel: Channel
    frames: int


class ChannelAligner:
    """Counts each channel's frames; says when one lags the other by more than ``max_lag_frames``."""

    def __init__(self, max_lag_frames: int = MAX_LAG_FRAMES) -> None:
        if max_lag_frames < 0:
            raise ValueError(f"max_lag_frames: expected 0 or more, got {max_lag_frames}")
        self.max_lag_frames = max_lag_frames
        self.frames = {ch: 0 for ch in Channel}
        self.filled = {ch: 0 for ch in Channel}  # frames of silence put in for a channel that got none

    @property
    def now_s(self) -> float:
        """The media clock: the time of the channel that is ahead."""
        return max(self.frames.values()) * FRAME_S

    def push(self, channel: Channel) -> Fill | None:
        """A frame of ``channel`` arrived: counted; the fill the other channel needs now, if any."""
        self.frames[channel] += 1
        return self._fill(self.max_lag_frames)

    def push_both(self, frames: int) -> None:
        """``frames`` frames of both channels arrived together (a phone's stereo): the lag stays as it was,
        so nothing needs filling."""
        self.frames[Channel.AGENT] += frames
        self.frames[Channel.CUSTOMER] += frames

    def level(self) -> Fill | None:
        """Bring the channels level whatever the lag (:class:`~agentassist.pipeline.commands.Align`)."""
        return self._fill(0)

    def _fill(self, max_lag_frames: int) -> Fill | None:
        agent, customer = self.frames[Channel.AGENT], self.frames[Channel.CUSTOMER]
        lag = abs(agent - customer)
        if lag <= max_lag_frames:
            return None
        behind = Channel.AGENT if agent < customer else Channel.CUSTOMER
        self.frames[behind] += lag
        self.filled[behind] += lag
        return Fill(behind, lag)
