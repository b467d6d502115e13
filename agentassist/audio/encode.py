"""Recordings after the call: the stereo WAV converted to Opus in Ogg through PyAV, and read back.

The recorder writes a WAV while the call runs (crash-safe: a playable file after every flush). After
hangup :func:`wav_to_opus` encodes it to ``<id>.ogg.part``, decodes that file in full to check it
(two channels, the WAV's length within :func:`tolerance_samples`), renames it to ``<id>.ogg`` and
only then removes the WAV. Whatever fails on the way, the WAV stays and is what is served.

An encrypted WAV (agentassist.audio.sealed) is read through its key and encoded in memory (Opus at
32 kbit/s: 14 MB an hour); the Ogg is written encrypted with the current key, never in clear on disk.
"""

from __future__ import annotations

import io
import logging
import os
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from agentassist.audio import sealed
from agentassist.audio.frames import FRAME_MS
from agentassist.audio.keyring import KeyRing
from agentassist.errors import AudioError

log = logging.getLogger(__name__)

OPUS_RATES_HZ = (8000, 12000, 16000, 24000, 48000)  # what libopus takes as input
_BLOCK_FRAMES = 16000  # samples per channel read from the WAV at a time
MEDIA_TYPES = {".wav": "audio/wav", ".ogg": "audio/ogg"}


@dataclass(frozen=True, slots=True)
class OpusOptions:
    bitrate_bps: int = 32000  # both channels together

    def __post_init__(self) -> None:
        if not 6000 <= self.bitrate_bps <= 510000:
            raise ValueError(f"expected an Opus bitrate of 6000..510000 bit/s, got {self.bitrate_bps}")


def tolerance_samples(samples: int, sample_rate_hz: int) -> int:
    """How far a converted recording's length may be from the WAV's: one 20 ms frame per minute, at least one."""
    frame = sample_rate_hz * FRAME_MS // 1000
    minutes = samples / sample_rate_hz / 60
    return frame * max(1, int(np.ceil(minutes)))


def _wav_blocks(w: wave.Wave_read) -> Iterator[np.ndarray]:
    while True:
        data = w.readframes(_BLOCK_FRAMES)
        if not data:
            return
        yield np.frombuffer(data, dtype="<i2").reshape(1, -1)  # packed s16: L R L R ...


def _encode(wav: Path, target: Path | BinaryIO, options: OpusOptions, keys: KeyRing | None) -> int:
    """Encode ``wav`` (stereo 16-bit) to Ogg Opus at ``target``; returns its samples per channel."""
    with sealed.open_recording(wav, keys) as source, wave.open(source) as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        if (channels, width) != (2, 2):
            raise AudioError(f"{wav}: expected stereo 16-bit PCM, got {channels} channels of {8 * width} bits")
        if rate not in OPUS_RATES_HZ:
            raise AudioError(f"{wav}: Opus takes {', '.join(map(str, OPUS_RATES_HZ))} Hz, got {rate} Hz")
        return _encode_blocks(_wav_blocks(w), rate, target, options)


def _encode_blocks(blocks: Iterable[np.ndarray], rate: int, target: Path | BinaryIO, options: OpusOptions) -> int:
    """Packed stereo s16 ``blocks`` (shape (1, 2n)) at ``rate`` encoded to Ogg Opus at ``target``; returns
    the samples per channel."""
    import av  # PyAV, faster-whisper's dependency: imported when a recording is converted

    with av.open(str(target) if isinstance(target, Path) else target, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="stereo")
        stream.bit_rate = options.bitrate_bps
        pts = 0
        for block in blocks:
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="stereo")
            frame.sample_rate = rate
            frame.pts = pts
            pts += block.shape[1] // 2
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return pts


def read_stereo(path: Path, sample_rate_hz: int | None = None, keys: KeyRing | None = None) -> tuple[int, np.ndarray]:
    """A recording (WAV or Ogg Opus, encrypted or not: ``keys``) as int16 samples, shape (n, channels),
    and its sample rate. An Ogg file decodes at 48 kHz; ``sample_rate_hz`` resamples it (a WAV is
    returned as it is).
    """
    with sealed.open_recording(path, keys) as source:
        return _read_stereo(path, source, sample_rate_hz)


def _read_stereo(path: Path, source: BinaryIO, sample_rate_hz: int | None) -> tuple[int, np.ndarray]:
    if path.suffix == ".wav":
        with wave.open(source) as w:
            if w.getsampwidth() != 2:
                raise AudioError(f"{path}: expected 16-bit samples, got {8 * w.getsampwidth()}-bit")
            rate, channels = w.getframerate(), w.getnchannels()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return rate, samples[: len(samples) // channels * channels].reshape(-1, channels)
    return _decode_ogg(path, source, sample_rate_hz)


SEEK_EARLY_S = 0.5  # a seek lands on an Ogg page at or before the time asked; this early leaves room for it


def decode_ogg(
    path: Path,
    sample_rate_hz: int | None = None,
    start_s: float = 0.0,
    end_s: float | None = None,
    keys: KeyRing | None = None,
) -> tuple[int, np.ndarray]:
    """An Ogg Opus file (encrypted or not: ``keys``) as :func:`read_stereo` gives it; with ``start_s`` /
    ``end_s`` only that span, from a seek to just before it to its end (a 30 s clip of a 10-minute
    recording: 0.6 s on one core instead of 7 s for the whole, benchmarks/clips.py)."""
    with sealed.open_recording(path, keys) as source:
        return _decode_ogg(path, source, sample_rate_hz, start_s, end_s)


def _decode_ogg(
    path: Path, source: BinaryIO, sample_rate_hz: int | None, start_s: float = 0.0, end_s: float | None = None
) -> tuple[int, np.ndarray]:
    import av

    first_s: float | None = None
    try:
        with av.open(source, "r") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            rate = sample_rate_hz or stream.codec_context.sample_rate
            layout = "stereo" if channels == 2 else "mono"
            resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)
            if start_s > 0:
                container.seek(int(max(0.0, start_s - SEEK_EARLY_S) * av.time_base))  # in microseconds
            chunks: list[np.ndarray] = []
            for frame in container.decode(stream):
                first_s = float(frame.time or 0.0) if first_s is None else first_s
                if end_s is not None and frame.time is not None and frame.time > end_s:
                    break
                chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
    except av.FFmpegError as exc:
        raise AudioError(f"{path}: not a readable Ogg Opus file: {exc}") from None
    data = np.concatenate(chunks) if chunks else np.zeros((0, channels), dtype=np.int16)
    if start_s <= 0 and end_s is None:
        return rate, data
    skip = max(0, round((start_s - (first_s or 0.0)) * rate))
    return rate, data[skip : None if end_s is None else skip + max(0, round((end_s - start_s) * rate))]


def _decoded_length(path: Path | BinaryIO) -> tuple[int, int, int]:
    """Channels, sample rate and samples per channel of an Ogg file, decoding every packet."""
    import av

    with av.open(str(path) if isinstance(path, Path) else path, "r") as container:
        stream = container.streams.audio[0]
        samples, rate, channels = 0, 0, 0
        for frame in container.decode(stream):
            samples += frame.samples
            rate, channels = frame.sample_rate, len(frame.layout.channels)
    return channels, rate, samples


def _check(encoded: Path | BinaryIO, source_samples: int, source_rate_hz: int, name: Path) -> None:
    """AudioError unless the Ogg ``encoded`` decodes in full to two channels of its source's length
    (``source_samples`` at ``source_rate_hz``, within :func:`tolerance_samples`)."""
    channels, rate, samples = _decoded_length(encoded)
    expected = source_samples * rate // source_rate_hz if rate else 0
    slack = tolerance_samples(expected, rate) if rate else 0
    if channels != 2 or abs(samples - expected) > slack:
        raise AudioError(
            f"{name}: expected 2 channels of {expected} samples at {rate} Hz (+- {slack}), "
            f"got {channels} channels of {samples}"
        )


def wav_to_opus(wav: Path, options: OpusOptions | None = None, keys: KeyRing | None = None) -> Path:
    """Convert a closed recording to ``<stem>.ogg`` beside it and remove the WAV; returns the Ogg path.

    The WAV is removed only after the Ogg decodes in full with two channels and the WAV's length
    (within :func:`tolerance_samples`). On failure the WAV stays and AudioError says why. An encrypted
    WAV gives an Ogg encrypted with the current key of ``keys``.
    """
    import av

    options = options or OpusOptions()
    ogg = wav.with_suffix(".ogg")
    part = wav.with_suffix(".ogg.part")
    try:
        encrypted = sealed.is_sealed(wav)
        with sealed.open_recording(wav, keys) as source, wave.open(source) as w:
            wav_samples, wav_rate = w.getnframes(), w.getframerate()
        memory = io.BytesIO()
        _encode(wav, memory if encrypted else part, options, keys)
        _check(io.BytesIO(memory.getvalue()) if encrypted else part, wav_samples, wav_rate, part)
        if encrypted:
            _seal(memory, part, keys)
        else:
            with open(part, "rb") as f:
                os.fsync(f.fileno())
        os.replace(part, ogg)
    except (AudioError, OSError, wave.Error, EOFError, av.FFmpegError) as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, AudioError):
            raise
        raise AudioError(f"{wav}: conversion to Opus failed: {exc}") from None
    wav.unlink()
    log.info("recording %s converted to Opus (%d -> %d bytes)", ogg.name, wav_samples * 4 + 44, ogg.stat().st_size)
    return ogg


def _seal(memory: io.BytesIO, part: Path, keys: KeyRing | None) -> None:
    """An Ogg encoded in memory written encrypted with the current key (fsynced): never in clear on disk."""
    assert keys is not None, "an encrypted recording was read, so there are keys"
    data = memory.getbuffer()
    step = sealed.CHUNK_BYTES
    chunks = (bytes(data[i : i + step]) for i in range(0, len(data), step))
    sealed.seal_stream(chunks, part, keys.current, sealed.Kind.FILE)


def silence_ogg(
    ogg: Path,
    spans_s: list[tuple[float, float]],
    sample_rate_hz: int,
    options: OpusOptions | None = None,
    keys: KeyRing | None = None,
) -> float:
    """Zero both channels of an Ogg Opus recording over each (start, end) in seconds; returns the seconds
    silenced (``spans_s`` must not overlap). Opus cannot be changed in place: the file is decoded at
    ``sample_rate_hz`` (the rate its WAV had), silenced in memory and encoded again with ``options`` (those
    it was made with), checked as :func:`wav_to_opus` checks it, written beside it (encrypted with the
    current key when it was encrypted) and renamed over it. On failure the file is left as it was and
    AudioError says why.
    """
    import av

    options = options or OpusOptions()
    part = ogg.with_suffix(".ogg.part")
    try:
        encrypted = sealed.is_sealed(ogg)
        rate, data = read_stereo(ogg, sample_rate_hz, keys)
        if data.ndim != 2 or data.shape[1] != 2:
            raise AudioError(f"{ogg}: expected a stereo recording to silence, got {data.shape[-1]} channels")
        n = data.shape[0]
        cuts = [(min(n, int(a * rate)), min(n, int(b * rate))) for a, b in spans_s]
        for first, last in cuts:
            data[first:last] = 0
        blocks = (data[at : at + _BLOCK_FRAMES].reshape(1, -1) for at in range(0, n, _BLOCK_FRAMES))
        memory = io.BytesIO()
        _encode_blocks(blocks, rate, memory, options)
        _check(io.BytesIO(memory.getvalue()), n, rate, part)
        if encrypted:
            _seal(memory, part, keys)
        else:
            with open(part, "wb") as f:
                f.write(memory.getbuffer())
                os.fsync(f.fileno())
        os.replace(part, ogg)
    except (AudioError, OSError, av.FFmpegError) as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, AudioError):
            raise
        raise AudioError(f"{ogg}: silencing the Opus recording failed: {exc}") from None
    return float(sum(last - first for first, last in cuts) / rate)
