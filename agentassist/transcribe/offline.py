"""Offline transcription of a file, with the same model code as live calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.config import TranscribeSettings
from agentassist.errors import AudioError
from agentassist.transcribe.engine import Transcriber, TranscriberOptions


def transcribe_file(path: Path, settings: TranscribeSettings, language: str | None = None) -> dict[str, Any]:
    if not path.is_file():
        raise AudioError(f"{path}: audio file not found")
    from faster_whisper import decode_audio

    try:
        audio = decode_audio(str(path), sampling_rate=16000)
    except Exception as exc:
        raise AudioError(f"{path}: cannot decode audio ({exc})") from None
    options = TranscriberOptions(
        model=settings.model,
        language=language or settings.language,
        compute_type=settings.compute_type,
        beam_size=settings.beam_size,
        workers=1,
    )
    transcriber = Transcriber(options)
    pieces, info = transcriber.transcribe_audio(np.asarray(audio, dtype=np.float32))
    segments = [
        {
            "start": round(p.start, 3),
            "end": round(p.end, 3),
            "text": p.text.strip(),
            "words": [
                {
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "word": w.word.strip(),
                    "probability": round(w.probability, 3),
                }
                for w in (p.words or [])
            ],
        }
        for p in pieces
    ]
    return {
        "file": str(path),
        "language": info.language,
        "duration_s": round(float(info.duration), 3),
        "text": " ".join(s["text"] for s in segments).strip(),
        "segments": segments,
    }


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def format_transcript(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    lines: list[str] = ["WEBVTT", ""] if fmt == "vtt" else []
    sep = "." if fmt == "vtt" else ","
    for i, seg in enumerate(result["segments"], 1):
        if fmt == "srt":
            lines.append(str(i))
        lines.append(f"{_stamp(seg['start'], sep)} --> {_stamp(seg['end'], sep)}")
        lines.append(seg["text"])
        lines.append("")
    return "\n".join(lines)


__all__ = ["format_transcript", "transcribe_file"]
