"""What a call leaves behind and tells the feeds: its store rows, its script tracker, its events.

Reached from four threads (the media thread, the delivery thread with utterances, the pj thread with media
facts, API threads with spans and script versions): every step that touches the tracker or the store
runs under :attr:`CallRecords.lock`; events are published in the order they were made.

A final that moves the checklist (a step ticked, withdrawn or left unsure) is timed from its hand-over
by the channel stream to its step events published (:class:`TickDelays`, ``/metrics``): the wait for the
delivery thread included.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from agentassist.assist.script import Script
from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from agentassist.failures import RETRY_DELAYS_S, CallFailures, cause_of, stage_of
from agentassist.pause import Digit
from agentassist.pipeline.held import HeldWrite, Refusing
from agentassist.pipeline.late import LateWork, StoreAwayError
from agentassist.pipeline.ports import CallStore, Publisher, StoredEvents, Tracker
from agentassist.pipeline.resume import Resent, digit_key, span_key
from agentassist.privacy.kinds import rules_of
from agentassist.privacy.utterances import CallRedaction, Redaction
from agentassist.transcribe.delivery import handed_at
from agentassist.transcribe.drafts import Observer
from agentassist.transcribe.metrics import Histogram

log = logging.getLogger(__name__)

_SENT_AGAIN = ("pause", "hold")  # the spans a phone's events open and close, sent again after a takeover
SPAN_EVENTS = {
    "pause": (EventType.CALL_PAUSED, EventType.CALL_RESUMED),
    "hold": (EventType.CALL_HELD, EventType.CALL_UNHELD),
    "mute": (EventType.CALL_MUTED, EventType.CALL_UNMUTED),
}


# The delivery thread's one try of a line waits this long at most for another writer's lock before the
# line is handed to the late work: ordinary writes (a line, a call's media facts) hold SQLite's lock for
# milliseconds, and a writer holding it longer (a retention sweep, a backup, another process) must not
# stall every call's delivery for the 30 s of the engine's own wait.
LINE_LOCK_WAIT_S = 0.5

# Silences spans in the finished recording (agentassist.pipeline.close.LateSilence): the media facts to
# store, None when there is nothing new; raises StoreAwayError to be tried again (the object store away).
LateSilencer = Callable[[list[Redaction]], dict[str, Any] | None]


class TickDelays(Histogram):
    """The checklist's delay after a final: from the channel stream handing the final over to the step
    events it caused published (one observation per final that ticked, withdrew or doubted a step; the
    other finals and the partials are not counted). Any thread: the delivery thread observes it, under
    the Histogram's own lock."""

    # the issue's target is p95 <= 0.3 s at the most calls a center holds: a bound at 0.3 says it exactly,
    # and the finer ones below show an idle tracker's few tens of milliseconds (benchmarks.assist)
    BOUNDS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)


class CallRecords:
    """One call's store, tracker and feed. ``failures`` is set by the session once it exists; ``stored``:
    what the store held of a resumed call's events (those its phone sends again are stored once)."""

    def __init__(
        self,
        call_id: str,
        store: CallStore,
        bus: Publisher,
        tracker: Tracker | None,
        store_dtmf_digits: bool,
        stored: StoredEvents | None = None,
    ) -> None:
        self.call_id = call_id
        self.store = store
        self.tracker = tracker
        self._bus = bus
        self._store_dtmf_digits = store_dtmf_digits
        self.lock = threading.Lock()  # the records lock: tracker and store, from any thread
        self._open_spans: set[str] = set()
        self._resent = Resent(stored or StoredEvents())  # under the lock
        self.assist_finished = False
        self.failures: CallFailures | None = None
        # card data (and the script's kinds) masked before anything is stored or published
        self._redaction = CallRedaction(rules_of(tracker.script) if tracker is not None else None)
        self._redaction_lock = threading.Lock()
        self.redactions: dict[str, list[Redaction]] = {}  # by utterance id: the recording silenced there
        # The close holds this lock from reading the spans to silence until it has set ``late_silence``; a
        # thread that masked spans takes it after storing them: each span is silenced once, by one or the other.
        self.recording_lock = threading.Lock()
        self.late_silence: LateSilencer | None = None  # the recording finished: spans masked since
        self.late_work = LateWork()  # the session's (the runtime's, shared by its calls)
        self.refusing = Refusing()  # the session's (the runtime's, shared by its calls): held without a try
        self._held: dict[tuple[str, str], HeldWrite] = {}  # writes the database refused, in order (the lock)
        self._rewriting = False  # a late job running them is queued (the lock)
        # the session's: whether a script step paused the recording, and what to do when steps are said
        self.step_paused: Callable[[], bool] = _never_paused
        self.steps_said: Callable[[list[str]], None] = _nothing_said
        self.tick_delay: Observer | None = None  # the center's TickDelays (set by the runtime)

    def detach_session(self) -> None:
        """The session's hooks let go (the call closed): no reference cycle keeps the session alive."""
        self.step_paused, self.steps_said = _never_paused, _nothing_said

    def forget_texts(self) -> None:
        """The call ended: what the detector remembers of its texts (card numbers too) is dropped, this call's only."""
        with self._redaction_lock:
            self._redaction.forget_texts()

    def publish(self, events: list[Event]) -> None:
        for event in events:
            self._bus.publish(event)

    def _guarded(self, step: Any) -> None:
        try:
            step()
        except Exception as exc:
            if self.failures is None:
                raise
            self.failures.report(stage_of(exc, "pipeline"), exc)

    # ---- spans, digits, transfers, media facts --------------------------------------------------------

    def span_on(self, kind: str, by: str, t: float, replayable: bool = True) -> dict[str, Any]:
        """Open a span (the open one of that kind if there is one). ``replayable`` False: not an event a
        phone sends again (a script step's pause: the transcript decides it, not the phone)."""
        with self.lock:
            if replayable and self._sent_again(kind, True, t):
                return {"start": round(t, 3), "end": None, "by": by}
            new = kind not in self._open_spans
            self._open_spans.add(kind)
            span = self.store.open_span(self.call_id, kind, t, by)
        if new:
            self.publish([Event(SPAN_EVENTS[kind][0], self.call_id, t, {kind: span})])
        return span

    def span_off(self, kind: str, t: float, replayable: bool = True) -> dict[str, Any] | None:
        with self.lock:
            self._open_spans.discard(kind)
            if replayable and self._sent_again(kind, False, t):
                return None
            span = self.store.close_span(self.call_id, kind, t)
        if span is not None:
            self.publish([Event(SPAN_EVENTS[kind][1], self.call_id, t, {kind: span})])
        return span

    def _sent_again(self, kind: str, on: bool, t: float) -> bool:
        """Under the lock: a pause's or hold's edge that the call's earlier run stored and published, sent
        again by its phone (agentassist.pipeline.resume; a phone sends no mutes)."""
        return kind in _SENT_AGAIN and self._resent(t, span_key(kind, on))

    def close_span(self, kind: str, end_s: float) -> None:
        """A span still open at the end of the call ends with it (no event: call.ended says it)."""
        with self.lock:
            self.store.close_span(self.call_id, kind, end_s)

    def digit(self, d: Digit, paused: bool) -> None:
        """Store and publish a received digit: as keyed with ``store_dtmf_digits``, else masked (its time
        and method only: a customer keying a card number leaves no number behind). During a card-data
        pause only the fact of a digit is published, never the digit."""
        if paused:
            self.publish([Event(EventType.CALL_DTMF, self.call_id, d.t_s, {"dtmf": {"digit": None, "masked": True}})])
            return
        digit = d.digit if self._store_dtmf_digits else ""  # "": masked (a real key may be "*")

        def add() -> None:
            with self.lock:
                self.store.add_digit(self.call_id, d.t_s, digit, d.method)

        with self.lock:
            if self._resent(d.t_s, digit_key(digit, d.method)):
                return  # stored and published by the call's earlier run
        self._guarded(add)
        dtmf = {"digit": digit or None, "method": d.method, "masked": not digit}
        self.publish([Event(EventType.CALL_DTMF, self.call_id, d.t_s, {"dtmf": dtmf})])

    def transfer(self, target: str, status_code: int, reason: str, t: float) -> None:
        """Progress of a blind transfer, as the peer reports it; the target is kept with the call."""
        transfer = {"target": target, "status_code": status_code, "reason": reason}
        self.save_media({"transfer_target": target, "transfer_status": status_code})
        self.publish([Event(EventType.CALL_TRANSFER, self.call_id, t, {"transfer": transfer})])

    def save_media(self, facts: dict[str, Any]) -> None:
        with self.lock:
            self.store.save_media(self.call_id, facts)

    def media(self, facts: dict[str, Any]) -> None:
        """Codec, RTP loss and jitter, MOS estimate: stored with the call; a failure is reported."""
        self._guarded(lambda: self.save_media(facts))

    # ---- the script tracker ---------------------------------------------------------------------------

    def assist_state(self) -> dict[str, Any] | None:
        if self.tracker is None:
            return None
        with self.lock:
            return {**self.tracker.state(), "variables": dict(self.tracker.variables)}

    def replace_script(self, script: Script, at_s: float) -> bool:
        tracker = self.tracker
        if tracker is None:
            return False
        with self.lock:
            if self.assist_finished or tracker.script.id != script.id or script.version <= tracker.script.version:
                return False  # finished, another script, or this version or a later one is already applied
            events = tracker.replace_script(script, at_s)
            report = tracker.report()
            self.store.save_adherence(self.call_id, report)
            changed = {"id": script.id, "version": script.version, "from_s": round(at_s, 3), "steps": report["steps"]}
            self.publish([Event(EventType.ASSIST_SCRIPT, self.call_id, at_s, {"script": changed}), *events])
        log.info("call %s: script %s version %d applied at %.1f s", self.call_id, script.id, script.version, at_s)
        return True

    def tick(self, now_s: float, speaking: bool) -> None:
        if self.tracker is None:
            return
        with self.lock:
            events = self.tracker.tick(now_s, speaking)
        self.publish(events)

    def finish_assist(self, end_s: float) -> None:
        if self.tracker is None:
            return
        with self.lock:
            self.assist_finished = True  # no new script version after the final report
            events = self.tracker.finish(end_s)
        self.publish(events)
        with self.lock:
            self.store.save_adherence(self.call_id, self.tracker.report())

    def on_utterance(self, utterance: Utterance) -> None:
        """Card data masked first (agentassist.privacy): only the masked utterance is stored, indexed and
        published, with any earlier final it masks anew (a card number said in two pieces). While a script
        step pauses the recording, the agent is heard by the script tracker only (the next step said ends
        the pause): nothing said then is stored, indexed or published."""
        handed_s = handed_at()  # the channel stream handed the utterance over (to the delivery thread)
        if self.step_paused() and utterance.channel is Channel.AGENT:
            said = self._heard_only(utterance, handed_s)
        else:
            # both channels' utterances: one redaction state, and what it lets out stored and published in
            # the order it was masked (else one channel's final, masked back by the other's, could be
            # stored or shown masked and then overwritten by its first, unmasked, version)
            said = []
            masked: list[Redaction] = []
            with self._redaction_lock:
                for m in self._redaction.apply(utterance):
                    said += self._record(m.utterance, handed_s)
                    if m.utterance.final and (m.redactions or m.utterance.id in self.redactions):
                        self._save_redactions(m.utterance.id, m.redactions)
                        masked += m.redactions
                    if m.original is not None:
                        self._save_original(m.utterance.id, m.original)
            if masked:
                self._silence_late(masked)
        if said:
            self.steps_said(said)  # outside the records lock: the session takes its media lock, then this one

    def _save_original(self, utterance_id: str, text: str) -> None:
        """What was masked, kept apart for the roles the script names (never indexed, never published)."""
        assert self.failures is not None and self.tracker is not None, "originals come from a script's rules"
        roles = self.tracker.script.original_roles
        with self.lock:
            self._write(
                HeldWrite(self.call_id, "original", utterance_id, original=text, roles=roles),
                f"original of {utterance_id}",
            )

    def _heard_only(self, utterance: Utterance, handed_s: float) -> list[str]:
        """The agent's final during a step's pause, given to the tracker alone; the steps it ticks are
        published without their evidence (the words heard)."""
        tracker = self.tracker
        if tracker is None or not utterance.final or utterance.revised:
            return []
        with self.lock:
            events = [e for e in tracker.on_utterance(utterance) if e.type is EventType.ASSIST_STEP]
            for e in events:
                e.data["step"] = {**e.data["step"], "evidence": {"recording_paused": True}}
            self._save_report(tracker.report())
            self.publish(events)
            self._timed(events, handed_s)
        return _done(events)

    def _silence_late(self, spans: list[Redaction]) -> None:
        """Spans just stored, silenced in the recording if it was finished before they came (a revision
        later than the close waits for): queued for the late work's thread (agentassist.pipeline.late),
        never done on this one, a transcription pool thread; before the recording was finished, the close
        reads them from the store itself."""
        with self.recording_lock:
            late_silence = self.late_silence
            if late_silence is None:
                return
            where = ", ".join(f"{r['start']:.1f}-{r['end']:.1f} s" for r in spans)
            self.late_work.submit(
                self.call_id,
                f"silencing data masked after the call at {where}",
                lambda: self._silence_now(late_silence, spans),
                recording=True,
                undone=lambda: self.save_media(
                    {"recording_silence_error": f"masked after the call at {where}, not silenced: the server stopped"}
                ),
            )

    def _silence_now(self, late_silence: LateSilencer, spans: list[Redaction]) -> bool:
        """The late work's thread: ``spans`` silenced and the new media facts stored. False: the object
        store was away, tried again later."""
        try:
            facts = late_silence(spans)
            if facts is not None:
                self.save_media(facts)
        except StoreAwayError:
            return False
        except Exception as exc:  # the call erased meanwhile, the database away, or a bug: said, not raised
            log.error("call %s: spans masked after the call: %s: %s", self.call_id, type(exc).__name__, exc)
        return True

    def _save_redactions(self, utterance_id: str, spans: list[Redaction]) -> None:
        assert self.failures is not None, "the session sets failures before any audio"
        with self.lock:
            self.redactions[utterance_id] = spans
            self._write(
                HeldWrite(self.call_id, "spans", utterance_id, spans=tuple(spans)), f"masked spans of {utterance_id}"
            )

    def _timed(self, events: list[Event], handed_s: float) -> None:
        """A final's step events just published: their delay after its hand-over, for /metrics."""
        if self.tick_delay is not None and any(e.type is EventType.ASSIST_STEP for e in events):
            self.tick_delay.observe(time.monotonic() - handed_s)

    def _record(self, utterance: Utterance, handed_s: float) -> list[str]:
        """A partial, final or revised utterance of either channel (the delivery thread; the channel stream keeps
        them in order). A revision replaces the stored final; the script tracker ticks only the steps still open
        that it says (ScriptTracker.on_revision: the live finals were acted on already). A failing database
        does not blind the agent: the events go out."""
        failures = self.failures
        assert failures is not None, "the session sets failures before any audio"
        with self.lock:
            events = [utterance_event(utterance)]
            if utterance.revised:
                self._write_line(utterance)
                if self.tracker is not None and (ticked := self.tracker.on_revision(utterance)):
                    events += ticked
                    self._save_report(self.tracker.report())
                self.publish(events)
                return []
            if utterance.final:
                self._write_line(utterance)
            if self.tracker is not None:
                tracker = self.tracker
                events += tracker.on_utterance(utterance)
                if utterance.final or len(events) > 1:
                    self._save_report(tracker.report())
            self.publish(events)
            if utterance.final:
                self._timed(events, handed_s)
        return _done(events) if utterance.final else []

    def _save_report(self, report: dict[str, Any]) -> None:
        """Under the lock: the whole adherence report, which the next one and the call's end replace. While
        the database refuses writes it is not tried (the next one replaces it, and the end's is written with
        the engine's full wait); one refused here is reported, not held."""
        assert self.failures is not None, "the session sets failures before any audio"
        if self.refusing.cause is not None:
            return
        try:
            self.store.save_adherence(self.call_id, report, lock_wait_s=LINE_LOCK_WAIT_S)
        except Exception as exc:
            self.refusing.refused(exc)
            self.failures.report(stage_of(exc, "pipeline"), exc)

    def _write_line(self, utterance: Utterance) -> None:
        """Under the lock: a final stored, or a revised final replacing its stored line (stored anew if
        it is missing, as a held final is); a revision to no text removes it."""
        u = utterance
        what = f"revised line {u.id} (the stored line may hold what it masks)" if u.revised else f"line {u.id}"
        self._write(HeldWrite(self.call_id, "line", u.id, line=u), what)

    def _write(self, write: HeldWrite, what: str) -> None:
        """Under the lock, on the delivery thread: a write of what the call's utterances leave (a line, its
        masked spans, its original), tried once, waiting :data:`LINE_LOCK_WAIT_S` at most for another
        writer's lock. The delivery thread serves every call: a write refused here is not lost but held
        (under its key) and handed to the late work's thread at once, which tries it on the schedule the
        call path used to wait through (failures.RETRY_DELAYS_S, then every late.RETRY_S), so an unmasked
        line a revision replaces stays stored no longer than before. While the process's database refuses
        writes (:class:`~agentassist.pipeline.held.Refusing`, set by any call's refused write), a write is
        held without that try, so the delivery thread waits for the lock once, not once per call. While
        the call has writes held, its new ones join them untried, in the order they came (a newer write
        of the same key takes the held one's place): the late work runs them in that order, and no older
        version of a line is ever written over a newer one."""
        assert self.failures is not None, "the session sets failures before any audio"
        if self._rewriting:
            self._held[write.key] = write
            return
        self._held.pop(write.key, None)  # the late work stopped with an older one held: this one replaces it
        cause = self.refusing.cause
        if cause is None:
            try:
                write.run(self.store, LINE_LOCK_WAIT_S)
                return
            except Exception as exc:
                self.refusing.refused(exc)
                cause = exc
        self.failures.report(stage_of(cause, "pipeline"), cause)
        self._held[write.key] = write
        self.refusing.holding(self)
        log.error("call %s: %s not stored (%s): written again in the background", self.call_id, what, cause_of(cause))
        self._rewriting = self.late_work.submit(
            self.call_id, "storing lines the database refused", self._write_held, delays_s=RETRY_DELAYS_S
        )

    def held_writes(self) -> list[HeldWrite]:
        """The writes held, in the order they are to be written (:class:`~agentassist.pipeline.held.Holder`)."""
        with self.lock:
            return list(self._held.values())

    def _write_held(self) -> bool:
        """The late work's thread: the writes the database refused, run in the order they came; False
        while one still is refused (tried again later). The records lock is not held while one runs: a
        database that keeps this thread waiting must not keep the delivery thread (every call's lines)
        waiting for the lock."""
        if not self.refusing.passes():  # still refused, as a write that changes nothing says
            return False
        while True:
            with self.lock:
                if not self._held:
                    self._rewriting = False
                    self.refusing.released(self)
                    return True
                if self.refusing.kept:  # the stop kept them in the file for the next start
                    return True
                key, write = next(iter(self._held.items()))
            try:
                write.run(self.store, None, again=True)
            except SQLAlchemyError as exc:
                if not self._call_gone():
                    self.refusing.refused(exc)
                    log.warning("call %s: %s %s still not stored: %s", self.call_id, *key, cause_of(exc))
                    return False
                log.warning("call %s: %s %s dropped: the call was erased", self.call_id, *key)
            else:
                self.refusing.taken()
                log.info("call %s: %s %s stored at last", self.call_id, *key)
            with self.lock:  # unless a newer write of it came meanwhile: that one runs next
                if self._held.get(key) is write:
                    del self._held[key]

    def _call_gone(self) -> bool:
        """Whether the call's row is gone (erased, by retention or a person's request): a line it refused
        has no stored line left to replace. False while the database cannot say."""
        try:
            return self.store.get_call(self.call_id) is None
        except SQLAlchemyError:
            return False

    @property
    def unwritten(self) -> list[str]:
        """The ids of the lines the database refused (finals and revisions), still held to be written."""
        with self.lock:
            return [uid for kind, uid in self._held if kind == "line"]


def _never_paused() -> bool:
    return False


def _nothing_said(said: list[str]) -> None:
    return None


def _done(events: list[Event]) -> list[str]:
    """The ids of the steps that ``events`` say were said."""
    return [
        e.data["step"]["id"] for e in events if e.type is EventType.ASSIST_STEP and e.data["step"]["status"] == "done"
    ]
