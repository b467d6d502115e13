"""The binary audio messages of ``/api/phone``: a 10-byte header, then whole stereo frames.

| bytes | field |
|---|---|
| 0-1 | ``stream``, big-endian: the number the center gave the call in ``opened`` |
| 2-5 | ``frame``, big-endian: the index of the message's first 20 ms frame from the call's start |
| 6-9 | reserved, 0 |
| 10- | k x 1280 bytes: 16-bit little-endian PCM at 16 kHz, ``external`` (customer) then ``internal`` (agent) |
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass

from agentassist.wire.errors import WireError

# No numpy here: a phone imports this module, and numpy alone is about 15 MB of its resident memory.
HEADER_BYTES = 10
FRAME_BYTES = 640  # 20 ms of one channel, 16-bit at 16 kHz: the wire's unit (the pipeline's frame too)
FRAME_BYTES_STEREO = 2 * FRAME_BYTES  # 1280: 20 ms of both channels
MAX_FRAMES_PER_MESSAGE = 50  # one second: what a phone catching up after a cut sends at once
MAX_AUDIO_BYTES = HEADER_BYTES + MAX_FRAMES_PER_MESSAGE * FRAME_BYTES_STEREO
_HEADER = struct.Struct(">HII")


@dataclass(frozen=True, slots=True)
class AudioMessage:
    stream: int
    frame: int  # the index of the first frame in ``pcm``
    pcm: bytes  # whole stereo frames, interleaved external, internal

    @property
    def frames(self) -> int:
        return len(self.pcm) // FRAME_BYTES_STEREO


def encode_audio(stream: int, frame: int, pcm: bytes) -> bytes:
    if len(pcm) % FRAME_BYTES_STEREO or not 0 < len(pcm) <= MAX_FRAMES_PER_MESSAGE * FRAME_BYTES_STEREO:
        raise ValueError(f"expected 1-{MAX_FRAMES_PER_MESSAGE} frames of {FRAME_BYTES_STEREO} bytes, got {len(pcm)}")
    return _HEADER.pack(stream, frame, 0) + pcm


def decode_audio(data: bytes) -> AudioMessage:
    if len(data) > MAX_AUDIO_BYTES:
        raise WireError(
            "too-large",
            f"audio message of {len(data)} bytes: expected at most {MAX_AUDIO_BYTES} ({MAX_FRAMES_PER_MESSAGE} frames)",
        )
    body = len(data) - HEADER_BYTES
    if body <= 0 or body % FRAME_BYTES_STEREO:
        raise WireError(
            "bad-message",
            f"audio message of {len(data)} bytes: expected a {HEADER_BYTES}-byte header and whole frames of "
            f"{FRAME_BYTES_STEREO} bytes",
        )
    stream, frame, reserved = _HEADER.unpack_from(data)
    if reserved:
        raise WireError("bad-message", f"audio message: expected reserved bytes 0, got {reserved:#x}")
    return AudioMessage(stream, frame, bytes(data[HEADER_BYTES:]))


def deinterleave(pcm: bytes) -> list[tuple[bytes, bytes]]:
    """Whole stereo frames -> one (external, internal) pair of 640-byte mono frames per 20 ms."""
    samples = _samples(pcm)
    external, internal = _wire(samples[0::2]), _wire(samples[1::2])
    return [
        (external[i : i + FRAME_BYTES], internal[i : i + FRAME_BYTES]) for i in range(0, len(external), FRAME_BYTES)
    ]


def interleave(external: bytes, internal: bytes) -> bytes:
    """Two mono channels of equal length -> the wire's stereo PCM."""
    if len(external) != len(internal):
        raise ValueError(f"expected channels of equal length, got {len(external)} and {len(internal)} bytes")
    out = array("h", bytes(2 * len(external)))
    out[0::2], out[1::2] = _samples(external), _samples(internal)
    return _wire(out)


def _samples(pcm: bytes) -> array[int]:
    """Little-endian 16-bit PCM as machine integers."""
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _wire(samples: array[int]) -> bytes:
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()
