"""Crash-safe stereo call recording: one 16-bit WAV, left = agent, right = customer.

Frames of the two channels arrive separately; the recorder interleaves them in
step, so sample *n* of each channel is the same instant. The RIFF header is
rewritten on every :meth:`Recorder.flush` (at least once a second), so a process
killed mid-call leaves a playable file with everything up to the last flush.
:func:`repair` fixes the header of a file left by a crash between flushes.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

from agentassist.audio.frames import SAMPLE_RATE_HZ
from agentassist.events import Channel

log = logging.getLogger(__name__)

HEADER_BYTES = 44
_MAX_SKEW_S = 0.5  # a channel silent for this long while the other runs is filled with silence


def wav_header(data_bytes: int, sample_rate_hz: int = SAMPLE_RATE_HZ, channels: int = 2) -> bytes:
    block_align = channels * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate_hz, sample_rate_hz * block_align, block_align, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class Recorder:
    """Writes one call's stereo WAV; used from one thread (the call's pipeline thread)."""

    def __init__(self, path: Path, sample_rate_hz: int = SAMPLE_RATE_HZ, flush_interval_s: float = 1.0) -> None:
        self.path = path
        self.sample_rate_hz = sample_rate_hz
        self.flush_interval_s = flush_interval_s
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - lives as long as the call
        self._file.write(wav_header(0, sample_rate_hz))
        self._pending: dict[Channel, bytearray] = {Channel.AGENT: bytearray(), Channel.CUSTOMER: bytearray()}
        self._data_bytes = 0
        self._last_flush = time.monotonic()
        self._max_skew_bytes = int(_MAX_SKEW_S * sample_rate_hz) * 2
        self.filled_bytes = {Channel.AGENT: 0, Channel.CUSTOMER: 0}  # silence inserted to keep alignment

    @property
    def duration_s(self) -> float:
        return self._data_bytes / 4 / self.sample_rate_hz

    def write(self, channel: Channel, pcm: bytes) -> None:
        self._pending[channel] += pcm
        self._interleave()
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()

    def _interleave(self) -> None:
        agent, customer = self._pending[Channel.AGENT], self._pending[Channel.CUSTOMER]
        for ahead, behind, channel in ((agent, customer, Channel.CUSTOMER), (customer, agent, Channel.AGENT)):
            if len(ahead) - len(behind) > self._max_skew_bytes:
                gap = len(ahead) - len(behind)
                behind += bytes(gap)
                self.filled_bytes[channel] += gap
        n = min(len(agent), len(customer)) & ~1
        if n == 0 or self._file is None:
            return
        stereo = np.empty(n, dtype="<i2")
        stereo[0::2] = np.frombuffer(agent, dtype="<i2", count=n // 2)
        stereo[1::2] = np.frombuffer(customer, dtype="<i2", count=n // 2)
        self._file.write(stereo.tobytes())
        self._data_bytes += 2 * n
        del agent[:n]
        del customer[:n]

    def flush(self) -> None:
        """Make everything written so far a playable file on disk."""
        f = self._file
        if f is None:
            return
        f.seek(0)
        f.write(wav_header(self._data_bytes, self.sample_rate_hz))
        f.seek(0, os.SEEK_END)
        f.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Pad the shorter channel with silence, write the final header, close."""
        if self._file is None:
            return
        agent, customer = self._pending[Channel.AGENT], self._pending[Channel.CUSTOMER]
        longest = max(len(agent), len(customer))
        agent += bytes(longest - len(agent))
        customer += bytes(longest - len(customer))
        self._interleave()
        self.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        log.info("recording %s closed (%.1f s)", self.path.name, self.duration_s)


def _check_header(path: Path, head: bytes, size: int) -> int:
    """The sample rate of a recording's header; ValueError when it is not one of ours."""
    if size < HEADER_BYTES:
        raise ValueError(f"{path}: {size} bytes is too short for a WAV file")
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE" or head[12:16] != b"fmt " or head[36:40] != b"data":
        raise ValueError(f"{path}: not a WAV file as agentassist writes them (RIFF/WAVE, fmt, data)")
    fmt, channels, rate = struct.unpack("<HHI", head[20:28])
    bits = struct.unpack("<H", head[34:36])[0]
    if (fmt, channels, bits) != (1, 2, 16) or rate <= 0:
        raise ValueError(f"{path}: expected stereo 16-bit PCM, got format {fmt}, {channels} channels, {bits} bits")
    return int(rate)


def needs_repair(path: Path) -> bool:
    """Whether the header of a recording disagrees with its size (a crash between two flushes)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(HEADER_BYTES)
    _check_header(path, head, size)
    riff, data = struct.unpack("<I", head[4:8])[0], struct.unpack("<I", head[40:44])[0]
    expected = (size - HEADER_BYTES) // 4 * 4
    return bool(data != expected or riff != 36 + expected or size != HEADER_BYTES + expected)


def repair(path: Path) -> float:
    """Rewrite the header of a stereo 16-bit WAV to match its size; returns its duration in seconds.

    Idempotent. Never run it on the recording of a call in progress: it truncates a partial frame.
    """
    size = path.stat().st_size
    with open(path, "r+b") as f:
        head = f.read(HEADER_BYTES)
        rate = _check_header(path, head, size)
        data = (size - HEADER_BYTES) // 4 * 4
        f.truncate(HEADER_BYTES + data)
        f.seek(0)
        f.write(wav_header(data, rate))
    return data / 4 / rate
