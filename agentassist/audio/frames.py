"""PCM helpers: WAV loading and resampling, numpy in, numpy out.

The pipeline works on 16 kHz, 16-bit mono, 20 ms frames (320 samples, 640 bytes): the units are in
agentassist.audio.pcm (numpy-free, for the phone) and importable from here too.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from agentassist.audio.pcm import FRAME_BYTES as FRAME_BYTES
from agentassist.audio.pcm import FRAME_MS as FRAME_MS
from agentassist.audio.pcm import FRAME_SAMPLES as FRAME_SAMPLES
from agentassist.audio.pcm import SAMPLE_RATE_HZ as SAMPLE_RATE_HZ
from agentassist.audio.pcm import SILENT_FRAME as SILENT_FRAME
from agentassist.errors import AudioError

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]


def check_wav(path: str | Path) -> tuple[int, int, float]:
    """Open ``path`` as a PCM WAV and return (sample_rate_hz, channels, duration_s).

    Raises AudioError naming the file when it is missing or not a 16-bit PCM WAV.
    """
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"{p}: audio file not found")
    try:
        with wave.open(str(p), "rb") as w:
            if w.getsampwidth() != 2:
                raise AudioError(f"{p}: expected 16-bit PCM WAV, got {8 * w.getsampwidth()}-bit samples")
            rate, channels, n = w.getframerate(), w.getnchannels(), w.getnframes()
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{p}: not a PCM WAV file ({exc})") from None
    if rate <= 0 or n == 0:
        raise AudioError(f"{p}: WAV file holds no audio")
    return rate, channels, n / rate


def resample(samples: Float32Array, from_hz: int, to_hz: int) -> Float32Array:
    """Band-limited resampling by FFT (whole buffers; for files, not live frames)."""
    if from_hz == to_hz or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    n_out = round(samples.size * to_hz / from_hz)
    spectrum = np.fft.rfft(samples.astype(np.float64))
    n_bins = n_out // 2 + 1
    if n_bins <= spectrum.size:
        spectrum = spectrum[:n_bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(n_bins - spectrum.size, dtype=spectrum.dtype)])
    out = np.fft.irfft(spectrum, n_out) * (n_out / samples.size)
    return out.astype(np.float32)


def read_wav_mono(path: str | Path, sample_rate_hz: int = SAMPLE_RATE_HZ) -> Int16Array:
    """Read a PCM WAV, mix it down to mono and resample to ``sample_rate_hz`` (int16)."""
    check_wav(path)
    with wave.open(str(path), "rb") as w:
        rate, channels = w.getframerate(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    data = resample(data, rate, sample_rate_hz)
    return np.clip(np.round(data), -32768, 32767).astype(np.int16)


def pcm_to_float(pcm: bytes) -> Float32Array:
    """16-bit little-endian PCM bytes to float32 in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def rms_dbfs(samples: npt.NDArray[np.generic]) -> float:
    """Root-mean-square level in dB relative to full scale (int16)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(x * x)))
    return 20.0 * float(np.log10(max(rms, 1e-9) / 32768.0))
