"""Live transcription of one channel: voice activity in, partial and final utterances out.

    frames --> Segmenter --cut--> final job -----------------------------> utterance.final
                  |  \\--short silence--> speculative job --(cut, nothing new said)--^
                  \\--every partial_every_s of speech--> partial job --> LocalAgreement-3 --> utterance.partial

The same class runs live calls (agentassist.pipeline), the benchmarks and
``agentassist transcribe FILE``, so what is measured is what runs.

ChannelStream only decides when to submit a job and routes each result: what a result
means is decided by the pure parts it holds. Partials are stabilised by LocalAgreement-3
(agreement.py): the words three hypotheses in a row agree on (from the start) become
stable and are never retracted, the final included. When speech pauses for
``speculative_silence_ms`` the audio so far is decoded at once (long speech with 0.3 s
of silence after it, as a cut at a short pause is); if the segment is then cut with
nothing voiced added, at the end of speech or at a pause of long speech, that result is
the final, so the final does not wait for a decode after the cut (drafts.py).

With ``revise`` on, the finals of a turn (one channel's utterances with pauses
shorter than ``revise_gap_s``) are decoded again once the turn closes, as offline
files are (30 s windows, beam search), at the lowest priority; an utterance whose
text changed is emitted again, same id, ``revised=True`` (agentassist.transcribe.revise).

Threads: ``push`` and ``finish`` run on the call's thread, the jobs' callbacks on the
transcription workers; both reach the drafts only under ``_lock``. With a
:class:`~agentassist.transcribe.delivery.Delivery`, ``emit`` runs on its thread, outside the lock and off
the worker, in the order the drafts made the utterances; without one, on the worker under the lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from agentassist.audio.segmenter import Segmenter, SegmenterOptions
from agentassist.events import Channel, SpeechSegment, Utterance
from agentassist.transcribe.delivery import Delivery
from agentassist.transcribe.drafts import Draft, Drafts, Revision, Step
from agentassist.transcribe.engine import Job, JobKind, StreamingTranscriber
from agentassist.transcribe.options import StreamOptions as StreamOptions

log = logging.getLogger(__name__)


class ChannelStream:
    """Segments and transcribes one channel of one call; ``emit`` gets every partial and final."""

    def __init__(
        self,
        call_id: str,
        channel: Channel,
        streaming: StreamingTranscriber,
        emit: Callable[[Utterance], None],
        *,
        segmenter_options: SegmenterOptions | None = None,
        options: StreamOptions | None = None,
        language: str | None = None,
        prompt: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        delivery: Delivery | None = None,
    ) -> None:
        """``delivery``: the thread that runs ``emit`` (None: the worker that made the utterance runs it,
        under the stream's lock)."""
        self.segmenter = Segmenter(call_id, channel, segmenter_options)
        self.options = options or StreamOptions()
        self._streaming = streaming
        self._emit = emit
        self._delivery = delivery
        self._clock = clock
        t = streaming.transcriber
        # the campaign's language, else the configured one, else detected by the first final and kept
        if language in ("", "auto"):
            language = None
        self.language = (language or t.language) if t.multilingual else "en"
        self.prompt = prompt
        self._lock = threading.Lock()  # held for every call into the drafts, and while doing what they ask
        self._drafts: Drafts[Job] = Drafts(
            turn_gap_s=self.options.revise_gap_s if self.options.revise else None,
            first_partial_latency=streaming.first_partial_latency,
            final_latency=streaming.final_latency,
        )
        self._seq = 0
        self._last_voiced_wall = 0.0
        self._last_partial_wall = 0.0
        self.futures: list[Future[Utterance | None]] = []
        self._speaking = False  # as last told to the scheduler
        self._revisions: list[Future[Utterance | None]] = []

    @property
    def in_speech(self) -> bool:
        return self.segmenter.in_speech

    @property
    def finals(self) -> int:
        return self._drafts.finals

    @property
    def partials(self) -> int:
        return self._drafts.partials

    @property
    def revised(self) -> int:
        """Utterances emitted again by a revision."""
        return self._drafts.revised

    def push(self, pcm: bytes) -> None:
        """One frame of audio (the segmenter's frame size)."""
        now = self._clock()
        seg = self.segmenter
        voiced_before = seg.voiced_frames
        for cut in seg.push(pcm):
            self._cut(cut, voiced_before)
        if seg.voiced:
            self._last_voiced_wall = now
        if seg.in_speech != self._speaking:
            self._speaking = seg.in_speech
            self._streaming.speaking((seg.call_id, seg.channel.value), seg.in_speech)
        with self._lock:
            if seg.in_speech:
                self._speech(now)
            else:
                self._do(self._drafts.pause(seg.time_s))

    def finish(self) -> None:
        """The channel ended: the speech in progress becomes a final."""
        voiced = self.segmenter.voiced_frames
        for cut in self.segmenter.finish():
            self._cut(cut, voiced)
        if self._speaking:
            self._speaking = False
            self._streaming.speaking((self.segmenter.call_id, self.segmenter.channel.value), False)
        with self._lock:
            self._do(self._drafts.finish())

    def delivered(self, timeout_s: float | None = None) -> bool:
        """Wait until every utterance emitted so far has been handed to ``emit`` (at once without a
        delivery thread); False if ``timeout_s`` passed first."""
        return self._delivery is None or self._delivery.flush(timeout_s)

    def revisions(self) -> list[Future[Utterance | None]]:
        """The revision jobs submitted so far (each done once its result was emitted, or dropped)."""
        with self._lock:
            return list(self._revisions)

    # ---- the call thread, lock held ----------------------------------------------------------------

    def _speech(self, now: float) -> None:
        """Speech goes on: a speculative decode at a short silence, else a partial when one is due."""
        seg, o, drafts = self.segmenter, self.options, self._drafts
        if drafts.speech(seg.utterance_id, start_wall=now - max(0.0, seg.speech_s - seg.options.pre_pad_ms / 1000)):
            self._last_partial_wall = now - o.partial_every_s + o.first_partial_after_s
        silence = seg.trailing_silence_ms
        if o.speculative_silence_ms and silence >= o.speculative_silence_ms and not drafts.speculating:
            segment = seg.speech_so_far(speculative=True)
            if segment is not None:
                job = self._submit(segment, JobKind.SPECULATIVE, self._on_speculative)
                drafts.speculate(job, seg.voiced_frames, segment.pause_tail)
        elif silence == 0 and drafts.speculating:
            drafts.speech_went_on()
        # a partial is due even in a short pause (the last words settle), unless a speculative decode runs
        if o.partials and not drafts.speculating and now - self._last_partial_wall >= o.partial_every_s:
            segment = seg.speech_so_far()
            if segment is not None:
                self._last_partial_wall = now
                drafts.partial_submitted(self._submit(segment, JobKind.PARTIAL, self._on_partial))

    def _cut(self, segment: SpeechSegment, voiced: int) -> None:
        with self._lock:
            step = self._drafts.cut(segment, voiced, self._clock(), self._last_voiced_wall)
            self._do(step)
            draft = step.decode
            if draft is not None:
                self._submit(segment, JobKind.FINAL, lambda job, u: self._on_final(draft, u))

    def _submit(self, segment: SpeechSegment, kind: JobKind, done: Callable[[Job, Utterance | None], None]) -> Job:
        job = self._streaming.submit(segment, done, kind=kind, language=self.language, prompt=self.prompt)
        self._seq += 1
        job.seq = self._seq
        if len(self.futures) > 64:
            self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(job.future)
        return job

    # ---- either thread, lock held ------------------------------------------------------------------

    def _do(self, step: Step[Job]) -> None:
        """What the drafts asked, but the final decode of a cut (``_cut`` submits it)."""
        for revision in step.revisions:
            self._revise(revision)
        if step.cancel is not None:
            self._streaming.cancel(step.cancel)
        for u in step.emit:
            if u.final and not u.revised and self.language is None and u.language:
                self.language = u.language  # detected once per channel, then kept
                log.info("call %s %s: language %s", u.call_id, u.channel.value, u.language)
            if self._delivery is not None:
                self._delivery.put(self._emit, u)  # put under the lock: in the order the drafts made them
            else:
                self._emit(u)
        if step.promote is not None:
            self._streaming.promote(step.promote)

    def _revise(self, revision: Revision) -> None:
        parts = revision.parts
        job = self._streaming.submit(
            revision.audio,
            lambda job, u: self._on_revised(parts, u),
            kind=JobKind.REVISE,
            language=self.language,
            beam_size=self.options.revise_beam_size,
        )
        self._revisions = [f for f in self._revisions if not f.done()]
        self._revisions.append(job.future)

    # ---- worker threads ----------------------------------------------------------------------------

    def _on_partial(self, job: Job, u: Utterance | None) -> None:
        with self._lock:
            self._do(self._drafts.partial_done(job.segment.utterance_id, job.seq, u, self._clock()))

    def _on_speculative(self, job: Job, u: Utterance | None) -> None:
        with self._lock:
            self._do(self._drafts.speculative_done(job, job.segment.utterance_id, job.seq, u, self._clock()))

    def _on_final(self, draft: Draft[Job], u: Utterance | None) -> None:
        with self._lock:
            self._do(self._drafts.final_done(draft, u, self._clock()))

    def _on_revised(self, parts: list[Draft[Job]], u: Utterance | None) -> None:
        with self._lock:
            self._do(self._drafts.revised_done(parts, u))
