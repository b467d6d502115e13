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
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.audio.keyring import KeyRing
from agentassist.audio.recorder import audio_bytes, repair
from agentassist.bus import EventBus
from agentassist.errors import AudioError
from agentassist.events import Channel, Event, EventType, Utterance, Word
from agentassist.pipeline import Continuation
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from agentassist.store.transcripts import TranscriptLine

log = logging.getLogger(__name__)
T = TypeVar("T")

WIRE_PHONE = {"wire": "phone"}  # the media fact of a call streamed on /api/phone: one a phone may resume
_STEREO_FRAME_BYTES = 2 * FRAME_BYTES
_FRAME_S = FRAME_BYTES / 2 / SAMPLE_RATE_HZ
# Transcribed again at most: the last 30 s of the recording, longer than any speech segment (max_segment_s
# is 20 s), so speech cut by the restart is whole and a silent channel costs little to go through.
_AGAIN_FRAMES = 1500


def left_by_phones(store: Store) -> list[str]:
    """Calls still active in the database that a phone streamed: the center stopped under them."""
    left = []
    for call_id in store.active_calls():
        call = store.get_call(call_id)
        if call is not None and (call["media"] or {}).get("wire") == WIRE_PHONE["wire"]:
            left.append(call_id)
    return left


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
    frames = recorded_frames(recording, keys)
    lines = store.transcript(call_id)
    segments = {ch: 0 for ch in Channel}
    transcribed = {ch: max(0, frames - _AGAIN_FRAMES) for ch in Channel}
    for line in lines:
        channel = Channel(line["channel"])
        number = re.search(r"(\d+)$", line["id"])
        if number is not None:
            segments[channel] = max(segments[channel], int(number.group(1)))
        transcribed[channel] = max(transcribed[channel], min(frames, int(line["end"] / _FRAME_S)))
    said = [stored_utterance(call_id, line) for line in lines]
    return Resumption(Continuation(frames, segments, transcribed), call["script_id"], said)


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

    def __init__(self, store: Store, recordings: RecordingStore, bus: EventBus, timeout_s: float) -> None:
        self._store, self._recordings, self._bus, self.timeout_s = store, recordings, bus, timeout_s
        self._lock = threading.Lock()
        self._calls: set[str] = set()
        self._timer: threading.Timer | None = None
        self.abnormal_total = 0  # calls whose phone did not come back in time (ended abnormal)

    def expect(self, call_ids: list[str]) -> None:
        """At start (no session writes these recordings yet): repair each one's recording, and wait."""
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
        with self._lock:
            self._calls.update(call_ids)
            if self._timer is None:
                self._timer = threading.Timer(self.timeout_s, self._expire)
                self._timer.daemon = True
                self._timer.start()

    def resume(self, call_id: str, start: Callable[[Resumption], T]) -> T | None:
        """``start`` the call from where its recording ends if it waits for its phone (it then waits no
        more); None if it does not. A call whose start fails waits again (and ends with the others)."""
        with self._lock:
            if call_id not in self._calls:
                return None
            self._calls.discard(call_id)
        try:
            path = self._recordings.path_for(call_id)
            return start(resumption(self._store, call_id, path, self._recordings.keys))
        except Exception:
            with self._lock:
                self._calls.add(call_id)
            raise

    def metrics(self) -> dict[str, float]:
        with self._lock:
            waiting = len(self._calls)
        return {
            "agentassist_phone_calls_waiting": float(waiting),
            "agentassist_phone_calls_not_resumed_total": float(self.abnormal_total),
        }

    def stop(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            left, self._calls, self._timer = self._calls, set(), None
        if not left:
            return
        try:
            for call_id in sorted(left):
                self._store.save_media(call_id, {"wire_error": "phone lost"})
            closed = self._store.close_abandoned_calls(only=left)
        except Exception as exc:  # the database failing: the calls stay active, and the next start sees them
            log.error("%d call(s) whose phone did not come back not closed: %s", len(left), exc)
            return
        for call_id in closed:
            self.abnormal_total += 1
            log.warning("call %s ends abnormal: its phone did not come back within %g s", call_id, self.timeout_s)
            data: dict[str, Any] = {"reason": "abnormal"}
            self._bus.publish(Event(EventType.CALL_ENDED, call_id, 0.0, data))
