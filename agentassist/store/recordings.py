"""Where call recordings live: one stereo file per call under a directory.

While a call runs its recording is ``<id>.wav``; with ``[recorder] format = "opus"`` it becomes
``<id>.ogg`` after hangup (see :mod:`agentassist.audio.encode`). :meth:`RecordingStore.find` gives
whichever exists, the Ogg first.

With a key configured (``[storage] encryption_key_file``, ``AGENTASSIST_RECORDING_KEY``: ``keys``)
new recordings are encrypted (agentassist.audio.sealed, docs/encryption.md); a file keeps the form it
was written in, and readers given ``keys`` read both.

With ``[storage] url`` set, an ended call's recording moves to the object store
(agentassist.store.uploads): :meth:`RecordingStore.locate` gives the local file while there is one,
else the object.
"""

from __future__ import annotations

from pathlib import Path

from agentassist.audio.keyring import KeyRing
from agentassist.store.objects import ObjectStore, StoredObject


class RecordingStore:
    def __init__(self, directory: Path, objects: ObjectStore | None = None, keys: KeyRing | None = None) -> None:
        self.directory = directory
        self.objects = objects  # None: the recordings stay in ``directory``
        self.keys = keys  # None: new recordings in clear (encrypted ones cannot be read)
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

    def locate(self, call_id: str) -> Path | StoredObject | None:
        """The call's recording: the local file while there is one (the call runs, or its upload waits),
        else the object in the store, else None. Raises the S3 client's error when the store is away."""
        path = self.find(call_id)
        if path is not None or self.objects is None:
            return path
        self.path_for(call_id)  # the id checked before it makes a key
        return self.objects.find(call_id)
