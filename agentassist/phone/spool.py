"""The phone's spool: every frame of a call kept on the desk's disk until the center acknowledges it.

One directory per call under ``spool_dir``::

    <call id>/call.json            the sidecar: call metadata, the acknowledged frame, events, closed/reason
    <call id>/<first frame>.pcm    segments of stereo frames (1280 bytes each: external, internal)

Segments are append-only and hold :data:`SEGMENT_FRAMES` frames each, so an ``ack`` frees disk by
deleting whole segments, never by rewriting a file under a live call. The sidecar is replaced
atomically (written aside, then renamed). A phone process killed mid-write leaves at most a partial
last frame: :meth:`Spool.recover` finds it by the segment's length and cuts it off.

Pure file I/O, no threads: the uplink's event-loop thread is its only user. An append is one
``write(2)`` of 1280 bytes to the page cache (a few microseconds); the segment is fsynced every
``fsync_every_frames`` so that a power loss, not only a crash, costs at most that much.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentassist.audio.pcm import FRAME_BYTES
from agentassist.errors import AgentassistError

log = logging.getLogger(__name__)

STEREO_FRAME_BYTES = 2 * FRAME_BYTES  # 20 ms of both channels, 16 kHz, 16-bit
SEGMENT_FRAMES = 500  # 10 s, 640 kB: what an ack frees at a time
_SIDECAR = "call.json"


class SpoolError(AgentassistError):
    """The spool cannot keep a frame: full, or its directory cannot be written."""


class SpoolFullError(SpoolError):
    pass


@dataclass
class SpooledCall:
    """One call's frames on disk. ``frames``: how many were appended; ``acked``: every frame before
    it is at the center; ``first``: the first frame still on disk (segments before it deleted)."""

    spool: Spool
    call_id: str
    meta: dict[str, Any]
    frames: int = 0
    acked: int = 0
    first: int = 0
    closed: bool = False
    reason: str = ""
    opened_once: bool = False  # the center has had the call open (else it will be uploaded late)
    events: list[dict[str, Any]] = field(default_factory=list)
    _fd: int = -1
    _fd_segment: int = -1
    _unsynced: int = 0

    @property
    def dir(self) -> Path:
        return self.spool.root / self.call_id

    def append(self, stereo: bytes) -> int:
        """Keep one stereo frame; returns its index. Raises SpoolFullError past the spool's bound."""
        if len(stereo) != STEREO_FRAME_BYTES:
            raise ValueError(f"expected a stereo frame of {STEREO_FRAME_BYTES} bytes, got {len(stereo)}")
        if self.closed:
            raise SpoolError(f"call {self.call_id}: closed at frame {self.frames}, expected no more frames")
        self.spool.reserve(STEREO_FRAME_BYTES)
        segment = self.frames - self.frames % SEGMENT_FRAMES
        if self._fd_segment != segment:
            self._close_fd()
            path = self.dir / f"{segment:010d}.pcm"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._fd_segment = segment
        try:
            written = os.write(self._fd, stereo)
        except OSError as exc:
            self.spool.release(STEREO_FRAME_BYTES)
            raise SpoolError(f"call {self.call_id}: cannot write frame {self.frames} to {self.dir}: {exc}") from exc
        if written != len(stereo):  # a full disk: the partial frame is cut off on reopen
            raise SpoolFullError(f"call {self.call_id}: disk full in {self.dir} at frame {self.frames}")
        self._unsynced += 1
        if self._unsynced >= self.spool.fsync_every_frames > 0:
            os.fsync(self._fd)
            self._unsynced = 0
        self.frames += 1
        return self.frames - 1

    def read(self, start: int, count: int) -> bytes:
        """Frames ``start`` .. ``start + count - 1`` (fewer at the end), from the segments on disk."""
        if start < self.first:
            raise SpoolError(
                f"call {self.call_id}: expected a frame >= {self.first} (earlier ones acknowledged), got {start}"
            )
        end = min(start + count, self.frames)
        parts: list[bytes] = []
        at = start
        while at < end:
            segment = at - at % SEGMENT_FRAMES
            n = min(end, segment + SEGMENT_FRAMES) - at
            with open(self.dir / f"{segment:010d}.pcm", "rb") as f:
                f.seek((at - segment) * STEREO_FRAME_BYTES)
                parts.append(f.read(n * STEREO_FRAME_BYTES))
            at += n
        return b"".join(parts)

    def add_event(self, event: dict[str, Any]) -> None:
        """A control message of the call (pause, hold, dtmf...), kept to be sent again after a cut."""
        self.events.append(event)
        self.save()

    def ack(self, frame: int) -> None:
        """Every frame before ``frame`` is in the center's recording: whole segments below it go."""
        if frame <= self.acked:
            return
        self.acked = min(frame, self.frames)
        keep_from = self.acked - self.acked % SEGMENT_FRAMES
        for segment in range(self.first - self.first % SEGMENT_FRAMES, keep_from, SEGMENT_FRAMES):
            if segment == self._fd_segment:
                self._close_fd()
            path = self.dir / f"{segment:010d}.pcm"
            with contextlib.suppress(FileNotFoundError):
                self.spool.release(path.stat().st_size)
                path.unlink()
        self.first = max(self.first, keep_from)
        self.save()

    def close(self, reason: str) -> None:
        """The call ended on the desk: no more frames."""
        self.closed, self.reason = True, reason
        self._close_fd()
        self.save()

    def delete(self) -> None:
        """The center holds the whole call: its spool goes."""
        self._close_fd()
        released = sum(p.stat().st_size for p in self.dir.glob("*.pcm"))
        shutil.rmtree(self.dir, ignore_errors=True)
        self.spool.release(released)
        self.spool.calls.pop(self.call_id, None)

    def save(self) -> None:
        state = {
            "meta": self.meta,
            "acked": self.acked,
            "closed": self.closed,
            "reason": self.reason,
            "opened_once": self.opened_once,
            "frames": self.frames if self.closed else None,
            "events": self.events,
        }
        tmp = self.dir / (_SIDECAR + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.dir / _SIDECAR)

    def _close_fd(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)
        self._fd, self._fd_segment, self._unsynced = -1, -1, 0


class Spool:
    """The calls of one desk on disk, bounded to ``max_bytes`` of frames in all."""

    def __init__(self, root: Path, max_bytes: int, fsync_every_frames: int = 100) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.fsync_every_frames = fsync_every_frames  # 100 frames: 2 s, as [recorder] fsync_every_s
        self.used_bytes = 0
        self.calls: dict[str, SpooledCall] = {}
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"spool_dir {self.root}: cannot create it: {exc}") from exc

    def reserve(self, n: int) -> None:
        if self.used_bytes + n > self.max_bytes:
            mb = 1024 * 1024
            raise SpoolFullError(
                f"spool {self.root} full: {self.used_bytes / mb:.1f} MB of {self.max_bytes / mb:.0f} MB held for "
                "frames the center has not acknowledged (is the center reachable? raise [phone] spool_max_mb)"
            )
        self.used_bytes += n

    def release(self, n: int) -> None:
        self.used_bytes = max(0, self.used_bytes - n)

    def open_call(self, call_id: str, meta: dict[str, Any]) -> SpooledCall:
        """A new call: its directory and sidecar exist before the first frame."""
        call = SpooledCall(self, call_id, dict(meta))
        try:
            call.dir.mkdir(mode=0o700)
            call.save()
        except OSError as exc:
            raise SpoolError(f"call {call_id}: cannot create its spool in {self.root}: {exc}") from exc
        self.calls[call_id] = call
        return call

    def recover(self) -> list[SpooledCall]:
        """The calls an earlier run left (oldest first), each cut back to whole frames; a call that was
        not closed then ended with the process: closed ``abnormal``."""
        found: list[SpooledCall] = []
        for d in sorted(self.root.iterdir(), key=lambda p: p.stat().st_mtime):
            if not d.is_dir() or d.name in self.calls:
                continue
            try:
                state = json.loads((d / _SIDECAR).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.error("spool %s: unreadable sidecar, left as it is: %s", d, exc)
                continue
            call = SpooledCall(self, d.name, state["meta"], acked=state["acked"], closed=state["closed"])
            call.reason, call.events = state["reason"], state["events"]
            call.opened_once = bool(state.get("opened_once"))
            segments = sorted(int(p.stem) for p in d.glob("*.pcm"))
            call.first = segments[0] if segments else call.acked - call.acked % SEGMENT_FRAMES
            call.frames = call.first
            for segment in segments:
                path = d / f"{segment:010d}.pcm"
                size = path.stat().st_size
                torn = size % STEREO_FRAME_BYTES
                if torn:
                    log.warning(
                        "spool %s: cut a partial frame (%d bytes) off its end: written when the process died",
                        path,
                        torn,
                    )
                    os.truncate(path, size - torn)
                self.used_bytes += size - torn
                call.frames = segment + (size - torn) // STEREO_FRAME_BYTES
            if not call.closed:
                call.close("abnormal")
            self.calls[call.call_id] = call
            found.append(call)
        return found
