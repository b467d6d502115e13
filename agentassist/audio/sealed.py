"""Recordings encrypted at rest: AES-256-GCM in independently authenticated records (docs/encryption.md).

The layout, all integers little-endian unless said::

    header   80 bytes   magic "AAREC\\0\\r\\n", version 1, kind (1: a WAV, 2: any file), key id length,
                        0, chunk bytes (u32), salt (16), key check (16), key id (32, zero padded)
    record   28 + n     meta (u32: n plaintext bytes | FINAL << 31), writer id (8), ciphertext (n), tag (16)

Every record but the last holds exactly ``chunk bytes`` of plaintext, so record *i* starts at
``80 + i * (28 + chunk)`` and holds the plaintext from ``i * chunk``: a Range request maps to the
records it needs by arithmetic, on a local file or as one ranged GET on an object store. The file's
AES key and the key check are HKDF-SHA256 of the configured key and the file's random salt (48
bytes: 32 + 16), so a wrong key is told apart from an altered file and no two files share an AES key.
A record's nonce is its writer id and its index (u32, big-endian); its associated data is the header
and its meta: a record cannot be moved, reordered, taken from another file, or lose or gain the FINAL
flag unnoticed. The writer id is 8 random bytes per writer, so a recording continued after a restart
seals its last, partial chunk again under another nonce, never one nonce over other bytes.

The last record is flagged FINAL when the recording is closed. A file without it was cut short (the
process killed: :func:`repair` finishes it, as `agentassist recordings repair` and the start of
`agentassist serve` do); bytes after the last whole record (a write torn by the kill) are ignored.
A whole record that fails authentication raises :class:`TamperedError` naming the file and the record.

Kind WAV: the plaintext is the recorder's WAV, whose header is written once, at the start: its two
sizes are computed from the length when it is read (what `repair` does to a plain WAV), so what a
reader sees is byte for byte the plain recording of the same audio.
"""

from __future__ import annotations

import hmac
import io
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from agentassist.audio.keyring import ENV_KEY, KeyRing, RecordingKey
from agentassist.errors import AudioError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"AAREC\x00\r\n"
VERSION = 1
HEADER_BYTES = 80
# 16 KiB, 0.128 s of the recorder's stereo: the most audio a kill may cost beyond the recorder's own
# batch, and 28 bytes of overhead a record (0.17 %).
CHUNK_BYTES = 16384
OVERHEAD = 28  # meta 4, writer id 8, tag 16
FINAL = 1 << 31
FILE_MODE = 0o600
WAV_HEADER_BYTES = 44
_HEAD = struct.Struct("<BBBBI")
_META = struct.Struct("<I")
_INDEX = struct.Struct(">I")
_INFO = b"agentassist recording v1"
_BATCH_RECORDS = 64  # read at a time: 1 MiB, one pread or one ranged GET


class Kind(IntEnum):
    WAV = 1
    FILE = 2


class SealedError(AudioError):
    """An encrypted recording cannot be read: not one, or no key for it."""


class TamperedError(SealedError):
    """A record of an encrypted recording failed authentication: altered or damaged."""


@dataclass(frozen=True, slots=True)
class Header:
    kind: Kind
    chunk_bytes: int
    salt: bytes
    check: bytes
    key_id: str

    def pack(self) -> bytes:
        kid = self.key_id.encode("ascii")
        head = _HEAD.pack(VERSION, self.kind, len(kid), 0, self.chunk_bytes)
        return MAGIC + head + self.salt + self.check + kid.ljust(32, b"\0")

    @classmethod
    def parse(cls, raw: bytes, name: str) -> Header:
        if len(raw) < HEADER_BYTES or raw[:8] != MAGIC:
            raise SealedError(f"{name}: expected an encrypted recording (magic {MAGIC!r}), got {raw[:8]!r}")
        version, kind, kid_len, _, chunk = _HEAD.unpack_from(raw, 8)
        if version != VERSION or kind not in (1, 2) or not 0 < kid_len <= 32 or not 0 < chunk <= 1 << 24:
            raise SealedError(
                f"{name}: expected version {VERSION}, kind 1 or 2, a key id and a chunk size, got "
                f"version {version}, kind {kind}, key id of {kid_len} bytes, chunks of {chunk} bytes"
            )
        return cls(Kind(kind), chunk, raw[16:32], raw[32:48], raw[48 : 48 + kid_len].decode("ascii", "replace"))


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def _file_key(key: RecordingKey, salt: bytes) -> tuple[AESGCM, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(hashes.SHA256(), 48, salt, _INFO).derive(key.secret)
    return AESGCM(derived[:32]), derived[32:]


def _aead_for(header: Header, keys: KeyRing | None, name: str) -> AESGCM:
    key = keys.get(header.key_id) if keys is not None else None
    if key is None:
        known = ", ".join(keys.ids) if keys is not None else "none"
        raise SealedError(
            f"{name}: encrypted with key {header.key_id!r}, expected it among the keys configured "
            f"([storage] encryption_key_file, {ENV_KEY}), got {known}"
        )
    aead, check = _file_key(key, header.salt)
    if not hmac.compare_digest(check, header.check):
        raise SealedError(f"{name}: the key configured as {header.key_id!r} is not the key it was written with")
    return aead


class SealedFile:
    """An encrypted recording opened for reading from any bytes: a local file, an object in a store."""

    def __init__(self, name: str, size: int, pread: Callable[[int, int], bytes], keys: KeyRing | None) -> None:
        self.name, self.size, self._pread = name, size, pread
        self.raw_header = pread(0, HEADER_BYTES) if size >= HEADER_BYTES else b""
        self.header = Header.parse(self.raw_header, name)
        self.aead = _aead_for(self.header, keys, name)
        c = self.header.chunk_bytes
        records, rest = divmod(size - HEADER_BYTES, c + OVERHEAD)
        self.final, self._last_len = False, c
        if rest >= OVERHEAD:  # a final record shorter than a chunk, or a torn one
            (meta,) = _META.unpack(pread(self._offset(records), 4))
            if meta == FINAL | (rest - OVERHEAD):
                records, rest, self.final, self._last_len = records + 1, 0, True, rest - OVERHEAD
        elif rest == 0 and records:
            self.final = _META.unpack(pread(self._offset(records - 1), 4))[0] == FINAL | c
        self.records = records
        self.torn_bytes = rest  # after the last whole record: a write the kill cut (ignored)
        self.plain_bytes = (records - 1) * c + self._last_len if records else 0
        self._cache: tuple[int, bytes] | None = None
        data = max(0, self.plain_bytes - WAV_HEADER_BYTES) // 4 * 4
        wav = self.header.kind is Kind.WAV and self.plain_bytes >= WAV_HEADER_BYTES
        self.view_bytes = WAV_HEADER_BYTES + data if wav else self.plain_bytes  # what a reader sees

    def _offset(self, index: int) -> int:
        return HEADER_BYTES + index * (self.header.chunk_bytes + OVERHEAD)

    def _length(self, index: int) -> int:
        return self._last_len if index == self.records - 1 else self.header.chunk_bytes

    def _open(self, index: int, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        c = self.header.chunk_bytes
        (meta,) = _META.unpack_from(blob)
        final = self.final and index == self.records - 1
        where = f"{self.name}: record {index} (bytes {index * c}..{index * c + self._length(index)} of the recording)"
        if meta != (FINAL if final else 0) | (len(blob) - OVERHEAD):
            raise TamperedError(f"{where}: expected meta {len(blob) - OVERHEAD} final={final}, got {meta:#x}")
        try:
            return self.aead.decrypt(blob[4:12] + _INDEX.pack(index), blob[12:], self.raw_header + blob[:4])
        except InvalidTag:
            raise TamperedError(f"{where} failed authentication: the file was altered or damaged") from None

    def plain(self, start: int, end: int) -> Iterator[bytes]:
        """The plaintext from ``start`` to ``end`` (exclusive), decrypting only the records it spans."""
        end = min(end, self.plain_bytes)
        if start >= end:
            return
        c = self.header.chunk_bytes
        index, last = start // c, (end - 1) // c
        while index <= last:
            if self._cache is not None and self._cache[0] == index:
                chunks = [self._cache[1]]
            else:
                n = min(last - index + 1, _BATCH_RECORDS)
                span = (n - 1) * (c + OVERHEAD) + OVERHEAD + self._length(index + n - 1)
                blob = self._pread(self._offset(index), span)
                if len(blob) != span:
                    raise SealedError(f"{self.name}: expected {span} bytes at record {index}, got {len(blob)}")
                step = c + OVERHEAD
                chunks = [self._open(index + k, blob[k * step : k * step + step]) for k in range(n)]
                self._cache = (index + n - 1, chunks[-1])
            for data in chunks:
                at = index * c
                yield data[max(0, start - at) : end - at]
                index += 1

    def view(self, start: int, end: int) -> Iterator[bytes]:
        """What a reader of the recording sees from ``start`` to ``end``: the plaintext, with a WAV's sizes."""
        end = min(end, self.view_bytes)
        if start >= end:
            return
        if self.header.kind is Kind.WAV and start < WAV_HEADER_BYTES <= self.view_bytes:
            head = b"".join(self.plain(0, WAV_HEADER_BYTES))
            data = self.view_bytes - WAV_HEADER_BYTES
            fixed = head[:4] + _META.pack(36 + data) + head[8:40] + _META.pack(data)
            yield fixed[start : min(end, WAV_HEADER_BYTES)]
            start = WAV_HEADER_BYTES
        yield from self.plain(start, end)


class _Reader(io.RawIOBase):
    """A SealedFile's view as a seekable binary file (for wave, PyAV, shutil)."""

    def __init__(self, sealed: SealedFile, close: Callable[[], None]) -> None:
        self._sealed, self._close, self._pos = sealed, close, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = b"".join(self._sealed.view(self._pos, self._pos + len(buffer)))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._sealed.view_bytes}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._close()
        super().close()


def open_sealed(path: Path, keys: KeyRing | None) -> tuple[SealedFile, int]:
    """A local encrypted recording and the descriptor it reads from (the caller closes it)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return SealedFile(str(path), os.fstat(fd).st_size, lambda at, n: os.pread(fd, n, at), keys), fd
    except BaseException:
        os.close(fd)
        raise


def open_recording(path: Path, keys: KeyRing | None) -> BinaryIO:
    """A recording as its plain bytes, encrypted or not: a seekable binary file (close it)."""
    if not is_sealed(path):
        return open(path, "rb")
    sealed, fd = open_sealed(path, keys)
    return io.BufferedReader(_Reader(sealed, lambda: os.close(fd)), CHUNK_BYTES)


class SealedWriter:
    """Appends to an encrypted recording: each full chunk is sealed and written as it fills, the rest
    (``held_bytes``) at :meth:`finish`. Writes go to ``fd``, which the caller owns."""

    def __init__(self, fd: int, raw_header: bytes, aead: AESGCM, records: int = 0, held: bytes = b"") -> None:
        self.fd, self._raw_header, self._aead = fd, raw_header, aead
        self._chunk = Header.parse(raw_header, "header").chunk_bytes
        self._writer_id = os.urandom(8)
        self._held = bytearray(held)
        self.records = records

    @classmethod
    def create(cls, fd: int, key: RecordingKey, kind: Kind, chunk_bytes: int = CHUNK_BYTES) -> SealedWriter:
        """A new recording at ``fd`` (empty, open for writing): its header is written."""
        salt = os.urandom(16)
        aead, check = _file_key(key, salt)
        raw = Header(kind, chunk_bytes, salt, check, key.key_id).pack()
        write_all(fd, raw)
        return cls(fd, raw, aead)

    @property
    def held_bytes(self) -> int:
        return len(self._held)

    def append(self, data: bytes | bytearray) -> None:
        """Seal and write every chunk ``data`` fills (one write(2)); the rest is held."""
        self._held += data
        n = len(self._held) // self._chunk
        if n:
            c = self._chunk
            out = b"".join(self._seal(self._held[k * c : k * c + c], False) for k in range(n))
            del self._held[: n * c]
            write_all(self.fd, out)

    def finish(self) -> None:
        """Seal what is held as the FINAL record (empty when nothing is) and write it."""
        out = self._seal(self._held, True)
        self._held.clear()
        write_all(self.fd, out)

    def cut_back(self) -> int:
        """After a failed write: the file cut to its last whole record (truncating frees blocks rather
        than taking any) and finished with an empty FINAL record where the disk still takes its 28
        bytes (else it reads as cut short); the plaintext bytes it holds."""
        c = self._chunk
        whole = max(0, os.fstat(self.fd).st_size - HEADER_BYTES) // (c + OVERHEAD)
        os.ftruncate(self.fd, HEADER_BYTES + whole * (c + OVERHEAD))
        os.lseek(self.fd, 0, os.SEEK_END)  # the FINAL record right after it, not after a hole
        self.records = whole
        self._held.clear()
        try:
            self.finish()
        except OSError:
            os.ftruncate(self.fd, HEADER_BYTES + whole * (c + OVERHEAD))  # no torn FINAL record left
        os.fsync(self.fd)
        return whole * c

    def _seal(self, data: bytes | bytearray, final: bool) -> bytes:
        meta = _META.pack(len(data) | (FINAL if final else 0))
        nonce = self._writer_id + _INDEX.pack(self.records)
        self.records += 1
        return meta + self._writer_id + self._aead.encrypt(nonce, bytes(data), self._raw_header + meta)


def write_all(fd: int, data: bytes | bytearray) -> None:
    """One write(2) and, when the disk cuts it short, more until all is written or it raises."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)  # short on a disk about to fill; the next one raises ENOSPC
        if written <= 0:  # never seen on a regular file; without it the loop could spin
            raise OSError(28, os.strerror(28))
        view = view[written:]


def reopen(path: Path, keys: KeyRing | None, keep_bytes: int) -> SealedWriter:
    """``path`` opened to go on after its first ``keep_bytes`` of plaintext (a call resumed after a
    restart): whole records before that point kept, the rest of the last one held to be sealed again."""
    sealed, fd = open_sealed(path, keys)
    try:
        if sealed.plain_bytes < keep_bytes:
            raise ValueError(f"{path}: expected {keep_bytes} bytes of plaintext to continue, got {sealed.plain_bytes}")
        whole = min(keep_bytes // sealed.header.chunk_bytes, sealed.records - int(sealed.final))
        held = b"".join(sealed.plain(whole * sealed.header.chunk_bytes, keep_bytes))
    finally:
        os.close(fd)
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, sealed._offset(whole))
        os.lseek(fd, 0, os.SEEK_END)
    except OSError:
        os.close(fd)
        raise
    return SealedWriter(fd, sealed.raw_header, sealed.aead, whole, held)


def needs_repair(path: Path, keys: KeyRing | None) -> bool:
    sealed, fd = open_sealed(path, keys)
    os.close(fd)
    return not sealed.final or sealed.torn_bytes > 0


def repair(path: Path, keys: KeyRing | None) -> int:
    """Finish a recording a killed process left: torn bytes cut off, a FINAL record added (idempotent).
    The bytes a reader then sees."""
    sealed, fd = open_sealed(path, keys)
    os.close(fd)
    if sealed.final and not sealed.torn_bytes:
        return sealed.view_bytes
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, sealed._offset(sealed.records))
        os.lseek(fd, 0, os.SEEK_END)
        SealedWriter(fd, sealed.raw_header, sealed.aead, sealed.records).finish()
        os.fsync(fd)
    finally:
        os.close(fd)
    return sealed.view_bytes


def seal_stream(chunks: Iterable[bytes], target: Path, key: RecordingKey, kind: Kind) -> None:
    """Write ``chunks`` as a new, finished encrypted recording at ``target`` (fsynced)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        writer = SealedWriter.create(fd, key, kind)
        for data in chunks:
            writer.append(data)
        writer.finish()
        os.fsync(fd)
    finally:
        os.close(fd)
