"""CallTap: two pjmedia ports on the conference bridge that carry one call's audio.

- the *agent* port transmits to the call: each tick it pulls 20 ms from the
  agent's microphone and hands the same bytes to the sink as channel ``agent``;
- the *customer* port receives from the call: each tick's frame goes to the
  agent's earpiece and to the sink as channel ``customer``.

Both run on pjmedia's clock thread and do constant-time work only.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from agentassist.audio.devices import Microphone, Speaker
from agentassist.audio.pcm import FRAME_BYTES, FRAME_MS, SAMPLE_RATE_HZ
from agentassist.desk import FrameSink
from agentassist.events import Channel

log = logging.getLogger(__name__)


def _vector_bytes_slow(vector: Any) -> bytes:
    return bytes(vector)  # SWIG iterates element by element: ~0.9 ms for 640 bytes


def _vector_bytes_fast(vector: Any) -> bytes:
    # A std::vector<unsigned char> starts with its begin and end pointers (libstdc++, the wheel's ABI):
    # read the bytes in one copy, ~4 us instead of ~900 us.
    begin = ctypes.c_void_p.from_address(int(vector.this)).value
    return ctypes.string_at(begin, vector.size()) if begin else b""


def _pick_vector_reader() -> Callable[[Any], bytes]:
    """Use the fast reader only where a self-check shows it reads what SWIG reads."""
    probe = bytes(range(256)) * 2 + bytes(128)
    try:
        vector = pj.ByteVector(probe)
        end = ctypes.c_void_p.from_address(int(vector.this) + ctypes.sizeof(ctypes.c_void_p)).value
        begin = ctypes.c_void_p.from_address(int(vector.this)).value
        if begin and end and end - begin == len(probe) and _vector_bytes_fast(vector) == probe:
            return _vector_bytes_fast
    except (TypeError, ValueError, AttributeError):
        pass
    log.warning("reading pjsua2 frames the slow way (%s)", "layout check failed")
    return _vector_bytes_slow


@functools.cache
def _vector_reader() -> Callable[[Any], bytes]:
    return _pick_vector_reader()


def _audio_format() -> Any:
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.id = pj.PJMEDIA_FORMAT_L16
    fmt.clockRate = SAMPLE_RATE_HZ
    fmt.channelCount = 1
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = FRAME_MS * 1000
    fmt.avgBps = SAMPLE_RATE_HZ * 16
    fmt.maxBps = fmt.avgBps
    return fmt


class _Route:
    """Where one call's frames go; swapped as a whole so the media thread sees one consistent set."""

    __slots__ = ("microphone", "sink", "speaker")

    def __init__(self, microphone: Microphone, speaker: Speaker, sink: FrameSink) -> None:
        self.microphone = microphone
        self.speaker = speaker
        self.sink = sink


class _AgentPort(pj.AudioMediaPort):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.route: _Route | None = None
        self.muted = False

    def onFrameRequested(self, frame: Any) -> None:  # noqa: N802 - pjsua2 callback name
        route = self.route
        if route is None:
            frame.type = pj.PJMEDIA_FRAME_TYPE_NONE
            return
        pcm = route.microphone.read_frame()
        if self.muted:  # the microphone is still read, so a file source stays in step with the call
            pcm = _SILENCE
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(pcm)
        frame.size = len(pcm)
        route.sink.push(Channel.AGENT, pcm)


class _CustomerPort(pj.AudioMediaPort):  # type: ignore[misc]
    def __init__(self, read: Callable[[Any], bytes]) -> None:
        super().__init__()
        self.route: _Route | None = None
        self.read = read

    def onFrameReceived(self, frame: Any) -> None:  # noqa: N802
        route = self.route
        if route is None:
            return
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size == FRAME_BYTES:
            pcm = self.read(frame.buf)
        else:  # the bridge gives an empty frame when nothing is heard
            pcm = _SILENCE
        route.speaker.write_frame(pcm)
        route.sink.push(Channel.CUSTOMER, pcm)


_SILENCE = bytes(FRAME_BYTES)


class CallTap:
    """A pair of bridge ports, reused from call to call.

    pjmedia's clock thread may still be inside a port's callback while the pj thread
    would destroy it, so ports are never destroyed while the endpoint runs: a tap is
    detached when its call ends and attached to the next one.
    """

    def __init__(self, name: str) -> None:
        fmt = _audio_format()
        self._agent = _AgentPort()
        self._agent.createPort(f"agent-{name}", fmt)
        self._customer = _CustomerPort(_vector_reader())
        self._customer.createPort(f"customer-{name}", fmt)

    def attach(self, microphone: Microphone, speaker: Speaker, sink: FrameSink) -> None:
        route = _Route(microphone, speaker, sink)
        self._agent.route = route
        self._customer.route = route

    def connect(self, call_audio: Any) -> None:
        """Wire the call's audio media to the ports (again after a re-INVITE)."""
        call_audio.startTransmit(self._customer)
        self._agent.startTransmit(call_audio)

    @property
    def muted(self) -> bool:
        return self._agent.muted

    @muted.setter
    def muted(self, on: bool) -> None:
        self._agent.muted = on

    def detach(self) -> None:
        """Stop forwarding frames; the call's media leaves the bridge by itself."""
        self._agent.route = None
        self._customer.route = None
        self._agent.muted = False
