"""Work a call leaves for after its call path: card data masked after the recording was finished,
silenced in it (decode, zero and encode again: seconds for a long Opus call), and a revised line the
database refused, written again. None of it may cost a transcription pool thread its time.

One thread, owned by the runtime (a session made without one has its own), started by the first job
and gone once none is left, so that a process with nothing to do late holds none (an
:class:`~agentassist.ordered.OrderedWorker`). Jobs run one at a time, in the order they came; one call's
jobs therefore never overlap. A job returns True when it is done with, False to be tried again after
``retry_s`` (the database or the object store away); an exception it raises is a bug: logged, not tried
again. The call path only queues: it never waits for a job and never sees a job's failure.

:meth:`LateWork.stop` runs what it can before its deadline and logs each job it leaves undone (what it
was and for which call); a job queued after the stop is logged the same way and never run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agentassist.ordered import OrderedWorker

log = logging.getLogger(__name__)

RETRY_S = 5.0  # a job that could not be done (the database or the store away) is tried again this often


class StoreAwayError(Exception):
    """The object store is away for a job's step: the job is tried again later."""


class RecordingEdits(Protocol):
    """Who else writes a call's recording after the call: the upload to the object store
    (agentassist.store.uploads). :meth:`editing` holds the upload off while the recording is changed,
    brings the file back from the store when it went there already, and queues it again afterwards."""

    def editing(self, call_id: str, path: Path) -> contextlib.AbstractContextManager[None]: ...


@dataclass
class _Job:
    call_id: str
    what: str  # what is left undone, said in the log when it is
    run: Callable[[], bool]
    recording: bool  # changes the call's recording: its upload waits for it
    undone: Callable[[], None] | None  # says in the call's record that it was left undone
    tries: int = 0
    delays_s: tuple[float, ...] = ()  # the waits before its first tries; then LateWork.retry_s each

    def wait_s(self, retry_s: float) -> float:
        """How long to wait before the next try, ``tries`` made so far."""
        return self.delays_s[self.tries] if self.tries < len(self.delays_s) else retry_s


def _job(job: _Job) -> str:
    return f"call {job.call_id}: {job.what}"


class LateWork:
    """The queue of late jobs and its thread; thread-safe. ``edits``: the upload worker, when recordings
    go to an object store."""

    def __init__(self, retry_s: float = RETRY_S, edits: RecordingEdits | None = None, name: str = "late-work") -> None:
        self.retry_s = retry_s
        self.edits = edits
        # one job at a time: ``pending`` sees a job queued or running, never one taken and not yet begun;
        # no bound: one job per late revision of an ended call, each small
        self._worker: OrderedWorker[_Job] = OrderedWorker(name, batch=1, describe=_job)
        self._succeeded = 0
        self.retries_total = 0
        self.left_total = 0  # jobs left undone by a stop
        self._count = threading.Lock()

    @property
    def done_total(self) -> int:
        """Jobs done with: those that succeeded and those that raised (a bug, not tried again)."""
        return self._succeeded + self._worker.failed

    def submit(
        self,
        call_id: str,
        what: str,
        run: Callable[[], bool],
        recording: bool = False,
        undone: Callable[[], None] | None = None,
        delays_s: tuple[float, ...] = (),
    ) -> bool:
        """Queue ``run``; never waits. ``recording``: it changes the call's recording; ``undone``: called
        (on the stopping thread) if a stop leaves it undone; ``delays_s``: the job is first tried after
        ``delays_s[0]``, tried again after each of the others, then every ``retry_s`` (without: at once,
        then every ``retry_s``). False: the work is stopped, the job is left undone at once."""
        job = _Job(call_id, what, run, recording, undone, delays_s=delays_s[1:])
        first_s = delays_s[0] if delays_s else 0.0
        if first_s > 0:
            queued = self._worker.put_at(time.monotonic() + first_s, self._try, job)
        else:
            queued = self._worker.put(self._try, job)
        if queued:
            return True
        self._left(job, "the server is stopping" if self._worker.stopped else "no thread to do it")
        return False

    def metrics(self) -> dict[str, float]:
        return {
            "agentassist_late_work_pending": float(self._worker.pending),
            "agentassist_late_work_done_total": float(self.done_total),
            "agentassist_late_work_retries_total": float(self.retries_total),
            "agentassist_late_work_left_total": float(self.left_total),
        }

    def pending(self, call_id: str) -> bool:
        """Whether a job that changes ``call_id``'s recording is queued or running."""
        return any(j.call_id == call_id and j.recording for j in self._worker.jobs())

    def editing(self, call_id: str, path: Path) -> contextlib.AbstractContextManager[None]:
        """The recording held for a change (:class:`RecordingEdits`; nothing to hold without a store)."""
        return self.edits.editing(call_id, path) if self.edits is not None else contextlib.nullcontext()

    def wait(self, timeout_s: float) -> bool:
        """Wait until no job is left (True) or ``timeout_s`` has passed (False)."""
        return self._worker.wait_idle(timeout_s)

    def stop(self, timeout_s: float) -> list[str]:
        """Run what can be run within ``timeout_s``, then take no more; returns (and logs) what was left
        undone, as "call: what". A job running at the deadline is let finish on its own."""
        stopped = self._worker.stop(time.monotonic() + timeout_s)
        for job in stopped.running:  # its file is replaced only once it is whole: cut short, it is as it was
            log.error("call %s: %s still running as the server stops: it may be cut short", job.call_id, job.what)
        for job in stopped.left:
            self._left(job, f"the server stopped (tried {job.tries} times)")
        return [f"{job.call_id}: {job.what}" for job in stopped.left]

    def _try(self, job: _Job) -> None:
        """On the thread: the job, and again after its next wait (``delays_s``, then ``retry_s``) when it
        could not be done (an exception is the worker's to log and count: a bug, not tried again)."""
        if job.run():
            self._succeeded += 1
            return
        wait_s = job.wait_s(self.retry_s)
        job.tries += 1
        if self._worker.put_at(time.monotonic() + wait_s, self._try, job):
            self.retries_total += 1
        else:  # stopped while it ran
            self._left(job, f"the server stopped (tried {job.tries} times)")

    def _left(self, job: _Job, why: str) -> None:
        with self._count:  # the submitting, the stopping and the worker's thread all count
            self.left_total += 1
        _left_undone(job, why)


def _left_undone(job: _Job, why: str) -> None:
    log.error("call %s: %s NOT done: %s", job.call_id, job.what, why)
    if job.undone is not None:
        try:
            job.undone()
        except Exception as exc:  # the database away too: the log line above is what is left
            log.error("call %s: that %s was not done is not stored: %s", job.call_id, job.what, exc)
