"""One call's pipeline: frames in, recording, utterances and assist events out.

::

    media thread --push()--> bounded queue --call thread--> Recorder
                                                   └──> ChannelStream x2 --> StreamingTranscriber (pool)
    pool thread --> Store, ScriptTracker --> EventBus

The media callback only enqueues. The call thread owns the recorder and the
channel streams (segmenting, partial and final scheduling); tracker and store
are reached from pool threads under the session's lock. ``call.ended`` is published only after the last final
utterance of the call, so feeds see the call's events in order, and after its last turns' revisions when they
come within ``_REVISION_WAIT_S`` (a later one still updates the stored transcript and is published).

A failure under the call (the recording's disk full, the database refusing a write, the recogniser
raising) is reported and the call goes on (:mod:`agentassist.failures`); every step of the close runs
even when one before it failed, and the call is marked ended, ``abnormal``, whatever failed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from agentassist.assist.script import Script
from agentassist.audio.encode import OpusOptions, wav_to_opus
from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.audio.recorder import Recorder, RecordingError
from agentassist.audio.segmenter import SegmenterOptions
from agentassist.errors import AudioError
from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from agentassist.failures import CallFailures, FailureHandler, cause_of, retried, stage_of
from agentassist.pause import Digit, DtmfPauseOptions, DtmfTriggers
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.stream import ChannelStream, StreamOptions

log = logging.getLogger(__name__)

_GAP_WARN_S = 1.0  # a recording this much shorter than its call is reported
_REVISION_WAIT_S = 10.0  # at hangup, call.ended waits this long at most for the last turns' revisions

_QUEUE_FRAMES = 3000  # 30 s of both channels: far more than the call thread ever lags
_TICK_S = 1.0
_END = (Channel.AGENT, b"")  # sentinel: the call ended
_ALIGN = (Channel.CUSTOMER, b"")  # sentinel: bring the lagging channel level with the other
_SILENCE = bytes(FRAME_BYTES)
_MAX_LAG_FRAMES = 10  # a channel this far behind gets no frames (hold): filled with silence, before the
# recorder's own 0.5 s skew fill would pad it a second time
_SPAN_EVENTS = {
    "pause": (EventType.CALL_PAUSED, EventType.CALL_RESUMED),
    "hold": (EventType.CALL_HELD, EventType.CALL_UNHELD),
    "mute": (EventType.CALL_MUTED, EventType.CALL_UNMUTED),
}


class Publisher(Protocol):
    def publish(self, event: Event) -> None: ...


class CallStore(Protocol):
    def add_utterance(self, call_id: str, u: Utterance) -> None: ...

    def update_utterance(self, call_id: str, u: Utterance) -> None: ...

    def save_adherence(self, call_id: str, report: dict[str, Any]) -> None: ...

    def end_call(self, call_id: str, ended_at: datetime, status: str = "ended", end_reason: str = "hangup") -> None: ...

    def open_span(self, call_id: str, kind: str, start_s: float, by: str = "") -> dict[str, Any]: ...

    def close_span(self, call_id: str, kind: str, end_s: float) -> dict[str, Any] | None: ...

    def add_digit(self, call_id: str, t_s: float, digit: str, method: str) -> None: ...

    def save_media(self, call_id: str, data: dict[str, Any]) -> None: ...


class Tracker(Protocol):
    script: Script
    variables: dict[str, str]

    def on_utterance(self, u: Utterance) -> list[Event]: ...

    def tick(self, now_s: float, speaking: bool = False) -> list[Event]: ...

    def finish(self, end_s: float) -> list[Event]: ...

    def report(self) -> dict[str, Any]: ...

    def state(self) -> dict[str, Any]: ...

    def replace_script(self, script: Script, at_s: float) -> list[Event]: ...


@dataclass(frozen=True, slots=True)
class SessionInfo:
    call_id: str
    started_at: datetime
    recording_path: Path


class CallSession:
    """Everything one call needs after the softphone: a FrameSink with its own thread."""

    def __init__(
        self,
        info: SessionInfo,
        transcriber: StreamingTranscriber,
        store: CallStore,
        bus: Publisher,
        tracker: Tracker | None,
        segmenter_options: SegmenterOptions | None = None,
        on_closed: Callable[[str], None] | None = None,
        stream_options: StreamOptions | None = None,
        prompt: str | None = None,
        language: str | None = None,
        opus: OpusOptions | None = None,
        dtmf_pause: DtmfPauseOptions | None = None,
        failures: FailureHandler | None = None,
        fsync_every_s: float = 2.0,
        store_dtmf_digits: bool = False,
        row: Callable[[], None] | None = None,
    ) -> None:
        """``opus``: convert the recording to Ogg Opus after hangup (None: keep the WAV);
        ``dtmf_pause``: digits from the far end that pause and resume the recording; ``failures``: told
        of what fails; ``fsync_every_s``: the most audio a power loss may cost; ``store_dtmf_digits``:
        store and publish received digits as keyed (False: masked); ``row``: writes the call's row, when
        it could not be written at the start (the database failing): tried again at the end."""
        self.info = info
        self._opus = opus
        self.call_id = info.call_id
        self._transcriber = transcriber
        self._store = store
        self._bus = bus
        self._tracker = tracker
        self._on_closed = on_closed
        self._queue: queue.Queue[tuple[Channel, bytes]] = queue.Queue(maxsize=_QUEUE_FRAMES)
        self.failures = CallFailures(info.call_id, failures, self._publish, lambda: self.now_s)
        self._row = row
        self._store_dtmf_digits = store_dtmf_digits
        self._recorder = Recorder(info.recording_path, fsync_every_s=fsync_every_s)
        self._streams = {
            ch: ChannelStream(
                info.call_id,
                ch,
                transcriber,
                self._on_utterance,
                segmenter_options=segmenter_options,
                options=stream_options,
                prompt=prompt,
                language=language,
            )
            for ch in Channel
        }
        self._frames = {ch: 0 for ch in Channel}
        self._filled = {ch: 0 for ch in Channel}  # frames of silence put in for a channel that got none (hold)
        self._lock = threading.Lock()  # tracker and store from pool threads
        self.dropped_frames = 0
        self._open_spans: set[str] = set()
        self._assist_finished = False
        self.paused = False  # card-data pause: read by the call thread on every frame
        self._triggers = DtmfTriggers(dtmf_pause) if dtmf_pause is not None and dtmf_pause.enabled else None
        self._resume_at_s: float | None = None  # a pause keyed digits opened ends at this media time
        self.end_reason = "hangup"
        self.end_status = "ended"
        self.ended_at: datetime | None = None
        if self._recorder.failed:
            self.failures.report("record", RecordingError(f"recording not started: {self._recorder.failed}"))
        self._thread = threading.Thread(target=self._run, name=f"call-{info.call_id[:8]}", daemon=True)
        self._thread.start()

    # ---- FrameSink: media thread ---------------------------------------------------------------

    def push(self, channel: Channel, pcm: bytes) -> None:
        try:
            self._queue.put_nowait((channel, pcm))
        except queue.Full:
            self.dropped_frames += 1

    # ---- control: any thread -------------------------------------------------------------------

    def end(self, reason: str = "hangup", status: str = "ended") -> None:
        """The call is over; the session finishes its work and closes in the background."""
        self.end_reason = reason
        self.end_status = status
        self.ended_at = datetime.now(UTC)  # the hangup, not when the last transcription finishes
        self._queue.put(_END)

    def pause(self, by: str) -> dict[str, Any]:
        """Card-data pause: from now both channels are recorded as silence and nothing is transcribed."""
        self.paused = True  # before the span opens: no frame after this request is kept
        return self._span_on("pause", by)

    def resume(self) -> dict[str, Any] | None:
        """End the card-data pause; the closed span, or None when the call was not paused."""
        span = self._span_off("pause")
        self.paused = False  # after the span closes: every silenced frame lies inside it
        return span

    def mark(self, kind: str, on: bool, by: str = "") -> dict[str, Any] | None:
        """A hold or mute began (``on``) or ended; stored as a span of the call and published."""
        if kind == "hold":
            # On hold the bridge stops pulling the agent's frames: line the channels up again here.
            with contextlib.suppress(queue.Full):  # the pj thread never waits; the lag fill still aligns
                self._queue.put_nowait(_ALIGN)
        return self._span_on(kind, by) if on else self._span_off(kind)

    def dtmf(self, digit: str, method: str) -> None:
        """A digit the peer sent (pj thread). A trigger sequence pauses or resumes the recording and
        is never stored; with ``quiet_s`` any other digit pauses it until the keypad is quiet. During a
        card-data pause only the fact of a digit is published, never the digit."""
        t = self.now_s
        released = [Digit(t, digit, method)]
        if self._triggers is not None:
            action, released = self._triggers.feed(released[0])
            if action == "pause" and not self.paused:
                self.pause("dtmf")
            elif action == "resume":
                self._resume_at_s = None
                self.resume()
            quiet_s = self._triggers.options.quiet_s
            if released and quiet_s > 0:
                if not self.paused:
                    self.pause("keypad")
                    self._resume_at_s = t + quiet_s
                elif self._resume_at_s is not None:
                    self._resume_at_s = t + quiet_s  # still typing: the pause goes on
        for d in released:
            self._digit(d)

    def _digit(self, d: Digit) -> None:
        """Store and publish a received digit: as keyed with ``store_dtmf_digits``, else masked (its time
        and method only: a customer keying a card number leaves no number behind)."""
        if self.paused:
            self._publish([Event(EventType.CALL_DTMF, self.call_id, d.t_s, {"dtmf": {"digit": None, "masked": True}})])
            return
        digit = d.digit if self._store_dtmf_digits else ""  # "": masked (a real key may be "*")
        try:
            with self._lock:
                self._store.add_digit(self.call_id, d.t_s, digit, d.method)
        except Exception as exc:
            self.failures.report(stage_of(exc, "pipeline"), exc)
        dtmf = {"digit": digit or None, "method": d.method, "masked": not digit}
        self._publish([Event(EventType.CALL_DTMF, self.call_id, d.t_s, {"dtmf": dtmf})])

    def transfer(self, target: str, status_code: int, reason: str) -> None:
        """Progress of a blind transfer, as the peer reports it; the target is kept with the call."""
        transfer = {"target": target, "status_code": status_code, "reason": reason}
        with self._lock:
            self._store.save_media(self.call_id, {"transfer_target": target, "transfer_status": status_code})
        self._publish([Event(EventType.CALL_TRANSFER, self.call_id, self.now_s, {"transfer": transfer})])

    def media(self, facts: dict[str, Any]) -> None:
        """Codec, RTP loss and jitter, MOS estimate: stored with the call."""
        try:
            with self._lock:
                self._store.save_media(self.call_id, facts)
        except Exception as exc:
            self.failures.report(stage_of(exc, "pipeline"), exc)

    def _span_on(self, kind: str, by: str) -> dict[str, Any]:
        t = self.now_s
        with self._lock:
            new = kind not in self._open_spans
            self._open_spans.add(kind)
            span = self._store.open_span(self.call_id, kind, t, by)
        if new:
            self._publish([Event(_SPAN_EVENTS[kind][0], self.call_id, t, {kind: span})])
        return span

    def _span_off(self, kind: str) -> dict[str, Any] | None:
        t = self.now_s
        with self._lock:
            self._open_spans.discard(kind)
            span = self._store.close_span(self.call_id, kind, t)
        if span is not None:
            self._publish([Event(_SPAN_EVENTS[kind][1], self.call_id, t, {kind: span})])
        return span

    def assist_state(self) -> dict[str, Any] | None:
        """The tracker's live state (adherence report, current step, next prompt, cards, the variables
        filled into lines); None without a script."""
        if self._tracker is None:
            return None
        with self._lock:
            return {**self._tracker.state(), "variables": dict(self._tracker.variables)}

    def replace_script(self, script: Script) -> bool:
        """Apply a new version of this call's script now, keeping progress on steps that persist.

        Publishes ``assist.script`` (the new version and the steps' states) and ``assist.prompt``;
        False when the call has no tracker, follows another script, has this version or a later one,
        or has ended.
        """
        tracker = self._tracker
        if tracker is None or self.ended_at is not None:
            return False
        with self._lock:
            if self._assist_finished or tracker.script.id != script.id or script.version <= tracker.script.version:
                return False  # finished, another script, or this version or a later one is already applied
            at_s = self.now_s
            events = tracker.replace_script(script, at_s)
            report = tracker.report()
            self._store.save_adherence(self.call_id, report)
            changed = {"id": script.id, "version": script.version, "from_s": round(at_s, 3), "steps": report["steps"]}
            self._publish([Event(EventType.ASSIST_SCRIPT, self.call_id, at_s, {"script": changed}), *events])
        log.info("call %s: script %s version %d applied at %.1f s", self.call_id, script.id, script.version, at_s)
        return True

    def join(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    @property
    def frames_written(self) -> int:
        """20 ms frames of both channels handed to the recording (a phone may drop them from its spool)."""
        return min(self._frames.values())

    @property
    def now_s(self) -> float:
        return max(self._frames.values()) * FRAME_BYTES / 2 / SAMPLE_RATE_HZ

    # ---- call thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        self._publish([Event(EventType.CALL_STARTED, self.call_id, 0.0, {"call": {"id": self.call_id}})])
        state = self.assist_state()
        if state is not None:  # the first line to say, before anything is heard
            prompt = {"step_id": state["current_step"], "text": state["next_prompt"] or ""}
            self._publish([Event(EventType.ASSIST_PROMPT, self.call_id, 0.0, {"prompt": prompt})])
        next_tick = time.monotonic() + _TICK_S
        try:
            while True:
                try:
                    item: tuple[Channel, bytes] | None = self._queue.get(timeout=0.2)
                except queue.Empty:
                    item = None
                if item == _END:
                    break
                try:  # report and keep going: the call is up, and the next frame may well work
                    self._step(item, next_tick)
                except Exception as exc:
                    self.failures.report(stage_of(exc, "pipeline"), exc)
                if time.monotonic() >= next_tick:
                    next_tick += _TICK_S
        finally:
            self._close()

    def _step(self, item: tuple[Channel, bytes] | None, next_tick: float) -> None:
        """One turn of the call thread: a frame or an alignment, the keypad's quiet, the once-a-second tick."""
        if item == _ALIGN:
            self._align(0)
        elif item is not None:
            self._frame(*item)
        resume_at = self._resume_at_s
        if resume_at is not None and self.now_s >= resume_at:
            self._resume_at_s = None
            self.resume()  # the keypad has been quiet: the customer is done typing
        if time.monotonic() >= next_tick:
            self._recorder_do(self._recorder.flush)
            if self._tracker is not None:
                with self._lock:
                    speaking = any(s.in_speech for s in self._streams.values())
                    events = self._tracker.tick(self.now_s, speaking)
                self._publish(events)

    def _recorder_do(self, step: Callable[[], None]) -> None:
        try:
            step()
        except RecordingError as exc:  # once: the recorder drops every frame after it
            self.failures.report("record", exc)

    def _align(self, max_lag_frames: int) -> None:
        """Feed silence to a channel that lags the other by more than ``max_lag_frames``, so the
        recording, the segmenters and the utterance times of both channels share one clock."""
        agent, customer = self._frames[Channel.AGENT], self._frames[Channel.CUSTOMER]
        behind = Channel.AGENT if agent < customer else Channel.CUSTOMER
        lag = abs(agent - customer)
        if lag > max_lag_frames:
            self._filled[behind] += lag
            for _ in range(lag):
                self._frame(behind, _SILENCE, align=False)

    def _frame(self, channel: Channel, pcm: bytes, align: bool = True) -> None:
        self._frames[channel] += 1
        if self.paused:
            pcm = _SILENCE  # card data never reaches the file or the recogniser
        self._recorder_do(lambda: self._recorder.write(channel, pcm))
        self._streams[channel].push(pcm)
        if align:
            self._align(_MAX_LAG_FRAMES)

    def _close(self) -> None:
        """Finish the call's work and mark it ended. Every step runs even when one before it failed; a
        failure makes the call end ``abnormal``, and an end the database refuses is handed to the runtime
        to store later (or to the next start's ``close_abandoned_calls``)."""
        try:
            self.failures.guarded("close", self._flush_digits)
            for stream in self._streams.values():
                self.failures.guarded("transcribe", stream.finish)
            self._recorder_do(self._recorder.close)
            self.failures.guarded("close", self._finish_recording)
            log.info(
                "call %s: %d agent and %d customer frames, %d and %d of them silence filled in",
                self.call_id,
                self._frames[Channel.AGENT],
                self._frames[Channel.CUSTOMER],
                self._filled[Channel.AGENT],
                self._filled[Channel.CUSTOMER],
            )
            finals = [f for stream in self._streams.values() for f in stream.futures]
            wait(finals)
            # the finals are in: the turns they closed have been submitted for revision
            wait([f for stream in self._streams.values() for f in stream.revisions()], timeout=_REVISION_WAIT_S)
            for f in finals:
                if f.exception() is not None:
                    self.failures.report("transcribe", f.exception())  # type: ignore[arg-type]
            # a recording that stopped early has no clock past its failure: the media clock goes on
            end_s = self._recorder.duration_s if not self._recorder.failed else max(self.now_s, 0.0)
            self.failures.guarded("close", lambda: self._finish_assist(end_s))
            for kind in _SPAN_EVENTS:  # a span still open at the end ends with the call
                self.failures.guarded("close", lambda kind=kind: self._close_span(kind, end_s))  # type: ignore[misc]
            self._end(end_s)
            if self.dropped_frames:
                log.warning("call %s: %d frames dropped by a full queue", self.call_id, self.dropped_frames)
        except Exception as exc:  # a bug in the close itself: still counted, and the runtime still told
            self.failures.report(stage_of(exc, "close"), exc)
        finally:
            # The streams hold this session's bound methods: dropped, the session is freed by reference
            # counting when the runtime lets it go, not by the collector's next full pass (audio and all).
            # A revision still running keeps its own stream alive and can still emit.
            self._streams = {}
            self.failures.detach()
            if self._on_closed is not None:
                self._on_closed(self.call_id)

    def _flush_digits(self) -> None:
        if self._triggers is not None:
            for d in self._triggers.flush():  # the call ended mid-sequence: plain digits after all
                self._digit(d)

    def _finish_assist(self, end_s: float) -> None:
        if self._tracker is None:
            return
        with self._lock:
            self._assist_finished = True  # no new script version after the final report
            events = self._tracker.finish(end_s)
        self._publish(events)
        with self._lock:
            self._store.save_adherence(self.call_id, self._tracker.report())

    def _close_span(self, kind: str, end_s: float) -> None:
        with self._lock:
            self._store.close_span(self.call_id, kind, end_s)

    def _end(self, end_s: float) -> None:
        """Mark the call ended (tried again on a database error) and publish ``call.ended``."""
        ended_at = self.ended_at or self.info.started_at + timedelta(seconds=end_s)
        failed = self.failures.causes
        if failed:
            # the SIP reason is kept with the call's media facts; the row says the call is not to be trusted
            with contextlib.suppress(Exception):
                self._store.save_media(self.call_id, {"failures": failed, "sip_end_reason": self.end_reason})
            self.end_reason = "abnormal"
        status, reason, row = self.end_status, self.end_reason, self._row

        def store_end() -> None:
            if row is not None:
                row()  # the row the start could not write
            self._store.end_call(self.call_id, ended_at, status, reason)

        try:
            retried(store_end, f"call {self.call_id}: storing its end")
        except Exception as exc:
            self.failures.report(stage_of(exc, "close"), exc)
            if self.end_reason != "abnormal":
                self.end_reason = "abnormal"
                reason = "abnormal"
            log.error(
                "call %s: its end is not stored (%s): kept in memory and tried again; else the next start closes it",
                self.call_id,
                cause_of(exc),
            )
            if self.failures.handler is not None:
                self.failures.handler.end_unstored(self.call_id, store_end)
        data: dict[str, Any] = {"reason": self.end_reason}
        if self.failures.causes:
            data["failures"] = self.failures.causes
        self._publish([Event(EventType.CALL_ENDED, self.call_id, end_s, data)])

    def _finish_recording(self) -> None:
        """Convert the closed WAV when asked to; before the call is marked ended, so an ended call's
        recording is final. A failed conversion keeps the WAV and says why."""
        path = self.info.recording_path
        recorded_s = self._recorder.duration_s
        facts: dict[str, Any] = {"recording_format": "wav", "recording_s": round(recorded_s, 3)}
        if self.ended_at is not None:
            # The media clock ticks once per frame; starved of CPU it falls behind and the time is lost.
            gap_s = (self.ended_at - self.info.started_at).total_seconds() - recorded_s
            facts["recording_gap_s"] = round(gap_s, 3)
            if gap_s > _GAP_WARN_S and not self._recorder.failed:  # a failed one says why it stopped
                log.warning(
                    "call %s: %.1f s recorded over %.1f s of call: the media clock fell behind (CPU starved?)",
                    self.call_id,
                    recorded_s,
                    recorded_s + gap_s,
                )
        if self._opus is not None:
            try:
                path = wav_to_opus(path, self._opus)
                facts["recording_format"] = "opus"
            except AudioError as exc:
                log.error("call %s: recording kept as WAV: %s", self.call_id, exc)
                facts["recording_error"] = str(exc)
        with contextlib.suppress(OSError):
            facts["recording_bytes"] = path.stat().st_size
        if self._recorder.failed:
            facts["recording_error"] = self._recorder.failed
        with self._lock:
            self._store.save_media(self.call_id, facts)

    # ---- pool threads ----------------------------------------------------------------------------

    def _on_utterance(self, utterance: Utterance) -> None:
        """A partial, final or revised utterance of either channel (the channel stream keeps them in order).
        A revision replaces the stored final; the script tracker sees only the live finals (it has acted
        on them already)."""
        with self._lock:
            events = [utterance_event(utterance)]
            if utterance.revised:
                self.failures.guarded("pipeline", lambda: self._store.update_utterance(self.call_id, utterance))
                self._publish(events)
                return
            if utterance.final:  # a failing database does not blind the agent: the events go out still
                self.failures.guarded("pipeline", lambda: self._store.add_utterance(self.call_id, utterance))
            if self._tracker is not None:
                tracker = self._tracker
                events += tracker.on_utterance(utterance)
                if utterance.final or len(events) > 1:
                    self.failures.guarded(
                        "pipeline", lambda: self._store.save_adherence(self.call_id, tracker.report())
                    )
            self._publish(events)

    def _publish(self, events: list[Event]) -> None:
        for event in events:
            self._bus.publish(event)
