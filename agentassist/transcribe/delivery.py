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
is Python under the GIL, which more threads would only contend for. The thread is an
:class:`~agentassist.ordered.OrderedWorker`: it starts with the first item and ends after ``linger_s``
with nothing to do. A consumer that raises is logged and counted, and the next item runs.
:meth:`Delivery.flush` waits for every item put before it: a call's close has its last finals stored and
masked before it silences the recording and ends the call. :meth:`Delivery.stop` is the process's last
word: what the closes gave up waiting for is delivered by its deadline, and what is left then is logged.

The queue is not bounded: every item is a decoded result that must not be lost, and its producers, the
decode workers, are bounded by the schedule; ``pending`` says how far behind the thread is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from agentassist.events import Utterance
from agentassist.ordered import OrderedWorker, queued_at

log = logging.getLogger(__name__)

LINGER_S = 1.0  # the thread waits this long for more work before it ends

# When the result being delivered on this thread was handed over by its stream (``time.monotonic()``);
# now, on any other thread (a consumer called directly). The worker keeps the time of every put.
handed_at = queued_at


def _delivering(utterance: Utterance) -> str:
    return f"call {utterance.call_id} {utterance.channel.value}: delivering an utterance"


class Delivery:
    """One thread running ``emit(utterance)`` for every item put, in the order they were put."""

    def __init__(self, name: str = "deliver", linger_s: float = LINGER_S) -> None:
        self._worker: OrderedWorker[Utterance] = OrderedWorker(name, linger_s=linger_s, describe=_delivering)

    @property
    def name(self) -> str:
        return self._worker.name

    @property
    def pending(self) -> int:
        """Items put and not yet run."""
        return self._worker.pending

    @property
    def failed(self) -> int:
        """Consumers that raised."""
        return self._worker.failed

    def put(self, emit: Callable[[Utterance], None], utterance: Utterance) -> None:
        """Have ``emit(utterance)`` run on the delivery thread after everything put before; never waits for
        a consumer. After :meth:`stop` the utterance is not delivered: said in the log."""
        if not self._worker.put(emit, utterance):
            log.error(
                "call %s %s: an utterance (%s) not delivered: the delivery has stopped",
                utterance.call_id,
                utterance.channel.value,
                utterance.id,
            )

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every item put before this call has run; False if ``timeout_s`` passed first. On the
        delivery thread itself (a consumer) nothing can run meanwhile: it says whether all had, at once."""
        return self._worker.flush(timeout_s)

    def stop(self, deadline: float) -> list[Utterance]:
        """Deliver what was put before ``deadline`` (``time.monotonic()``) allows, then take no more; returns
        (and logs, by call) the utterances left undelivered."""
        stopped = self._worker.stop(deadline)
        calls: dict[str, int] = {}
        for u in stopped.left:
            calls[u.call_id] = calls.get(u.call_id, 0) + 1
        for call_id, n in calls.items():
            log.error("call %s: %d utterance(s) not delivered: the server stopped first", call_id, n)
        return stopped.left
