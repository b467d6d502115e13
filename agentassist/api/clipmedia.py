"""A coaching clip's audio: the WAV of its span alone (audio/clips.py), read from the call's recording
where the recording route reads it (api/objects.py: the local file while there is one, else the
object store of ``[storage] url``), with ``Range`` (206, 416), ``If-Range``, an ETag and
``If-None-Match`` → 304.

A WAV recording is read by byte ranges: a request for part of a clip reads just the frames it holds
(one ranged GET on the store). An Ogg recording (``[recorder] format = "opus"``) cannot be cut by
bytes: the span is decoded at 16 kHz from a seek to its start (the file downloaded first from the store).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fastapi import HTTPException, Request, Response, status

from agentassist.api.objects import _byte_range, downloaded, locate, read_range, sealed_object
from agentassist.audio.clips import HEAD_BYTES, HEADER_BYTES, ClipWav, WavLayout, wav_layout
from agentassist.audio.encode import decode_ogg
from agentassist.audio.frames import SAMPLE_RATE_HZ
from agentassist.audio.sealed import open_recording
from agentassist.errors import AudioError
from agentassist.store.objects import StoredObject
from agentassist.store.recordings import RecordingStore

Reader = Callable[[int, int], np.ndarray]  # frames a up to b of the recording, int16 (n, channels)


@dataclass(frozen=True, slots=True)
class ClipSpan:
    clip_id: int
    call_id: str
    start_s: float
    end_s: float
    channel: str


def clip_response(request: Request, recordings: RecordingStore, clip: ClipSpan) -> Response:
    """The clip's WAV, or the part of it a ``Range`` asks for. 404 when the call has no recording (any
    more), 409 when it cannot be read, 503 when the store fails."""
    located = locate(recordings, clip.call_id)
    if located is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"clip {clip.clip_id} has no recording")
    try:
        wav, read, version = _source(recordings, located, clip)
    except (AudioError, ValueError, EOFError, OSError) as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"the recording of clip {clip.clip_id} is unreadable: {exc}"
        ) from None
    key = f"{version}|{clip.clip_id}|{clip.start_s}|{clip.end_s}|{clip.channel}"
    etag = f'"clip-{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    headers = {
        "etag": etag,
        "accept-ranges": "bytes",
        "content-disposition": f'inline; filename="clip-{clip.clip_id}.wav"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"etag": etag})
    wanted = request.headers.get("range", "")
    span = _byte_range(wanted, wav.size_bytes) if wanted and request.headers.get("if-range") in (None, etag) else None
    first, last = span if span is not None else (0, wav.size_bytes - 1)
    code = status.HTTP_200_OK
    if span is not None:
        code = status.HTTP_206_PARTIAL_CONTENT
        headers["content-range"] = f"bytes {first}-{last}/{wav.size_bytes}"
    return Response(wav.bytes_of(first, last, read), code, headers, media_type="audio/wav")


def _source(recordings: RecordingStore, located: Path | StoredObject, clip: ClipSpan) -> tuple[ClipWav, Reader, str]:
    """The clip's WAV, a reader of the recording's frames and a version of the recording (for the ETag)."""
    if located.suffix == ".ogg":  # the span alone, decoded: its frames count from the clip's start
        frames = _decoded(recordings, located, clip)
        span_s = clip.end_s - clip.start_s
        cut = ClipWav.cut(0.0, span_s, clip.channel, SAMPLE_RATE_HZ, (len(frames), frames.shape[1]))
        return cut, lambda a, b: frames[a:b], _version(located)
    if isinstance(located, StoredObject) and located.encrypted:  # decrypted: only the records a span needs
        sealed = sealed_object(recordings, located, clip.call_id)
        wav = wav_layout(b"".join(sealed.view(0, min(sealed.view_bytes, HEAD_BYTES))), sealed.view_bytes)

        def read_bytes(first: int, last: int) -> bytes:
            return b"".join(sealed.view(first, last + 1))
    elif isinstance(located, StoredObject):
        obj = located
        if obj.size < HEADER_BYTES:
            raise AudioError(f"expected a WAV of at least {HEADER_BYTES} bytes, got {obj.size}")
        wav = wav_layout(read_range(recordings, obj, clip.call_id, 0, min(obj.size, HEAD_BYTES) - 1), obj.size)

        def read_bytes(first: int, last: int) -> bytes:
            return read_range(recordings, obj, clip.call_id, first, last)
    else:
        path, keys = located, recordings.keys
        with open_recording(path, keys) as f:  # an encrypted one decrypted: its plain WAV's bytes
            wav = wav_layout(f.read(HEAD_BYTES), f.seek(0, os.SEEK_END))

        def read_bytes(first: int, last: int) -> bytes:
            with open_recording(path, keys) as f:
                f.seek(first)
                return f.read(last - first + 1)

    cut = ClipWav.cut(clip.start_s, clip.end_s, clip.channel, wav.sample_rate_hz, (wav.frames, wav.channels))
    return cut, _frames_reader(wav, read_bytes), _version(located)


def _decoded(recordings: RecordingStore, located: Path | StoredObject, clip: ClipSpan) -> np.ndarray:
    """The clip's span of an Ogg recording decoded at 16 kHz (from a local copy of one in the store)."""
    if isinstance(located, StoredObject):
        with downloaded(recordings, located, clip.call_id) as path:
            return decode_ogg(path, SAMPLE_RATE_HZ, clip.start_s, clip.end_s, recordings.keys)[1]
    return decode_ogg(located, SAMPLE_RATE_HZ, clip.start_s, clip.end_s, recordings.keys)[1]


def _frames_reader(wav: WavLayout, read_bytes: Callable[[int, int], bytes]) -> Reader:
    def read(a: int, b: int) -> np.ndarray:
        b = min(b, wav.frames)
        if b <= a:
            return np.zeros((0, wav.channels), dtype="<i2")
        return wav.frames_of(read_bytes(*wav.byte_span(a, b)))

    return read


def _version(located: Path | StoredObject) -> str:
    if isinstance(located, StoredObject):
        return located.sha256 or located.etag
    st = os.stat(located)
    return f"{located.name}:{st.st_mtime_ns}:{st.st_size}"
