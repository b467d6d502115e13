"""The transcription workers: every call's segments decoded on one shared model, in the order schedule.py sets.

``StreamingTranscriber`` owns the worker threads. Each takes the next job from the
:class:`Schedule` under one condition variable, decodes it with the :class:`Transcriber`
(transcriber.py) outside it, hands the result to the job's callback on the worker thread,
and counts it; metrics() gives the Prometheus series (histograms: metrics.py).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any

from agentassist import cpu
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
    Shed,
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
        final_batch: int | None = None,
        revise_due_s: float | None = None,
        partial_batch: int | None = None,
    ) -> None:
        """``revise_max_wait_s`` None: revisions are never dropped for waiting (offline files, benchmarks).
        ``final_batch``: at most this many queued finals decoded in one batch; None: the transcriber's
        ``options.final_batch`` (1, one at a time, for a transcriber without options); ``partial_batch``
        the same for partials. ``revise_due_s``: a revision that waited this long goes before partials;
        None: the transcriber's (0: never)."""
        self._transcriber = transcriber
        self.workers = workers or transcriber.workers
        options = getattr(transcriber, "options", None)
        self.final_batch: int = final_batch or (options.final_batch if options is not None else 1)
        self.partial_batch: int = partial_batch or (options.partial_batch if options is not None else 1)
        self.batches = 0  # decodes of more than one final at once
        self.partial_batches = 0  # decodes of more than one partial at once
        due_s = revise_due_s if revise_due_s is not None else (options.revise_due_s if options is not None else 0.0)
        self.schedule = Schedule(
            partial_max_wait_s=partial_max_wait_s,
            revise_max_wait_s=revise_max_wait_s,
            revise_hold_s=revise_hold_s,
            revise_due_s=due_s or None,
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
        with cpu.decoding():
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
            "agentassist_transcription_final_batches_total": float(self.batches),  # decodes of several finals
            "agentassist_transcription_partial_batches_total": float(self.partial_batches),
            **{
                f'agentassist_transcription_shed_total{{kind="{s.value[0]}",reason="{s.value[1]}"}}': float(q.shed[s])
                for s in Shed
            },
        }
        for call, lag in lags.items():
            out[f'agentassist_transcription_lag_seconds{{call="{call}"}}'] = lag
        out.update(self.final_latency.series("agentassist_final_latency_seconds"))
        out.update(self.first_partial_latency.series("agentassist_first_partial_latency_seconds"))
        out.update(self.queue_wait.series("agentassist_final_queue_wait_seconds"))
        return out

    def _next(self) -> list[Job]:
        """The next job to run, with the jobs of its kind queued behind it that may share its batch (finals
        with a final, partials with a partial); an empty list: the transcriber closed."""
        with self._cv:
            while True:
                now = time.monotonic()
                got = self.schedule.pop(now)
                if isinstance(got, Job):
                    most = {JobKind.FINAL: self.final_batch, JobKind.PARTIAL: self.partial_batch}.get(got.kind, 1)
                    if most < 2 or not self._batchable(got, got):
                        return [got]
                    fits = functools.partial(self._batchable, got)
                    return [got, *self.schedule.pop_more(now, got, most - 1, fits)]
                if self.schedule.stopped:
                    return []
                if self.schedule.idle and self.schedule.idle_waiters:
                    # pop dropped the last queued revisions (they waited too long): the schedule became idle
                    # here, not in a finish, and nothing else would wake wait_idle
                    self._cv.notify_all()
                self._cv.wait(got)

    def _batchable(self, first: Job, job: Job) -> bool:
        t = self._transcriber
        language = job.language or t.language
        return (
            language is not None
            and language == (first.language or t.language)
            and job.prompt == first.prompt  # CTranslate2 batches prompts of one length only
            # greedy (partials always are): a batch gives each the same tokens
            and (job.kind is JobKind.PARTIAL or (job.beam_size or t.options.beam_size) == 1)
            and t.batchable(job.segment)
        )

    def _work(self) -> None:
        while jobs := self._next():
            if len(jobs) > 1:
                self._run_batch(jobs)
            else:
                self._run(jobs[0])

    def _run_batch(self, jobs: list[Job]) -> None:
        """Finals (or partials) of several calls in one decode; if the batch fails, each is decoded alone."""
        partial = jobs[0].kind is JobKind.PARTIAL  # a hypothesis soon replaced: no word times
        if not partial:
            for job in jobs:
                self.queue_wait.observe((job.started or 0.0) - job.submitted)
            self._warn_if_behind((jobs[0].started or 0.0) - jobs[0].submitted)  # the oldest: they run oldest first
        started = time.monotonic()
        try:
            utterances = self._transcriber.transcribe_batch(
                [j.segment for j in jobs],
                language=jobs[0].language or self._transcriber.language or "en",
                prompts=[j.prompt for j in jobs],
                beam_size=1,
                words=not partial,
                final=not partial,
            )
        except Exception:
            log.exception("a batch of %d %ss failed: decoding them one at a time", len(jobs), jobs[0].kind.name.lower())
            for job in jobs:
                self._run(job, observed=True)
            return
        with self._cv:
            if partial:
                self.partial_batches += 1
            else:
                self.batches += 1
        elapsed = (time.monotonic() - started) / len(jobs)
        for job, utterance in zip(jobs, utterances, strict=True):
            self._finish(job, utterance, elapsed)

    def _run(self, job: Job, *, observed: bool = False) -> None:
        seg = job.segment
        audio_s = seg.end_s - seg.start_s
        waited = (job.started or 0.0) - job.submitted
        if job.kind is JobKind.FINAL and not observed:
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
        self._finish(job, utterance, time.monotonic() - (job.started or 0.0))

    def _finish(self, job: Job, utterance: Utterance | None, elapsed: float) -> None:
        """Hand ``utterance`` to the job's callback and count the decode (``elapsed`` seconds of it)."""
        seg = job.segment
        try:
            job.done(job, utterance)
        except Exception:
            log.exception("call %s: utterance callback failed", seg.call_id)
        with self._cv:
            self.schedule.finished(job)
            self.completed += 1
            self.decoded[job.kind.name.lower()] += 1
            self.busy_s += elapsed
            self.busy_audio_s += seg.end_s - seg.start_s
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
