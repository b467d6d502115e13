"""Results handed to their consumer off the decode workers: one thread, in the order they were made.

A channel stream's partials, finals and revisions used to reach their consumer on the decode worker that
made them, under the stream's lock. In a center the consumer is the call's records (card data masked,
the store's write, the script tracker, the bus): 4.5-7 ms of every final at 48 calls, against 0.1 ms in
benchmarks.load (benchmarks/RESULTS.md, "floor against load, decode by decode"), while the worker could
have taken the next decode and the media thread waited on the same lock to push that channel's next
frame. Now the stream decides what to emit under its lock, as before, and puts each emission here; one
thread runs them in the order they were put, so each channel's partials, finals and revisions (and the
two channels of a call) arrive in exactly the order the streams made them, and the worker goes back to
the queue at once.

One thread for every call of a process (the runtime owns it, as it owns the media thread): a delivery
is Python under the GIL, which more threads would only contend for. The thread starts with the first
item and ends after ``linger_s`` with nothing to do, so there is nothing to stop at shutdown. A consumer
that raises is logged and the next item runs. :meth:`Delivery.flush` waits for every item put before it:
a call's close has its last finals stored and masked before it silences the recording and ends the call.

The queue is not bounded: every item is a decoded result that must not be lost, and its producers, the
decode workers, are bounded by the schedule; ``pending`` says how far behind the thread is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from agentassist.events import Utterance

log = logging.getLogger(__name__)

LINGER_S = 1.0  # the thread waits this long for more work before it ends

_local = threading.local()  # on a delivery thread, while it runs an item: when that item was put


def handed_at() -> float:
    """When the result being delivered on this thread was handed over by its stream (``time.monotonic()``);
    now, on any other thread (a consumer called directly)."""
    put_s: float | None = getattr(_local, "put_s", None)
    return put_s if put_s is not None else time.monotonic()


class Delivery:
    """One thread running ``emit(utterance)`` for every item put, in the order they were put."""

    def __init__(self, name: str = "deliver", linger_s: float = LINGER_S) -> None:
        self.name = name
        self.linger_s = linger_s
        lock = threading.Lock()
        self._cv = threading.Condition(lock)  # the thread waits here for work
        self._flushed = threading.Condition(lock)  # and flushers here for items run
        self._items: deque[tuple[float, Callable[[Utterance], None], Utterance]] = deque()
        self._put = 0  # items put so far
        self._done = 0  # items run so far: always the first ones put
        self._thread: threading.Thread | None = None
        self._waiting = False  # the thread sleeps for work: a put wakes it
        self.failed = 0  # consumers that raised

    @property
    def pending(self) -> int:
        """Items put and not yet run."""
        with self._cv:
            return self._put - self._done

    def put(self, emit: Callable[[Utterance], None], utterance: Utterance) -> None:
        """Have ``emit(utterance)`` run on the delivery thread after everything put before; never waits for
        a consumer."""
        with self._cv:
            self._items.append((time.monotonic(), emit, utterance))
            self._put += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            elif self._waiting:
                self._cv.notify()

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every item put before this call has run; False if ``timeout_s`` passed first. On the
        delivery thread itself (a consumer) nothing can run meanwhile: it says whether all had, at once."""
        with self._cv:
            target = self._put
            if threading.current_thread() is self._thread:
                return self._done >= target
            return self._flushed.wait_for(lambda: self._done >= target, timeout_s)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._items:
                    self._waiting = True
                    woken = self._cv.wait(self.linger_s)
                    self._waiting = False
                    if not woken and not self._items:
                        self._thread = None  # under the lock: a put from now on starts a new thread
                        return
                batch = list(self._items)
                self._items.clear()
            for put_s, emit, utterance in batch:
                _local.put_s = put_s
                try:
                    emit(utterance)
                except Exception:
                    self.failed += 1
                    log.exception(
                        "call %s %s: delivering an utterance failed", utterance.call_id, utterance.channel.value
                    )
                finally:
                    _local.put_s = None
            with self._cv:
                self._done += len(batch)
                self._flushed.notify_all()
