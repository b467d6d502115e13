"""The transcription workers: every call's segments decoded on one shared model, in the order schedule.py sets.

``StreamingTranscriber`` owns the worker threads. Each takes the next job from the
:class:`Schedule` under one condition variable, decodes it with the :class:`Transcriber`
(transcriber.py) outside it, hands the result to the job's callback on the worker thread,
and counts it; metrics() gives the Prometheus series (histograms: metrics.py).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from agentassist.events import SpeechSegment, Utterance
from agentassist.transcribe.metrics import Histogram
from agentassist.transcribe.schedule import (
    PARTIAL_MAX_WAIT_S,
    REVISE_HOLD_S,
    REVISE_MAX_WAIT_S,
    Done,
    Job,
    JobKind,
    Schedule,
)
from agentassist.transcribe.transcriber import Transcriber, TranscriberOptions

__all__ = ["Job", "JobKind", "StreamingTranscriber", "Transcriber", "TranscriberOptions"]

log = logging.getLogger(__name__)

BEHIND_WARN_S = 2.0  # a final that waited this long in the queue means transcription is behind


class StreamingTranscriber:
    """Schedules segments of all calls on one pool; results go to each job's callback on a worker thread."""

    def __init__(
        self,
        transcriber: Transcriber,
        workers: int | None = None,
        *,
        revise_max_wait_s: float | None = REVISE_MAX_WAIT_S,
        revise_hold_s: float = REVISE_HOLD_S,
        partial_max_wait_s: float = PARTIAL_MAX_WAIT_S,
    ) -> None:
        """``revise_max_wait_s`` None: revisions are never dropped for waiting (offline files, benchmarks)."""
        self._transcriber = transcriber
        self.workers = workers or transcriber.workers
        self.schedule = Schedule(
            partial_max_wait_s=partial_max_wait_s, revise_max_wait_s=revise_max_wait_s, revise_hold_s=revise_hold_s
        )
        self._cv = threading.Condition()  # guards the schedule and the counters
        self.completed = 0
        self.decoded = {kind.name.lower(): 0 for kind in JobKind}  # by the kind the job had when it ran
        self.busy_s = 0.0
        self.busy_audio_s = 0.0
        self.final_latency = Histogram()  # last voiced frame to final utterance (set by ChannelStream)
        self.first_partial_latency = Histogram()  # speech start to first partial (set by ChannelStream)
        self.queue_wait = Histogram()  # finals: submitted to started
        self._last_behind_warning = 0.0
        self._threads = [
            threading.Thread(target=self._work, name=f"transcribe-{i}", daemon=True) for i in range(self.workers)
        ]
        for t in self._threads:
            t.start()

    @property
    def transcriber(self) -> Transcriber:
        return self._transcriber

    @property
    def pending(self) -> int:
        with self._cv:
            return len(self.schedule.queued()) + len(self.schedule.running)

    # the scheduler counts what it drops
    @property
    def dropped_partials(self) -> int:
        return self.schedule.dropped_partials

    @property
    def superseded_partials(self) -> int:
        return self.schedule.superseded_partials

    @property
    def dropped_revisions(self) -> int:
        return self.schedule.dropped_revisions

    def submit(
        self,
        segment: SpeechSegment,
        done: Done,
        *,
        kind: JobKind = JobKind.FINAL,
        language: str | None = None,
        prompt: str | None = None,
        beam_size: int | None = None,
    ) -> Job:
        """Queue a segment. A partial replaces the queued partial of the same channel (counted as dropped);
        a revision after close is dropped (counted)."""
        job = Job(kind, segment, done, language, prompt, beam_size)
        with self._cv:
            self.schedule.push(job)
            self._cv.notify()
        return job

    def speaking(self, key: tuple[str, str], on: bool) -> None:
        """A channel, ``(call id, channel)``, began (``on``) or ended speech: revisions wait for silence."""
        with self._cv:
            self.schedule.set_speaking(key, on)
            if not self.schedule.speaking:
                self._cv.notify_all()

    def submit_partial(self, segment: SpeechSegment, done: Done, **kwargs: Any) -> Job:
        return self.submit(segment, done, kind=JobKind.PARTIAL, **kwargs)

    def promote(self, job: Job) -> None:
        """A speculative job becomes a final: it moves to the front class if it is still queued."""
        with self._cv:
            self.schedule.promote(job)
            self._cv.notify()

    def cancel(self, job: Job) -> bool:
        """Withdraw a queued job (a partial whose utterance ended); False if it already started."""
        with self._cv:
            return self.schedule.cancel(job)

    def lag_s(self) -> dict[str, float]:
        """Per call: how long its oldest unfinished final has waited (0 when none waits)."""
        now = time.monotonic()
        lags: dict[str, float] = {}
        with self._cv:
            jobs = self.schedule.queued() + list(self.schedule.running)
        for j in jobs:
            if j.kind is JobKind.FINAL:
                call = j.segment.call_id
                lags[call] = max(lags.get(call, 0.0), now - j.submitted)
        return lags

    def metrics(self) -> dict[str, float]:
        with self._cv:
            queued = self.schedule.queued()
            running = len(self.schedule.running)
        lags = self.lag_s()
        q = self.schedule
        out = {
            "agentassist_transcription_pending": float(len(queued) + running),
            "agentassist_transcription_queue_finals": float(sum(1 for j in queued if j.kind is JobKind.FINAL)),
            "agentassist_transcription_queue_partials": float(sum(1 for j in queued if j.kind is JobKind.PARTIAL)),
            "agentassist_transcriptions_total": float(self.completed),
            **{f'agentassist_decodes_total{{kind="{k}"}}': float(v) for k, v in self.decoded.items()},
            "agentassist_transcription_busy_seconds_total": self.busy_s,
            "agentassist_transcription_audio_seconds_total": self.busy_audio_s,
            "agentassist_partials_dropped_total": float(q.dropped_partials),
            "agentassist_partials_superseded_total": float(q.superseded_partials),
            "agentassist_transcription_queue_revisions": float(sum(1 for j in queued if j.kind is JobKind.REVISE)),
            "agentassist_revisions_dropped_total": float(q.dropped_revisions),
            "agentassist_transcription_max_lag_seconds": max(lags.values(), default=0.0),
        }
        for call, lag in lags.items():
            out[f'agentassist_transcription_lag_seconds{{call="{call}"}}'] = lag
        out.update(self.final_latency.series("agentassist_final_latency_seconds"))
        out.update(self.first_partial_latency.series("agentassist_first_partial_latency_seconds"))
        out.update(self.queue_wait.series("agentassist_final_queue_wait_seconds"))
        return out

    def _next(self) -> Job | None:
        with self._cv:
            while True:
                got = self.schedule.pop(time.monotonic())
                if isinstance(got, Job):
                    return got
                if self.schedule.stopped:
                    return None
                self._cv.wait(got)

    def _work(self) -> None:
        while (job := self._next()) is not None:
            seg = job.segment
            audio_s = seg.end_s - seg.start_s
            waited = (job.started or 0.0) - job.submitted
            if job.kind is JobKind.FINAL:
                self.queue_wait.observe(waited)
                self._warn_if_behind(waited)
            utterance: Utterance | None = None
            try:
                if job.kind is JobKind.REVISE:
                    utterance = self._transcriber.transcribe_long(seg, language=job.language, beam_size=job.beam_size)
                else:
                    partial = job.kind is JobKind.PARTIAL  # a hypothesis soon replaced: greedy, no word times
                    utterance = self._transcriber.transcribe(
                        seg,
                        language=job.language,
                        prompt=job.prompt,
                        words=not partial,
                        beam_size=1 if partial else job.beam_size,
                        final=job.kind is JobKind.FINAL,  # a speculative job's result is a hypothesis
                    )
            except Exception:
                log.exception("call %s: transcription of %.1f s failed", seg.call_id, audio_s)
            elapsed = time.monotonic() - (job.started or 0.0)
            try:
                job.done(job, utterance)
            except Exception:
                log.exception("call %s: utterance callback failed", seg.call_id)
            with self._cv:
                self.schedule.finished(job)
                self.completed += 1
                self.decoded[job.kind.name.lower()] += 1
                self.busy_s += elapsed
                self.busy_audio_s += audio_s
                self._cv.notify_all()
            job.resolve(utterance)

    def _warn_if_behind(self, waited: float) -> None:
        now = time.monotonic()
        if waited >= BEHIND_WARN_S and now - self._last_behind_warning > 10.0:
            self._last_behind_warning = now
            log.warning(
                "transcription behind real time: a final waited %.1f s in the queue (%d jobs pending, %d workers)",
                waited,
                self.pending,
                self.workers,
            )

    def wait_idle(self) -> None:
        """Block until nothing is queued or running, revisions included (offline use: feed audio as fast
        as it is consumed). Meanwhile no revision is held for speech: the caller wants it all now."""
        with self._cv:
            self.schedule.idle_waiters += 1
            self._cv.notify_all()
            try:
                while not self.schedule.idle:
                    self._cv.wait()
            finally:
                self.schedule.idle_waiters -= 1

    def close(self, timeout_s: float | None = None) -> None:
        """Finish every queued final and speculative job, drop queued partials and revisions (counted),
        stop the workers. Call :meth:`wait_idle` first to have the revisions too. ``timeout_s``: wait no
        longer for the workers (a stopping process: a decode cannot be interrupted; the workers are daemons)."""
        with self._cv:
            self.schedule.close()
            self._cv.notify_all()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
