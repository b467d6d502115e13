"""One shared faster-whisper model and the scheduler that runs every call's segments on it.

``Transcriber.transcribe`` turns a :class:`SpeechSegment` into an :class:`Utterance`
(or None when Whisper hears no speech in it). Segments up to 30 s go through
:class:`ShortDecoder` (no padding to 30 s); longer audio, as in offline files, and
the revisions of whole turns go through faster-whisper's own long-form path
(``transcribe_long``).

``StreamingTranscriber`` owns the worker threads and one priority queue for all
calls: finals first, then speculative finals, then partials, then revisions, oldest
first within a kind. Only the newest queued partial of a channel is kept, a partial
that waited too long is dropped (both counted), finals are never dropped. A revision
starts only when nothing more urgent waits, no other revision runs (a worker stays
free for finals) and nobody is speaking on any channel (their partials would share
the cores with it), unless it has waited ``revise_hold_s``; one that waited too long
is dropped and counted.
"""

from __future__ import annotations

import collections
import enum
import heapq
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.frames import pcm_to_float
from agentassist.events import SpeechSegment, Utterance, Word
from agentassist.transcribe.decoder import MAX_S, Decoded, DecodedWord, ShortDecoder, glue_words
from agentassist.transcribe.models import MODELS, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    model: str = "tiny.en"
    language: str = "auto"
    compute_type: str = "int8"
    beam_size: int = 1
    workers: int = 0  # 0: one per core
    cpu_threads: int = 0  # threads inside one decode; 0: one per core
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    initial_prompt: str | None = None
    floor_s: float = 10.0  # segments are padded to this much audio, not to 30 s (see decoder.py)

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError(f"beam_size: expected >= 1, got {self.beam_size}")
        if self.workers < 0:
            raise ValueError(f"workers: expected >= 0, got {self.workers}")
        if self.cpu_threads < 0:
            raise ValueError(f"cpu_threads: expected >= 0, got {self.cpu_threads}")
        if not 1.0 <= self.floor_s <= MAX_S:
            raise ValueError(f"floor_s: expected 1..{MAX_S:.0f} seconds, got {self.floor_s}")


class Transcriber:
    """Loads the model once; ``transcribe`` may be called from several threads at once."""

    def __init__(self, options: TranscriberOptions, models_dir: Path | None = None) -> None:
        from faster_whisper import WhisperModel  # heavy: imported when a model is really loaded

        self.options = options
        self.workers = options.workers or os.cpu_count() or 1
        directory = resolve(options.model, models_dir)
        started = time.monotonic()
        self._model = WhisperModel(
            str(directory),
            device="cpu",
            compute_type=options.compute_type,
            # by default every core per decode: one call's latency is what the agent feels
            cpu_threads=options.cpu_threads or os.cpu_count() or 1,
            num_workers=self.workers,
            local_files_only=True,
        )
        spec = MODELS.get(options.model)
        self.multilingual = spec.multilingual if spec else bool(self._model.model.is_multilingual)
        lang = options.language
        self.language: str | None = None if lang in ("", "auto") else lang
        if not self.multilingual:
            if self.language not in (None, "en"):
                log.warning("model %s is English-only; language %r ignored", options.model, lang)
            self.language = "en"
        self._decoder = ShortDecoder(self._model, floor_s=options.floor_s, multilingual=self.multilingual)
        log.info("model %s loaded from %s in %.1f s", options.model, directory, time.monotonic() - started)

    def transcribe_audio(
        self, audio: np.ndarray[Any, Any], *, beam_size: int | None = None, language: str | None = None
    ) -> tuple[list[Any], Any]:
        """Long-form transcription of a whole buffer (float32 16 kHz) by faster-whisper, temperature 0 only
        (its sampling fallback makes runs irreproducible); returns its segments and info."""
        o = self.options
        segments, info = self._model.transcribe(
            audio,
            language=language or self.language,
            beam_size=beam_size or o.beam_size,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            temperature=0.0,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            initial_prompt=o.initial_prompt,
        )
        return list(segments), info  # the generator does the decoding: consume it here

    def transcribe(
        self,
        segment: SpeechSegment,
        *,
        language: str | None = None,
        prompt: str | None = None,
        words: bool = True,
        beam_size: int | None = None,
    ) -> Utterance | None:
        """One segment to an utterance; None when there is no speech in it or Whisper invented it.

        ``language`` overrides the configured one (a channel's detected language); ``prompt`` is
        prepended to the configured initial prompt (hotwords of the active script)."""
        audio = _audio(segment)
        o = self.options
        full_prompt = " ".join(p for p in (o.initial_prompt, prompt) if p) or None
        if audio.size > MAX_S * 16000:
            return self.transcribe_long(segment, language=language)
        d = self._decoder.decode(
            audio,
            language=language or self.language,
            prompt=full_prompt,
            beam_size=beam_size or o.beam_size,
            words=words,
        )
        if _invented(d, o):
            return None
        ws = tuple(Word(segment.start_s + w.start_s, segment.start_s + w.end_s, w.text, w.probability) for w in d.words)
        confidence = float(np.mean([w.probability for w in ws])) if ws else float(np.exp(d.avg_logprob))
        # text cut off after the audio (d.truncated) leaves a plausible rest: only the scores decide
        reliable = (
            d.avg_logprob >= o.log_prob_threshold
            and confidence >= RELIABLE_MIN_CONFIDENCE
            and d.compression_ratio <= o.compression_ratio_threshold
        )
        return Utterance(
            id=segment.utterance_id or uuid.uuid4().hex[:12],
            call_id=segment.call_id,
            channel=segment.channel,
            start_s=ws[0].start_s if ws else segment.start_s,
            end_s=ws[-1].end_s if ws else segment.end_s,
            text=d.text,
            final=segment.reason not in ("partial", "speculative"),
            words=ws,
            language=d.language,
            confidence=confidence,
            no_speech_prob=d.no_speech_prob,
            reliable=reliable,
        )

    def detect_language(self, segment: SpeechSegment) -> tuple[str, float]:
        encoded, _ = self._decoder.encode(pcm_to_float(segment.pcm))
        return self._decoder.detect_language(encoded)

    def transcribe_long(
        self, segment: SpeechSegment, *, language: str | None = None, beam_size: int | None = None
    ) -> Utterance | None:
        """A segment of any length through faster-whisper's own path (padded to 30 s windows), as offline
        files are: pieces that fail Whisper's guards are left out; None when no speech is left."""
        pieces, info = self.transcribe_audio(_audio(segment), beam_size=beam_size, language=language)
        kept = [p for p in pieces if not _unreliable(p, self.options)]
        text = " ".join(p.text.strip() for p in kept).strip()
        if not any(ch.isalnum() for ch in text):
            return None
        raw = (DecodedWord(w.start, w.end, w.word, float(w.probability)) for p in kept for w in (p.words or []))
        glued = glue_words(raw)
        ws = tuple(Word(segment.start_s + w.start_s, segment.start_s + w.end_s, w.text, w.probability) for w in glued)
        return Utterance(
            id=segment.utterance_id or uuid.uuid4().hex[:12],
            call_id=segment.call_id,
            channel=segment.channel,
            start_s=ws[0].start_s if ws else segment.start_s,
            end_s=ws[-1].end_s if ws else segment.end_s,
            text=text,
            final=segment.reason not in ("partial", "speculative"),
            words=ws,
            language=info.language or "",
            confidence=float(np.mean([w.probability for w in ws])) if ws else 0.0,
            no_speech_prob=max((p.no_speech_prob for p in kept), default=0.0),
        )


PAUSE_TAIL_S = 0.3  # silence after speech cut at a short pause (``pause_tail``: set by the segmenter), when decoded


def _audio(segment: SpeechSegment) -> np.ndarray[Any, Any]:
    """The segment as 16 kHz float samples. Speech taken at a short pause ends abruptly, and Whisper
    then went on with the segment's first sentence again ("visit www.asterisk.askrisk is an open
    source ..." in demo-moreinfo): 0.3 s of silence after it ends the sentence as a real pause does.
    A speculative segment of long speech gets it too (``pause_tail``): it may become the final of a cut
    at that pause. Short ones do not: with it, a DTMF burst came out as "Beep beep"."""
    audio = pcm_to_float(segment.pcm)
    if segment.sample_rate_hz != 16000:
        from agentassist.audio.frames import resample

        audio = resample(audio, segment.sample_rate_hz, 16000)
    if segment.pause_tail:
        audio = np.concatenate([audio, np.zeros(int(PAUSE_TAIL_S * 16000), audio.dtype)])
    return audio


def _invented(d: Decoded, o: TranscriberOptions) -> bool:
    """Whisper's own guards: silence judged as speech, loops, and text without a letter or digit."""
    if not any(ch.isalnum() for ch in d.text):
        return True  # "." or "..." from tones and noise is not speech
    # the mean word probability, once; no words (no alignment asked for): no verdict from them
    word_prob = float(np.mean([w.probability for w in d.words])) if d.words else 1.0
    unsure = d.avg_logprob < o.log_prob_threshold
    if d.no_speech_prob > o.no_speech_threshold and (unsure or word_prob < NO_SPEECH_MIN_WORD_PROB):
        return True  # Whisper thinks there is no speech: believe it unless it is sure of the words
    # unsure of the words and half-thinking there is no speech (or very unsure), and it looped, ran past
    # the audio or has no word it believes: noise read as speech. Misheard real words ("Pig!" for
    # "tick": no_speech 0.11, log-probability -1.04) stay, flagged unreliable.
    doubtful = d.no_speech_prob > UNSURE_NO_SPEECH or d.avg_logprob < UNSURE_LOGPROB
    if unsure and doubtful and (d.truncated or word_prob < UNSURE_WORD_PROB):
        return True
    # very compressible text is a loop when Whisper is also unsure of it; sure of it, it is a
    # repetitive prompt ("press 1 for ..., press 2 for ...", more compressible in 2-byte Cyrillic)
    return d.compression_ratio > o.compression_ratio_threshold and unsure


NO_SPEECH_MIN_WORD_PROB = 0.5
RELIABLE_MIN_CONFIDENCE = 0.3  # mean word probability under which an utterance is flagged unreliable
UNSURE_WORD_PROB = 0.3  # mean word probability under which unsure text is dropped ...
UNSURE_NO_SPEECH = 0.3  # ... when Whisper also gives this chance to "no speech" ...
UNSURE_LOGPROB = -1.5  # ... or is this unsure of the whole text


def _unreliable(piece: Any, o: TranscriberOptions) -> bool:
    if piece.no_speech_prob > o.no_speech_threshold and piece.avg_logprob < o.log_prob_threshold:
        return True
    return bool(piece.compression_ratio > o.compression_ratio_threshold)


class JobKind(enum.IntEnum):
    """Scheduling classes, most urgent first."""

    FINAL = 0
    SPECULATIVE = 1  # the audio of an utterance that has probably ended: likely to become its final
    PARTIAL = 2
    REVISE = 3  # a closed turn decoded again as offline files are: only when nothing else waits


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


class Histogram:
    """Cumulative buckets, Prometheus style (``le`` upper bounds)."""

    BOUNDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BOUNDS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.BOUNDS):
            if value <= bound:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += value
        self.n += 1

    def series(self, name: str) -> dict[str, float]:
        out: dict[str, float] = {}
        running = 0
        for bound, count in zip((*self.BOUNDS, float("inf")), self.counts, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            out[f'{name}_bucket{{le="{le}"}}'] = float(running)
        out[f"{name}_sum"] = self.total
        out[f"{name}_count"] = float(self.n)
        return out


PARTIAL_MAX_WAIT_S = 1.0  # a partial older than this is stale: dropped rather than decoded
BEHIND_WARN_S = 2.0  # a final that waited this long in the queue means transcription is behind
REVISE_MAX_WAIT_S = 30.0  # a revision that could not start within this is dropped: the live text stays
REVISE_HOLD_S = 10.0  # a revision waits this long at most for a moment when nobody speaks


class StreamingTranscriber:
    """Schedules segments of all calls on one pool; results go to each job's callback on a worker thread."""

    def __init__(
        self,
        transcriber: Transcriber,
        workers: int | None = None,
        *,
        revise_max_wait_s: float | None = REVISE_MAX_WAIT_S,
        revise_hold_s: float = REVISE_HOLD_S,
    ) -> None:
        """``revise_max_wait_s`` None: revisions are never dropped for waiting (offline files, benchmarks)."""
        self._transcriber = transcriber
        self.revise_max_wait_s = revise_max_wait_s
        self.revise_hold_s = revise_hold_s
        self._speaking: set[tuple[str, str]] = set()  # channels in speech now, (call id, channel)
        self._idle_waiters = 0  # callers of wait_idle(): no revision is held while they wait
        self.workers = workers or transcriber.workers
        self._heap: list[tuple[int, int, Job]] = []
        self._seq = itertools.count()
        self._queued_partial: dict[tuple[str, str], Job] = {}
        self._running: set[Job] = set()
        self._revising = 0  # revisions running: at most one
        self._revise_queue: collections.deque[Job] = collections.deque()  # queued revisions, oldest first
        self._cv = threading.Condition()
        self._closing = False
        self.completed = 0
        self.decoded = {kind.name.lower(): 0 for kind in JobKind}  # by the kind the job had when it ran
        self.busy_s = 0.0
        self.busy_audio_s = 0.0
        self.dropped_partials = 0  # dropped under load: replaced by a newer one while queued, or stale
        self.superseded_partials = 0  # no longer needed: their utterance ended
        self.dropped_revisions = 0  # waited too long, or still queued at close
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
            return len(self._queued()) + len(self._running)

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
            if self._closing:
                if kind is JobKind.REVISE:
                    self._cancel(job)
                    self.dropped_revisions += 1
                    return job
                raise RuntimeError("the transcriber is closed")
            if kind is JobKind.REVISE:
                self._revise_queue.append(job)
            if kind is JobKind.PARTIAL:
                old = self._queued_partial.get(job.key)
                if old is not None and not old.cancelled:
                    self._cancel(old)
                    self.dropped_partials += 1
                self._queued_partial[job.key] = job
            heapq.heappush(self._heap, (int(kind), next(self._seq), job))
            self._cv.notify()
        return job

    def speaking(self, key: tuple[str, str], on: bool) -> None:
        """A channel, ``(call id, channel)``, began (``on``) or ended speech: revisions wait for silence."""
        with self._cv:
            if on:
                self._speaking.add(key)
            else:
                self._speaking.discard(key)
                if not self._speaking:
                    self._cv.notify_all()

    def submit_partial(self, segment: SpeechSegment, done: Done, **kwargs: Any) -> Job:
        return self.submit(segment, done, kind=JobKind.PARTIAL, **kwargs)

    def promote(self, job: Job) -> None:
        """A speculative job becomes a final: it moves to the front class if it is still queued."""
        with self._cv:
            job.kind = JobKind.FINAL
            if job.started is None and not job.cancelled:
                heapq.heappush(self._heap, (int(JobKind.FINAL), next(self._seq), job))  # the old entry is skipped
                self._cv.notify()

    def cancel(self, job: Job) -> bool:
        """Withdraw a queued job (a partial whose utterance ended); False if it already started."""
        with self._cv:
            if job.started is not None or job.cancelled:
                return False
            self._cancel(job)
            self.superseded_partials += 1
            return True

    def _cancel(self, job: Job) -> None:
        job.cancelled = True
        if self._queued_partial.get(job.key) is job:
            del self._queued_partial[job.key]
        job.resolve(None)

    def _queued(self) -> list[Job]:
        """Jobs waiting to run. A promoted job's old entry (its kind no longer the job's) is skipped,
        as _next() skips it. Lock held."""
        return [j for kind, _, j in self._heap if not j.cancelled and j.started is None and kind == int(j.kind)]

    def lag_s(self) -> dict[str, float]:
        """Per call: how long its oldest unfinished final has waited (0 when none waits)."""
        now = time.monotonic()
        lags: dict[str, float] = {}
        with self._cv:
            jobs = self._queued() + list(self._running)
        for j in jobs:
            if j.kind is JobKind.FINAL:
                call = j.segment.call_id
                lags[call] = max(lags.get(call, 0.0), now - j.submitted)
        return lags

    def metrics(self) -> dict[str, float]:
        with self._cv:
            queued = self._queued()
            running = len(self._running)
        lags = self.lag_s()
        out = {
            "agentassist_transcription_pending": float(len(queued) + running),
            "agentassist_transcription_queue_finals": float(sum(1 for j in queued if j.kind is JobKind.FINAL)),
            "agentassist_transcription_queue_partials": float(sum(1 for j in queued if j.kind is JobKind.PARTIAL)),
            "agentassist_transcriptions_total": float(self.completed),
            **{f'agentassist_decodes_total{{kind="{k}"}}': float(v) for k, v in self.decoded.items()},
            "agentassist_transcription_busy_seconds_total": self.busy_s,
            "agentassist_transcription_audio_seconds_total": self.busy_audio_s,
            "agentassist_partials_dropped_total": float(self.dropped_partials),
            "agentassist_partials_superseded_total": float(self.superseded_partials),
            "agentassist_transcription_queue_revisions": float(sum(1 for j in queued if j.kind is JobKind.REVISE)),
            "agentassist_revisions_dropped_total": float(self.dropped_revisions),
            "agentassist_transcription_max_lag_seconds": max(lags.values(), default=0.0),
        }
        for call, lag in lags.items():
            out[f'agentassist_transcription_lag_seconds{{call="{call}"}}'] = lag
        out.update(self.final_latency.series("agentassist_final_latency_seconds"))
        out.update(self.first_partial_latency.series("agentassist_first_partial_latency_seconds"))
        out.update(self.queue_wait.series("agentassist_final_queue_wait_seconds"))
        return out

    def _expire_revisions(self) -> None:
        """Drop the revisions that waited too long wherever they are in the queue, and their entries (each
        holds a turn's audio). Under steady load the queue never empties, so they never reach its top: a
        25-minute soak of 4 calls kept them all, 4 MB a call. Lock held."""
        wait_s, queue = self.revise_max_wait_s, self._revise_queue
        now, expired = time.monotonic(), False
        while queue and (
            queue[0].started is not None
            or queue[0].cancelled
            or (wait_s is not None and now - queue[0].submitted > wait_s)
        ):
            job = queue.popleft()
            if job.started is None and not job.cancelled:
                self._cancel(job)
                self.dropped_revisions += 1
                expired = True
        if expired:
            self._heap = [entry for entry in self._heap if not entry[2].cancelled]
            heapq.heapify(self._heap)

    def _next(self) -> Job | None:
        with self._cv:
            while True:
                self._expire_revisions()
                wait_s: float | None = None
                while self._heap:
                    kind, _, job = self._heap[0]
                    if job.cancelled or job.started is not None or kind != int(job.kind):
                        heapq.heappop(self._heap)
                        continue  # withdrawn, or an entry left behind by promote()
                    now = time.monotonic()
                    if job.kind is JobKind.REVISE:  # at the top: nothing more urgent is queued (nor expired)
                        if self._revising:
                            break  # one revision at a time: the other workers stay free for finals
                        held_s = self.revise_hold_s - (now - job.submitted)
                        if self._speaking and held_s > 0 and not self._idle_waiters:
                            wait_s = held_s  # someone speaks: their partials get the cores first
                            break
                        self._revising += 1
                    heapq.heappop(self._heap)
                    if job.kind is JobKind.PARTIAL:
                        if self._queued_partial.get(job.key) is job:
                            del self._queued_partial[job.key]
                        if now - job.submitted > PARTIAL_MAX_WAIT_S:
                            job.cancelled = True
                            job.resolve(None)
                            self.dropped_partials += 1
                            continue
                    job.started = now
                    self._running.add(job)
                    return job
                if self._closing and not self._heap:
                    return None
                self._cv.wait(wait_s)

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
                    )
            except Exception:
                log.exception("call %s: transcription of %.1f s failed", seg.call_id, audio_s)
            elapsed = time.monotonic() - (job.started or 0.0)
            try:
                job.done(job, utterance)
            except Exception:
                log.exception("call %s: utterance callback failed", seg.call_id)
            with self._cv:
                self._running.discard(job)
                if job.kind is JobKind.REVISE:
                    self._revising -= 1
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
            self._idle_waiters += 1
            self._cv.notify_all()
            try:
                while self._running or self._queued():
                    self._cv.wait()
            finally:
                self._idle_waiters -= 1

    def close(self) -> None:
        """Finish every queued final and speculative job, drop queued partials and revisions (counted),
        stop the workers. Call :meth:`wait_idle` first to have the revisions too."""
        with self._cv:
            self._closing = True
            for job in self._queued():
                if job.kind is JobKind.PARTIAL:
                    self._cancel(job)
                elif job.kind is JobKind.REVISE:
                    self._cancel(job)
                    self.dropped_revisions += 1
            self._cv.notify_all()
        for t in self._threads:
            t.join()
