"""A call's session: the call's media turns and its public face.

Threads and where they cross (each entry goes through one of these, and nothing else):

- the queue (bounded, drop-newest with a counter): the desk's media thread pushes frames
  (:meth:`CallSession.push`), the desk's thread ends the call, lines the channels up after a hold and
  hands over received digits, as :mod:`commands <agentassist.pipeline.commands>`;
- the media lock: the media clock (:class:`~agentassist.pipeline.align.ChannelAligner`) and the card-data
  pause (:class:`~agentassist.pause.CardPause`), held for a few operations by the media thread on
  every frame and by an API thread pausing or resuming;
- the records lock (:class:`~agentassist.pipeline.records.CallRecords`): tracker and store, from the
  delivery thread (utterances, :mod:`agentassist.transcribe.delivery`: off the decode workers and outside
  the channel streams' locks), API threads (spans, a new script version) and the media thread;
- the tap (:class:`~agentassist.pipeline.tap.AudioTap`): the recorded audio to listeners' loops;
- the end of the input (an Event): the media thread tells the call's own thread to close the call.

The media thread (:mod:`agentassist.pipeline.media`, one for a process's calls) takes the queue's items
once a tick and owns the recorder and the channel streams (segmenting, partial and final scheduling)
while the call is up; the call's own thread starts the call, sleeps, and closes it. Nothing puts a frame
into a queue that a thread waits on: the put wakes nobody.
A failure under the call (the recording's disk full, the database refusing a write, the recogniser
raising) is reported and the call goes on (:mod:`agentassist.failures`); the close is
:func:`agentassist.pipeline.close.close_call`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agentassist.assist.script import Script
from agentassist.audio.encode import OpusOptions
from agentassist.audio.frames import FRAME_BYTES
from agentassist.audio.keyring import KeyRing
from agentassist.audio.recorder import Recorder, RecordingError
from agentassist.audio.segmenter import SegmenterOptions
from agentassist.errors import AgentassistError
from agentassist.events import Channel, Event, EventType, Frame
from agentassist.failures import CallFailures, FailureHandler, stage_of
from agentassist.pause import CardPause, Digit, DtmfPauseOptions
from agentassist.pipeline.align import ChannelAligner, Fill
from agentassist.pipeline.close import close_call
from agentassist.pipeline.commands import Align, DigitIn, EndInput, Item, Stereo
from agentassist.pipeline.held import Refusing
from agentassist.pipeline.late import LateWork
from agentassist.pipeline.media import MediaThread
from agentassist.pipeline.ports import CallStore, Publisher, SessionInfo, Tracker
from agentassist.pipeline.records import CallRecords
from agentassist.pipeline.resume import go_on, kept_frames, transcribe_again
from agentassist.pipeline.tap import AudioTap
from agentassist.transcribe.delivery import Delivery
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.stream import ChannelStream, StreamOptions
from agentassist.wire.audio import FRAME_BYTES_STEREO, deinterleave

log = logging.getLogger(__name__)

_QUEUE_ITEMS = 3000  # 30 s of both channels (a SIP call's two items a frame): far more than a call ever lags
# A turn takes at most this many items: a call catching up after a cut (its phone sending faster than real
# time) takes a second of audio a turn, not all its backlog at once while the other calls wait.
_TURN_ITEMS = 100
_TICK_S = 1.0
_IDLE_S = 0.2  # with no audio coming, the keypad's quiet and the tick are looked at this often
# Recording only, a call takes its audio this often, not every tick: fewer, larger recording writes. The
# recording and the acks lag by this much more; nothing reads the audio sooner when nothing transcribes it.
_RECORD_ONLY_WAIT_S = 0.1
_SILENCE = bytes(FRAME_BYTES)


class CallSession:
    """Everything one call needs after the desk: a FrameSink with its own thread."""

    def __init__(
        self,
        info: SessionInfo,
        transcriber: StreamingTranscriber | None,
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
        frame_wait_s: float = 0.0,
        keys: KeyRing | None = None,
        media: MediaThread | None = None,
        late_work: LateWork | None = None,
        delivery: Delivery | None = None,
        refusing: Refusing | None = None,
    ) -> None:
        """``opus``: convert the recording to Ogg Opus after hangup (None: keep the WAV);
        ``dtmf_pause``: digits from the far end that pause and resume the recording; ``failures``: told
        of what fails; ``fsync_every_s``: the most audio a power loss may cost; ``store_dtmf_digits``:
        store and publish received digits as keyed (False: masked); ``row``: writes the call's row, when
        it could not be written at the start (the database failing): tried again at the end;
        ``transcriber`` None: recorded only (``[transcribe] enabled = false``); ``frame_wait_s``: while
        transcribing, take the audio that came this often instead of waking for each frame (0); ``keys``:
        the recording is encrypted with the current one (None: in clear); ``media``: the thread that gives
        the call its turns, shared by a process's calls (None: one of its own); ``late_work``: the thread that
        does what comes after the call path (agentassist.pipeline.late), shared by a process's calls (None:
        one of its own); ``delivery``: the thread that hands the call's utterances to its records, shared by
        a process's calls (None: one of its own); ``refusing``: whether the database refuses writes, shared
        by a process's calls (agentassist.pipeline.held; None: the call's own)."""
        self.info = info
        self.call_id = info.call_id
        self.opus = opus
        self.keys = keys
        self.row = row
        self._on_closed = on_closed
        self._frame_wait_s = frame_wait_s
        self._media = media if media is not None else MediaThread(f"media-{info.call_id[:8]}")
        self._delivery = delivery if delivery is not None else Delivery(f"deliver-{info.call_id[:8]}")
        self._wake_at = 0.0  # when the call's next turn takes what came
        self._stepped_at = 0.0  # the last turn that stepped the pipeline
        self._next_tick = 0.0  # the next once-a-second flush of the recording and tick of the tracker
        self._input_over = threading.Event()  # set by the media thread at the end of the call's input
        # SimpleQueue (C): its put and get cost about a third of queue.Queue's (a Condition in Python);
        # bounded by _put
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self.dropped_frames = 0
        resumed = info.resumed  # a call that goes on after an earlier run (agentassist.pipeline.resume)
        stored = resumed.events if resumed is not None else None
        self.records = CallRecords(info.call_id, store, bus, tracker, store_dtmf_digits, stored)
        self.failures = CallFailures(info.call_id, failures, self.records.publish, lambda: self.now_s)
        self.records.failures = self.failures
        if late_work is not None:
            self.records.late_work = late_work
        if refusing is not None:
            self.records.refusing = refusing
        self.records.step_paused = lambda: self.step_paused
        self.records.steps_said = self.steps_said
        # the media lock: the media clock and the card-data pause (module docstring)
        self._media_lock = threading.Lock()
        self.aligner = ChannelAligner()
        self._written = kept_frames(resumed)  # frames of both channels in the recording: what a phone's ack covers
        self._taken = 0  # frames of both channels the media thread has taken off the queue
        self._watchers: list[tuple[int, Callable[[], None]]] = []  # when_taken
        self._card = CardPause(dtmf_pause)
        self.tap = AudioTap(self._card)  # listening in (api/listen.py): what the recording gets
        self.recorder = Recorder(
            info.recording_path, fsync_every_s=fsync_every_s, keep_samples=self._written * FRAME_BYTES // 2, keys=keys
        )
        self.streams = {
            ch: ChannelStream(
                info.call_id,
                ch,
                transcriber,
                self.records.on_utterance,
                segmenter_options=segmenter_options,
                options=stream_options,
                prompt=prompt,
                language=language,
                delivery=self._delivery,
            )
            for ch in Channel
            if transcriber is not None
        }
        self.end_reason = "hangup"
        self.end_status = "ended"
        self.ended_at: datetime | None = None
        self.suspended = False  # the center stopped under the call (suspend)
        # set by a stopping process (time.monotonic()): the close waits for finals and revisions no later
        self.close_deadline: float | None = None
        if self.recorder.failed:
            self.failures.report("record", RecordingError(f"recording not started: {self.recorder.failed}"))
        # per channel, frames before this one are in the stored transcript: a call taken over from another
        # node gets them again from the phone (recorded, not transcribed again: agentassist.restart)
        self._transcribed_to = go_on(resumed, self.aligner, self.streams)
        self._thread = threading.Thread(target=self._run, name=f"call-{info.call_id[:8]}", daemon=True)
        self._thread.start()

    # ---- FrameSink and the desk's commands: through the queue -------------------------------------------

    def push(self, channel: Channel, pcm: bytes) -> None:
        """A 20 ms frame of ``channel`` (the desk's media thread): queued, never waits."""
        self._put(Frame(self.call_id, channel, pcm))

    def push_stereo(self, pcm: bytes) -> None:
        """Whole 20 ms frames of both channels, the customer first (a phone's audio on the wire): one
        queued item for all of them, never waits."""
        self._put(Stereo(pcm))

    def _put(self, item: Item) -> None:
        if self._queue.qsize() >= _QUEUE_ITEMS:
            self.dropped_frames += 1  # only the media thread would be slower; counted in /metrics
            return
        self._queue.put(item)

    def end(self, reason: str = "hangup", status: str = "ended") -> None:
        """The call is over; the session finishes its work and closes in the background."""
        self.end_reason = reason
        self.end_status = status
        self.ended_at = datetime.now(UTC)  # the hangup, not when the last transcription finishes
        self._queue.put(EndInput())  # past the bound: the end is never dropped

    def suspend(self) -> None:
        """The center stops under a call that goes on elsewhere (its phone carries it): the recording is
        closed as it is and the call stays active, for the next run to resume (agentassist.restart);
        nothing more is transcribed. Nothing happens to a call that has ended."""
        if self.ended_at is None:
            self.suspended = True
            self._queue.put(EndInput())

    def dtmf(self, digit: str, method: str) -> None:
        """A digit the peer sent: handled on the media thread (the card-data pause's triggers, then
        stored or masked), stamped with the media time of the frames before it."""
        self._put(DigitIn(digit, method))

    def mark(self, kind: str, on: bool, by: str = "") -> dict[str, Any] | None:
        """A hold or mute began (``on``) or ended; stored as a span of the call and published."""
        if kind == "hold":
            # On hold the bridge stops pulling the agent's frames: line the channels up again here.
            self._put(Align())  # the desk's thread never waits; the lag fill still aligns
        t = self.now_s
        return self.records.span_on(kind, by, t) if on else self.records.span_off(kind, t)

    # ---- any thread -------------------------------------------------------------------------------------

    def pause(self, by: str) -> dict[str, Any]:
        """Card-data pause: from now both channels are recorded as silence and nothing is transcribed."""
        with self._media_lock:  # no frame counted after this is kept, and the span starts before them
            self._card.pause()
            t = self.aligner.now_s
        return self.records.span_on("pause", by, t)

    def resume(self) -> dict[str, Any] | None:
        """End the card-data pause; the closed span, or None when the call was not paused."""
        with self._media_lock:  # every silenced frame lies inside the span
            t = self.aligner.now_s
            self._card.resume()
        return self.records.span_off("pause", t)

    @property
    def paused(self) -> bool:
        with self._media_lock:
            return self._card.paused

    @property
    def step_paused(self) -> bool:
        with self._media_lock:
            return self._card.paused and self._card.step is not None

    def steps_said(self, said: list[str]) -> None:
        """Steps the agent was heard saying (a pool thread): a ``pause_recording`` step pauses the
        recording for its timeout, with a "pause" span by ``step:<id>``; the next step said resumes it."""
        script = self.records.tracker.script if self.records.tracker is not None else None
        if script is None:
            return
        timeouts = [(s, step.pause_timeout_s if (step := script.step(s)) else None) for s in said]
        with self._media_lock:
            t = self.aligner.now_s
            action = self._card.steps_said(timeouts, t)
            by = f"step:{self._card.step}"
        if action == "pause":  # the transcript's doing, never an event a phone sends again
            self.records.span_on("pause", by, t, replayable=False)
        elif action == "resume":
            self.records.span_off("pause", t, replayable=False)

    def transfer(self, target: str, status_code: int, reason: str) -> None:
        """Progress of a blind transfer, as the peer reports it; the target is kept with the call."""
        self.records.transfer(target, status_code, reason, self.now_s)

    def media(self, facts: dict[str, Any]) -> None:
        """Codec, RTP loss and jitter, MOS estimate: stored with the call."""
        self.records.media(facts)

    def assist_state(self) -> dict[str, Any] | None:
        """The tracker's live state (adherence report, current step, next prompt, cards, the variables
        filled into lines); None without a script."""
        return self.records.assist_state()

    def replace_script(self, script: Script) -> bool:
        """Apply a new version of this call's script now, keeping progress on steps that persist.

        Publishes ``assist.script`` (the new version and the steps' states) and ``assist.prompt``;
        False when the call has no tracker, follows another script, has this version or a later one,
        or has ended.
        """
        if self.ended_at is not None:
            return False
        return self.records.replace_script(script, self.now_s)

    def join(self, timeout_s: float | None = None) -> None:
        self._thread.join(timeout_s)

    @property
    def frames_written(self) -> int:
        """20 ms frames of both channels the recording holds, the kernel has them (a phone may drop them
        from its spool); the recorder's batch is not counted until it is written."""
        with self._media_lock:
            return self._written

    @property
    def frames_taken(self) -> int:
        """20 ms frames of both channels the media thread has taken (recorded or batched for the recording)."""
        with self._media_lock:
            return self._taken

    def when_taken(self, frames: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the media thread, or here when it is so already) once ``frames_taken``
        reaches ``frames``: a waiter is woken, never polls. Not called after the call's end."""
        with self._media_lock:
            if self._taken < frames:
                self._watchers.append((frames, callback))
                return
        callback()

    @property
    def now_s(self) -> float:
        """The call's media time: seconds of audio of the channel that is ahead."""
        with self._media_lock:
            return self.aligner.now_s

    # ---- the call's thread and the media thread's turns -------------------------------------------------

    def _run(self) -> None:
        """The call's own thread: the start, then asleep while the media thread gives the call its turns,
        then the close."""
        publish = self.records.publish
        publish([Event(EventType.CALL_STARTED, self.call_id, 0.0, {"call": {"id": self.call_id}})])
        state = self.assist_state()
        if state is not None:  # the first line to say, before anything is heard
            prompt = {"step_id": state["current_step"], "text": state["next_prompt"] or ""}
            publish([Event(EventType.ASSIST_PROMPT, self.call_id, 0.0, {"prompt": prompt})])
        try:
            resumed, path = self.info.resumed, self.info.recording_path
            self.failures.guarded("transcribe", lambda: transcribe_again(resumed, path, self.streams, self.keys))
            self._next_tick = time.monotonic() + _TICK_S
            if not self._media.add(self):  # the process is stopping: no turn will come
                self.media_lost(AgentassistError("the server stopped before the call's audio was taken"))
            self._input_over.wait()
        finally:
            close_call(self)

    def media_turn(self, now: float) -> bool:
        """The media thread's turn (agentassist.pipeline.media): every item that came since the last, in
        order, a phone's consecutive frames joined into one; False at the end of the call's input (what
        came after it is dropped). Transcribing, every tick (or every ``frame_wait_s``); recording only,
        every ``_RECORD_ONLY_WAIT_S``; with nothing come, the keypad's quiet and the tick every
        ``_IDLE_S``."""
        if now < self._wake_at:
            return True
        self._wake_at = now + (self._frame_wait_s if self.streams else _RECORD_ONLY_WAIT_S)
        items: list[Item] = []
        with contextlib.suppress(queue.Empty):
            while len(items) < _TURN_ITEMS and not self._queue.empty():
                items.append(self._queue.get_nowait())
        if not items:
            if now - self._stepped_at >= _IDLE_S:
                self._stepped_at = now
                self._guarded_step(None)
            return True
        self._stepped_at = now
        for item in _joined(items):
            if isinstance(item, EndInput):
                self._input_over.set()
                return False
            self._guarded_step(item)
        return True

    def media_lost(self, exc: Exception) -> None:
        """The media thread gave up on this call (its turn raised): it is reported and the call closes."""
        self.failures.report(stage_of(exc, "pipeline"), exc)
        self._input_over.set()

    def _guarded_step(self, item: Item | None) -> None:
        try:  # report and keep going: the call is up, and the next frame may well work
            self._step(item, self._next_tick)
        except Exception as exc:
            self.failures.report(stage_of(exc, "pipeline"), exc)
        if time.monotonic() >= self._next_tick:
            self._next_tick += _TICK_S

    def _step(self, item: Item | None, next_tick: float) -> None:
        """One turn of the loop: a frame, an alignment or a digit; the keypad's quiet; the tick."""
        if isinstance(item, Stereo):
            self._stereo(item.pcm)
        elif isinstance(item, Frame):
            self._frame(item.channel, item.pcm)
        elif isinstance(item, Align):
            with self._media_lock:
                fill = self.aligner.level()
            self._fill(fill)
        elif isinstance(item, DigitIn):
            self._digit(item)
        with self._media_lock:
            now_s = self.aligner.now_s
            step = self._card.step
            quiet = self._card.due(now_s)
        if quiet:  # the keypad has been quiet (the customer is done typing), or a step's pause timed out
            self.records.span_off("pause", now_s, replayable=step is None)
        if time.monotonic() >= next_tick:
            self.recorder_do(self.recorder.flush)
            self._count_written()
            speaking = any(s.in_speech for s in self.streams.values())
            self.records.tick(now_s, speaking)

    def _frame(self, channel: Channel, pcm: bytes) -> None:
        with self._media_lock:
            fill = self.aligner.push(channel)
            paused = self._card.paused
            heard = pcm if channel is Channel.AGENT and self._card.step is not None else _SILENCE
        # card data never reaches the file or the recogniser (the agent's voice does in a step's pause: the
        # tracker alone hears it, for the next step)
        self._write(channel, _SILENCE if paused else pcm, heard if paused else pcm)
        self._fill(fill)
        self._count_written()

    def _stereo(self, pcm: bytes) -> None:
        with self._media_lock:
            # each channel's index of the first frame: the skip of a call taken over counts from there
            skip_customer = self._transcribed_to[Channel.CUSTOMER] - self.aligner.frames[Channel.CUSTOMER]
            skip_agent = self._transcribed_to[Channel.AGENT] - self.aligner.frames[Channel.AGENT]
            self.aligner.push_both(len(pcm) // FRAME_BYTES_STEREO)
            paused = self._card.paused
            agent_heard = self._card.step is not None
        said = pcm
        if paused:  # card data never reaches the file or the recogniser
            pcm = bytes(len(pcm))
        self.recorder_do(lambda: self.recorder.write_stereo(pcm))
        self.tap.stereo(pcm)
        if self.streams:  # none when transcription is off: no per-channel work at all
            customer, agent = self.streams[Channel.CUSTOMER], self.streams[Channel.AGENT]
            spoken = [internal for _, internal in deinterleave(said)] if paused and agent_heard else None
            for n, (external, internal) in enumerate(deinterleave(pcm)):
                if n >= skip_customer:
                    customer.push(external)
                if n >= skip_agent:
                    agent.push(internal if spoken is None else spoken[n])
        self._count_written()

    def _count_written(self) -> None:
        """What a phone's ack may cover: frames the kernel holds, not those the recorder batches still."""
        with self._media_lock:
            self._taken = min(self.aligner.frames.values())
            self._written = self._taken - self.recorder.held_frames
            due = [w for w in self._watchers if w[0] <= self._taken] if self._watchers else []
            if due:
                self._watchers = [w for w in self._watchers if w[0] > self._taken]
        for _, callback in due:
            callback()

    def _fill(self, fill: Fill | None) -> None:
        """Silence for a channel that lags the other, so the recording, the segmenters and the
        utterance times of both channels share one clock."""
        if fill is not None:
            for _ in range(fill.frames):
                self._write(fill.channel, _SILENCE)

    def _write(self, channel: Channel, pcm: bytes, heard: bytes | None = None) -> None:
        self.recorder_do(lambda: self.recorder.write(channel, pcm))
        self.tap.channel(channel, pcm)
        if self.streams:  # none when transcription is off
            self.streams[channel].push(pcm if heard is None else heard)

    def _digit(self, item: DigitIn) -> None:
        with self._media_lock:
            t = self.aligner.now_s
            steps = self._card.digit(Digit(t, item.digit, item.method))
            paused = self._card.paused
        if steps.pause_by is not None:
            self.records.span_on("pause", steps.pause_by, t)
        if steps.resume:
            self.records.span_off("pause", t)
        for d in steps.released:
            self.records.digit(d, paused)

    def recorder_do(self, step: Callable[[], None]) -> None:
        try:
            step()
        except RecordingError as exc:  # once: the recorder drops every frame after it
            self.failures.report("record", exc)

    # ---- the close (call thread): agentassist.pipeline.close ----------------------------------------

    def flush_digits(self) -> None:
        """The call ended mid-sequence: the digits held back as a possible trigger are plain digits."""
        with self._media_lock:
            held = self._card.flush()
            paused = self._card.paused
        for d in held:
            self.records.digit(d, paused)

    def closed(self) -> None:
        """The close is done. The streams hold the records' bound methods: dropped, the session is freed by
        reference counting, not by the collector's next full pass; a revision running can still emit."""
        self.streams = {}
        self.records.detach_session()
        self.failures.detach()
        if self._on_closed is not None:
            self._on_closed(self.call_id)


def _joined(items: list[Item]) -> deque[Item]:
    """``items`` in order, each run of consecutive :class:`Stereo` as one (one write, one count)."""
    out: deque[Item] = deque()
    run: list[bytes] = []
    for item in items:
        if isinstance(item, Stereo):
            run.append(item.pcm)
            continue
        if run:
            out.append(Stereo(b"".join(run)))
            run = []
        out.append(item)
    if run:
        out.append(Stereo(b"".join(run)))
    return out
