"""The center's runtime: the speech models (agentassist.callmodels), one CallSession per call, and the
desks that carry the calls.

Owned by the API's lifespan (``start`` in a worker thread, ``stop`` at shutdown); it is the
:class:`~agentassist.desk.CallHandler` every desk reports to: this process's own softphone (unless
``[sip] listen`` is "") and the phones connected over the wire. Commands for a call go to the desk
that carries it (:class:`~agentassist.desk.Desks`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentassist import memory
from agentassist.assist.script import Script, script_prompt
from agentassist.assist.tracker import ScriptTracker, warm_say_lines
from agentassist.assist.versions import ScriptVersions, say_default_script
from agentassist.audio.devices import AudioIO, file_microphone
from agentassist.audio.encode import OpusOptions
from agentassist.bus import EventBus
from agentassist.callmodels import CallModels
from agentassist.config import Settings
from agentassist.desk import (
    ENDED_REASONS,
    CallChange,
    CallInfo,
    Desk,
    Desks,
    DtmfDigit,
    HoldChange,
    PausingDesk,
    TransferProgress,
)
from agentassist.errors import AgentassistError
from agentassist.events import Event, EventType
from agentassist.failures import FailureCounter, Stage, UnstoredEnds, cause_of, stage_of
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.pipeline.held import HELD_FILE, Refusing
from agentassist.pipeline.held import keep as keep_held
from agentassist.pipeline.held import replay as replay_held
from agentassist.pipeline.late import LateWork
from agentassist.pipeline.media import MediaThread
from agentassist.pipeline.records import TickDelays
from agentassist.pipeline.tap import AudioTap
from agentassist.pipeline.unsilenced import sweep as sweep_unsilenced
from agentassist.restart import Resumption, WaitingCalls
from agentassist.sip.quality import StreamQuality
from agentassist.store.claims import Claims
from agentassist.store.db import Store
from agentassist.store.prompts import PromptStore
from agentassist.store.recordings import RecordingStore
from agentassist.store.uploads import uploads_for
from agentassist.transcribe.delivery import Delivery

if TYPE_CHECKING:
    from agentassist.sip.softphone import Softphone

log = logging.getLogger(__name__)

_RETRY_S = 10.0  # a refused call end is written again this often
# What a stop gives its calls' ends and the model's workers: with uvicorn's own second (cli.py) and the
# process's exit, SIGTERM ends `agentassist serve` within 5 s (tests/test_shutdown.py measures it).
STOP_S = 2.0
_CLOSE_MARGIN_S = 0.5  # after the deadline a close still stores the call's end and publishes call.ended
# After the calls' closes, the deliveries they did not wait for: a line is a few milliseconds (4.5-7 ms a
# final at 48 calls, benchmarks/RESULTS.md), so this is a hundred or more, and the stop stays within 5 s.
_DELIVER_MARGIN_S = 0.5


class Runtime:
    def __init__(self, settings: Settings, store: Store, bus: EventBus, recordings: RecordingStore) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.recordings = recordings
        self.prompts = PromptStore(settings.data_dir / "prompts")
        # Checked before anything starts: a bad agent_audio_file or script dir refuses the start.
        self.audio = AudioIO(settings.audio)
        self.scripts = ScriptVersions(Path(settings.assist.scripts_dir))
        self.scripts.on_change(self.apply_script)  # a file edited on disk: calls in progress get it too
        r = settings.recorder
        self._opus = OpusOptions(r.opus_bitrate_bps) if r.format == "opus" else None
        self.models = CallModels(settings.transcribe)
        self._phone: Softphone | None = None
        self.desks = Desks()
        self._sessions: dict[str, CallSession] = {}
        self.media = MediaThread()  # every call's frames taken once a tick (agentassist.pipeline.media)
        self.delivery = Delivery()  # every call's utterances to its records (agentassist.transcribe.delivery)
        self._lock = threading.Lock()
        self.error: str | None = None
        self.failures = FailureCounter()
        self.tick_delays = TickDelays()  # every call's: a final to the checklist's step events published
        self._unstored = UnstoredEnds(_RETRY_S)
        self.claims = Claims(store.engine, settings.data_dir)  # which node carries a call, on a shared database
        self.waiting = WaitingCalls(store, recordings, bus, settings.center.phone_timeout_s, self.claims)
        self.uploads = uploads_for(recordings, store, self.claims)  # None without [storage] url
        # what comes after the calls' paths (late silences, refused revised lines): one thread for all
        self.late_work = LateWork(edits=self.uploads)
        # whether the database refuses writes, for every call at once: once one line is refused, the others
        # are held for the late work without each waiting for the lock first (agentassist.pipeline.held)
        self.refusing = Refusing(store.probe_write)
        if self.uploads is not None:
            self.uploads.held = self.late_work.pending  # a recording is uploaded once it is silenced

    # ---- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        say_default_script(self.scripts, self.settings.assist.default_script)
        # the lines an earlier run still held at its stop (the database refusing them), before anything else
        # writes: a call it left to its phone may be resumed and revise them
        replay_held(self.settings.data_dir / HELD_FILE, self.store)
        # spans an earlier run left unsilenced (stopped with the silence queued): done in the background
        opus = self._opus or OpusOptions(self.settings.recorder.opus_bitrate_bps)  # its Ogg files were made so
        sweep_unsilenced(self.store, self.recordings, self.late_work, opus, datetime.now(UTC))
        if self.uploads is not None:
            self.uploads.start()  # first what an earlier run left on disk
        try:
            self.models.load()  # none when transcription is off: a recorder only
            if self.models.main is not None:
                self._preload(self.settings.assist.default_script)
            if self.settings.sip.listen:
                from agentassist.sip.softphone import Softphone  # pjsua2 only where a softphone runs

                phone = Softphone(self.settings.sip, self.audio, self)
                phone.start()
                self._phone = phone
                self.desks.attach(self.settings.assist.agent_name, phone, own=True)
        except AgentassistError as exc:
            self.error = str(exc)  # the caller reports it
            raise

    def stop(self) -> None:
        """End every call and let go of the model within ``STOP_S``: a stopping process (SIGTERM, Ctrl-C)
        frees its SIP port at once. The calls' ends are stored, and every line decoded by then; their
        revisions, and a final still decoding at the deadline, are left out."""
        deadline = time.monotonic() + STOP_S
        # One order, each step feeding only the ones after it:
        # 1. The calls: the softphone stopped (its calls end), every other call suspended, each close
        #    joined by the deadline. A close puts its last finals on the delivery and waits for them there.
        # 2. The media thread: the closes took every call off it; one still on it at the deadline (a queue
        #    longer than the time left) is told so and ends without the rest of its audio. After it no
        #    audio reaches a stream, so no decode is submitted.
        # 3. The models: no decode is taken any more; a final that is done by the deadline has been put
        #    on the delivery.
        # 4. The delivery: what a close gave up waiting for (a call's last lines) and what a suspended call
        #    never waited for is stored and published now, with a margin past the deadline: these are the
        #    transcript, not its polish. It comes after the models, so that nothing decoded is put after it.
        # 5. The late work, with what is left of the deadline: a delivered revision may have queued a late
        #    silence or a refused line's rewrite, so it comes after the delivery. The lines the database
        #    still refuses then are kept in a file that the next start writes first.
        # 6. The claims: the calls left to their phones are let go only once their last lines are stored,
        #    so that the node that takes one over does not transcribe them again.
        self._hurry(deadline)
        if self._phone is not None:
            self.desks.detach(self.settings.assist.agent_name, self._phone)
            self._phone.stop()  # ends every call: their sessions close below
            self._phone = None
        self.waiting.stop()
        if self.uploads is not None:
            self.uploads.stop()
        for session in self._hurry(deadline):  # those that started meanwhile too
            session.suspend()  # a call not ended is a phone's: the next run resumes it (agentassist.restart)
            session.join(timeout_s=max(0.0, deadline - time.monotonic()) + _CLOSE_MARGIN_S)
        self.media.stop(deadline)
        self.models.close(deadline)
        self.delivery.stop(max(deadline, time.monotonic()) + _DELIVER_MARGIN_S)  # what is left is logged
        self.late_work.stop(max(0.0, deadline - time.monotonic()))  # what is left undone is logged
        keep_held(self.settings.data_dir / HELD_FILE, self.refusing)  # what the database still refused
        self.claims.close()  # the calls left to their phones: any node may take them over now
        left = self._unstored.close()
        if left:
            log.error("%d call(s) left active in the database (%s): the next start closes them", len(left), left)
        self.audio.close()

    def _hurry(self, deadline: float) -> list[CallSession]:
        """The sessions now, each told to be closed by ``deadline``."""
        with self._lock:
            sessions = list(self._sessions.values())
        for session in sessions:
            session.close_deadline = deadline
        return sessions

    def health(self) -> dict[str, bool]:
        checks = {"model": self.models.ready}
        if self.settings.sip.listen:  # a center only ([sip] listen = "") has no softphone to wait for
            checks["sip"] = self._phone is not None and self._phone.listening
        return checks

    def dial(self, uri: str, prompt: str | None = None, agent: str | None = None) -> str:
        """Place a call from ``agent``'s desk (None: this process's own softphone); ``prompt``: the id of
        a stored prompt played as the agent's voice."""
        agent = agent or self.settings.assist.agent_name
        desk = self.desks.for_agent(agent)
        if prompt and (self._phone is None or desk is not self._phone):
            raise AgentassistError(f"prompts play only on this server's own softphone, not on {agent!r}'s desk")
        # read whole here, so deleting the prompt later does not cut the call's audio
        microphone = file_microphone(self.prompts.path(prompt)) if prompt else None
        call_id = desk.call(uri, microphone)
        self.claims.carry(call_id)
        self.desks.bind(call_id, agent)
        # The row exists from now on, "ringing" until the answer (or the failure) brings it up to date.
        self.store.create_call(
            call_id=call_id,
            direction="outbound",
            remote=uri,
            agent=agent,
            script_id=None,
            started_at=datetime.now(UTC),
            recording_path="",
            status="ringing",
        )
        return call_id

    def desk(self, call_id: str) -> Desk:
        """The desk that carries ``call_id`` (NoDeskError when none does)."""
        return self.desks.for_call(call_id)

    def hangup(self, call_id: str) -> None:
        self.desk(call_id).hangup(call_id)

    def ringing(self, agent: str | None = None) -> list[dict[str, Any]]:
        """Inbound calls ringing now on ``agent``'s desk (None: this process's own), oldest first."""
        desk = self.desks.for_agent(agent or self.settings.assist.agent_name)
        return [{"id": c.call_id, "remote": c.remote, "since": c.started_at} for c in desk.ringing()]

    def answer(self, call_id: str, agent: str | None = None) -> None:
        """Answer a call ringing on ``agent``'s desk (None: wherever it rings; NotRingingError when it does
        not ring there); the agent's other calls go on hold."""
        if agent is None:
            self.desk(call_id).answer(call_id)
        else:  # the desk says NotRingingError when the call does not ring on it
            self.desks.for_agent(agent).answer(call_id)
            self.desks.bind(call_id, agent)

    def decline(self, call_id: str, agent: str | None = None) -> None:
        (self.desk(call_id) if agent is None else self.desks.for_agent(agent)).decline(call_id)

    def pause(self, call_id: str, by: str) -> dict[str, Any]:
        """Card-data pause of the recording and transcription; returns the open span."""
        span = self._session(call_id).pause(by)
        self._pause_desk(call_id, True)
        return span

    def resume(self, call_id: str) -> dict[str, Any] | None:
        span = self._session(call_id).resume()
        self._pause_desk(call_id, False)
        return span

    def _pause_desk(self, call_id: str, on: bool) -> None:
        """Tell a desk that silences audio itself (a phone); the call's recording is paused already, so
        a desk that fails to answer is logged, not raised."""
        try:
            desk = self.desks.for_call(call_id)
            if isinstance(desk, PausingDesk):
                desk.pause_recording(call_id, on)
        except AgentassistError as exc:
            log.warning("call %s: the desk was not told of the %s: %s", call_id, "pause" if on else "resume", exc)

    def hold(self, call_id: str, on: bool) -> None:
        """Hold by re-INVITE; the span is marked when the peer has agreed (call.held event)."""
        self.desk(call_id).hold(call_id, on)

    def mute(self, call_id: str, on: bool, by: str) -> dict[str, Any] | None:
        session = self._session(call_id)
        self.desk(call_id).mute(call_id, on)
        return session.mark("mute", on, by)

    def send_dtmf(self, call_id: str, digits: str, method: str) -> None:
        self.desk(call_id).send_dtmf(call_id, digits, method)

    def transfer(self, call_id: str, uri: str) -> None:
        self._session(call_id)
        self.desk(call_id).transfer(call_id, uri)

    def transfer_attended(self, call_id: str, consult_id: str) -> None:
        self._session(call_id)
        self._session(consult_id)
        self.desk(call_id).transfer_attended(call_id, consult_id)

    def apply_script(self, script: Script) -> list[str]:
        """A new version of ``script`` for every active call that follows it; the ids of those calls."""
        if script.id == self.settings.assist.default_script and self.models.main is not None:
            # a campaign switched to another language: its model loads now, not at the next call's answer
            threading.Thread(target=self._preload, args=(script.id,), name="model-preload", daemon=True).start()
        with self._lock:
            sessions = list(self._sessions.values())
        return [s.call_id for s in sessions if s.replace_script(script)]

    def assist_state(self, call_id: str) -> dict[str, Any] | None:
        """The live assist state of an active call (next prompt, steps, cards); None without a script."""
        return self._session(call_id).assist_state()

    def tap(self, call_id: str) -> AudioTap:
        """An active call's audio as it is recorded, for listening in (api/listen.py)."""
        return self._session(call_id).tap

    def _session(self, call_id: str) -> CallSession:
        with self._lock:
            session = self._sessions.get(call_id)
        if session is None or session.ended_at is not None:
            raise AgentassistError(f"call {call_id!r} is not active")
        return session

    def metrics(self) -> dict[str, float]:
        with self._lock:
            sessions = list(self._sessions.values())
        values = {
            "agentassist_sip_listening": float(self._phone is not None and self._phone.listening),
            "agentassist_sip_registered": float(self._phone is not None and self._phone.registered),
            "agentassist_sip_calls": float(self._phone.call_count if self._phone is not None else 0),
            "agentassist_dropped_frames_total": float(sum(s.dropped_frames for s in sessions)),
            "agentassist_call_ends_unstored": float(len(self._unstored)),
            "agentassist_delivery_pending": float(self.delivery.pending),  # utterances not yet at their records
            "agentassist_delivery_failures_total": float(self.delivery.failed),
            # 1 while the database refuses writes and every call's lines are held (agentassist.pipeline.held)
            "agentassist_store_refusing": float(self.refusing.cause is not None),
            "agentassist_store_refusals_total": float(self.refusing.refusals_total),
        }
        if self._phone is not None:
            values.update(self._phone.metrics())
        values.update(self.waiting.metrics())
        values.update(self.uploads.metrics() if self.uploads is not None else {})
        values.update(self.late_work.metrics())
        values.update(self.claims.metrics())
        values.update(self.failures.metrics())
        values.update(memory.metrics())
        values.update(self.models.metrics())
        values.update(self.tick_delays.series("agentassist_assist_tick_delay_seconds"))
        return values

    def transcription_lag(self) -> dict[str, float]:
        """Per call: how long its oldest unfinished final has waited, on whichever model it runs."""
        return self.models.lag_s()

    def _preload(self, script_id: str) -> None:
        """Load the models the campaign's calls will need before the first of them rings (speech, and the
        checklist's embedding of its say-lines): loading them on the SIP thread would hold every call's
        signalling for a second or more."""
        if not script_id:
            return
        try:
            script = self.scripts.get(script_id)
        except (AgentassistError, ValueError):
            return  # the call reports an unusable script; nothing to load for it
        self.models.for_language(script.fixed_language)
        a = self.settings.assist
        warm_say_lines(script, {"agent": a.agent_name, "company": a.company})  # the desk's calls' variables

    # ---- FailureHandler (call threads) -------------------------------------------------------------

    def call_failed_at(self, call_id: str, stage: Stage, cause: str) -> None:
        self.failures.count(stage)
        if stage == "record" and self.settings.recorder.on_failure == "hangup":
            log.warning("call %s: hung up: its recording failed ([recorder] on_failure = hangup)", call_id)
            # not on this thread: it may be the pj thread (a recording that failed at the answer)
            threading.Thread(target=self._hangup_quietly, args=(call_id,), name="failure-hangup", daemon=True).start()

    def _hangup_quietly(self, call_id: str) -> None:
        try:
            self.desk(call_id).hangup(call_id)
        except Exception as exc:  # ended meanwhile, or the desk gone
            log.warning("call %s: hangup after the recording failed: %s", call_id, cause_of(exc))

    def end_unstored(self, call_id: str, store_end: Callable[[], None]) -> None:
        self._unstored.add(call_id, store_end)

    # ---- CallHandler (pj thread) -----------------------------------------------------------------

    def call_resumed(self, info: CallInfo) -> CallSession | None:
        """A call an earlier run left to its phone, which is back (None: no such call waits any more)."""
        return self.waiting.resume(info.call_id, lambda resumed: self.call_started(info, resumed))

    def call_started(self, info: CallInfo, resumed: Resumption | None = None) -> CallSession:
        a = self.settings.assist
        agent = info.agent or a.agent_name
        self.claims.carry(info.call_id)  # before the row: no node starting meanwhile closes the call
        self.desks.bind(info.call_id, agent)
        script_id = (resumed.script_id if resumed is not None else a.default_script) or None
        campaign: str | None = None  # the script's: what reports, searches and assignment rules go by
        tracker: Any = None
        t = self.settings.transcribe
        language: str | None = None
        prompt: str | None = None
        self.scripts.refresh()  # before the script is read: an edit on disk reaches calls in progress too
        if script_id:
            try:
                script = self.scripts.get(script_id)
                options = a.tracker_options()
                variables = {"agent": agent, "company": a.company}
                tracker = ScriptTracker(script, variables, info.call_id, options=options)
                for said in resumed.said if resumed is not None else ():  # ticked steps stay ticked
                    tracker.on_utterance(said)
                language = script.fixed_language
                campaign = script.campaign or None
                if t.script_prompt:
                    prompt = script_prompt(script, variables)
            except (AgentassistError, ValueError) as exc:
                log.error("call %s: script %r unusable, no assist for this call: %s", info.call_id, script_id, exc)
                script_id = None
        path = self.recordings.path_for(info.call_id)

        def write_row() -> None:
            self.store.create_call(
                call_id=info.call_id,
                direction=info.direction,
                remote=info.remote,
                agent=agent,
                script_id=script_id,
                started_at=info.started_at,
                recording_path=str(path),
                campaign=campaign,
            )
            self.store.save_media(info.call_id, {"sip_call_id": info.sip_call_id, **self.claims.facts()})

        row: Callable[[], None] | None = None
        row_error: Exception | None = None
        try:  # not retried here: this is the pj thread, and the call's media waits for it
            write_row()
        except Exception as exc:  # the database failing: the call is still recorded, its row written at the end
            row, row_error = write_row, exc
        r = self.settings.recorder
        session = CallSession(
            SessionInfo(info.call_id, info.started_at, path, resumed.at if resumed is not None else None),
            self.models.for_language(language),
            self.store,
            self.bus,
            tracker,
            on_closed=self._closed,
            segmenter_options=t.segmenter_options(),
            stream_options=t.stream_options(),
            frame_wait_s=t.frame_wait_ms / 1000,
            prompt=prompt,
            language=language,
            opus=self._opus,
            dtmf_pause=r.dtmf_pause(),
            failures=self,
            fsync_every_s=r.fsync_every_s,
            store_dtmf_digits=r.store_dtmf_digits,
            row=row,
            keys=self.recordings.keys,
            media=self.media,
            late_work=self.late_work,
            delivery=self.delivery,
            refusing=self.refusing,
        )
        session.records.tick_delay = self.tick_delays
        if row_error is not None:
            session.failures.report("store", row_error)
        with self._lock:
            self._sessions[info.call_id] = session
        return session

    def call_ended(self, call_id: str, reason: str) -> None:
        with self._lock:
            session = self._sessions.get(call_id)
        if session is not None:
            # A call that had only early media and was then rejected is a failed call.
            session.end(reason, "ended" if reason in ENDED_REASONS else "failed")

    def call_failed(self, info: CallInfo, reason: str) -> None:
        """A call that never had media is kept as a failed call with its reason (busy, not found, a
        ringing call cancelled by its caller: a missed call)."""
        self.store.create_call(
            call_id=info.call_id,
            direction=info.direction,
            remote=info.remote,
            agent=info.agent or self.settings.assist.agent_name,
            script_id=None,
            started_at=info.started_at,
            recording_path="",
        )
        self.desks.forget(info.call_id)
        # the media first: a reader that sees the call failed sees its SIP Call-ID too
        self.store.save_media(info.call_id, {"sip_call_id": info.sip_call_id})
        self.store.end_call(info.call_id, datetime.now(UTC), "failed", reason)
        self.bus.publish(Event(EventType.CALL_ENDED, info.call_id, 0.0, {"reason": reason, "status": "failed"}))

    def call_changed(self, call_id: str, change: CallChange) -> None:
        with self._lock:
            session = self._sessions.get(call_id)
        if session is None:
            return
        if isinstance(change, HoldChange):
            try:
                session.mark("hold", change.held, change.by)
            except Exception as exc:  # the database failing: the hold goes on, the call is marked
                session.failures.report(stage_of(exc, "pipeline"), exc)
        elif isinstance(change, DtmfDigit):
            session.dtmf(change.digit, change.method)
        elif isinstance(change, StreamQuality):
            session.media(change.to_json())
        elif isinstance(change, TransferProgress):
            session.transfer(change.target, change.status_code, change.reason)

    def _closed(self, call_id: str) -> None:
        self.desks.forget(call_id)
        self.claims.drop(call_id)
        with self._lock:
            session = self._sessions.pop(call_id, None)
            idle = not self._sessions
        if self.uploads is not None and session is not None and not session.suspended:
            self.uploads.add(call_id)  # its recording is final (and converted): to the object store
        if idle:  # trimming walks the heap under malloc's locks: never while a call's media runs
            memory.trim()
