"""One named thread that runs jobs one after the other, in the order they were put: the shape that the
process's lazily started workers share (the delivery thread, :mod:`agentassist.transcribe.delivery`; the
late work, :mod:`agentassist.pipeline.late`; the media thread, :mod:`agentassist.pipeline.media`).

A job is a callable and its argument, ``fn(arg)``. The thread is a daemon, started by the first job and
gone once nothing is left (after ``linger_s`` with nothing to do), so that a process with nothing to do
holds none. A job that raises is logged and counted (``failed``) and the next job runs: one bad job never
takes the thread, or the jobs behind it, down.

Besides jobs due now, a job may be put for later (:meth:`OrderedWorker.put_at`): a job to try again once
the database is back (the late work). A job put for later runs once it is due, behind the jobs queued by
then; it keeps the thread. Periodic work is a job that puts its next turn for later or, where the turns
are many (the media thread's 100 a second), one long job that loops until the calls leave or ``stopped``
says to end: a sleep in ``time.sleep`` costs less CPU than the thread's wakeable wait for a later job.

:meth:`OrderedWorker.flush` waits until everything put before it has run. :meth:`OrderedWorker.stop` runs
what it can before its deadline, then takes no more: it returns the jobs it left undone, and a job put
after it is refused (``put`` returns False) and never runs.

The thread takes every job queued at once under one lock (``batch`` caps how many), so that a busy
producer (a decode worker handing over its results) and the thread meet once a batch, not once a job.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_local = threading.local()  # on a worker's thread, while it runs a batch: when the running job was put


def queued_at() -> float:
    """When the job running on this thread was put (``time.monotonic()``); now on a thread that runs no
    job (a consumer called directly)."""
    put_s: float | None = getattr(_local, "put_s", None)
    return put_s if put_s is not None else time.monotonic()


@dataclass(frozen=True)
class Stopped(Generic[T]):
    """What :meth:`OrderedWorker.stop` left: ``left``, the arguments of jobs never run (and never to be);
    ``running``, those of the batch the thread had taken at the deadline, let finish on their own."""

    left: list[T] = field(default_factory=list)
    running: list[T] = field(default_factory=list)


def _describe(arg: object) -> str:
    return f"a job on {arg!r}"


class OrderedWorker(Generic[T]):
    """Jobs ``fn(arg)`` run on one daemon thread named ``name``, in the order they were put (module
    docstring). ``linger_s``: how long the thread waits for a job before it ends; ``batch``: the most jobs
    taken at once (0: all that are queued); ``describe``: what a job was, for the log when it raises.
    Thread-safe."""

    def __init__(
        self, name: str, *, linger_s: float = 0.0, batch: int = 0, describe: Callable[[T], str] = _describe
    ) -> None:
        self.name = name
        self.linger_s = linger_s
        self._batch = batch
        self._describe = describe
        self._lock = threading.Lock()
        # The thread sleeps for work on a bell of its own, a lock that a put releases: a Condition's timed
        # wait cost 56-67 µs of CPU a wakeup on this 2-core machine against a bare lock's 42-46 (10 ms
        # waits), and a put that wakes the thread skips the Condition's bookkeeping.
        self._bell = threading.Lock()
        self._bell.acquire()
        self._ran = threading.Condition(self._lock)  # flushers, idlers and the stop wait here for jobs run
        self._items: deque[tuple[float, Callable[[T], object], T]] = deque()  # (put, fn, arg), due now
        self._later: list[tuple[float, int, float, Callable[[T], object], T]] = []  # a heap: (due, seq, put, ...)
        self._seq = 0  # ties in the heap: put order
        self._taken: list[tuple[float, Callable[[T], object], T]] = []  # the batch the thread runs
        self._put = 0  # jobs put so far
        self._done = 0  # jobs run so far
        self._thread: threading.Thread | None = None
        self._waiting = False  # the thread sleeps for work: a put rings its bell
        self._watchers = 0  # threads waiting on _ran: the thread notifies only when there are
        self._stopped = False
        self.failed = 0  # jobs that raised

    # ---- any thread ----------------------------------------------------------------------------------

    def put(self, fn: Callable[[T], object], arg: T) -> bool:
        """Have ``fn(arg)`` run on the thread after everything put before; never waits for a job. False:
        stopped (or the interpreter is shutting down), the job will never run."""
        with self._lock:
            if self._stopped:
                return False
            self._items.append((time.monotonic(), fn, arg))
            self._put += 1
            if self._thread is None:
                if not self._start():
                    self._items.pop()
                    self._put -= 1
                    return False
            elif self._waiting:
                self._ring()
            return True

    def put_at(self, due_s: float, fn: Callable[[T], object], arg: T) -> bool:
        """Have ``fn(arg)`` run once ``time.monotonic()`` reaches ``due_s``, behind what is queued then;
        False as for :meth:`put`."""
        with self._lock:
            if self._stopped:
                return False
            self._seq += 1
            entry = (due_s, self._seq, time.monotonic(), fn, arg)
            heapq.heappush(self._later, entry)
            self._put += 1
            if self._thread is None:
                if not self._start():
                    self._later.remove(entry)
                    heapq.heapify(self._later)
                    self._put -= 1
                    return False
            elif self._waiting:
                self._ring()  # it may sleep until a later due time than this one
            return True

    @property
    def pending(self) -> int:
        """Jobs put and not yet run (those for later included)."""
        with self._lock:
            return len(self._items) + len(self._later) + len(self._taken)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def jobs(self) -> list[T]:
        """The arguments of the jobs put and not yet run, the batch running first."""
        with self._lock:
            return [a for _, _, a in self._taken] + [a for _, _, a in self._items] + [e[4] for e in self._later]

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every job put before this call has run; False if ``timeout_s`` passed first, or a
        stop left some undone. On the worker's own thread (a job) nothing can run meanwhile: it says whether
        all had, at once."""
        with self._lock:
            target = self._put
            if threading.current_thread() is self._thread:
                return self._done >= target
            self._watch(lambda: self._done >= target or (self._stopped and not self._taken), timeout_s)
            return self._done >= target

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Wait until no job is left, those for later included (True), or ``timeout_s`` has passed."""
        with self._lock:
            return self._watch(lambda: not (self._items or self._later or self._taken), timeout_s)

    def stop(self, deadline: float) -> Stopped[T]:
        """Run what can be run before ``deadline`` (``time.monotonic()``), then take no more: the jobs left
        (a job for later due after the deadline is not waited for) and the batch still running, which is let
        finish. Jobs put from now on are refused."""

        def done() -> bool:  # nothing to run before the deadline
            return not (self._items or self._taken or (self._later and self._later[0][0] <= deadline))

        with self._lock:
            if not self._stopped:
                self._watch(done, max(0.0, deadline - time.monotonic()))
            self._stopped = True
            left = [a for _, _, a in self._items] + [e[4] for e in sorted(self._later)]
            running = [a for _, _, a in self._taken]
            self._items.clear()
            self._later.clear()
            if self._waiting:
                self._ring()  # a thread asleep for work or for a later job ends
            self._ran.notify_all()
        return Stopped(left, running)

    # ---- the thread ----------------------------------------------------------------------------------

    def _watch(self, predicate: Callable[[], bool], timeout_s: float | None) -> bool:
        """Under the lock: wait on ``_ran`` until ``predicate`` holds or ``timeout_s`` passes."""
        self._watchers += 1
        try:
            return self._ran.wait_for(predicate, timeout_s)
        finally:
            self._watchers -= 1

    def _ring(self) -> None:
        """Under the lock, the thread asleep: wake it."""
        self._waiting = False
        self._bell.release()

    def _sleep(self, timeout_s: float) -> bool:
        """Under the lock, on the thread: sleep outside it until a put rings or ``timeout_s`` passes;
        whether it rang. A ring that came after a timeout leaves the bell open: taken here first, so that
        the bell is shut whenever ``_waiting`` is set and each sleep is rung at most once."""
        self._bell.acquire(False)
        self._waiting = True
        self._lock.release()
        try:
            rung = self._bell.acquire(True, max(0.0, timeout_s))
        finally:
            self._lock.acquire()
        if self._waiting:  # not rung: no put will release the bell for this sleep
            self._waiting = False
        return rung

    def _start(self) -> bool:
        """Under the lock: the thread, started; False when no thread can start (the interpreter shutting
        down)."""
        thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        try:
            thread.start()
        except RuntimeError as exc:
            log.error("%s: no thread to run a job: %s", self.name, exc)
            return False
        self._thread = thread
        return True

    def _run(self) -> None:
        describe = self._describe
        while True:
            with self._lock:
                batch = self._take()
                if batch is None:
                    return
            for put_s, fn, arg in batch:
                _local.put_s = put_s
                try:
                    fn(arg)
                except Exception:
                    self.failed += 1  # written on this thread only
                    log.exception("%s failed", describe(arg))
            _local.put_s = None
            with self._lock:
                self._done += len(batch)
                self._taken = []
                if self._watchers:
                    self._ran.notify_all()

    def _take(self) -> list[tuple[float, Callable[[T], object], T]] | None:
        """Under the lock: the next batch, waiting for one; None when the thread is to end (stopped, or
        nothing came within ``linger_s``)."""
        while not self._stopped:
            later = self._later
            while later and later[0][0] <= time.monotonic():
                _, _, put_s, fn, arg = heapq.heappop(later)
                self._items.append((put_s, fn, arg))
            items = self._items
            if items:
                if not self._batch or len(items) <= self._batch:
                    self._taken = list(items)
                    items.clear()
                else:
                    self._taken = [items.popleft() for _ in range(self._batch)]
                return self._taken
            if later:
                self._sleep(later[0][0] - time.monotonic())
            else:
                rung = self.linger_s > 0 and self._sleep(self.linger_s)
                if not rung and not self._items and not self._later:
                    break
        self._thread = None  # under the lock: a put from now on starts a new thread
        if self._watchers:
            self._ran.notify_all()
        return None
