"""A call that goes on after the center restarted or another node took it over (agentassist.restart).

Its media clock, recording and transcript go on after the earlier run's (:func:`go_on`,
:func:`transcribe_again`). Its phone sends its events again, each at its frame (docs/wire-protocol.md):
after a restart those at or after ``opened.frame``, to a node that takes the call over (``opened.frame``
0: the dead node's recording is out of reach) the whole call's. They are applied to the session as the
first time, so the card-data pause and the DTMF triggers go on as they did, but what the earlier run
stored of them is not stored or published again (:class:`Resent`). That run had taken every frame
before the last one its store holds a span's edge or a digit at: every event before that frame came to
it and was stored, and on that frame it stored as many of each kind as the store holds there (the rest
of a burst may not have come: four masked SIP INFO digits share a frame). Whatever comes later is new,
however alike; a call that is not resumed stores every event.

Why here and not on the wire: ``opened.frame`` cannot say it (0 on a takeover; after a restart, what the
recording on disk holds, which lags what the earlier run took and stored), and an event dropped on the
wire would leave the session's state behind (a card-data pause still on, a trigger half keyed). A script
step's pause (the transcript's doing) and a mute (the agent's page) are never sent again: always stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.audio.keyring import KeyRing
from agentassist.audio.recorder import channel_frames
from agentassist.events import Channel
from agentassist.pipeline.align import ChannelAligner
from agentassist.pipeline.ports import Continuation, StoredEvents
from agentassist.transcribe.stream import ChannelStream

FRAME_S = FRAME_BYTES / 2 / SAMPLE_RATE_HZ  # 20 ms: the wire's frame, and the media clock's step


def frame_of(t_s: float) -> int:
    """The frame an event at media time ``t_s`` was marked at (events are marked at whole frames)."""
    return round(t_s / FRAME_S)


def span_key(kind: str, on: bool) -> str:
    """What a span's start (``on``) or end is, among the events stored at one frame."""
    return f"{kind}:{'on' if on else 'off'}"


def digit_key(digit: str, method: str) -> str:
    """What a digit is (as stored: "" masked), among the events stored at one frame."""
    return f"dtmf:{digit}:{method}"


def stored_events(events: Iterable[tuple[float, str]]) -> StoredEvents:
    """What a call's store holds of its events, each given as (media time, key)."""
    marked = [(frame_of(t_s), key) for t_s, key in events]
    if not marked:
        return StoredEvents()
    last = max(frame for frame, _ in marked)
    return StoredEvents(last, Counter(key for frame, key in marked if frame == last))


class Resent:
    """Whether each event of a resumed call is one its earlier run stored (module docstring). Under the
    records lock: the call thread, pool threads and API threads reach it. The center's copy of a phone's
    call uses one per connection the same way (agentassist.api.phonecalls): "stored" is what the center
    took at the frame the phone resends from."""

    def __init__(self, stored: StoredEvents) -> None:
        self._last = stored.last
        self._at_last = Counter(stored.at_last)  # counted down as the phone sends them again

    def __call__(self, t_s: float, key: str) -> bool:
        return self.at(frame_of(t_s), key)

    def at(self, frame: int, key: str) -> bool:
        """Whether the event ``key`` marked at ``frame`` is one taken before (each taken one answers once)."""
        if frame < self._last:
            return True
        if frame == self._last and self._at_last[key] > 0:
            self._at_last[key] -= 1
            return True
        return False


def kept_frames(resumed: Continuation | None) -> int:
    """The frames of both channels the recording of a resumed call keeps (0: a new recording)."""
    return resumed.frames if resumed is not None else 0


def go_on(
    resumed: Continuation | None, aligner: ChannelAligner, streams: Mapping[Channel, ChannelStream]
) -> dict[Channel, int]:
    """A resumed call's media clock, utterance times and ids go on after the earlier run's. Per channel, the
    frame its stored transcript ends at: the frames before it are recorded, not transcribed again (all 0
    for a new call)."""
    transcribed = {ch: 0 for ch in Channel}
    if resumed is None:
        return transcribed
    for channel in Channel:
        aligner.frames[channel] = resumed.frames
    for channel, stream in streams.items():
        stream.segmenter.continue_at(resumed.transcribed[channel], resumed.segments.get(channel, 0))
        transcribed[channel] = resumed.transcribed[channel]
    return transcribed


def transcribe_again(
    resumed: Continuation | None, path: Path, streams: Mapping[Channel, ChannelStream], keys: KeyRing | None
) -> None:
    """The speech the earlier run had not finished transcribing, from the recording (on the call thread,
    before the first new frame)."""
    if resumed is None:
        return
    for channel, stream in streams.items():
        if resumed.transcribed[channel] < resumed.frames:
            for pcm in channel_frames(path, channel, resumed.transcribed[channel], resumed.frames, keys=keys):
                stream.push(pcm)
