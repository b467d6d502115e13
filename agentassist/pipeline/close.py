"""The end of a call, in order: held digits, the last transcriptions, the recording closed, the last
finals in (card data they masked silenced in the recording, then converted), the final script report,
open spans closed, the call marked ended and ``call.ended`` published - after the last final
utterance, so feeds see the call's events in order, and after its last turns' revisions when they come
within ``REVISION_WAIT_S`` (a later one still updates the stored transcript and is published).

A center stopping under a call its phone carries on suspends it instead (:func:`suspend_call`): the
recording closed as it is, the call left active for the next run (agentassist.restart).

Every step runs even when one before it failed; a failure makes the call end ``abnormal``, and an end
the database refuses is handed to the runtime to store later (or to the next start's
``close_abandoned_calls``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import wait
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from agentassist.audio.encode import wav_to_opus
from agentassist.errors import AudioError
from agentassist.events import Channel, Event, EventType
from agentassist.failures import cause_of, retried, stage_of
from agentassist.pipeline.records import SPAN_EVENTS
from agentassist.privacy.silence import covered, recording_rate, silence, silenced_s
from agentassist.privacy.utterances import Redaction

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from agentassist.audio.encode import OpusOptions
    from agentassist.audio.keyring import KeyRing
    from agentassist.pipeline.session import CallSession

log = logging.getLogger(__name__)

GAP_WARN_S = 1.0  # a recording this much shorter than its call is reported
REVISION_WAIT_S = 10.0  # at hangup, call.ended waits this long at most for the last turns' revisions


def close_call(session: CallSession) -> None:
    """Finish ``session``'s work and mark the call ended (on the call thread, after EndInput)."""
    session.tap.close()  # its last frame is in: whoever listens in hears the rest, then the end
    if session.suspended:
        suspend_call(session)
        return
    failures = session.failures
    try:
        failures.guarded("close", session.flush_digits)
        for stream in session.streams.values():
            failures.guarded("transcribe", stream.finish)
        session.recorder_do(session.recorder.close)
        frames, filled = session.aligner.frames, session.aligner.filled
        log.info(
            "call %s: %d agent and %d customer frames, %d and %d of them silence filled in",
            session.call_id,
            frames[Channel.AGENT],
            frames[Channel.CUSTOMER],
            filled[Channel.AGENT],
            filled[Channel.CUSTOMER],
        )
        finals = [f for stream in session.streams.values() for f in stream.futures]
        wait(finals, timeout=_left_s(session, None))
        # the finals are in: the turns they closed have been submitted for revision
        _delivered(session, None, "finals")
        revisions = [f for stream in session.streams.values() for f in stream.revisions()]
        wait(revisions, timeout=_left_s(session, REVISION_WAIT_S))
        _delivered(session, REVISION_WAIT_S, "revisions")
        # after the last finals: their card data is silenced in the WAV before it is converted
        failures.guarded("close", lambda: finish_recording(session))
        for f in finals:
            if f.done() and f.exception() is not None:
                failures.report("transcribe", f.exception())  # type: ignore[arg-type]
        # a recording that stopped early has no clock past its failure: the media clock goes on
        recorder = session.recorder
        end_s = recorder.duration_s if not recorder.failed else max(session.now_s, 0.0)
        records = session.records
        failures.guarded("close", lambda: records.finish_assist(end_s))
        for kind in SPAN_EVENTS:  # a span still open at the end ends with the call
            failures.guarded("close", lambda kind=kind: records.close_span(kind, end_s))  # type: ignore[misc]
        mark_ended(session, end_s)
        if session.dropped_frames:
            log.warning("call %s: %d frames dropped by a full queue", session.call_id, session.dropped_frames)
    except Exception as exc:  # a bug in the close itself: still counted, and the runtime still told
        failures.report(stage_of(exc, "close"), exc)
    finally:
        session.closed()


def suspend_call(session: CallSession) -> None:
    """The center stops under a call its phone carries on: the recording closed as it is (header and
    fsync), the call left active. Nothing is waited for: what the next run finds untranscribed in the
    recording it transcribes again (agentassist.restart)."""
    try:
        session.recorder_do(session.recorder.close)
        log.info("call %s: left to its phone at %.1f s, for the next run to resume", session.call_id, session.now_s)
    finally:
        session.closed()


def _delivered(session: CallSession, wait_s: float | None, what: str) -> None:
    """Wait for the utterances the streams have emitted to reach the call's records (stored, masked,
    tracked, published: agentassist.transcribe.delivery), within ``_left_s``."""
    left_s = _left_s(session, wait_s)
    if not all(stream.delivered(left_s) for stream in session.streams.values()):
        log.warning(
            "call %s: its %s were not all delivered in %.1f s: the call ends without them",
            session.call_id,
            what,
            left_s or 0.0,
        )


def _left_s(session: CallSession, wait_s: float | None) -> float | None:
    """``wait_s`` (None: no limit), cut to what is left before the session's ``close_deadline``: a process
    that stops ends its calls within its own deadline, and a final still decoding then is left out."""
    if session.close_deadline is None:
        return wait_s
    left_s = max(0.0, session.close_deadline - time.monotonic())
    return left_s if wait_s is None else min(wait_s, left_s)


def mark_ended(session: CallSession, end_s: float) -> None:
    """Mark the call ended (tried again on a database error) and publish ``call.ended``."""
    failures, store, call_id = session.failures, session.records.store, session.call_id
    ended_at = session.ended_at or session.info.started_at + timedelta(seconds=end_s)
    if failures.causes:
        # the SIP reason is kept with the call's media facts; the row says the call is not to be trusted
        with contextlib.suppress(Exception):
            store.save_media(call_id, {"failures": failures.causes, "sip_end_reason": session.end_reason})
        session.end_reason = "abnormal"
    status, reason, row = session.end_status, session.end_reason, session.row

    def store_end() -> None:
        if row is not None:
            row()  # the row the start could not write
        store.end_call(call_id, ended_at, status, reason)

    try:
        retried(store_end, f"call {call_id}: storing its end")
    except Exception as exc:
        failures.report(stage_of(exc, "close"), exc)
        session.end_reason = reason = "abnormal"  # store_end, tried again later, writes it so
        log.error(
            "call %s: its end is not stored (%s): kept in memory and tried again; else the next start closes it",
            call_id,
            cause_of(exc),
        )
        if failures.handler is not None:
            failures.handler.end_unstored(call_id, store_end)
    data: dict[str, Any] = {"reason": session.end_reason}
    if failures.causes:
        data["failures"] = failures.causes
    session.records.publish([Event(EventType.CALL_ENDED, call_id, end_s, data)])
    session.records.forget_texts()  # what the detector remembers of this call's words, card numbers too


def finish_recording(session: CallSession) -> None:
    """Silence the closed WAV over the spans masked so far and convert it when asked to; before the call
    is marked ended, so an ended call's recording is final but for spans masked later still, which
    :class:`LateSilence` silences in it. A failed conversion keeps the WAV and says why."""
    records = session.records
    late = LateSilence.of_session(session)
    with records.recording_lock:  # a span masked meanwhile waits for late_silence (agentassist.pipeline.records)
        try:
            _finish_recording(session, late)
        finally:
            records.late_silence = late


def _finish_recording(session: CallSession, late: LateSilence) -> None:
    info, recorder = session.info, session.recorder
    path = info.recording_path
    recorded_s = recorder.duration_s
    facts: dict[str, Any] = {"recording_format": "wav", "recording_s": round(recorded_s, 3)}
    if session.ended_at is not None:
        # The media clock ticks once per frame; starved of CPU it falls behind and the time is lost.
        gap_s = (session.ended_at - info.started_at).total_seconds() - recorded_s
        facts["recording_gap_s"] = round(gap_s, 3)
        if gap_s > GAP_WARN_S and not recorder.failed:  # a failed one says why it stopped
            log.warning(
                "call %s: %.1f s recorded over %.1f s of call: the media clock fell behind (CPU starved?)",
                session.call_id,
                recorded_s,
                recorded_s + gap_s,
            )
    kept: list[Redaction] = []  # those stored (a call resumed after a restart has them from its first run)
    with contextlib.suppress(Exception):  # the database down: those of this run, from memory, still count
        kept = session.records.store.redactions(session.call_id)
    here = [r for rs in list(session.records.redactions.values()) for r in rs]
    spans = sorted({(round(r["start"], 3), round(r["end"], 3)) for r in kept + here})  # as stored
    if spans and not recorder.failed:
        facts["recording_silenced_s"] = round(silence(path, spans, recorder.sample_rate_hz, keys=session.keys), 3)
        late.silenced += spans
    elif spans:
        late.unsilenced += spans  # the recorder failed: the error says why
    facts.update(late.spans_facts())
    if session.opus is not None:
        try:
            path = wav_to_opus(path, session.opus, session.keys)
            facts["recording_format"] = "opus"
        except AudioError as exc:
            log.error("call %s: recording kept as WAV: %s", session.call_id, exc)
            facts["recording_error"] = str(exc)
    late.path = path
    with contextlib.suppress(OSError):
        facts["recording_bytes"] = path.stat().st_size
    if recorder.failed:
        facts["recording_error"] = recorder.failed
    session.records.save_media(facts)


class LateSilence:
    """A finished recording, silenced over the spans masked after it was finished: a revision later than
    :data:`REVISION_WAIT_S` (an overloaded center) that finds card data no final showed. Called on the
    late work's thread (agentassist.pipeline.late), one call at a time; returns the media facts to store
    (None: nothing new). A recording that went to the object store is held from its upload, brought back,
    silenced and uploaded again under the same key (agentassist.store.uploads); the store away raises
    StoreAwayError. Each span is silenced once (one already silent is skipped, so an
    Opus recording is not encoded again for nothing). A recording that cannot be silenced (the recorder
    failed, the file is gone or erased) is said so in the log and in the call's media facts
    (``recording_silence_error``); nothing is raised to the call path. It holds no reference to the
    records or the session (they hold it: no cycle)."""

    def __init__(
        self,
        call_id: str,
        path: Path,
        sample_rate_hz: int | None,
        duration_s: float,
        keys: KeyRing | None,
        opus: OpusOptions | None,
        edit: Callable[[str, Path], contextlib.AbstractContextManager[None]],
        failed: str | None = None,
    ) -> None:
        self.call_id = call_id
        self.path = path  # the Ogg once converted
        self.sample_rate_hz = sample_rate_hz  # None: read from the recording (its WAV header), once there
        self.duration_s = duration_s
        self.failed = failed
        self.keys, self.opus = keys, opus
        self.edit = edit  # the upload held off meanwhile
        self.silenced: list[tuple[float, float]] = []  # the spans silent in the recording
        self.unsilenced: list[tuple[float, float]] = []  # those that could not be (said once each)
        self.clears: str | None = None  # an error stored earlier that this silence, done, makes untrue

    @classmethod
    def of_session(cls, session: CallSession) -> LateSilence:
        recorder = session.recorder
        return cls(
            session.call_id,
            session.info.recording_path,
            recorder.sample_rate_hz,
            recorder.duration_s,
            session.keys,
            session.opus,
            session.records.late_work.editing,
            recorder.failed,
        )

    def spans_facts(self) -> dict[str, Any]:
        """The spans silent in the recording and those that could not be, as the media facts keep them:
        what a later start looks at for spans left unsilenced (agentassist.pipeline.unsilenced)."""
        facts: dict[str, Any] = {"recording_silenced_spans": [[a, b] for a, b in sorted(self.silenced)]}
        if self.unsilenced:
            facts["recording_unsilenced_spans"] = [[a, b] for a, b in sorted(self.unsilenced)]
        return facts

    def __call__(self, spans: list[Redaction]) -> dict[str, Any] | None:
        done = self.silenced + self.unsilenced
        new = sorted(
            {(round(r["start"], 3), round(r["end"], 3)) for r in spans if not covered((r["start"], r["end"]), done)}
        )
        if not new:
            return None
        where = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in new)
        try:
            if self.failed:
                raise AudioError(f"the recording failed ({self.failed})")
            with self.edit(self.call_id, self.path):
                rate = self.sample_rate_hz or recording_rate(self.path, self.keys)
                silence(self.path, new, rate, keys=self.keys, opus=self.opus)
        except AudioError as exc:
            self.unsilenced += new
            log.error(
                "call %s: data masked after the call at %s is NOT silenced in its recording: %s",
                self.call_id,
                where,
                exc,
            )
            return {
                "recording_silence_error": f"masked after the call at {where}, not silenced: {exc}",
                **self.spans_facts(),
            }
        self.silenced += new
        log.info("call %s: data masked after the call at %s silenced in its recording", self.call_id, where)
        facts: dict[str, Any] = {
            "recording_silenced_s": round(silenced_s(self.silenced, self.duration_s), 3),
            **self.spans_facts(),
        }
        if self.clears is not None and not self.unsilenced:
            facts["recording_silence_error"] = None  # silenced since: kept as null, the row has no deletion
            facts["recording_silence_redone"] = self.clears  # what the error said, for the record
        with contextlib.suppress(OSError):
            facts["recording_bytes"] = self.path.stat().st_size
        return facts
