"""Recordings in an S3 object store (``[storage] url = "s3://BUCKET/PREFIX"``, docs/storage.md).

Only the S3 API, through boto3: AWS S3, MinIO, Ceph's RGW or any other store that speaks it
(``[storage] endpoint_url``). Credentials come from the client's own chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, ``~/.aws/credentials``, an instance role); they are never settings and never
logged. A recording is ``PREFIX/<call id>.wav`` or ``.ogg``, the name it had on the node's disk.

An upload is verified before the local copy may go (:meth:`ObjectStore.put_verified`): the PUT carries
the file's MD5 (``Content-MD5``: the store refuses a body that arrived different) and its SHA-256 (as
``ChecksumSHA256``, which stores that keep checksums check and return, and as the object's metadata
``sha256``); a HEAD afterwards must answer the file's size and SHA-256. An encrypted recording is
uploaded as it is on disk (its SHA-256 is of those bytes, so nothing of the audio is hashed in clear)
with the metadata ``encryption``.

A recording changed after it was uploaded (card data silenced late, an erasure's lines silenced) is
brought back, changed and uploaded again over its object by one piece, :func:`changed_object`
(:func:`bring_back`, the change, :func:`upload_and_remove`), checked by SHA-256 as any upload is.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from agentassist.audio.sealed import is_sealed
from agentassist.config import StorageSettings
from agentassist.errors import ConfigError

log = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20  # hashing reads and download writes, 1 MiB at a time
# The client gives up fast: the upload worker retries with its own backoff (agentassist.store.uploads),
# and an API read waits on the store at most this long before it answers 503.
_CONNECT_TIMEOUT_S = 5.0
_READ_TIMEOUT_S = 30.0
ENCRYPTION = "aes-256-gcm"  # the metadata "encryption" of an encrypted recording


class VerifyError(Exception):
    """The object in the store is not the file that was uploaded (size or checksum differ)."""


class SupersededError(VerifyError):
    """The store holds another recording of the call already: one the node that closed the call uploaded.
    The local file is what a node that died mid-call left, the call having been taken over (docs/deploy.md)."""


@dataclass(frozen=True)
class StoredObject:
    """One recording in the store, as a HEAD answers it."""

    key: str
    name: str  # "<call id>.wav" or ".ogg"
    size: int
    etag: str  # quoted, as HTTP sends it
    last_modified: datetime
    sha256: str  # hex, "" when the object has no such metadata (not uploaded by agentassist)
    encrypted: bool = False  # an encrypted recording (agentassist.audio.sealed): metadata "encryption"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix


def split_url(url: str) -> tuple[str, str]:
    """``s3://BUCKET/PREFIX`` → (bucket, "PREFIX/"), the prefix empty or ending in one slash."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def file_digests(path: Path) -> tuple[int, str, bytes]:
    """(size, SHA-256 hex, MD5 digest) of a file, read once."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest(), md5.digest()


class ObjectStore:
    """The bucket and prefix of ``[storage] url``; thread-safe (boto3 clients are)."""

    def __init__(self, settings: StorageSettings) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise ConfigError(
                f"[storage] url = {settings.url!r} needs the S3 client boto3: pip install boto3==1.44.8"
            ) from None
        self.bucket, self.prefix = split_url(settings.url)
        self.url = settings.url
        config = Config(
            connect_timeout=_CONNECT_TIMEOUT_S,
            read_timeout=_READ_TIMEOUT_S,
            retries={"max_attempts": 2, "mode": "standard"},
            # a checksum only where the call asks for one (ours does): some S3 servers refuse the
            # CRC32 trailers boto3 adds by default since 1.36
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url or None,
            region_name=settings.region or None,
            config=config,
        )
        log.info("recordings go to %s (endpoint %s) after hangup", settings.url, settings.endpoint_url or "AWS")

    def reach(self) -> None:
        """Raise the client's error unless the bucket answers (a HEAD of the bucket: for /healthz)."""
        self._client.head_bucket(Bucket=self.bucket)

    def key(self, name: str) -> str:
        return self.prefix + name

    def head(self, name: str) -> StoredObject | None:
        """The object called ``name`` (None: there is none). Raises the client's errors otherwise."""
        from botocore.exceptions import ClientError

        key = self.key(name)
        try:
            r = self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        sha = (r.get("Metadata") or {}).get("sha256", "")
        checksum = r.get("ChecksumSHA256")
        if checksum and "-" not in checksum:  # a whole-object checksum (not a multipart one's)
            sha = base64.b64decode(checksum).hex()
        modified = r["LastModified"].astimezone(UTC)  # botocore's tzutc is not the UTC HTTP dates need
        encrypted = (r.get("Metadata") or {}).get("encryption") == ENCRYPTION
        return StoredObject(key, name, int(r["ContentLength"]), r["ETag"], modified, sha, encrypted)

    def find(self, call_id: str) -> StoredObject | None:
        """The call's recording in the store: the Ogg first, as on disk (RecordingStore.find)."""
        for suffix in (".ogg", ".wav"):
            found = self.head(call_id + suffix)
            if found is not None:
                return found
        return None

    def put_verified(self, path: Path, replace: bool = False) -> StoredObject:
        """Upload ``path`` as its own name, unless the store holds it already; then check that the store
        holds exactly its bytes (VerifyError if not). An object of the same name with other bytes is never
        replaced (SupersededError): recordings are uploaded once, after their call ended, by the node that
        closed it, so such a file is a partial copy left by a node the call was taken over from. ``replace``:
        the file is the object changed (card data silenced after the upload): it replaces the object."""
        from botocore.exceptions import ClientError

        size, sha, md5 = file_digests(path)  # of the bytes stored: an encrypted file's, not its audio's
        metadata = {"sha256": sha}
        media_type = "audio/ogg" if path.suffix == ".ogg" else "audio/wav"
        if is_sealed(path):  # served decrypted by the center; a raw download of the object is no audio
            metadata["encryption"], media_type = ENCRYPTION, "application/octet-stream"
        try:
            there = self.head(path.name)
        except ClientError:  # AWS answers a missing key 403 to a node without s3:ListBucket: upload it
            there = None
        if replace and there is not None and (there.size != size or there.sha256 != sha):
            there = None  # uploaded again below, over it
        if there is not None and (there.size != size or there.sha256 != sha):
            raise SupersededError(
                f"{there.key}: the store holds {there.size} bytes of SHA-256 {there.sha256 or '?'}, "
                f"expected {size} of {sha} or nothing: not replaced"
            )
        if there is None:
            with path.open("rb") as body:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=self.key(path.name),
                    Body=body,
                    ContentLength=size,
                    ContentMD5=base64.b64encode(md5).decode(),
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(sha)).decode(),
                    Metadata=metadata,
                    ContentType=media_type,
                )
            there = self.head(path.name)
        if there is None:
            raise VerifyError(f"{self.key(path.name)}: uploaded, but the store does not have it")
        if there.size != size or there.sha256 != sha:
            raise VerifyError(
                f"{there.key}: expected {size} bytes of SHA-256 {sha}, "
                f"the store has {there.size} of {there.sha256 or '?'}"
            )
        return there

    def read(self, obj: StoredObject, start: int, end: int) -> Any:
        """A streaming body of bytes ``start`` to ``end`` (inclusive) of ``obj``: a ranged GET."""
        r = self._client.get_object(Bucket=self.bucket, Key=obj.key, Range=f"bytes={start}-{end}")
        return r["Body"]

    def download(self, obj: StoredObject, into: BinaryIO) -> None:
        """The whole object into an open file."""
        body = self._client.get_object(Bucket=self.bucket, Key=obj.key)["Body"]
        try:
            for chunk in body.iter_chunks(_CHUNK_BYTES):
                into.write(chunk)
        finally:
            body.close()

    def delete_call(self, call_id: str) -> list[str]:
        """Remove the call's recording from the store: every ``<call id>.<suffix>`` object (``.wav``,
        ``.ogg``, whatever a later format names it); returns the names removed. Raises the client's
        errors (the store away: the caller tries again later)."""
        names: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.key(call_id + ".")
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if own_file(call_id, name):
                    self._client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    names.append(name)
        return names


def own_file(call_id: str, name: str) -> bool:
    """Whether ``name`` is one of the call's recording files: ``<call id>.`` and a suffix of letters
    and dots (``wav``, ``ogg.part``), so that call ``c1``'s never reach call ``c1.2``'s ``c1.2.wav``."""
    rest = name.removeprefix(call_id + ".")
    return rest != name and bool(rest) and all(c.isalpha() or c == "." for c in rest)


def replaces_mark(path: Path) -> Path:
    """The mark beside a file brought back from the store to be changed: the file replaces the object.
    It stays on disk until the upload: a run stopped before it leaves the next one's scan a file to upload
    over the object, not one to set aside as superseded (:meth:`ObjectStore.put_verified`)."""
    return path.with_name(path.name + ".replaces")


def bring_back(objects: ObjectStore, obj: StoredObject, path: Path) -> None:
    """``obj`` downloaded to ``path``, marked as replacing it: written to ``path.part``, synced, then
    renamed, so that a download cut short never leaves half a recording under the recording's name."""
    part = path.with_name(path.name + ".part")
    replaces_mark(path).touch()
    try:
        with part.open("wb") as f:
            objects.download(obj, f)
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        if not path.exists():  # nothing brought back: nothing to replace the object with
            replaces_mark(path).unlink(missing_ok=True)
        raise


def upload_and_remove(objects: ObjectStore, path: Path) -> StoredObject:
    """``path`` uploaded (over the object of its name when marked as replacing it) and checked by its
    SHA-256 (:meth:`ObjectStore.put_verified`), then removed from disk with its mark."""
    stored = objects.put_verified(path, replace=replaces_mark(path).exists())
    path.unlink(missing_ok=True)
    replaces_mark(path).unlink(missing_ok=True)
    return stored


@contextlib.contextmanager
def changed_object(objects: ObjectStore, obj: StoredObject, path: Path) -> Iterator[Path]:
    """Bring back, change, replace: ``obj`` brought back to ``path`` for the body to change in place,
    then uploaded over the object, checked, and removed from disk. A body that raises leaves the object
    as it was, and the file with its mark where it is."""
    bring_back(objects, obj, path)
    yield path
    upload_and_remove(objects, path)
