"""Where call recordings live: one stereo file per call under a directory.

While a call runs its recording is ``<id>.wav``; with ``[recorder] format = "opus"`` it becomes
``<id>.ogg`` after hangup (see :mod:`agentassist.audio.encode`). :meth:`RecordingStore.find` gives
whichever exists, the Ogg first.
"""

from __future__ import annotations

from pathlib import Path


class RecordingStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path_for(self, call_id: str) -> Path:
        """The WAV the recorder writes while the call runs."""
        if not call_id or "/" in call_id or call_id.startswith("."):
            raise ValueError(f"invalid call id {call_id!r}")
        return self.directory / f"{call_id}.wav"

    def find(self, call_id: str) -> Path | None:
        """The call's recording as it is now: the Ogg once converted, else the WAV, else None."""
        wav = self.path_for(call_id)
        ogg = wav.with_suffix(".ogg")
        # The Ogg again last: the conversion may rename it into place and remove the WAV in between.
        for path in (ogg, wav, ogg):
            if path.is_file():
                return path
        return None
