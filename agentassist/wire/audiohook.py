"""The AudioHook dialect (``/api/audiohook``): its text messages, and its audio turned into the
pipeline's frames. Pure, no I/O.

AudioHook as published: JSON messages with ``version`` "2", ``type``, ``seq`` (counted per sender),
``clientseq``/``serverseq`` (the last seq seen from the other side), ``id`` (the session), ``position``
(an ISO 8601 duration of audio so far) and ``parameters``; audio as binary messages of interleaved
8-bit mu-law samples at 8 kHz, in the channel order of the media the server chose in ``opened``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from agentassist.audio.frames import FRAME_BYTES, FRAME_SAMPLES
from agentassist.wire.errors import WireError

VERSION = "2"
CLIENT_TYPES = frozenset({"open", "close", "ping", "update", "paused", "resumed", "discarded", "error", "dtmf"})
MAX_TEXT_BYTES = 64 * 1024
MAX_AUDIO_BYTES = 2 * 8000 * 2  # two seconds of stereo PCMU: a client sends a fraction of a second at once
RATE_HZ = 8000
_MAX_GAP_S = 3600.0  # the longest gap filled with silence: a bad position must not fill the disk
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


@dataclass(frozen=True, slots=True)
class HookMessage:
    type: str
    id: str
    seq: int
    position_s: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)


def decode_hook(text: str | bytes) -> HookMessage:
    """A client's message, checked; WireError saying what was expected and what came."""
    if len(text) > MAX_TEXT_BYTES:
        raise WireError("too-large", f"text message of {len(text)} bytes: expected at most {MAX_TEXT_BYTES}")
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise WireError("bad-message", "expected a JSON object, got text that is not JSON") from None
    if not isinstance(obj, dict):
        raise WireError("bad-message", f"expected a JSON object, got {type(obj).__name__}")
    if obj.get("version") != VERSION:
        raise WireError("bad-message", f"expected version {VERSION!r}, got {obj.get('version')!r}")
    kind, seq, ident = obj.get("type"), obj.get("seq"), obj.get("id")
    if kind not in CLIENT_TYPES:
        raise WireError("bad-message", f"expected type one of {', '.join(sorted(CLIENT_TYPES))}, got {kind!r}")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise WireError("bad-message", f"{kind}: expected seq a whole number from 1, got {seq!r}")
    if not isinstance(ident, str) or not 0 < len(ident) <= 100:
        raise WireError("bad-message", f"{kind}: expected id a session id string, got {ident!r}")
    params = obj.get("parameters", {})
    if not isinstance(params, dict):
        raise WireError("bad-message", f"{kind}: expected parameters an object, got {type(params).__name__}")
    return HookMessage(kind, ident, seq, parse_duration(obj.get("position", "PT0S")), params)


def encode_hook(kind: str, ident: str, seq: int, clientseq: int, position_s: float, **params: Any) -> str:
    message = {
        "version": VERSION,
        "type": kind,
        "seq": seq,
        "clientseq": clientseq,
        "id": ident,
        "position": format_duration(position_s),
        "parameters": params,
    }
    return json.dumps(message, separators=(",", ":"))


def parse_duration(value: Any) -> float:
    """``PT1.5S``, ``PT2M3S`` -> seconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise WireError("bad-message", f"expected a position as an ISO 8601 duration (PT1.5S), got {value!r}")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def format_duration(seconds: float) -> str:
    return f"PT{seconds:.3f}".rstrip("0").rstrip(".") + "S"


def choose_media(offers: Any) -> dict[str, Any]:
    """The offer the center takes: PCMU at 8 kHz, stereo (external and internal) before mono."""
    if not isinstance(offers, list):
        raise WireError("bad-message", f"open: expected media a list of offers, got {offers!r}")
    usable = [
        o
        for o in offers
        if isinstance(o, dict)
        and o.get("type") == "audio"
        and o.get("format") == "PCMU"
        and o.get("rate") == RATE_HZ
        and isinstance(o.get("channels"), list)
        and set(o["channels"]) <= {"external", "internal"}
        and 0 < len(o["channels"]) == len(set(o["channels"]))
    ]
    if not usable:
        raise WireError("bad-message", f"open: expected a PCMU 8000 Hz offer of external/internal, got {offers!r}")
    return max(usable, key=lambda o: len(o["channels"]))


def _ulaw_table() -> npt.NDArray[np.int16]:
    """G.711 mu-law: each of the 256 codes as a 16-bit sample."""
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign, exponent, mantissa = codes & 0x80, (codes >> 4) & 0x07, codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


ULAW = _ulaw_table()


class HookAudio:
    """A session's audio: interleaved PCMU at 8 kHz in, 20 ms frames of 16 kHz PCM per channel out.

    Upsampling is linear interpolation with the last sample carried over from the message before, so a
    message boundary leaves no click; a partial frame waits for the next message."""

    def __init__(self, channels: list[str]) -> None:
        self.channels = list(channels)
        self._last = np.zeros(len(channels), dtype=np.float32)
        self._pending = np.zeros((0, 2), dtype=np.int16)  # external, internal at 16 kHz

    def push(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """(external, internal) 640-byte frames made whole by ``data``."""
        n = len(self.channels)
        if len(data) > MAX_AUDIO_BYTES:
            raise WireError("too-large", f"audio message of {len(data)} bytes: expected at most {MAX_AUDIO_BYTES}")
        if len(data) % n:
            raise WireError("bad-message", f"audio message of {len(data)} bytes: expected a multiple of {n} channels")
        samples = ULAW[np.frombuffer(data, dtype=np.uint8)].reshape(-1, n).astype(np.float32)
        if samples.size == 0:
            return []
        before = np.vstack([self._last, samples[:-1]])
        self._last = samples[-1].copy()
        up = np.empty((samples.shape[0] * 2, n), dtype=np.float32)
        up[0::2], up[1::2] = (before + samples) / 2, samples
        stereo = np.zeros((up.shape[0], 2), dtype=np.int16)
        for i, name in enumerate(self.channels):
            stereo[:, 0 if name == "external" else 1] = np.round(up[:, i]).astype(np.int16)
        self._pending = np.vstack([self._pending, stereo])
        whole = self._pending.shape[0] // FRAME_SAMPLES * FRAME_SAMPLES
        ready, self._pending = self._pending[:whole], self._pending[whole:]
        external, internal = ready[:, 0].tobytes(), ready[:, 1].tobytes()
        return [
            (external[i : i + FRAME_BYTES], internal[i : i + FRAME_BYTES]) for i in range(0, len(external), FRAME_BYTES)
        ]


def silence(seconds: float) -> list[tuple[bytes, bytes]]:
    """Frames of silence for audio the client paused or discarded: the recording keeps the call's clock."""
    frames = round(min(seconds, _MAX_GAP_S) * 50)
    return [(bytes(FRAME_BYTES), bytes(FRAME_BYTES))] * frames
