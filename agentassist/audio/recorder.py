"""Crash-safe stereo call recording: one 16-bit WAV, left = agent, right = customer.

Frames of the two channels arrive separately (a SIP call) or together (a phone's
stereo, :meth:`Recorder.write_stereo`); the recorder interleaves them in step, so
sample *n* of each channel is the same instant, and hands them to the kernel in
chunks of 0.2 s (``held_frames`` says how much it holds). The RIFF header is rewritten
on every :meth:`Recorder.flush` (at least once a second) and the file is fsynced
every ``fsync_every_s``, so a process killed mid-call leaves a playable file with
everything up to the last flush, and a machine that loses power everything up to
the last fsync. :func:`repair` fixes the header of a file left by a crash between
flushes; a recorder made with ``keep_samples`` continues such a file (a call resumed after
the center restarted), and :func:`channel_frames` reads one channel of it back.

With ``keys`` (``[storage] encryption_key_file``, ``AGENTASSIST_RECORDING_KEY``) a new recording is
written encrypted with the current key (agentassist.audio.sealed): the same WAV bytes, sealed in
records of 16 KiB as they fill, so a kill costs at most one record more than the 0.2 s batch (the
header's sizes are not rewritten: readers compute them). A file is continued as it was written,
encrypted or not, and every function here reads both.

A write that fails (disk full, I/O error) does not raise out of :meth:`Recorder.write`
more than once: the recorder cuts the file back to its last whole stereo sample,
makes its header match, raises :class:`RecordingError` naming the cause, and from
then on drops frames (``failed`` says why). The call goes on; the caller reports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from agentassist.audio import sealed
from agentassist.audio.frames import SAMPLE_RATE_HZ
from agentassist.audio.keyring import KeyRing
from agentassist.audio.sealed import SealedWriter, write_all
from agentassist.errors import AudioError
from agentassist.events import Channel

log = logging.getLogger(__name__)

HEADER_BYTES = 44
FILE_MODE = 0o600  # a recording is the customer's voice: readable by the service's user only
_MAX_SKEW_S = 0.5  # a channel silent for this long while the other runs is filled with silence
_FRAME_STEREO_BYTES = 1280  # 20 ms of both channels
# Written to the kernel in chunks of 0.2 s, not frame by frame: 400 calls made 40 000 write(2)s a second.
# A phone's acks cover only what the kernel holds (CallSession.frames_written), so a crash loses nothing a
# phone has dropped from its spool; a flush (every flush_interval_s) writes what is held.
_CHUNK_BYTES = 10 * _FRAME_STEREO_BYTES


_SYNC_THREADS = 4  # fsyncs of different recordings at once (one call's fsync never waits for another's long)


def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _FsyncThreads:
    """The threads that fsync recordings in the background, shared by every recorder of the process and
    started by the first fsync, so that a process that records nothing starts none."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def fsync_and_close(self, fd: int) -> Future[None]:
        """``fd`` fsynced and closed in one of the threads; raises RuntimeError once the interpreter is
        shutting down."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="recording-fsync")
            executor = self._executor
        return executor.submit(_fsync_and_close, fd)


_FSYNC_THREADS = _FsyncThreads(_SYNC_THREADS)


class RecordingError(AudioError):
    """Writing a call's recording failed; the file holds everything before the failure."""


def wav_header(data_bytes: int, sample_rate_hz: int = SAMPLE_RATE_HZ, channels: int = 2) -> bytes:
    block_align = channels * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate_hz, sample_rate_hz * block_align, block_align, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class Recorder:
    """Writes one call's stereo WAV; used from one thread (the call's pipeline thread)."""

    def __init__(
        self,
        path: Path,
        sample_rate_hz: int = SAMPLE_RATE_HZ,
        flush_interval_s: float = 1.0,
        fsync_every_s: float = 2.0,
        keep_samples: int = 0,
        keys: KeyRing | None = None,
    ) -> None:
        """``fsync_every_s``: the longest stretch of audio a power loss may cost (0: fsync on every flush);
        ``keep_samples``: continue the file at ``path``, which holds at least this many stereo samples (a
        call resumed after the center restarted): they are kept, anything after them cut off, and what
        is written goes after them (0: a new file); ``keys``: a new file is encrypted with the current
        key, and an encrypted file is continued with its own (None: a new file in clear)."""
        self.path = path
        self.sample_rate_hz = sample_rate_hz
        self.flush_interval_s = flush_interval_s
        self.fsync_every_s = fsync_every_s
        self.failed: str | None = None  # why the recording stopped, once it has
        self._fd: int | None = None
        self._sealed: SealedWriter | None = None  # an encrypted recording's writer (None: in clear)
        self._pending: dict[Channel, bytearray] = {Channel.AGENT: bytearray(), Channel.CUSTOMER: bytearray()}
        self._wire = bytearray()  # stereo with the customer first (write_stereo), not yet swapped
        self._out = bytearray()  # stereo in the file's order, not yet written (at most _CHUNK_BYTES)
        self._syncing: Future[None] | None = None  # the background fsync of _sync_later
        self._data_bytes = 0
        self._last_flush = self._last_fsync = time.monotonic()
        self._max_skew_bytes = int(_MAX_SKEW_S * sample_rate_hz) * 2
        self.filled_bytes = {Channel.AGENT: 0, Channel.CUSTOMER: 0}  # silence inserted to keep alignment
        try:  # a full disk or a missing folder: the call goes on, and the caller reads ``failed``
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if keep_samples and sealed.is_sealed(path):
                self._sealed = sealed.reopen(path, keys, HEADER_BYTES + keep_samples * 4)
                self._fd = self._sealed.fd
                self._data_bytes = keep_samples * 4
            elif keep_samples:
                self._fd = _reopen(path, keep_samples * 4, sample_rate_hz)
                self._data_bytes = keep_samples * 4
            else:
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
                if keys is not None:
                    self._sealed = SealedWriter.create(self._fd, keys.current, sealed.Kind.WAV)
                self._guard(lambda fd: self._put(wav_header(0, sample_rate_hz)))
        except (OSError, ValueError, RecordingError, sealed.SealedError) as exc:
            self.failed = self.failed or f"{getattr(exc, 'strerror', None) or exc} ({path})"
            log.error("recording %s not started: %s", path.name, self.failed)

    @property
    def duration_s(self) -> float:
        return self._data_bytes / 4 / self.sample_rate_hz

    def write(self, channel: Channel, pcm: bytes) -> None:
        """Add 20 ms of one channel. RecordingError once, when the file cannot take it."""
        if self._fd is None:
            return  # failed (or closed): the frame is dropped
        self._swap_in()
        self._pending[channel] += pcm
        self._interleave()
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()

    def write_stereo(self, pcm: bytes) -> None:
        """Add whole stereo frames with the customer first (a phone's order on the wire): swapped into
        the file's order (the agent left) in batches, with no per-channel work. RecordingError once, as
        :meth:`write`."""
        if self._fd is None:
            return
        if self._pending[Channel.AGENT] or self._pending[Channel.CUSTOMER]:  # one channel ahead: in step first
            samples = np.frombuffer(pcm, dtype="<i2")
            self.write(Channel.CUSTOMER, samples[0::2].tobytes())
            self.write(Channel.AGENT, samples[1::2].tobytes())
            return
        self._wire += pcm
        if len(self._wire) + len(self._out) >= _CHUNK_BYTES:
            self._drain()
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()

    @property
    def held_frames(self) -> int:
        """Stereo 20 ms frames taken but not yet handed to the kernel (at most ``_CHUNK_BYTES``)."""
        held = len(self._out) + len(self._wire) + (self._sealed.held_bytes if self._sealed is not None else 0)
        return -(-held // _FRAME_STEREO_BYTES)

    def _put(self, data: bytes | bytearray) -> None:
        """Bytes after those written: sealed a record at a time when encrypted, else as they are."""
        if self._sealed is not None:
            self._sealed.append(data)
        elif self._fd is not None:
            write_all(self._fd, data)

    def _swap_in(self) -> None:
        """The customer-first frames of :meth:`write_stereo` into the file's order, after what is held."""
        if self._wire:
            pairs = np.frombuffer(self._wire, dtype="<u4")
            self._out += ((pairs << 16) | (pairs >> 16)).tobytes()  # one 32-bit rotate swaps the two samples
            del pairs  # the bytearray cannot shrink while numpy holds a view of it
            self._wire.clear()

    def _interleave(self) -> None:
        agent, customer = self._pending[Channel.AGENT], self._pending[Channel.CUSTOMER]
        for ahead, behind, channel in ((agent, customer, Channel.CUSTOMER), (customer, agent, Channel.AGENT)):
            if len(ahead) - len(behind) > self._max_skew_bytes:
                gap = len(ahead) - len(behind)
                behind += bytes(gap)
                self.filled_bytes[channel] += gap
        n = min(len(agent), len(customer)) & ~1
        if n == 0 or self._fd is None:
            return
        stereo = np.empty(n, dtype="<i2")
        stereo[0::2] = np.frombuffer(agent, dtype="<i2", count=n // 2)
        stereo[1::2] = np.frombuffer(customer, dtype="<i2", count=n // 2)
        del agent[:n]
        del customer[:n]
        self._out += stereo.tobytes()
        if len(self._out) >= _CHUNK_BYTES:
            self._drain()

    def _drain(self) -> None:
        """Hand everything held to the kernel: one write a chunk, not one a frame."""
        self._swap_in()
        if not self._out or self._fd is None:
            return
        out, self._out = self._out, bytearray()
        self._guard(lambda fd: self._put(out))
        if self._fd is not None:
            self._data_bytes += len(out)

    def flush(self) -> None:
        """Make everything written so far a playable file on disk (fsynced every ``fsync_every_s``, in the
        background: :meth:`_sync_later`)."""
        if self._fd is None:
            return
        self._drain()
        if self._fd is None:
            return
        now = time.monotonic()
        sync = now - self._last_fsync >= self.fsync_every_s
        inline = sync and self.fsync_every_s <= 0  # asked for on every flush: done here, as it always was
        self._guard(lambda fd: self._header(fd, inline))
        self._last_flush = now
        if inline:
            self._last_fsync = now
        elif sync and self._fd is not None:
            self._guard(lambda fd: self._sync_later(fd, now))

    def _sync_later(self, fd: int, now: float) -> None:
        """An fsync of the file in a thread of its own, on a duplicate of ``fd`` (the recording may close
        meanwhile): on a busy disk one took 14 ms at the median and 80 ms at p95, and on the call's thread
        it held the call's frames, so its segmenter saw speech end that much later (the floor benchmark's
        profile of the call threads). One at a time a recording: while the last runs, the next flush tries
        again. The last one's failure is raised here, as a write's would be."""
        syncing = self._syncing
        if syncing is not None:
            if not syncing.done():
                return
            self._syncing = None
            syncing.result()  # its OSError: the recording stops here, as on a failed write
        copy = os.dup(fd)
        try:
            self._syncing = _FSYNC_THREADS.fsync_and_close(copy)
        except RuntimeError:  # the interpreter is shutting down: sync here
            _fsync_and_close(copy)
        self._last_fsync = now

    def close(self) -> None:
        """Pad the shorter channel with silence, write the final header, fsync, close."""
        if self._fd is None:
            return
        agent, customer = self._pending[Channel.AGENT], self._pending[Channel.CUSTOMER]
        longest = max(len(agent), len(customer))
        agent += bytes(longest - len(agent))
        customer += bytes(longest - len(customer))
        self._swap_in()
        self._interleave()
        self._drain()
        writer = self._sealed
        if self._fd is not None and writer is not None:
            self._guard(lambda fd: writer.finish())  # the FINAL record: a reader knows nothing is cut off
        if self._fd is None:
            return
        self._guard(lambda fd: self._header(fd, True))  # the close's own fsync: every byte, before it returns
        self._syncing = None  # a background one still running syncs its own duplicate, then closes it
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            log.info("recording %s closed (%.1f s)", self.path.name, self.duration_s)

    def _header(self, fd: int, sync: bool) -> None:
        if self._sealed is None:  # an encrypted WAV's sizes are computed by its readers
            os.pwrite(fd, wav_header(self._data_bytes, self.sample_rate_hz), 0)  # blocks already on disk
        if sync:
            os.fsync(fd)

    def _guard(self, step: Callable[[int], None]) -> None:
        """Run one write; when it fails, keep what the disk holds as a valid WAV and stop recording."""
        fd = self._fd
        assert fd is not None, "guarded writes only on an open file"
        try:
            step(fd)
        except OSError as exc:
            self._fd = None
            self._data_bytes = _salvage(fd, self.sample_rate_hz, self._sealed)
            with contextlib.suppress(OSError):
                os.close(fd)
            self.failed = f"{exc.strerror or exc} ({self.path})"
            raise RecordingError(
                f"recording {self.path.name} stopped at {self.duration_s:.1f} s: {exc.strerror or exc}"
            ) from exc


def _reopen(path: Path, data_bytes: int, sample_rate_hz: int) -> int:
    """The recording at ``path`` opened to go on after its first ``data_bytes`` of samples."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        rate = _check_header(path, f.read(HEADER_BYTES), size)
    if rate != sample_rate_hz or size < HEADER_BYTES + data_bytes:
        raise ValueError(
            f"{path}: expected {data_bytes} bytes of audio at {sample_rate_hz} Hz to continue, "
            f"got {size - HEADER_BYTES} at {rate} Hz"
        )
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, HEADER_BYTES + data_bytes)
        os.pwrite(fd, wav_header(data_bytes, sample_rate_hz), 0)
        os.lseek(fd, 0, os.SEEK_END)
    except OSError:
        os.close(fd)
        raise
    return fd


def _salvage(fd: int, sample_rate_hz: int, writer: SealedWriter | None) -> int:
    """After a failed write: cut the file to its last whole stereo sample and make the header say so
    (both change no more than blocks already allocated, so they work on a full disk); the data bytes.
    An encrypted one is cut to its last whole record (it then reads as a recording cut short)."""
    try:
        if writer is not None:
            return max(0, writer.cut_back() - HEADER_BYTES) // 4 * 4
        size = os.fstat(fd).st_size
        data = max(0, size - HEADER_BYTES) // 4 * 4
        if size >= HEADER_BYTES:
            os.ftruncate(fd, HEADER_BYTES + data)
            os.pwrite(fd, wav_header(data, sample_rate_hz), 0)
            os.fsync(fd)
        return data
    except OSError as exc:  # the header stays as the last flush left it: `agentassist recordings repair`
        log.error("recording header not repaired after a failed write: %s", exc)
        return 0


def _check_header(path: Path, head: bytes, size: int) -> int:
    """The sample rate of a recording's header; ValueError when it is not one of ours."""
    if size < HEADER_BYTES:
        raise ValueError(f"{path}: {size} bytes is too short for a WAV file")
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE" or head[12:16] != b"fmt " or head[36:40] != b"data":
        raise ValueError(f"{path}: not a WAV file as agentassist writes them (RIFF/WAVE, fmt, data)")
    fmt, channels, rate = struct.unpack("<HHI", head[20:28])
    bits = struct.unpack("<H", head[34:36])[0]
    if (fmt, channels, bits) != (1, 2, 16) or rate <= 0:
        raise ValueError(f"{path}: expected stereo 16-bit PCM, got format {fmt}, {channels} channels, {bits} bits")
    return int(rate)


def channel_frames(
    path: Path, channel: Channel, start: int, end: int, frame_ms: int = 20, keys: KeyRing | None = None
) -> list[bytes]:
    """Frames ``start`` to ``end - 1`` of one channel of a recording (fewer where it ends first)."""
    frame_samples = SAMPLE_RATE_HZ * frame_ms // 1000
    with sealed.open_recording(path, keys) as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(0)
        rate = _check_header(path, f.read(HEADER_BYTES), size)
        if rate != SAMPLE_RATE_HZ:
            raise ValueError(f"{path}: expected {SAMPLE_RATE_HZ} Hz, got {rate}")
        f.seek(HEADER_BYTES + start * frame_samples * 4)
        data = f.read(max(0, end - start) * frame_samples * 4)
    stereo = np.frombuffer(data, dtype="<i2", count=len(data) // 4 * 2).reshape(-1, 2)
    mono = stereo[:, 0 if channel is Channel.AGENT else 1].tobytes()
    step = frame_samples * 2
    return [mono[i : i + step] for i in range(0, len(mono) - step + 1, step)]


def audio_bytes(path: Path, keys: KeyRing | None = None) -> int:
    """Bytes of samples a recording holds, encrypted or not (a stale header does not count: its size does)."""
    if sealed.is_sealed(path):
        opened, fd = sealed.open_sealed(path, keys)
        os.close(fd)
        return max(0, opened.view_bytes - HEADER_BYTES)
    return max(0, path.stat().st_size - HEADER_BYTES)


def needs_repair(path: Path, keys: KeyRing | None = None) -> bool:
    """Whether the header of a recording disagrees with its size (a crash between two flushes); an
    encrypted one: whether it lacks its FINAL record or ends in a torn one."""
    if sealed.is_sealed(path):
        return sealed.needs_repair(path, keys)
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(HEADER_BYTES)
    _check_header(path, head, size)
    riff, data = struct.unpack("<I", head[4:8])[0], struct.unpack("<I", head[40:44])[0]
    expected = (size - HEADER_BYTES) // 4 * 4
    return bool(data != expected or riff != 36 + expected or size != HEADER_BYTES + expected)


def repair(path: Path, keys: KeyRing | None = None) -> float:
    """Rewrite the header of a stereo 16-bit WAV to match its size; returns its duration in seconds. An
    encrypted one: torn bytes cut off and its FINAL record added (:func:`agentassist.audio.sealed.repair`).

    Idempotent. Never run it on the recording of a call in progress: it truncates a partial frame.
    """
    if sealed.is_sealed(path):
        size = sealed.repair(path, keys)
        with sealed.open_recording(path, keys) as f:
            rate = _check_header(path, f.read(HEADER_BYTES), size)
        return (size - HEADER_BYTES) / 4 / rate
    size = path.stat().st_size
    with open(path, "r+b") as f:
        head = f.read(HEADER_BYTES)
        rate = _check_header(path, head, size)
        data = (size - HEADER_BYTES) // 4 * 4
        f.truncate(HEADER_BYTES + data)
        f.seek(0)
        f.write(wav_header(data, rate))
    return data / 4 / rate
