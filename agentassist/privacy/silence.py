"""The recording's audio over masked spans replaced by silence, on both channels, after the call.

Works in place on the closed stereo WAV (agentassist.audio.recorder's layout: a 44-byte header, then
16-bit samples interleaved left/right), before any conversion to Opus, so no copy of the spoken
card data is left on disk by this step.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from agentassist.audio.recorder import HEADER_BYTES
from agentassist.errors import AudioError

log = logging.getLogger(__name__)

PAD_S = 0.3  # word times from the recognizer are off by up to ~0.2 s: the silence reaches this far past
_BYTES_PER_FRAME = 4  # one 16-bit sample per channel, two channels
_CHUNK_FRAMES = 16000  # zeros written a second at a time at 16 kHz


def silence(path: Path, spans: Iterable[tuple[float, float]], sample_rate_hz: int, pad_s: float = PAD_S) -> float:
    """Zero both channels of ``path`` over each (start, end) in seconds, widened by ``pad_s``; returns
    the seconds silenced (overlaps counted once)."""
    merged: list[list[float]] = []
    for start, end in sorted((max(0.0, a - pad_s), b + pad_s) for a, b in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return 0.0
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        raise AudioError(f"{path}: expected a recording to silence card data in, got {exc}") from exc
    total = 0.0
    try:
        frames = max(0, os.fstat(fd).st_size - HEADER_BYTES) // _BYTES_PER_FRAME
        for start, end in merged:
            first, last = min(frames, int(start * sample_rate_hz)), min(frames, int(end * sample_rate_hz))
            at = first
            while at < last:
                n = min(_CHUNK_FRAMES, last - at)
                os.pwrite(fd, bytes(n * _BYTES_PER_FRAME), HEADER_BYTES + at * _BYTES_PER_FRAME)
                at += n
            total += (last - first) / sample_rate_hz
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("%s: %.2f s silenced over %d masked spans", path, total, len(merged))
    return total
