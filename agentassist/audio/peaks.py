"""Waveform peaks of a recording, per channel, for drawing a replay waveform without the audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agentassist.audio.encode import read_stereo
from agentassist.audio.frames import SAMPLE_RATE_HZ
from agentassist.audio.keyring import KeyRing


@dataclass(frozen=True, slots=True)
class Peaks:
    sample_rate_hz: int
    duration_s: float
    bucket_s: float
    channels: list[list[float]]  # per channel: the largest |sample| in each bucket, 0..1


def peaks(path: Path, buckets: int, keys: KeyRing | None = None) -> Peaks:
    """``buckets`` equal spans over the whole recording (fewer when it has fewer samples); ``keys``:
    those of an encrypted recording."""
    if buckets < 1:
        raise ValueError(f"expected at least 1 bucket, got {buckets}")
    rate, frames = read_stereo(path, SAMPLE_RATE_HZ, keys)  # a WAV as it is; an Ogg Opus decoded at 16 kHz
    channels = frames.shape[1]
    count = min(buckets, len(frames))
    if count == 0:
        return Peaks(rate, 0.0, 0.0, [[] for _ in range(channels)])
    edges = np.linspace(0, len(frames), count + 1).astype(np.int64)
    magnitude = np.abs(frames.astype(np.int32))
    per_bucket = np.maximum.reduceat(magnitude, edges[:-1], axis=0) / 32768.0
    duration_s = len(frames) / rate
    return Peaks(
        rate,
        round(duration_s, 3),
        round(duration_s / count, 6),
        [[round(float(v), 4) for v in per_bucket[:, c]] for c in range(channels)],
    )
