"""A center started again under the calls phones were streaming to it (docs/wire-protocol.md, *Nothing lost*).

`agentassist serve` does not close a call a phone streamed (media fact ``wire`` = "phone") when it
finds it still active at start: the call waits ``[center] phone_timeout_s`` for its phone, which
reconnects with backoff and sends ``open`` again. The call then goes on where its recording ends
(:func:`resumption`): ``opened.frame`` is the frames the recording holds, so the phone sends exactly
the rest; the recording is continued, not started again; the media clock and the utterances' times
and ids go on after the earlier run's; the speech the earlier run had not finished transcribing is
transcribed again from the recording; the script tracker is rebuilt from the stored transcript. A
call whose phone is not back in time ends ``abnormal`` (``media.wire_error`` "phone lost") with what
the earlier run recorded (:class:`WaitingCalls`).

Other calls left active (this process's own softphone, AudioHook, a center of an older version)
are closed ``abnormal`` at start, as before.

Several nodes on one PostgreSQL database (docs/deploy.md, *Takeover*): a node touches only the calls
it can claim (:class:`agentassist.store.claims.Claims`), never those another living node carries. A
phone whose node died reconnects to another node, which takes the call over (:meth:`WaitingCalls.resume`):
that node has none of the recording (it was on the dead node's disk), so ``opened.frame`` is 0 and the
phone sends the whole call again from its spool (a node on a shared database acknowledges a phone's
frames only at the call's close, so the spool still holds them all): the new node's recording is the
whole call, frame for frame. Only the speech after the stored transcript is transcribed again
(:class:`~agentassist.pipeline.Continuation` with ``frames`` 0 and ``transcribed`` where each channel's
transcript ends); ids, times and the tracker go on as after a restart. The pauses, holds and digits it
sends again are applied again but stored once (:func:`events_of`, agentassist.pipeline.resume).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agentassist.audio.frames import FRAME_BYTES
from agentassist.audio.keyring import KeyRing
from agentassist.audio.recorder import audio_bytes, repair
from agentassist.bus import EventBus
from agentassist.errors import AgentassistError, AudioError
from agentassist.events import Channel, Event, EventType, Utterance, Word
from agentassist.pipeline import Continuation
from agentassist.pipeline.ports import StoredEvents
from agentassist.pipeline.resume import FRAME_S, digit_key, span_key, stored_events
from agentassist.store.calls import CallJson
from agentassist.store.claims import Claims
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from agentassist.store.transcripts import TranscriptLine

log = logging.getLogger(__name__)
T = TypeVar("T")

WIRE_PHONE = {"wire": "phone"}  # the media fact of a call streamed on /api/phone: one a phone may resume
_STEREO_FRAME_BYTES = 2 * FRAME_BYTES
# Transcribed again at most: the last 30 s of the recording, longer than any speech segment (max_segment_s
# is 20 s), so speech cut by the restart is whole and a silent channel costs little to go through.
_AGAIN_FRAMES = 1500


class CarriedElsewhereError(AgentassistError):
    """A phone asked this node for a call that another living node carries."""


def is_phone_call(call: CallJson | None) -> bool:
    """An active call a phone streamed (one a phone may resume, here or on another node)."""
    return call is not None and call["status"] == "active" and (call["media"] or {}).get("wire") == WIRE_PHONE["wire"]


def left_by_phones(store: Store, claims: Claims | None = None) -> list[str]:
    """Calls still active in the database that a phone streamed: the center stopped under them (with
    ``claims``: only those this node could claim, and now holds)."""
    return [c for c in store.active_calls() if is_phone_call(store.get_call(c)) and (claims is None or claims.take(c))]


def settle_left_calls(store: Store, recordings: RecordingStore, claims: Claims) -> list[str]:
    """At start: the calls left unfinished that no living node carries are closed ``abnormal``, their
    recordings repaired, except a phone's, which wait for it; returns those (claimed by this node)."""
    waiting = left_by_phones(store, claims)
    mine = [c for c in store.unfinished_calls() if c not in waiting and claims.take(c)]
    for call_id in store.close_abandoned_calls(spare=waiting, only=mine if claims.shared else None):
        path = recordings.path_for(call_id)
        path.with_suffix(".ogg.part").unlink(missing_ok=True)  # a conversion cut short: the WAV is whole
        path.with_name(path.name + ".part").unlink(missing_ok=True)  # an encrypted one's silencing, likewise
        if path.with_suffix(".ogg").is_file():
            log.warning("call %s ended abnormally after its recording was converted", call_id)
        elif path.is_file():
            try:
                duration_s = repair(path, recordings.keys)
                log.warning("call %s ended abnormally; recording repaired (%.1f s)", call_id, duration_s)
            except (ValueError, AgentassistError) as exc:
                log.error("call %s ended abnormally; recording unusable: %s", call_id, exc)
        else:
            log.warning("call %s ended abnormally; no recording", call_id)
    for call_id in mine:
        claims.drop(call_id)
    return waiting


def recorded_frames(path: Path, keys: KeyRing | None = None) -> int:
    """Whole 20 ms stereo frames in a recording (its header may be stale: the size counts), encrypted or not.
    An encrypted one that no key opens raises AudioError: the call is not resumed over it."""
    try:
        return audio_bytes(path, keys) // _STEREO_FRAME_BYTES
    except OSError:
        return 0


@dataclass(frozen=True)
class Resumption:
    """What a resumed call goes on from: where, its script, and what was said (to rebuild the tracker)."""

    at: Continuation
    script_id: str | None
    said: list[Utterance]


def resumption(store: Store, call_id: str, recording: Path, keys: KeyRing | None = None) -> Resumption:
    """Where a call an earlier run recorded goes on (KeyError: no such call)."""
    call = store.get_call(call_id)
    if call is None:
        raise KeyError(call_id)
    frames = recorded_frames(recording, keys)  # 0: taken over from another node (its recording out of reach)
    lines = store.transcript(call_id)
    segments = {ch: 0 for ch in Channel}
    transcribed = {ch: max(0, frames - _AGAIN_FRAMES) for ch in Channel}
    for line in lines:
        channel = Channel(line["channel"])
        number = re.search(r"(\d+)$", line["id"])
        if number is not None:
            segments[channel] = max(segments[channel], int(number.group(1)))
        end = int(line["end"] / FRAME_S)
        transcribed[channel] = max(transcribed[channel], min(frames, end) if frames else end)
    said = [stored_utterance(call_id, line) for line in lines]
    return Resumption(Continuation(frames, segments, transcribed, events_of(call)), call["script_id"], said)


def events_of(call: CallJson) -> StoredEvents:
    """The call's stored pauses', holds' and mutes' starts and ends and its digits: those its phone sends
    again are stored once (agentassist.pipeline.resume)."""
    events: list[tuple[float, str]] = []
    for kind, spans in (("pause", call["pauses"]), ("hold", call["holds"]), ("mute", call["mutes"])):
        for span in spans:
            events.append((span["start"], span_key(kind, True)))
            if span["end"] is not None:
                events.append((span["end"], span_key(kind, False)))
    events += [(d["t"], digit_key(d["digit"] or "", d["method"])) for d in call["dtmf"]]
    return stored_events(events)


def stored_utterance(call_id: str, line: TranscriptLine) -> Utterance:
    """A stored final as the tracker took it (reliability is not stored: a stored final counts as said)."""
    words = tuple(Word(w["start"], w["end"], w["word"], w["probability"]) for w in line["words"])
    return Utterance(
        line["id"], call_id, Channel(line["channel"]), line["start"], line["end"], line["text"],
        words=words, language=line["language"], confidence=line["confidence"],
    )  # fmt: skip


class WaitingCalls:
    """The calls an earlier run left to their phones; each waits until ``timeout_s`` after :meth:`expect`.
    Thread-safe: the start, the expiry timer and the phones' ``open`` (API threads) reach it."""

    def __init__(
        self, store: Store, recordings: RecordingStore, bus: EventBus, timeout_s: float, claims: Claims
    ) -> None:
        self._store, self._recordings, self._bus, self.timeout_s = store, recordings, bus, timeout_s
        self.claims = claims
        self._lock = threading.Lock()
        self._calls: dict[str, float] = {}  # each one's deadline (time.monotonic())
        self._timer: threading.Timer | None = None  # for the earliest deadline
        self._stopped = False
        self.abnormal_total = 0  # calls whose phone did not come back in time (ended abnormal)
        self.taken_over_total = 0  # calls another node carried until it died, taken over here

    def expect(self, call_ids: list[str]) -> None:
        """At start, or calls a dead node left (no session writes these recordings here): repair each one's
        recording, and wait ``timeout_s`` from now."""
        for call_id in call_ids:
            path = self._recordings.path_for(call_id)
            try:
                seconds = repair(path, self._recordings.keys) if path.is_file() else 0.0
            except (ValueError, AudioError) as exc:
                log.error("call %s: recording unusable: %s", call_id, exc)
                seconds = 0.0
            log.warning("call %s was streaming when the center stopped (%.1f s recorded): waits "
                        "%g s for its phone", call_id, seconds, self.timeout_s)  # fmt: skip
        if not call_ids:
            return
        deadline = time.monotonic() + self.timeout_s
        with self._lock:
            self._calls.update(dict.fromkeys(call_ids, deadline))
            self._arm()

    def resume(self, call_id: str, start: Callable[[Resumption], T]) -> T | None:
        """``start`` the call from where its recording ends if it waits for its phone (it then waits no
        more), or if it is a phone's call still active that no living node carries (a takeover: the node
        that had it died); None if it is neither. CarriedElsewhereError: another living node carries it. A
        waiting call whose start fails waits again (and ends with the others)."""
        with self._lock:
            deadline = self._calls.pop(call_id, None)
            waited = deadline is not None
        if deadline is None:
            if not self.claims.shared or not is_phone_call(self._store.get_call(call_id)):
                return None
            if not self.claims.take(call_id):
                raise CarriedElsewhereError(f"call {call_id!r} is carried by another node of this center")
            log.warning("call %s: taken over from the node that carried it (gone); its phone resends the call", call_id)
        try:
            path = self._recordings.path_for(call_id)
            started = start(resumption(self._store, call_id, path, self._recordings.keys))
        except Exception:
            if deadline is not None:
                with self._lock:
                    self._calls[call_id] = deadline
            else:
                self.claims.drop(call_id)
            raise
        self.taken_over_total += 0 if waited else 1
        return started

    def metrics(self) -> dict[str, float]:
        with self._lock:
            waiting = len(self._calls)
        return {
            "agentassist_phone_calls_waiting": float(waiting),
            "agentassist_phone_calls_not_resumed_total": float(self.abnormal_total),
            "agentassist_phone_calls_taken_over_total": float(self.taken_over_total),
        }

    def stop(self) -> None:
        with self._lock:
            timer, self._timer, self._stopped = self._timer, None, True
        if timer is not None:
            timer.cancel()

    def _arm(self) -> None:
        """Under the lock: the timer for the earliest deadline, unless one is set (deadlines only grow)."""
        if self._timer is None and self._calls and not self._stopped:
            delay_s = max(0.0, min(self._calls.values()) - time.monotonic())
            self._timer = threading.Timer(delay_s, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            now = time.monotonic()
            left = {c for c, deadline in self._calls.items() if deadline <= now + 0.01}
            for call_id in left:
                del self._calls[call_id]
            self._timer = None
            self._arm()  # the calls expected later
        if not left:
            return
        try:
            for call_id in sorted(left):
                self._store.save_media(call_id, {"wire_error": "phone lost"})
            closed = self._store.close_abandoned_calls(only=left)
        except Exception as exc:  # the database failing: the calls stay active, and the next start sees them
            log.error("%d call(s) whose phone did not come back not closed: %s", len(left), exc)
            return
        for call_id in left:
            self.claims.drop(call_id)
        for call_id in closed:
            self.abnormal_total += 1
            log.warning("call %s ends abnormal: its phone did not come back within %g s", call_id, self.timeout_s)
            data: dict[str, Any] = {"reason": "abnormal"}
            self._bus.publish(Event(EventType.CALL_ENDED, call_id, 0.0, data))
