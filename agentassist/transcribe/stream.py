"""Live transcription of one channel: voice activity in, partial and final utterances out.

    frames --> Segmenter --cut--> final job -----------------------------> utterance.final
                  |  \\--short silence--> speculative job --(cut, nothing new said)--^
                  \\--every partial_every_s of speech--> partial job --> LocalAgreement-2 --> utterance.partial

The same class runs live calls (agentassist.pipeline), the benchmarks and
``agentassist transcribe FILE``, so what is measured is what runs.

Partials are stabilised by LocalAgreement-2: the words two hypotheses in a row
agree on (from the start) become stable and are never retracted, the final
included. When speech pauses for ``speculative_silence_ms`` the audio so far is
decoded at once (long speech with 0.3 s of silence after it, as a cut at a short pause is); if the
segment is then cut with nothing voiced added, at the end of speech or at a pause of long
speech, that result is the final, so the final does not wait for a decode after the cut.

With ``revise`` on, the finals of a turn (one channel's utterances with pauses
shorter than ``revise_gap_s``) are decoded again once the turn closes, as offline
files are (30 s windows, beam search), at the lowest priority; an utterance whose
text changed is emitted again, same id, ``revised=True`` (agentassist.transcribe.revise).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from agentassist.audio.segmenter import Segmenter, SegmenterOptions
from agentassist.events import Channel, SpeechSegment, Utterance, Word
from agentassist.transcribe.engine import Job, JobKind, StreamingTranscriber
from agentassist.transcribe.revise import TURN_MAX_S, Turn, norm_word, revised_utterances, turn_audio

log = logging.getLogger(__name__)

AGREEMENT = 3  # hypotheses in a row that must agree on a word before it is stable
STABLE_MARGIN_WORDS = 1  # an older hypothesis' last words are never stable: its audio was cut there


@dataclass(frozen=True, slots=True)
class StreamOptions:
    partials: bool = True
    partial_every_s: float = 0.35  # a new hypothesis this often while speech goes on: a decode takes 0.1-0.4 s
    first_partial_after_s: float = 0.2  # of speech after its start was detected
    speculative_silence_ms: int = 100  # decode what was said when speech pauses this long; 0: never
    revise: bool = False  # decode each closed turn again, offline style, and emit what changed
    revise_beam_size: int = 5
    revise_gap_s: float = 1.0  # a pause this long between finals closes the turn

    def __post_init__(self) -> None:
        if self.partial_every_s <= 0:
            raise ValueError(f"partial_every_s: expected > 0, got {self.partial_every_s}")
        if self.speculative_silence_ms < 0:
            raise ValueError(f"speculative_silence_ms: expected >= 0, got {self.speculative_silence_ms}")
        if not 1 <= self.revise_beam_size <= 10:
            raise ValueError(f"revise_beam_size: expected 1..10, got {self.revise_beam_size}")
        if not 0 < self.revise_gap_s <= TURN_MAX_S:
            raise ValueError(f"revise_gap_s: expected 0 < s <= {TURN_MAX_S:.0f}, got {self.revise_gap_s}")


def aligned_end(stable: list[str], words: list[str]) -> int:
    """How many of ``words`` the ``stable`` words stand for: ``len(stable)`` when the hypothesis starts
    with them, otherwise where their last matching word lands plus the unmatched ones after it."""
    a, b = [norm_word(w) for w in stable], [norm_word(w) for w in words]
    if b[: len(a)] == a:
        return len(a)
    last_a, last_b = 0, 0
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        if block.size:
            last_a, last_b = block.a + block.size, block.b + block.size
    return min(len(b), last_b + (len(a) - last_a))


def common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if norm_word(x) != norm_word(y):
            break
        n += 1
    return n


@dataclass
class _Utterance:
    """What one stretch of speech has produced so far."""

    id: str
    start_wall: float
    stable: list[str] = field(default_factory=list)
    history: list[list[str]] = field(default_factory=list)  # the latest hypotheses, oldest first
    partials: int = 0
    last_partial_seq: int = -1
    partial_job: Job | None = None
    spec_job: Job | None = None
    spec_voiced: int = -1
    spec_result: tuple[Utterance | None] | None = None  # set when the speculative job finished
    final_segment: SpeechSegment | None = None  # set when the cut reused the speculative job
    voiced_wall: float = 0.0
    done: bool = False
    span: tuple[float, float] = (0.0, 0.0)  # of its segment as cut, padding included
    segment: SpeechSegment | None = None  # as cut, kept for its turn's revision until that is submitted
    turn: Turn | None = None
    emitted: Utterance | None = None  # its final


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
    ) -> None:
        self.segmenter = Segmenter(call_id, channel, segmenter_options)
        self.options = options or StreamOptions()
        self._streaming = streaming
        self._emit = emit
        self._clock = clock
        t = streaming.transcriber
        # the campaign's language, else the configured one, else detected by the first final and kept
        if language in ("", "auto"):
            language = None
        self.language = (language or t.language) if t.multilingual else "en"
        self.prompt = prompt
        self._lock = threading.Lock()
        self._current: _Utterance | None = None
        self._states: dict[str, _Utterance] = {}  # utterances not final yet, by id
        self._seq = 0
        self._last_voiced_wall = 0.0
        self._last_partial_wall = 0.0
        self.futures: list[Future[Utterance | None]] = []
        self._speaking = False  # as last told to the scheduler
        self._turn: Turn | None = None  # the turn in progress (call thread)
        self._revisions: list[Future[Utterance | None]] = []
        self.finals = 0
        self.partials = 0
        self.revised = 0  # utterances emitted again by a revision

    @property
    def in_speech(self) -> bool:
        return self.segmenter.in_speech

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
        if not seg.in_speech:
            turn = self._turn
            if turn is not None and seg.time_s - turn.end_s >= self.options.revise_gap_s:
                self._close_turn()
            return
        st = self._current
        if st is None or st.id != seg.utterance_id:
            pre_s = seg.options.pre_pad_ms / 1000
            st = self._current = _Utterance(seg.utterance_id, start_wall=now - max(0.0, seg.speech_s - pre_s))
            with self._lock:
                self._states[st.id] = st
            self._last_partial_wall = now - self.options.partial_every_s + self.options.first_partial_after_s
        o = self.options
        silence = seg.trailing_silence_ms
        if o.speculative_silence_ms and silence >= o.speculative_silence_ms and st.spec_job is None:
            segment = seg.speech_so_far("speculative")
            if segment is not None:
                st.spec_voiced = seg.voiced_frames
                st.spec_job = self._submit(segment, JobKind.SPECULATIVE, self._on_speculative)
        elif silence == 0 and st.spec_job is not None:
            with self._lock:  # speech goes on: that result is only a hypothesis now
                st.spec_job, st.spec_result, st.spec_voiced = None, None, -1
        # a partial is due even in a short pause (the last words settle), unless a speculative decode runs
        if o.partials and st.spec_job is None and now - self._last_partial_wall >= o.partial_every_s:
            segment = seg.speech_so_far("partial")
            if segment is not None:
                self._last_partial_wall = now
                st.partial_job = self._submit(segment, JobKind.PARTIAL, self._on_partial)

    def finish(self) -> None:
        """The channel ended: the speech in progress becomes a final."""
        voiced = self.segmenter.voiced_frames
        for cut in self.segmenter.finish():
            self._cut(cut, voiced)
        if self._speaking:
            self._speaking = False
            self._streaming.speaking((self.segmenter.call_id, self.segmenter.channel.value), False)
        if self._turn is not None:
            self._close_turn()

    def revisions(self) -> list[Future[Utterance | None]]:
        """The revision jobs submitted so far (each done once its result was emitted, or dropped)."""
        with self._lock:
            return list(self._revisions)

    def _submit(self, segment: SpeechSegment, kind: JobKind, done: Callable[[Job, Utterance | None], None]) -> Job:
        job = self._streaming.submit(segment, done, kind=kind, language=self.language, prompt=self.prompt)
        self._seq += 1
        job.seq = self._seq
        if len(self.futures) > 64:
            self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(job.future)
        return job

    def _cut(self, segment: SpeechSegment, voiced: int) -> None:
        st = self._current
        if st is None or st.id != segment.utterance_id:
            st = _Utterance(segment.utterance_id, start_wall=self._clock())
            with self._lock:
                self._states[st.id] = st
        self._current = None
        st.voiced_wall = self._last_voiced_wall
        st.span = (segment.start_s, segment.end_s)
        if self.options.revise:
            self._join_turn(st, segment)
        if st.partial_job is not None:
            self._streaming.cancel(st.partial_job)
        with self._lock:
            # nothing said since the speculative decode: its result is the final, at a pause cut too
            reuse = (
                st.spec_job is not None
                and (segment.reason == "silence" or (segment.reason == "pause" and st.spec_job.segment.pause_tail))
                and st.spec_voiced == voiced
            )
            if reuse:
                st.final_segment = segment
                if st.spec_result is not None:
                    self._final(st, st.spec_result[0])
                    return
        if reuse:
            assert st.spec_job is not None
            self._streaming.promote(st.spec_job)
            return
        self._submit(segment, JobKind.FINAL, lambda job, u: self._on_final(st, u))

    def _join_turn(self, st: _Utterance, segment: SpeechSegment) -> None:
        """The utterance just cut joins the turn in progress, or closes it and begins the next."""
        turn = self._turn
        if turn is not None and (
            segment.start_s - turn.end_s >= self.options.revise_gap_s or segment.end_s - turn.start_s > TURN_MAX_S
        ):
            self._close_turn()
            turn = None
        if turn is None:
            turn = self._turn = Turn()
        with self._lock:
            st.segment, st.turn = segment, turn
            turn.parts.append(st)

    def _close_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            with self._lock:
                turn.closed = True
                self._revise(turn)

    def _revise(self, turn: Turn) -> None:
        """Called with the lock held: submit the turn's revision once it is closed and all its finals came."""
        if not turn.closed or turn.submitted or not all(p.done for p in turn.parts):
            return
        turn.submitted = True
        parts = [p for p in turn.parts if p.emitted is not None and p.segment is not None]
        segments = [p.segment for p in parts if p.segment is not None]
        for p in turn.parts:
            p.segment = None  # the audio now lives in the job alone
            p.turn = None  # nor does the turn need its parts any more: no cycle left for the collector
        if not segments:
            return
        audio = turn_audio(segments, utterance_id=parts[0].id)
        job = self._streaming.submit(
            audio,
            lambda job, u: self._on_revised(parts, u),
            kind=JobKind.REVISE,
            language=self.language,
            beam_size=self.options.revise_beam_size,
        )
        self._revisions = [f for f in self._revisions if not f.done()]
        self._revisions.append(job.future)

    # ---- worker threads ----------------------------------------------------------------------------

    def _on_revised(self, parts: list[_Utterance], u: Utterance | None) -> None:
        """The turn decoded again: each utterance whose words changed is emitted again, revised."""
        if u is None:
            return  # nothing heard: the live text stays
        with self._lock:
            changed = revised_utterances([p.emitted for p in parts], [p.span for p in parts], u)
            for i, revised in changed:
                parts[i].emitted = revised
                self.revised += 1
                self._emit(revised)

    def _on_final(self, st: _Utterance, u: Utterance | None) -> None:
        with self._lock:
            self._final(st, u)

    def _on_speculative(self, job: Job, u: Utterance | None) -> None:
        with self._lock:
            st = self._state_of(job)
            if st is None or st.spec_job is not job:
                self._partial(st, job, u)  # speech went on after it: a hypothesis like any other
                return
            if st.final_segment is not None:
                self._final(st, u)
            else:
                st.spec_result = (u,)
                self._partial(st, job, u)

    def _on_partial(self, job: Job, u: Utterance | None) -> None:
        with self._lock:
            self._partial(self._state_of(job), job, u)

    def _state_of(self, job: Job) -> _Utterance | None:
        return self._states.get(job.segment.utterance_id)

    def _partial(self, st: _Utterance | None, job: Job, u: Utterance | None) -> None:
        """Called with the lock held."""
        if st is None or st.done or u is None or job.seq < st.last_partial_seq:
            return
        st.last_partial_seq = job.seq
        words = u.text.split()
        # LocalAgreement-n: the words the last AGREEMENT hypotheses share, but never the last words of
        # the older ones: their audio was cut there, often mid-word ("mark" of "marked"), and cuts can
        # agree on the same wrong stem
        history = st.history[-(AGREEMENT - 1) :]
        agreed = 0
        if len(history) == AGREEMENT - 1:
            agreed = min(min(common_prefix(h, words), len(h) - STABLE_MARGIN_WORDS) for h in history)
        st.history = [*history, words]
        n = len(st.stable)
        if agreed > n and common_prefix(st.stable, words) == n:
            st.stable = st.stable + words[n:agreed]  # stable words keep the spelling they were shown with
        shown = st.stable + words[aligned_end(st.stable, words) :]
        if not shown:
            return
        if st.partials == 0:
            self._streaming.first_partial_latency.observe(self._clock() - st.start_wall)
        st.partials += 1
        self.partials += 1
        self._emit(dataclasses.replace(u, text=" ".join(shown), final=False, stable_words=len(st.stable), words=()))

    def _final(self, st: _Utterance, u: Utterance | None) -> None:
        """Called with the lock held: the utterance ends, keeping the words its partials made stable."""
        if st.done:
            return
        st.done = True
        self._states.pop(st.id, None)
        if u is not None:
            self._emit_final(st, u)
        if st.turn is not None:
            self._revise(st.turn)

    def _emit_final(self, st: _Utterance, u: Utterance) -> None:
        if self.language is None and u.language:
            self.language = u.language  # detected once per channel, then kept
            log.info("call %s %s: language %s", u.call_id, u.channel.value, u.language)
        segment = st.final_segment
        if segment is not None:  # a speculative result: the segment as cut is a little longer
            u = dataclasses.replace(u, end_s=max(u.end_s, min(segment.end_s, u.end_s + 0.3)))
        u = _keep_stable(st.stable, dataclasses.replace(u, final=True, stable_words=0))
        self._streaming.final_latency.observe(max(0.0, self._clock() - st.voiced_wall))
        self.finals += 1
        st.emitted = u
        self._emit(u)


def _keep_stable(stable: list[str], u: Utterance) -> Utterance:
    """The final with its partials' stable words in place of what they stand for."""
    words = [w.text for w in u.words] if u.words else u.text.split()
    if not stable or common_prefix(stable, words) == len(stable):
        return u
    end = aligned_end(stable, words)
    if u.words:
        replaced = u.words[:end]
        t0 = replaced[0].start_s if replaced else u.start_s
        t1 = replaced[-1].end_s if replaced else t0
        step = (t1 - t0) / len(stable)
        prob = min((w.probability for w in replaced), default=u.confidence)
        head = tuple(Word(t0 + i * step, t0 + (i + 1) * step, w, prob) for i, w in enumerate(stable))
        new_words = head + u.words[end:]
        return dataclasses.replace(u, text=" ".join(w.text for w in new_words), words=new_words)
    return dataclasses.replace(u, text=" ".join(stable + words[end:]))
