"""A clip of a recording as a WAV of its own: a span of a call (start, end; one channel or both) cut
from the stereo recording (left = agent, right = customer). Pure: bytes and arrays in, bytes out.

A Range request on a clip asks for bytes of the clip's WAV; :meth:`ClipWav.bytes_of` turns them into
the recording's frames that hold them, asks for exactly those (``read``), and gives back the bytes
asked for. With a WAV recording :meth:`WavLayout.byte_span` says where those frames lie in the file,
so a clip's bytes cost one ranged read of the recording (a ranged GET on the object store), never the
whole of it; of an Ogg recording the span is decoded (audio/encode.py, ``decode_ogg``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agentassist.errors import AudioError

CHANNELS = {"agent": (0,), "customer": (1,), "both": (0, 1)}  # the recording's channels a clip keeps
HEADER_BYTES = 44  # a canonical PCM WAV header: RIFF, fmt (16 bytes), data
SAMPLE_BYTES = 2  # 16-bit PCM, as the recorder writes and a decoded Ogg gives
_PCM, _EXTENSIBLE = 1, 0xFFFE
HEAD_BYTES = 4096  # read first to find the data chunk: the recorder's header is 44 bytes, other writers' a few more


@dataclass(frozen=True, slots=True)
class WavLayout:
    """Where a WAV file's samples are: 16-bit PCM frames of ``channels`` samples from ``data_offset``."""

    sample_rate_hz: int
    channels: int
    data_offset: int
    frames: int

    @property
    def frame_bytes(self) -> int:
        return self.channels * SAMPLE_BYTES

    def byte_span(self, first_frame: int, end_frame: int) -> tuple[int, int]:
        """The file's bytes (first, last inclusive) holding frames ``first_frame`` up to ``end_frame``."""
        return self.data_offset + first_frame * self.frame_bytes, self.data_offset + end_frame * self.frame_bytes - 1

    def frames_of(self, data: bytes) -> np.ndarray:
        """Bytes read at a frame boundary as int16 frames, shape (n, channels)."""
        usable = len(data) - len(data) % self.frame_bytes
        return np.frombuffer(data[:usable], dtype="<i2").reshape(-1, self.channels)


def wav_layout(head: bytes, size_bytes: int) -> WavLayout:
    """The layout of a WAV file of ``size_bytes`` from its first bytes (``head``, up to its data chunk).

    The frames are those the file holds: a recording still being written may declare fewer or more
    (or none, 0) than are there yet, so the declared size counts only when the file holds all of it."""
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioError(f"expected a RIFF/WAVE file, got {head[:12]!r}")
    at, fmt = 12, None
    while at + 8 <= len(head):
        kind, size = head[at : at + 4], struct.unpack_from("<I", head, at + 4)[0]
        if kind == b"fmt " and at + 24 <= len(head):
            fmt = struct.unpack_from("<HHIIHH", head, at + 8)
        elif kind == b"data":
            if fmt is None:
                raise AudioError("expected a fmt chunk before the data chunk, got none")
            code, channels, rate, _, _, bits = fmt
            if code not in (_PCM, _EXTENSIBLE) or bits != 8 * SAMPLE_BYTES or channels < 1:
                raise AudioError(f"expected 16-bit PCM, got format {code} with {channels} channels of {bits} bits")
            there = max(0, size_bytes - at - 8)
            held = there if size == 0 or size > there else size
            return WavLayout(rate, channels, at + 8, held // (channels * SAMPLE_BYTES))
        at += 8 + size + size % 2  # chunks are padded to an even length
    raise AudioError(f"no data chunk in the first {len(head)} bytes of the WAV")


def wav_header(sample_rate_hz: int, channels: int, frames: int) -> bytes:
    """A canonical 44-byte header of 16-bit PCM."""
    block = channels * SAMPLE_BYTES
    data = frames * block
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data, b"WAVE", b"fmt ", 16, _PCM, channels, sample_rate_hz,
        sample_rate_hz * block, block, 8 * SAMPLE_BYTES, b"data", data,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClipWav:
    """The WAV a clip is served as: ``frames`` frames of the recording from ``first_frame``, only the
    recording's ``channels`` (indexes: 0 agent, 1 customer)."""

    sample_rate_hz: int
    channels: tuple[int, ...]
    first_frame: int
    frames: int

    @classmethod
    def cut(cls, start_s: float, end_s: float, channel: str, sample_rate_hz: int, source: tuple[int, int]) -> ClipWav:
        """The clip of ``start_s``..``end_s`` on ``channel`` (agent, customer, both) of a recording of
        ``source`` = (frames, channels), at most what the recording holds."""
        frames, channels = source
        keep = tuple(c for c in CHANNELS[channel] if c < channels)
        if not keep:
            raise AudioError(
                f"expected a stereo recording for a clip of the {channel}'s channel, got {channels} channel"
            )
        first = min(frames, max(0, round(start_s * sample_rate_hz)))
        last = min(frames, max(first, round(end_s * sample_rate_hz)))
        return cls(sample_rate_hz, keep, first, last - first)

    @property
    def frame_bytes(self) -> int:
        return len(self.channels) * SAMPLE_BYTES

    @property
    def size_bytes(self) -> int:
        return HEADER_BYTES + self.frames * self.frame_bytes

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz if self.sample_rate_hz else 0.0

    def bytes_of(self, first: int, last: int, read: Callable[[int, int], np.ndarray]) -> bytes:
        """Bytes ``first``..``last`` (inclusive) of the clip's WAV. ``read(a, b)`` gives the recording's
        frames ``a`` up to ``b`` as int16, shape (n, channels); it is called once, for just the frames
        those bytes hold (not at all for the header alone). Frames it does not have are silence."""
        out = bytearray()
        if first < HEADER_BYTES:
            out += wav_header(self.sample_rate_hz, len(self.channels), self.frames)[first : last + 1]
        if last >= HEADER_BYTES:
            k0, k1 = max(first, HEADER_BYTES) - HEADER_BYTES, last - HEADER_BYTES  # the data's bytes
            f0, f1 = k0 // self.frame_bytes, k1 // self.frame_bytes + 1
            frames = read(self.first_frame + f0, self.first_frame + f1)[: f1 - f0, list(self.channels)]
            pcm = np.zeros((f1 - f0, len(self.channels)), dtype="<i2")
            pcm[: len(frames)] = frames
            skip = k0 - f0 * self.frame_bytes
            out += pcm.tobytes()[skip : skip + k1 - k0 + 1]
        return bytes(out)
