"""Offline transcription of a file, with the same model code as live calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.config import TranscribeSettings
from agentassist.errors import AudioError
from agentassist.subtitles import subtitles
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


def format_transcript(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    return subtitles(((seg["start"], seg["end"], seg["text"]) for seg in result["segments"]), fmt)
