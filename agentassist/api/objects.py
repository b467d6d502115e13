"""A recording served from the object store (``[storage] url``) or encrypted (agentassist.audio.sealed)
as FileResponse serves a local one: the same bytes, ``Range`` (one range: a ranged GET on the store,
only the records it spans decrypted; several: the whole recording), ``If-Range``, an ETag and
``If-None-Match`` → 304. The ETag of a stored recording is its SHA-256, so it stays the same on every
node; it differs from the one the local file had before the upload (FileResponse's: mtime and size),
so a client's cached copy is fetched once more after the move.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.responses import StreamingResponse

from agentassist.audio.encode import MEDIA_TYPES
from agentassist.audio.peaks import Peaks, peaks
from agentassist.audio.sealed import SealedFile
from agentassist.errors import AudioError
from agentassist.store.objects import ObjectStore, StoredObject
from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class Served:
    """A recording as :func:`ranged_response` serves it: ``read(start, end)`` gives bytes ``start`` to
    ``end`` (inclusive) and raises HTTPException for what fails before the first byte."""

    size: int
    etag: str
    last_modified: datetime
    suffix: str
    read: Callable[[int, int], Iterator[bytes]]


def ranged_response(request: Request, served: Served, call_id: str) -> Response:
    etag = served.etag
    headers = {
        "etag": etag,
        "last-modified": format_datetime(served.last_modified, usegmt=True),
        "accept-ranges": "bytes",
        "content-disposition": f'inline; filename="{call_id}{served.suffix}"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"etag": etag})
    wanted, size = request.headers.get("range", ""), served.size
    if_range = request.headers.get("if-range")
    span = _byte_range(wanted, size) if wanted and if_range in (None, etag, headers["last-modified"]) else None
    start, end = span if span is not None else (0, size - 1)
    if size == 0:
        return Response(b"", media_type=MEDIA_TYPES[served.suffix], headers=headers)
    body = served.read(start, end)
    headers["content-length"] = str(end - start + 1)
    code = status.HTTP_200_OK
    if span is not None:
        code = status.HTTP_206_PARTIAL_CONTENT
        headers["content-range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(body, code, headers, media_type=MEDIA_TYPES[served.suffix])


def sealed_object(recordings: RecordingStore, obj: StoredObject, call_id: str) -> SealedFile:
    """An encrypted recording in the store, read by ranged GETs of the records a view needs; 409 when no
    key configured opens it, 503 when the store fails."""
    objects = _objects(recordings)

    def pread(at: int, n: int) -> bytes:
        try:
            body = objects.read(obj, at, at + n - 1)
            try:
                return bytes(body.read())
            finally:
                body.close()
        except Exception as exc:
            raise _store_away(call_id, exc) from None

    return _unsealed(call_id, lambda: SealedFile(obj.key, obj.size, pread, recordings.keys))


def object_response(request: Request, recordings: RecordingStore, obj: StoredObject, call_id: str) -> Response:
    objects = _objects(recordings)
    if obj.encrypted:
        sealed = sealed_object(recordings, obj, call_id)
        return ranged_response(
            request, _sealed_served(sealed, call_id, _etag(obj), obj.last_modified, obj.suffix), call_id
        )

    def read(start: int, end: int) -> Iterator[bytes]:
        try:
            return _chunks(objects.read(obj, start, end))
        except Exception as exc:
            raise _store_away(call_id, exc) from None

    return ranged_response(request, Served(obj.size, _etag(obj), obj.last_modified, obj.suffix, read), call_id)


def sealed_file_response(
    request: Request, recordings: RecordingStore, path: Path, call_id: str, ended: bool
) -> Response:
    """A local encrypted recording: ETag and Last-Modified as FileResponse makes them for a file. One of
    an ended call without its FINAL record was cut short (a failed write, or altered after the call):
    served, with a WARNING."""

    def pread(at: int, n: int) -> bytes:  # opened for each read: the file may be replaced (silenced) whole
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return os.pread(fd, n, at)
        finally:
            os.close(fd)

    stat = os.stat(path)
    sealed = _unsealed(call_id, lambda: SealedFile(str(path), stat.st_size, pread, recordings.keys))
    if ended and not sealed.final:
        log.warning("call %s: its encrypted recording ends without its FINAL record: cut short", call_id)
    etag = '"' + hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest() + '"'
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    return ranged_response(request, _sealed_served(sealed, call_id, etag, modified, path.suffix), call_id)


def _unreadable(call_id: str, exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, f"recording of call {call_id!r} is unreadable: {exc}")


def _unsealed(call_id: str, open_file: Callable[[], SealedFile]) -> SealedFile:
    try:
        return open_file()
    except AudioError as exc:  # no key for it, a wrong key, not an encrypted recording
        raise _unreadable(call_id, exc) from None


def _sealed_served(sealed: SealedFile, call_id: str, etag: str, modified: datetime, suffix: str) -> Served:
    def read(start: int, end: int) -> Iterator[bytes]:
        chunks = sealed.view(start, end + 1)
        try:
            first = next(chunks, b"")
        except AudioError as exc:
            raise _unreadable(call_id, exc) from None
        return _then(first, chunks)

    return Served(sealed.view_bytes, etag, modified, suffix, read)


def _then(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The first chunk, decrypted before the response starts (a wrong key or an altered first record
    answers 409), then the others as they are sent (an altered one then cuts the response short)."""
    yield first
    yield from rest


def _chunks(body: Any) -> Iterator[bytes]:
    """The GET's body, 64 KiB at a time (iterated in Starlette's thread pool: the loop never waits on it)."""
    try:
        yield from body.iter_chunks(_CHUNK_BYTES)
    finally:
        body.close()


def object_peaks(recordings: RecordingStore, obj: StoredObject, call_id: str, buckets: int) -> Peaks:
    """Peaks of a recording in the store (read from a local copy: :func:`downloaded`)."""
    with downloaded(recordings, obj, call_id) as path:
        return peaks(path, buckets, recordings.keys)  # an encrypted one stays so in the file


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
