"""Where call recordings live: one stereo WAV per call under a directory."""

from __future__ import annotations

from pathlib import Path


class RecordingStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path_for(self, call_id: str) -> Path:
        if not call_id or "/" in call_id or call_id.startswith("."):
            raise ValueError(f"invalid call id {call_id!r}")
        return self.directory / f"{call_id}.wav"
