"""The media thread: every call's queued frames taken once a tick by one thread.

A call's audio used to be handed to a thread of its own, blocked on its queue: every 20 ms frame of every
call woke that thread, and the thread that put the frame (a center's event loop, a desk's media thread)
paid for the wakeup, about 100 µs of wall time a frame with the kernel's switch and the GIL handed to and
fro (benchmarks/RESULTS.md, "What the center's threads spend their time on, per frame"); a put that wakes
nobody costs the event loop 1.5 µs (session 18's profile at 16 calls). Here one thread
wakes every ``tick_s`` and gives each call a turn: the call takes what its queue holds and runs it
through its pipeline (recording, segmenting, decodes submitted), as benchmarks.load's feeder pushes every
call's frames once a tick. A put into a queue no thread waits on wakes nothing.

One thread is enough: a turn is Python under the GIL, which a second media thread would only contend for,
and the heavy work (decoding) runs in the transcriber's workers. A call's start and its close (the last
decodes awaited, the recording converted, the database's last writes) stay on the call's own thread, which
sleeps in between: a slow close holds up no other call's audio.

The thread is an :class:`~agentassist.ordered.OrderedWorker` whose one job is the tick loop, queued by the
first call: it starts with its first call and ends when the last has left. The loop sleeps between ticks
in ``time.sleep`` rather than in the worker's wakeable wait for a later job (each tick a job put for the
next: 6-9 µs more CPU for each of the 100 wakeups a second on this machine, benchmarks.ordered's media
rounds): nothing but the loop ever runs on this worker, so nothing needs to wake it. At shutdown
:meth:`MediaThread.stop` waits for the calls still on it to leave by a deadline; a call still there then
(its queue holds more than the time left) is told it lost its turns, and ends without them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from agentassist.errors import AgentassistError
from agentassist.ordered import OrderedWorker

log = logging.getLogger(__name__)

TICK_S = 0.01  # a frame waits for its turn 5 ms on average; 100 wakeups a second for all the calls together
_WARN_EVERY_S = 60.0  # falling behind is logged at most this often
_STOP_TICK_S = 0.5  # a stop waits this long for the tick running at its deadline


class MediaMember(Protocol):
    """A call that takes a turn every tick (:class:`~agentassist.pipeline.session.CallSession`)."""

    call_id: str

    def media_turn(self, now: float) -> bool:
        """Take what came and run it; False once the call's input has ended (it leaves the thread)."""
        ...

    def media_lost(self, exc: Exception) -> None:
        """The turn raised: the call leaves the thread and must end without it."""
        ...


class MediaThread:
    """One thread giving every member call a turn each ``tick_s`` (module docstring)."""

    def __init__(self, name: str = "media", tick_s: float = TICK_S) -> None:
        self.name = name
        self.tick_s = tick_s
        self._lock = threading.Lock()
        self._members: list[MediaMember] = []
        self._looping = False  # the tick loop is queued or running on the worker
        self._worker: OrderedWorker[None] = OrderedWorker(name, describe=lambda _: f"the tick loop of {name}")
        self.ticks = 0  # turns of the loop, all calls together: the thread's wakeups
        self.late_ticks = 0  # ticks that began a whole tick late: the calls' turns took longer than a tick
        self._warned_at = -_WARN_EVERY_S

    def add(self, member: MediaMember) -> bool:
        """``member`` takes a turn from the next tick on; the thread starts if it is not running. False:
        the thread is stopped (the process is stopping), the member gets no turn."""
        with self._lock:
            if self._worker.stopped:
                return False
            self._members.append(member)
            if self._looping:
                return True
            self._looping = True
        if self._worker.put(self._loop, None):
            return True
        with self._lock:  # stopped meanwhile, or no thread to be had
            self._members.remove(member)
            self._looping = False
        return False

    def __len__(self) -> int:
        with self._lock:
            return len(self._members)

    def stop(self, deadline: float) -> list[MediaMember]:
        """Give the members still here their turns until they leave or ``deadline`` (``time.monotonic()``)
        passes, then end the thread; those left are told they lost their turns (``media_lost``) and
        returned."""
        self._worker.stop(deadline)  # the loop runs while members stay: it is waited for until the deadline
        if not self._worker.wait_idle(_STOP_TICK_S):  # a member's turn and its close must not overlap
            log.error(
                "%s: a tick still running %.1f s after the stop: its calls are left as they are",
                self.name,
                _STOP_TICK_S,
            )
            return []
        with self._lock:
            left, self._members = self._members, []
        for member in left:
            log.error("call %s: still on the media thread as the server stops: its input ends here", member.call_id)
            member.media_lost(AgentassistError("the server stopped before the call's input ended"))
        return left

    def _loop(self, _: None) -> None:
        """The worker's one job: the ticks, until the last member has left or the worker stops."""
        try:
            self._ticks()
        finally:  # queued again when calls remain: a call added as the loop ended, or a bug in the loop
            with self._lock:
                again = bool(self._members) and not self._worker.stopped
                self._looping = again
            if again and not self._worker.put(self._loop, None):
                with self._lock:
                    self._looping = False

    def _ticks(self) -> None:
        next_at = time.monotonic()
        while True:
            with self._lock:
                if not self._members or self._worker.stopped:
                    return
                members = list(self._members)
            self.ticks += 1
            now = time.monotonic()
            left = [m for m in members if not self._turn(m, now)]
            if left:
                with self._lock:
                    self._members = [m for m in self._members if m not in left]
            next_at += self.tick_s
            wait = next_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -self.tick_s:  # behind by more than a tick: start afresh rather than run ticks back to back
                self.late_ticks += 1
                next_at = time.monotonic()
                if next_at - self._warned_at >= _WARN_EVERY_S:
                    self._warned_at = next_at
                    log.warning(
                        "media thread behind real time: a tick of %d calls took %.0f ms (%d late ticks so far)",
                        len(members),
                        (self.tick_s - wait) * 1000,
                        self.late_ticks,
                    )

    @staticmethod
    def _turn(member: MediaMember, now: float) -> bool:
        """The member's turn; False when it leaves. A member's failure is its own: the others go on."""
        try:
            return member.media_turn(now)
        except Exception as exc:
            log.exception("call %s: its media turn failed; the call ends", member.call_id)
            member.media_lost(exc)
            return False
