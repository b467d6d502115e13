"""A recording served from the object store (``[storage] url``) as FileResponse serves a local one: the
same bytes, ``Range`` (one range: a ranged GET on the store; several: the whole recording), ``If-Range``,
an ETag and ``If-None-Match`` → 304. The ETag is the recording's SHA-256, so it stays the same on every
node; it differs from the one the local file had before the upload (FileResponse's: mtime and size),
so a client's cached copy is fetched once more after the move.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.responses import StreamingResponse

from agentassist.audio.encode import MEDIA_TYPES
from agentassist.audio.peaks import Peaks, peaks
from agentassist.store.objects import ObjectStore, StoredObject
from agentassist.store.recordings import RecordingStore

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK_BYTES = 64 * 1024


def locate(recordings: RecordingStore, call_id: str) -> Path | StoredObject | None:
    """RecordingStore.locate; 503 when the recording may be in the store and the store does not answer."""
    try:
        return recordings.locate(call_id)
    except Exception as exc:
        raise _store_away(call_id, exc) from None


def _store_away(call_id: str, exc: Exception) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, f"the object store holding call {call_id!r}'s recording failed: {exc}"
    )


def _objects(recordings: RecordingStore) -> ObjectStore:
    if recordings.objects is None:  # locate gives a StoredObject only with a store
        raise RuntimeError("expected an object store behind a StoredObject, got none")
    return recordings.objects


def _etag(obj: StoredObject) -> str:
    return f'"{obj.sha256}"' if obj.sha256 else obj.etag


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range asked for, inclusive (None: the whole body). 416 when it lies past the end."""
    m = _RANGE.match(header.replace(" ", ""))
    if m is None or (not m.group(1) and not m.group(2)):
        return None  # several ranges, or not bytes: RFC 9110 lets a server send the whole
    first, last = m.group(1), m.group(2)
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise HTTPException(
            status.HTTP_416_RANGE_NOT_SATISFIABLE, f"range {header!r} is outside the recording's {size} bytes",
            headers={"content-range": f"bytes */{size}"},
        )  # fmt: skip
    return start, end


def object_response(request: Request, recordings: RecordingStore, obj: StoredObject, call_id: str) -> Response:
    etag = _etag(obj)
    headers = {
        "etag": etag,
        "last-modified": format_datetime(obj.last_modified, usegmt=True),
        "accept-ranges": "bytes",
        "content-disposition": f'inline; filename="{call_id}{obj.suffix}"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"etag": etag})
    wanted = request.headers.get("range", "")
    if_range = request.headers.get("if-range")
    span = _byte_range(wanted, obj.size) if wanted and if_range in (None, etag, headers["last-modified"]) else None
    start, end = span if span is not None else (0, obj.size - 1)
    if obj.size == 0:
        return Response(b"", media_type=MEDIA_TYPES[obj.suffix], headers=headers)
    try:
        body = _objects(recordings).read(obj, start, end)
    except Exception as exc:
        raise _store_away(call_id, exc) from None
    headers["content-length"] = str(end - start + 1)
    code = status.HTTP_200_OK
    if span is not None:
        code = status.HTTP_206_PARTIAL_CONTENT
        headers["content-range"] = f"bytes {start}-{end}/{obj.size}"
    return StreamingResponse(_chunks(body), code, headers, media_type=MEDIA_TYPES[obj.suffix])


def _chunks(body: Any) -> Iterator[bytes]:
    """The GET's body, 64 KiB at a time (iterated in Starlette's thread pool: the loop never waits on it)."""
    try:
        yield from body.iter_chunks(_CHUNK_BYTES)
    finally:
        body.close()


def object_peaks(recordings: RecordingStore, obj: StoredObject, call_id: str, buckets: int) -> Peaks:
    """Peaks of a recording in the store (read from a local copy: :func:`downloaded`)."""
    with downloaded(recordings, obj, call_id) as path:
        return peaks(path, buckets)


@contextmanager
def downloaded(recordings: RecordingStore, obj: StoredObject, call_id: str) -> Iterator[Path]:
    """A recording in the store downloaded into a private temporary file next to the local recordings
    (a name the upload scan skips), deleted afterwards; 503 when the store fails."""
    fd, name = tempfile.mkstemp(prefix=".peaks-", suffix=obj.suffix, dir=recordings.directory)
    try:
        with os.fdopen(fd, "wb") as f:
            try:
                _objects(recordings).download(obj, f)
            except Exception as exc:
                raise _store_away(call_id, exc) from None
        yield Path(name)
    finally:
        os.unlink(name)


def read_range(recordings: RecordingStore, obj: StoredObject, call_id: str, first: int, last: int) -> bytes:
    """Bytes ``first``..``last`` (inclusive) of a recording in the store, one ranged GET (a coaching clip's
    span: api/clipmedia.py); 503 when the store fails."""
    try:
        body = _objects(recordings).read(obj, first, last)
        try:
            data: bytes = body.read()
        finally:
            body.close()
    except Exception as exc:
        raise _store_away(call_id, exc) from None
    return data
