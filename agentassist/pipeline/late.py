"""Work a call leaves for after its call path: card data masked after the recording was finished,
silenced in it (decode, zero and encode again: seconds for a long Opus call), and a revised line the
database refused, written again. None of it may cost a transcription pool thread its time.

One thread, owned by the runtime (a session made without one has its own), started by the first job
and gone once none is left, so that a process with nothing to do late holds none. Jobs run one at a
time, in the order they came; one call's jobs therefore never overlap. A job returns True when it is
done with, False to be tried again after ``retry_s`` (the database or the object store away); an
exception it raises is a bug: logged, not tried again. The call path only queues: it never waits for a
job and never sees a job's failure.

:meth:`LateWork.stop` runs what it can before its deadline and logs each job it leaves undone (what it
was and for which call); a job queued after the stop is logged the same way and never run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
    due_s: float = 0.0  # time.monotonic() of the next try
    tries: int = 0
    delays_s: tuple[float, ...] = ()  # the waits before its first tries; then LateWork.retry_s each

    def wait_s(self, retry_s: float) -> float:
        """How long to wait before the next try, ``tries`` made so far."""
        return self.delays_s[self.tries] if self.tries < len(self.delays_s) else retry_s


class LateWork:
    """The queue of late jobs and its thread; thread-safe. ``edits``: the upload worker, when recordings
    go to an object store."""

    def __init__(self, retry_s: float = RETRY_S, edits: RecordingEdits | None = None, name: str = "late-work") -> None:
        self.retry_s = retry_s
        self.edits = edits
        self._name = name
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()  # no bound: one per late revision of an ended call, each small
        self._running: _Job | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.done_total = 0
        self.retries_total = 0
        self.left_total = 0  # jobs left undone by a stop

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
        job = _Job(call_id, what, run, recording, undone, 0.0, 0, delays_s[1:])
        job.due_s = time.monotonic() + (delays_s[0] if delays_s else 0.0)
        why = "the server is stopping"
        with self._cond:
            if not self._stopped:
                self._jobs.append(job)
                self._cond.notify_all()
                if self._thread is not None:
                    return True
                thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                try:
                    thread.start()
                    self._thread = thread
                    return True
                except RuntimeError as exc:  # the interpreter shutting down: no new thread
                    self._jobs.remove(job)
                    why = f"no thread to do it ({exc})"
            self.left_total += 1
        _left_undone(job, why)
        return False

    def metrics(self) -> dict[str, float]:
        with self._cond:
            waiting = len(self._jobs) + (self._running is not None)
        return {
            "agentassist_late_work_pending": float(waiting),
            "agentassist_late_work_done_total": float(self.done_total),
            "agentassist_late_work_retries_total": float(self.retries_total),
            "agentassist_late_work_left_total": float(self.left_total),
        }

    def pending(self, call_id: str) -> bool:
        """Whether a job that changes ``call_id``'s recording is queued or running."""
        with self._cond:
            jobs = [*self._jobs, *([self._running] if self._running is not None else [])]
            return any(j.call_id == call_id and j.recording for j in jobs)

    def editing(self, call_id: str, path: Path) -> contextlib.AbstractContextManager[None]:
        """The recording held for a change (:class:`RecordingEdits`; nothing to hold without a store)."""
        return self.edits.editing(call_id, path) if self.edits is not None else contextlib.nullcontext()

    def wait(self, timeout_s: float) -> bool:
        """Wait until no job is left (True) or ``timeout_s`` has passed (False)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._jobs or self._running is not None:
                left_s = deadline - time.monotonic()
                if left_s <= 0:
                    return False
                self._cond.wait(left_s)
        return True

    def stop(self, timeout_s: float) -> list[str]:
        """Run what can be run within ``timeout_s``, then take no more; returns (and logs) what was left
        undone, as "call: what". A job running at the deadline is let finish on its own."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while (self._jobs or self._running is not None) and time.monotonic() < deadline:
                if self._running is None and all(j.due_s > deadline for j in self._jobs):
                    break  # each waits to be tried again after the deadline
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            self._stopped = True
            running = self._running
            left = list(self._jobs)
            self._jobs.clear()
            self.left_total += len(left)
            self._cond.notify_all()
        if running is not None:  # its file is replaced only once it is whole: cut short, it is as it was
            log.error(
                "call %s: %s still running as the server stops: it may be cut short", running.call_id, running.what
            )
        for job in left:
            _left_undone(job, f"the server stopped (tried {job.tries} times)")
        return [f"{job.call_id}: {job.what}" for job in left]

    def _run(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                if job is None:
                    self._thread = None  # none left: the next submit starts another
                    self._cond.notify_all()
                    return
                self._running = job
            done = self._try(job)
            with self._cond:
                self._running = None
                if done:
                    self.done_total += 1
                elif not self._stopped:
                    self.retries_total += 1
                    job.due_s = time.monotonic() + job.wait_s(self.retry_s)
                    job.tries += 1
                    self._jobs.append(job)
                self._cond.notify_all()

    def _next(self) -> _Job | None:
        """Under the lock: the first job due, waiting for one while some are not; None when none is left."""
        while self._jobs and not self._stopped:
            now = time.monotonic()
            for job in self._jobs:
                if job.due_s <= now:
                    self._jobs.remove(job)
                    return job
            self._cond.wait(min(j.due_s for j in self._jobs) - now)
        return None

    def _try(self, job: _Job) -> bool:
        try:
            return job.run()
        except Exception:  # a bug: said with its trace, not tried again forever
            log.exception("call %s: %s failed", job.call_id, job.what)
            return True


def _left_undone(job: _Job, why: str) -> None:
    log.error("call %s: %s NOT done: %s", job.call_id, job.what, why)
    if job.undone is not None:
        try:
            job.undone()
        except Exception as exc:  # the database away too: the log line above is what is left
            log.error("call %s: that %s was not done is not stored: %s", job.call_id, job.what, exc)
