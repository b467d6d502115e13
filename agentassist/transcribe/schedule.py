"""Which decode runs next: the scheduling rules of the transcription stage, with no threads and no clock.

One queue for all calls: finals first, then speculative finals, then partials, then
revisions, oldest first within a kind (a worker may take several finals, or several partials, of
the front of the queue at once: ``pop_more``). Only the newest queued partial of a channel is
kept, a partial that waited too long is dropped (both counted), finals are never
dropped. A revision starts only when nothing more urgent waits, no other revision runs
(a worker stays free for finals) and nobody is speaking on any channel (their partials
would share the cores with it), unless it has waited ``revise_hold_s``; one that waited
too long is dropped and counted. With ``revise_due_s`` set, a revision that has waited that long
goes before the partials (finals still first): under steady load partials never leave the queue
empty, and without it every revision would wait out its 30 s and be dropped.

:class:`Schedule` holds exactly the jobs waiting to run: a job withdrawn, dropped or
promoted leaves no entry behind. The caller owns time (every verb that needs it takes
``now``) and the threads: engine.StreamingTranscriber wraps it in one lock and a condition.
"""

from __future__ import annotations

import collections
import enum
import heapq
import itertools
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from agentassist.events import SpeechSegment, Utterance

PARTIAL_MAX_WAIT_S = 1.0  # a partial older than this is stale: dropped rather than decoded
REVISE_MAX_WAIT_S = 30.0  # a revision that could not start within this is dropped: the live text stays
REVISE_HOLD_S = 10.0  # a revision waits this long at most for a moment when nobody speaks


class JobKind(enum.IntEnum):
    """Scheduling classes, most urgent first."""

    FINAL = 0
    SPECULATIVE = 1  # the audio of an utterance that has probably ended: likely to become its final
    PARTIAL = 2
    REVISE = 3  # a closed turn decoded again as offline files are: only when nothing else waits


class Shed(enum.Enum):
    """Work dropped under load, as /metrics labels it: (kind, reason)."""

    PARTIAL_REPLACED = ("partial", "replaced")  # a newer partial of its channel came while it waited
    PARTIAL_STALE = ("partial", "stale")  # it waited longer than partial_max_wait_s
    REVISION_WAITED = ("revision", "waited")  # it could not start within revise_max_wait_s
    REVISION_CLOSED = ("revision", "closed")  # queued when the transcriber closed


Done = Callable[["Job", Utterance | None], None]


@dataclass(eq=False)
class Job:
    kind: JobKind
    segment: SpeechSegment
    done: Done
    language: str | None = None
    prompt: str | None = None
    beam_size: int | None = None  # None: the transcriber's
    submitted: float = field(default_factory=time.monotonic)
    future: Future[Utterance | None] = field(default_factory=Future)
    cancelled: bool = False
    started: float | None = None
    seq: int = 0  # the submitter's own numbering

    @property
    def key(self) -> tuple[str, str]:
        return self.segment.call_id, self.segment.channel.value

    def resolve(self, utterance: Utterance | None) -> None:
        """The job is over (decoded, dropped or withdrawn): its future gets ``utterance`` and the job lets
        go of its callback, which closes over the submitter's state (that state holds the job: a cycle
        only the garbage collector's full pass would free, audio and all)."""
        self.done = _finished
        self.future.set_result(utterance)


def _finished(job: Job, utterance: Utterance | None) -> None:
    """The callback of a job that is over."""


class Schedule:
    """The queued and running jobs of every call. ``pop`` gives the next job to run, or how long to wait
    for one (None: until something is pushed, finishes or a channel falls silent)."""

    def __init__(
        self,
        *,
        partial_max_wait_s: float = PARTIAL_MAX_WAIT_S,
        revise_max_wait_s: float | None = REVISE_MAX_WAIT_S,
        revise_hold_s: float = REVISE_HOLD_S,
        revise_due_s: float | None = None,
    ) -> None:
        """``revise_max_wait_s`` None: revisions are never dropped for waiting (offline files, benchmarks).
        ``revise_due_s``: a revision that has waited this long goes before partials; None: after them."""
        self.partial_max_wait_s = partial_max_wait_s
        self.revise_due_s = revise_due_s
        self.revise_max_wait_s = revise_max_wait_s
        self.revise_hold_s = revise_hold_s
        self.speaking: set[tuple[str, str]] = set()  # channels in speech now, (call id, channel)
        self.idle_waiters = 0  # callers waiting for idle (offline use): no revision is held while they wait
        self.running: set[Job] = set()
        self.closing = False
        self._heap: list[tuple[int, int, Job]] = []  # exactly the queued jobs
        self._order = itertools.count()
        self._queued_partial: dict[tuple[str, str], Job] = {}
        self._revise_queue: collections.deque[Job] = collections.deque()  # oldest first; may hold finished ones
        self._revising = 0  # revisions running: at most one
        self.shed: collections.Counter[Shed] = collections.Counter()  # work dropped, by kind and reason
        self.superseded_partials = 0  # no longer needed: their utterance ended

    @property
    def dropped_partials(self) -> int:
        """Dropped under load: replaced by a newer one while queued, or stale."""
        return self.shed[Shed.PARTIAL_REPLACED] + self.shed[Shed.PARTIAL_STALE]

    @property
    def dropped_revisions(self) -> int:
        """Waited too long, or queued at close."""
        return self.shed[Shed.REVISION_WAITED] + self.shed[Shed.REVISION_CLOSED]

    def queued(self) -> list[Job]:
        """The jobs waiting to run, in no particular order."""
        return [job for _, _, job in self._heap]

    @property
    def idle(self) -> bool:
        return not self._heap and not self.running

    @property
    def stopped(self) -> bool:
        """Closed and nothing left to run: the workers may go."""
        return self.closing and not self._heap

    def push(self, job: Job) -> None:
        """Queue a job. A partial replaces the queued partial of the same channel (counted as dropped); a
        revision after close is dropped (counted); anything else after close raises RuntimeError."""
        if self.closing:
            if job.kind is JobKind.REVISE:
                self._withdraw(job)
                self.shed[Shed.REVISION_CLOSED] += 1
                return
            raise RuntimeError("the transcriber is closed")
        if job.kind is JobKind.REVISE:
            self._revise_queue.append(job)
        if job.kind is JobKind.PARTIAL:
            old = self._queued_partial.get(job.key)
            if old is not None and not old.cancelled:
                self._withdraw(old)
                self.shed[Shed.PARTIAL_REPLACED] += 1
            self._queued_partial[job.key] = job
        heapq.heappush(self._heap, (int(job.kind), next(self._order), job))

    def promote(self, job: Job) -> None:
        """A speculative job becomes a final: it moves to the front class if it is still queued."""
        queued = job.started is None and not job.cancelled
        if queued:
            self._unqueue(job)
        job.kind = JobKind.FINAL
        if queued:
            heapq.heappush(self._heap, (int(JobKind.FINAL), next(self._order), job))

    def cancel(self, job: Job) -> bool:
        """Withdraw a queued job (a partial whose utterance ended); False if it already started or ended."""
        if job.started is not None or job.cancelled:
            return False
        self._withdraw(job)
        self.superseded_partials += 1
        return True

    def set_speaking(self, key: tuple[str, str], on: bool) -> None:
        """A channel, ``(call id, channel)``, began (``on``) or ended speech: revisions wait for silence."""
        if on:
            self.speaking.add(key)
        else:
            self.speaking.discard(key)

    def pop(self, now: float) -> Job | float | None:
        """The next job to run (it is running from ``now``), else the seconds until a held revision may
        start, else None: nothing can start before something changes."""
        self._expire_revisions(now)
        while self._heap:
            job = self._heap[0][2]
            if job.kind is JobKind.PARTIAL and (due := self._due_revision(now)) is not None:
                self._unqueue(due)  # past its due time: before the partials, after the finals
                self._revising += 1
                due.started = now
                self.running.add(due)
                return due
            if job.kind is JobKind.REVISE:  # at the top: nothing more urgent is queued (nor expired)
                if self._revising:
                    return None  # one revision at a time: the other workers stay free for finals
                held_s = self.revise_hold_s - (now - job.submitted)
                if self.speaking and held_s > 0 and not self.idle_waiters:
                    return held_s  # someone speaks: their partials get the cores first
                self._revising += 1
            heapq.heappop(self._heap)
            if job.kind is JobKind.PARTIAL and self._stale(job, now):
                continue
            job.started = now
            self.running.add(job)
            return job
        return None

    def pop_more(self, now: float, first: Job, n: int, fits: Callable[[Job], bool]) -> list[Job]:
        """Up to ``n`` more jobs of ``first``'s kind (a final or a partial just popped) to run from ``now`` in
        one batch with it: those at the front of the queue, oldest first, while ``fits`` accepts them (so
        nothing more urgent is passed over, and a job that does not fit waits for the next worker). A
        stale partial met on the way is dropped and counted, as ``pop`` drops it."""
        out: list[Job] = []
        while len(out) < n and self._heap:
            job = self._heap[0][2]
            if job.kind is not first.kind or job.kind not in (JobKind.FINAL, JobKind.PARTIAL) or not fits(job):
                break
            if job.kind is JobKind.PARTIAL and self._due_revision(now) is not None:
                break  # the next pop gives the revision that is due
            heapq.heappop(self._heap)
            if job.kind is JobKind.PARTIAL and self._stale(job, now):
                continue
            job.started = now
            self.running.add(job)
            out.append(job)
        return out

    def finished(self, job: Job) -> None:
        """A job that ``pop`` gave has run."""
        self.running.discard(job)
        if job.kind is JobKind.REVISE:
            self._revising -= 1

    def close(self) -> None:
        """From now on nothing new is taken: queued partials and revisions are dropped (revisions
        counted), queued finals and speculative jobs stay to be run."""
        self.closing = True
        for job in self.queued():
            if job.kind is JobKind.PARTIAL:
                self._withdraw(job)
            elif job.kind is JobKind.REVISE:
                self._withdraw(job)
                self.shed[Shed.REVISION_CLOSED] += 1

    def _stale(self, job: Job, now: float) -> bool:
        """A partial just taken off the heap: no longer its channel's queued one; dropped (counted) if it
        waited longer than ``partial_max_wait_s``."""
        if self._queued_partial.get(job.key) is job:
            del self._queued_partial[job.key]
        if now - job.submitted <= self.partial_max_wait_s:
            return False
        job.cancelled = True
        job.resolve(None)
        self.shed[Shed.PARTIAL_STALE] += 1
        return True

    def _withdraw(self, job: Job) -> None:
        job.cancelled = True
        self._unqueue(job)
        if self._queued_partial.get(job.key) is job:
            del self._queued_partial[job.key]
        job.resolve(None)

    def _unqueue(self, job: Job) -> None:
        """Take ``job``'s entry out of the heap, if it has one (a few dozen entries at most: a scan)."""
        for i, entry in enumerate(self._heap):
            if entry[2] is job:
                last = self._heap.pop()
                if i < len(self._heap):
                    self._heap[i] = last
                    heapq.heapify(self._heap)
                return

    def _due_revision(self, now: float) -> Job | None:
        """The oldest queued revision if it has waited ``revise_due_s`` and none runs (one at a time)."""
        if self.revise_due_s is None or self._revising:
            return None
        job = next((j for j in self._revise_queue if j.started is None and not j.cancelled), None)
        return job if job is not None and now - job.submitted >= self.revise_due_s else None

    def _expire_revisions(self, now: float) -> None:
        """Drop the revisions that waited too long wherever they are in the queue, and their entries (each
        holds a turn's audio). Under steady load the queue never empties, so they never reach its top: a
        25-minute soak of 4 calls kept them all, 4 MB a call."""
        wait_s, queue = self.revise_max_wait_s, self._revise_queue
        while queue and (
            queue[0].started is not None
            or queue[0].cancelled
            or (wait_s is not None and now - queue[0].submitted > wait_s)
        ):
            job = queue.popleft()
            if job.started is None and not job.cancelled:
                self._withdraw(job)
                self.shed[Shed.REVISION_WAITED] += 1
