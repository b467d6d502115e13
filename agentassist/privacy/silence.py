"""The recording's audio over masked spans replaced by silence, on both channels, after the call.

Works in place on the closed stereo WAV (agentassist.audio.recorder's layout: a 44-byte header, then
16-bit samples interleaved left/right), before any conversion to Opus, so no copy of the spoken
card data is left on disk by this step. An encrypted recording is written again, silenced (never
decrypted to disk). A span masked after the recording was converted (a revision that came late) is
silenced in the Ogg Opus file: decoded, silenced and encoded again (agentassist.audio.encode).
"""

from __future__ import annotations

import logging
import os
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path

from agentassist.audio import sealed
from agentassist.audio.encode import OpusOptions, silence_ogg
from agentassist.audio.keyring import KeyRing
from agentassist.audio.pcm import SAMPLE_RATE_HZ
from agentassist.audio.recorder import HEADER_BYTES, audio_bytes
from agentassist.errors import AudioError

log = logging.getLogger(__name__)

PAD_S = 0.3  # word times from the recognizer are off by up to ~0.2 s: the silence reaches this far past
_BYTES_PER_FRAME = 4  # one 16-bit sample per channel, two channels
_CHUNK_FRAMES = 16000  # zeros written a second at a time at 16 kHz


def silence(
    path: Path,
    spans: Iterable[tuple[float, float]],
    sample_rate_hz: int,
    pad_s: float = PAD_S,
    keys: KeyRing | None = None,
    opus: OpusOptions | None = None,
) -> float:
    """Zero both channels of ``path`` over each (start, end) in seconds, widened by ``pad_s``; returns
    the seconds silenced (overlaps counted once). ``keys``: those of an encrypted recording. A recording
    already converted to Ogg Opus (a span masked after the call was finished) is encoded again with
    ``opus``, the options it was converted with."""
    merged = widened(spans, pad_s)
    if not merged:
        return 0.0
    if path.suffix == ".ogg":
        total = silence_ogg(path, merged, sample_rate_hz, opus, keys)
        log.info("%s: %.2f s silenced over %d masked spans (encoded again)", path, total, len(merged))
        return total
    try:
        encrypted = sealed.is_sealed(path)
        frames = audio_bytes(path, keys) // _BYTES_PER_FRAME
    except (OSError, AudioError) as exc:
        raise AudioError(f"{path}: expected a recording to silence card data in, got {exc}") from exc
    cuts = [(min(frames, int(a * sample_rate_hz)), min(frames, int(b * sample_rate_hz))) for a, b in merged]
    if encrypted:
        _zero_sealed(path, cuts, keys)
    else:
        _zero_plain(path, cuts)
    total = sum(last - first for first, last in cuts) / sample_rate_hz
    log.info("%s: %.2f s silenced over %d masked spans", path, total, len(merged))
    return total


def recording_rate(path: Path, keys: KeyRing | None) -> int:
    """The rate to silence ``path`` at: a WAV's own (its header), an Ogg's decoded at the recorder's."""
    if path.suffix == ".ogg":
        return SAMPLE_RATE_HZ
    try:
        with sealed.open_recording(path, keys) as plain, wave.open(plain) as w:
            return int(w.getframerate())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"{path}: expected a recording to silence card data in, got {exc}") from exc


def widened(spans: Iterable[tuple[float, float]], pad_s: float = PAD_S) -> list[tuple[float, float]]:
    """``spans`` widened by ``pad_s`` each side, in order, those that overlap merged into one."""
    merged: list[list[float]] = []
    for start, end in sorted((max(0.0, a - pad_s), b + pad_s) for a, b in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def covered(span: tuple[float, float], silenced: list[tuple[float, float]], pad_s: float = PAD_S) -> bool:
    """Whether ``span`` lies within the ``silenced`` spans, each widened by ``pad_s`` as :func:`silence` does."""
    (start, end), *_ = widened([span], pad_s)
    return any(a <= start and end <= b for a, b in widened(silenced, pad_s))


def silenced_s(spans: Iterable[tuple[float, float]], duration_s: float, pad_s: float = PAD_S) -> float:
    """The seconds of a recording ``duration_s`` long that :func:`silence` zeroes over ``spans``."""
    return sum(max(0.0, min(b, duration_s) - a) for a, b in widened(spans, pad_s) if a < duration_s)


def _zero_plain(path: Path, cuts: list[tuple[int, int]]) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        for first, last in cuts:
            at = first
            while at < last:
                n = min(_CHUNK_FRAMES, last - at)
                os.pwrite(fd, bytes(n * _BYTES_PER_FRAME), HEADER_BYTES + at * _BYTES_PER_FRAME)
                at += n
        os.fsync(fd)
    finally:
        os.close(fd)


def _zero_sealed(path: Path, cuts: list[tuple[int, int]], keys: KeyRing | None) -> None:
    """An encrypted recording is not changed in place (a record sealed again under its nonce would give
    its key away): it is written again, silenced, with the current key, beside it, then renamed over it."""
    opened, fd = sealed.open_sealed(path, keys)
    spans = [(HEADER_BYTES + a * _BYTES_PER_FRAME, HEADER_BYTES + b * _BYTES_PER_FRAME) for a, b in cuts]

    def silenced() -> Iterator[bytes]:
        at = 0
        for data in opened.plain(0, opened.plain_bytes):
            chunk = bytearray(data)
            for a, b in spans:
                lo, hi = max(a, at), min(b, at + len(chunk))
                if lo < hi:
                    chunk[lo - at : hi - at] = bytes(hi - lo)
            at += len(chunk)
            yield bytes(chunk)

    part = path.with_name(path.name + ".part")
    try:
        assert keys is not None, "an encrypted recording was opened, so there are keys"
        sealed.seal_stream(silenced(), part, keys.current, sealed.Kind.WAV)
        os.replace(part, path)
    finally:
        os.close(fd)
        part.unlink(missing_ok=True)
