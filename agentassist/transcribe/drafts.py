"""The utterances of one channel while they are decoded, and what each decode's result means. Pure.

Every change to an utterance's state happens in a :class:`Drafts` method: ChannelStream
calls them (under its one lock: cuts come on the call thread, results on the workers')
and does what the returned :class:`Step` asks: submit the revisions of closed turns,
withdraw or promote a job, emit utterances. A decode job is an opaque handle here
(``H``: engine.Job in the stream, anything in a test), so tests drive a channel's whole
story (partials, a speculative decode, the cut, the final, the turn's revision) with no
thread and no model.

A speculative decode is of the audio so far, taken at a short silence; if the segment is
then cut with no voiced frame added, at the end of speech or at a short pause of long
speech decoded the same way, its result is the final and no decode follows the cut.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from agentassist.events import CutReason, SpeechSegment, Utterance
from agentassist.transcribe.agreement import StableWords
from agentassist.transcribe.revise import Turn, Turns, revised_utterances, turn_audio

H = TypeVar("H")

SPECULATIVE_END_S = 0.3  # a speculative final ends this much later at most: the segment as cut is a little longer


class Observer(Protocol):
    def observe(self, value: float) -> None: ...


@dataclass(eq=False)
class Speculation(Generic[H]):
    """A decode of the utterance's audio so far, taken at a short silence."""

    job: H
    voiced: int  # the segment's voiced frames then: a cut with more is not what it decoded
    pause_tail: bool  # decoded as a cut at a short pause is, so a "pause" cut may take it
    result: tuple[Utterance | None] | None = None  # once decoded (None inside: nothing heard)


@dataclass(eq=False)
class Draft(Generic[H]):
    """One utterance in the making: from its first frame of speech to its final, kept until its turn's
    revision is submitted (its final and its span are what the revision is compared with)."""

    id: str
    start_wall: float  # when its speech began, on the stream's clock
    words: StableWords = field(default_factory=StableWords)
    partials: int = 0
    last_partial_seq: int = -1  # results of older jobs are stale
    partial_job: H | None = None  # the latest
    spec: Speculation[H] | None = None
    cut_end_s: float | None = None  # set when the cut took the speculative decode as the final
    voiced_wall: float = 0.0  # its last voiced frame, on the stream's clock
    done: bool = False  # its final came (or nothing was heard)
    span: tuple[float, float] = (0.0, 0.0)  # of its segment as cut, padding included
    segment: SpeechSegment | None = None  # as cut, kept for its turn's revision until that is submitted
    turn: Turn | None = None
    emitted: Utterance | None = None  # its final, or that final revised


@dataclass(frozen=True, slots=True)
class Revision:
    """A closed turn to decode again: ``audio`` holds the segments of ``parts``, in place."""

    parts: list[Draft[Any]]
    audio: SpeechSegment


@dataclass(eq=False)
class Step(Generic[H]):
    """What a change asks of the stream, done in this order."""

    revisions: list[Revision] = field(default_factory=list)  # submit
    cancel: H | None = None  # withdraw: a partial of an utterance that has been cut
    emit: list[Utterance] = field(default_factory=list)
    promote: H | None = None  # the speculative job is the final: schedule it as one
    decode: Draft[H] | None = None  # the cut needs a final decode of its own


class Drafts(Generic[H]):
    """The drafts of one channel, and the turns they form when ``turn_gap_s`` is set (revisions on)."""

    def __init__(self, *, turn_gap_s: float | None, first_partial_latency: Observer, final_latency: Observer) -> None:
        self.current: Draft[H] | None = None  # the speech in progress
        self._open: dict[str, Draft[H]] = {}  # not final yet, by id
        self._turns = Turns(turn_gap_s) if turn_gap_s is not None else None
        self._first_partial_latency = first_partial_latency
        self._final_latency = final_latency
        self.partials = 0
        self.finals = 0
        self.revised = 0  # finals emitted again by a revision

    # ---- the call thread ---------------------------------------------------------------------------

    def speech(self, utterance_id: str, start_wall: float) -> bool:
        """Speech goes on in ``utterance_id``; True when that is a new utterance (begun at ``start_wall``)."""
        if self.current is not None and self.current.id == utterance_id:
            return False
        self.current = self._begin(utterance_id, start_wall)
        return True

    @property
    def speculating(self) -> bool:
        """A speculative decode of the speech in progress stands."""
        return self.current is not None and self.current.spec is not None

    def speculate(self, job: H, voiced: int, pause_tail: bool) -> None:
        assert self.current is not None, "speculate() follows speech()"
        self.current.spec = Speculation(job, voiced, pause_tail)

    def speech_went_on(self) -> None:
        """Voiced again after a speculative decode: its result is only a hypothesis now."""
        if self.current is not None:
            self.current.spec = None

    def partial_submitted(self, job: H) -> None:
        assert self.current is not None, "partial_submitted() follows speech()"
        self.current.partial_job = job

    def cut(self, segment: SpeechSegment, voiced: int, now: float, voiced_wall: float) -> Step[H]:
        """The segmenter cut the utterance (``voiced``: its voiced frames before the frame that cut it)."""
        d = self.current
        if d is None or d.id != segment.utterance_id:
            d = self._begin(segment.utterance_id, now)
        self.current = None
        d.voiced_wall = voiced_wall
        d.span = (segment.start_s, segment.end_s)
        step: Step[H] = Step()
        if self._turns is not None:
            d.turn, closed = self._turns.join(d, segment.start_s, segment.end_s)
            d.segment = segment
            if closed is not None:
                step.revisions += self._revision(closed)
        step.cancel = d.partial_job
        spec = d.spec
        # nothing said since the speculative decode: its result is the final, at a pause cut too
        if (
            spec is not None
            and (segment.reason is CutReason.SILENCE or (segment.reason is CutReason.PAUSE and spec.pause_tail))
            and spec.voiced == voiced
        ):
            d.cut_end_s = segment.end_s
            if spec.result is not None:
                self._final(d, spec.result[0], now, step)
            else:
                step.promote = spec.job
        else:
            step.decode = d
        return step

    def pause(self, time_s: float) -> Step[H]:
        """Silence up to ``time_s``: a long enough pause closes the turn."""
        return self._closed(self._turns.pause(time_s) if self._turns is not None else None)

    def finish(self) -> Step[H]:
        """The channel ended (after its last cut)."""
        return self._closed(self._turns.close() if self._turns is not None else None)

    # ---- results, from the workers -----------------------------------------------------------------

    def partial_done(self, utterance_id: str, seq: int, u: Utterance | None, now: float) -> Step[H]:
        step: Step[H] = Step()
        self._partial(self._open.get(utterance_id), seq, u, now, step)
        return step

    def speculative_done(self, job: H, utterance_id: str, seq: int, u: Utterance | None, now: float) -> Step[H]:
        step: Step[H] = Step()
        d = self._open.get(utterance_id)
        if d is None or d.spec is None or d.spec.job is not job:
            self._partial(d, seq, u, now, step)  # speech went on after it: a hypothesis like any other
        elif d.cut_end_s is not None:
            self._final(d, u, now, step)
        else:
            d.spec.result = (u,)
            self._partial(d, seq, u, now, step)
        return step

    def final_done(self, d: Draft[H], u: Utterance | None, now: float) -> Step[H]:
        step: Step[H] = Step()
        self._final(d, u, now, step)
        return step

    def revised_done(self, parts: list[Draft[Any]], u: Utterance | None) -> Step[H]:
        """The turn decoded again: each utterance whose words changed is emitted again, revised."""
        step: Step[H] = Step()
        if u is None:
            return step  # nothing heard: the live text stays
        for i, revised in revised_utterances([p.emitted for p in parts], [p.span for p in parts], u):
            parts[i].emitted = revised
            self.revised += 1
            step.emit.append(revised)
        return step

    # ---- the rules ---------------------------------------------------------------------------------

    def _begin(self, utterance_id: str, start_wall: float) -> Draft[H]:
        d: Draft[H] = Draft(utterance_id, start_wall)
        self._open[utterance_id] = d
        return d

    def _partial(self, d: Draft[H] | None, seq: int, u: Utterance | None, now: float, step: Step[H]) -> None:
        if d is None or d.done or u is None or seq < d.last_partial_seq:
            return
        d.last_partial_seq = seq
        shown = d.words.insert(u.text.split())
        if not shown:
            return
        if d.partials == 0:
            self._first_partial_latency.observe(now - d.start_wall)
        d.partials += 1
        self.partials += 1
        stable = len(d.words.stable)
        step.emit.append(dataclasses.replace(u, text=" ".join(shown), final=False, stable_words=stable, words=()))

    def _final(self, d: Draft[H], u: Utterance | None, now: float, step: Step[H]) -> None:
        """The utterance ends, keeping the words its partials made stable."""
        if d.done:
            return
        d.done = True
        self._open.pop(d.id, None)
        if u is not None:
            if d.cut_end_s is not None:  # a speculative result: the segment as cut is a little longer
                u = dataclasses.replace(u, end_s=max(u.end_s, min(d.cut_end_s, u.end_s + SPECULATIVE_END_S)))
            u = d.words.flush(dataclasses.replace(u, final=True, stable_words=0))
            self._final_latency.observe(max(0.0, now - d.voiced_wall))
            self.finals += 1
            d.emitted = u
            step.emit.append(u)
        if d.turn is not None:
            step.revisions += self._revision(d.turn)

    def _closed(self, turn: Turn | None) -> Step[H]:
        return Step(revisions=self._revision(turn) if turn is not None else [])

    def _revision(self, turn: Turn) -> list[Revision]:
        """The turn's revision, once it is closed and all its finals came (at most once)."""
        if not turn.closed or turn.submitted or not all(p.done for p in turn.parts):
            return []
        turn.submitted = True
        parts = [p for p in turn.parts if p.emitted is not None and p.segment is not None]
        segments = [p.segment for p in parts if p.segment is not None]
        for p in turn.parts:
            p.segment = None  # the audio now lives in the job alone
            p.turn = None  # nor does the turn need its parts any more: no cycle left for the collector
        if not segments:
            return []
        return [Revision(parts, turn_audio(segments, utterance_id=parts[0].id))]
