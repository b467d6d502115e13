"""The move of ended calls' recordings from the node's disk to the object store (docs/storage.md).

One worker thread, never a call's: the runtime hands it a call id once the call is closed (its WAV
final, converted to Ogg when asked). The worker uploads the file, verifies it
(:meth:`ObjectStore.put_verified`), and only then deletes the local copy. While the store is away
every attempt fails; the recording stays on disk and in the queue, and the worker waits before the
next attempt, twice as long each time up to ``BACKOFF_MAX_S``, back to ``BACKOFF_S`` after a success.

What a node left behind (killed before an upload, a call closed at start, a phone's call that ended
while its center was away) is found by a scan of the recordings folder: at start, then every
``SCAN_S``: every recording of a call that has ended and is not queued is queued.

A recording changed after its call (card data masked late, silenced by agentassist.pipeline.late) is
not uploaded while the change is pending or under way (:meth:`Uploads.editing`); one that went to the
store already is brought back, changed, and uploaded again under its key, replacing the object.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from agentassist.errors import AudioError
from agentassist.pipeline.late import StoreAwayError
from agentassist.store.claims import Claims
from agentassist.store.db import Store
from agentassist.store.objects import ObjectStore, SupersededError, VerifyError, bring_back, upload_and_remove
from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)

BACKOFF_S = 1.0
# The longest wait between two attempts while the store is away: a store back after an outage of
# 30 s gets its first recording within 16 s more (attempts at 0, 1, 3, 7, 15, 31 s...).
BACKOFF_MAX_S = 30.0
SCAN_S = 300.0  # what an earlier run or a call closed outside a session left is found this soon
HELD_S = 1.0  # how often a recording whose change is pending is looked at again


class Uploads:
    """Recordings waiting for the store, and the thread that moves them; thread-safe."""

    def __init__(self, recordings: RecordingStore, objects: ObjectStore, ended: Callable[[str], bool]) -> None:
        self._recordings, self._objects, self._ended = recordings, objects, ended
        self._cond = threading.Condition()
        self._queue: deque[str] = deque()  # call ids, oldest first; no bound: each is a file on disk
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.uploaded_total = 0
        self.retries_total = 0  # attempts that failed and are tried again
        self.failures_total = 0  # of those, the ones the store refused or did not verify (not: was away)
        self.reachable = True  # the last attempt reached the store
        self.superseded_total = 0  # local copies set aside: the store has the call's whole recording
        # Whether a change of the call's recording is pending (the runtime's late work): not uploaded yet.
        self.held: Callable[[str], bool] = _never_held
        self._moving: str | None = None  # the call being uploaded (the condition)
        self._editing: set[str] = set()  # calls whose recording is being changed (the condition)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="uploads", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the upload in progress; what is queued stays on disk for the next start's scan."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def add(self, call_id: str) -> None:
        """Queue an ended call's recording (a call id already queued is not queued twice)."""
        with self._cond:
            if call_id not in self._queue:
                self._queue.append(call_id)
                self._cond.notify_all()

    def scan(self) -> int:
        """Queue every local recording of an ended call; the number queued."""
        names = {p.stem for p in self._recordings.directory.iterdir() if _is_recording(p.name)}
        with self._cond:
            names -= set(self._queue)
        found = 0
        for call_id in sorted(names):
            try:
                ended = self._ended(call_id)
            except Exception as exc:  # the database away: the next scan sees it
                log.warning("recording %s not queued for upload: its call's state is unknown (%s)", call_id, exc)
                continue
            if ended:
                self.add(call_id)
                found += 1
        if found:
            log.info("%d recording(s) of ended calls found on disk: queued for upload", found)
        return found

    def metrics(self) -> dict[str, float]:
        values = {
            "agentassist_storage_uploads_total": float(self.uploaded_total),
            "agentassist_storage_upload_retries_total": float(self.retries_total),
            "agentassist_storage_upload_failures_total": float(self.failures_total),
            "agentassist_storage_reachable": float(self.reachable),
            "agentassist_storage_superseded_total": float(self.superseded_total),
        }
        with self._cond:  # the call being uploaded counts: it is still on disk
            values["agentassist_storage_uploads_pending"] = float(len(self._queue))
        return values

    @contextlib.contextmanager
    def editing(self, call_id: str, path: Path) -> Iterator[None]:
        """Hold ``call_id``'s upload while its recording ``path`` is changed: an upload under way is waited
        for; a recording that went to the store is downloaded back to ``path`` (StoreAwayError when the store is
        away); afterwards the file is queued again, to replace the object under the same key."""
        with self._cond:
            self._editing.add(call_id)
            while self._moving == call_id:
                self._cond.wait()
        try:
            if not path.exists():
                self._bring_back(path)
            yield
        finally:
            with self._cond:
                self._editing.discard(call_id)
                self._cond.notify_all()
            if path.exists():
                self.add(call_id)

    def _bring_back(self, path: Path) -> None:
        """The object named ``path``'s name (if the store has one), brought back to ``path`` to be changed
        (:func:`~agentassist.store.objects.bring_back`); the upload worker puts it back over the object
        (:func:`~agentassist.store.objects.upload_and_remove`), the two halves of ``changed_object``."""
        try:
            there = self._objects.head(path.name)
            if there is None:
                return
            bring_back(self._objects, there, path)
        except Exception as exc:
            if not _is_away(exc):  # refused (the object deleted meanwhile...): not to be tried again
                raise AudioError(f"{path.name}: expected to bring it back from the object store, got {exc}") from exc
            raise StoreAwayError(f"{path.name}: not brought back from the object store: {exc}") from exc
        log.info("recording %s brought back from the object store to be changed", path.name)

    def _run(self) -> None:
        self._scan_quietly()
        backoff_s = BACKOFF_S
        while True:
            with self._cond:
                if not self._queue and not self._stopping:
                    self._cond.wait(SCAN_S)
                if self._stopping:
                    return
                call_id = self._next() if self._queue else None
                if call_id is None and self._queue:  # each one queued is being changed: after that
                    self._cond.wait(HELD_S)
                    continue
                self._moving = call_id
            if call_id is None:  # SCAN_S without a call ending
                self._scan_quietly()
                continue
            try:
                done = self._move(call_id)
            finally:
                with self._cond:
                    self._moving = None
                    self._cond.notify_all()
            with self._cond:
                if done:
                    self._queue.remove(call_id)
                    backoff_s = BACKOFF_S
                    continue
                self._queue.remove(call_id)  # the next one after the wait: the store may refuse only this one
                self._queue.append(call_id)
                self._cond.wait(backoff_s)  # a stop cuts it short
            backoff_s = min(backoff_s * 2, BACKOFF_MAX_S)

    def _next(self) -> str | None:
        """Under the condition: the first call queued whose recording no change waits on, or None."""
        for call_id in self._queue:
            if call_id not in self._editing and not self.held(call_id):
                return call_id
        return None

    def _scan_quietly(self) -> None:
        try:
            self.scan()
        except OSError as exc:
            log.error("recordings folder not scanned for uploads: %s", exc)

    def _move(self, call_id: str) -> bool:
        """Upload, verify, delete the local copy. True when the call's recording is done with (uploaded,
        or there is none any more); False to try again later."""
        path = self._recordings.find(call_id)
        if path is None:
            return True
        try:
            stored = upload_and_remove(self._objects, path)
        except SupersededError as exc:  # kept, never uploaded: a person may look at it
            aside = path.with_name(path.name + ".superseded")
            path.rename(aside)
            self.superseded_total += 1
            log.warning("recording %s not uploaded: %s; the local copy is kept as %s", call_id, exc, aside.name)
            return True
        except Exception as exc:
            away = not isinstance(exc, VerifyError) and _is_away(exc)
            self.retries_total += 1
            if not away:
                self.failures_total += 1
            if self.reachable or not away:  # once per outage, and every refusal
                log.log(
                    logging.WARNING if away else logging.ERROR,
                    "recording %s not uploaded (%s): kept on disk and tried again",
                    call_id,
                    exc,
                )
            self.reachable = not away
            return False
        self.reachable = True
        if path.suffix == ".ogg":  # a WAV left by a conversion cut short after its rename
            self._recordings.path_for(call_id).unlink(missing_ok=True)
        self.uploaded_total += 1
        log.info("recording %s uploaded to %s (%d bytes, SHA-256 verified)", call_id, stored.key, stored.size)
        return True


def _never_held(call_id: str) -> bool:
    return False


def _is_recording(name: str) -> bool:
    return not name.startswith(".") and name.endswith((".wav", ".ogg"))


def _is_away(exc: Exception) -> bool:
    """The store could not be reached or answered 5xx (rather than refusing this request)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return int(status) >= 500 or exc.response.get("Error", {}).get("Code") in ("SlowDown", "RequestTimeout")
    return isinstance(exc, BotoCoreError | OSError)


def uploads_for(recordings: RecordingStore, store: Store, claims: Claims | None = None) -> Uploads | None:
    """The upload worker of a node whose recordings go to an object store (None: they stay on disk)."""
    if recordings.objects is None:
        return None

    def ended(call_id: str) -> bool:
        call = store.get_call(call_id)  # None: no row (yet): not known to be over, left on disk
        if call is None or call["status"] not in ("ended", "failed"):
            return False
        node = (call["media"] or {}).get("node")
        if claims is not None and node is not None and node != claims.node:
            _set_aside(recordings, call_id, node)
            return False
        return True

    return Uploads(recordings, recordings.objects, ended)


def _set_aside(recordings: RecordingStore, call_id: str, node: str) -> None:
    """A recording this node left of a call another node took over and closed (media fact ``node``):
    that node uploads the whole call; this partial copy is kept aside, never uploaded."""
    path = recordings.find(call_id)
    if path is not None:
        aside = path.with_name(path.name + ".superseded")
        path.rename(aside)
        log.warning(
            "recording %s: node %s took the call over and holds all of it; kept as %s", call_id, node, aside.name
        )
