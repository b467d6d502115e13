"""Stored prompts: WAVs uploaded through the API (POST /api/prompts) and played as the agent's voice
in a call the softphone places (POST /api/calls with ``prompt``).

A request names a prompt by the id this store made up, never by a path: before prompts, a client
sent a server path, and the answers told which files existed and let one call's recording be
played into another call. Each prompt is ``<id>.wav`` under one directory, with ``<id>.json``
beside it (its label, who uploaded it, when); the id is 32 random hex digits.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentassist.errors import AudioError

PROMPT_ID_PATTERN = r"^[0-9a-f]{32}$"
MAX_PROMPT_BYTES = 20 * 1024 * 1024  # 20 MiB: 10 min of 16 kHz 16-bit stereo, far more than a prompt needs
# Rates a prompt may have: the dial resamples the whole file to 16 kHz in memory, so a 20 MiB file
# claiming 1 Hz would ask for billions of samples; telephony's lowest and studio's highest bound it.
RATE_HZ_MIN, RATE_HZ_MAX = 8000, 192000
CHANNELS_MAX = 8
_ID = re.compile(PROMPT_ID_PATTERN)


class UnknownPromptError(AudioError):
    """No stored prompt has this id (or the id is not one this store could have made)."""


@dataclass(frozen=True, slots=True)
class WavFacts:
    sample_rate_hz: int
    channels: int
    duration_s: float


def check_prompt(data: bytes) -> WavFacts:
    """What ``data`` holds if a call can play it: a PCM WAV of 16-bit samples, 1 to 8 channels, 8 to
    192 kHz, with some audio. Else :class:`AudioError` saying what was expected and what came."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"expected a WAV file (starting 'RIFF....WAVE'), got {len(data)} bytes starting {data[:12]!r}")
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            frames = len(w.readframes(w.getnframes())) // max(1, width * channels)
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"expected a PCM WAV file, got one the wave reader refuses: {exc}") from None
    if width != 2:
        raise AudioError(f"expected 16-bit PCM samples, got {8 * width}-bit")
    if not 1 <= channels <= CHANNELS_MAX:
        raise AudioError(f"expected 1 to {CHANNELS_MAX} channels, got {channels}")
    if not RATE_HZ_MIN <= rate <= RATE_HZ_MAX:
        raise AudioError(f"expected a sample rate of {RATE_HZ_MIN} to {RATE_HZ_MAX} Hz, got {rate} Hz")
    if frames == 0:
        raise AudioError("expected some audio, got a WAV file that holds none")
    return WavFacts(rate, channels, round(frames / rate, 3))


class PromptStore:
    """Prompts in ``directory`` (made on the first upload)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def add(self, data: bytes, *, name: str, by: str) -> dict[str, Any]:
        """Check and keep an uploaded WAV; its description, with the new id."""
        if len(data) > MAX_PROMPT_BYTES:
            raise AudioError(f"expected at most {MAX_PROMPT_BYTES} bytes, got {len(data)}")
        facts = check_prompt(data)
        self.directory.mkdir(parents=True, exist_ok=True)
        prompt_id = secrets.token_hex(16)
        meta = {"name": name, "uploaded_by": by, "uploaded_at": _now()}
        wav = self.directory / f"{prompt_id}.wav"
        part = wav.with_suffix(".part")
        part.write_bytes(data)
        (self.directory / f"{prompt_id}.json").write_text(json.dumps(meta))
        os.replace(part, wav)  # listed only once whole
        return _describe(prompt_id, meta, facts, len(data))

    def path(self, prompt_id: str) -> Path:
        """The WAV of prompt ``prompt_id``; :class:`UnknownPromptError` when there is none."""
        wav = self.directory / f"{prompt_id}.wav"
        if not _ID.match(prompt_id) or not wav.is_file():
            raise UnknownPromptError(f"no prompt with id {prompt_id!r}: upload one with POST /api/prompts")
        return wav

    def get(self, prompt_id: str) -> dict[str, Any]:
        wav = self.path(prompt_id)
        try:
            meta = json.loads((self.directory / f"{prompt_id}.json").read_text())
        except (OSError, ValueError):
            meta = {}
        with wave.open(str(wav), "rb") as w:
            rate, channels, frames = w.getframerate(), w.getnchannels(), w.getnframes()
        return _describe(prompt_id, meta, WavFacts(rate, channels, round(frames / rate, 3)), wav.stat().st_size)

    def all(self) -> list[dict[str, Any]]:
        """Every prompt, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for wav in self.directory.glob("*.wav"):
            try:
                found.append(self.get(wav.stem))
            except (UnknownPromptError, OSError, wave.Error, EOFError):
                continue  # not one of ours, or removed meanwhile
        return sorted(found, key=lambda p: (p["uploaded_at"] or "", p["id"]))

    def delete(self, prompt_id: str) -> None:
        wav = self.path(prompt_id)
        wav.unlink(missing_ok=True)
        (self.directory / f"{prompt_id}.json").unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _describe(prompt_id: str, meta: dict[str, Any], facts: WavFacts, size: int) -> dict[str, Any]:
    return {
        "id": prompt_id,
        "name": str(meta.get("name", "")),
        "uploaded_by": str(meta.get("uploaded_by", "")),
        "uploaded_at": meta.get("uploaded_at"),
        "size_bytes": size,
        "sample_rate_hz": facts.sample_rate_hz,
        "channels": facts.channels,
        "duration_s": facts.duration_s,
    }
