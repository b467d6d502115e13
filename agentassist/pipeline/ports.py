"""What a call's pipeline needs of the rest of the center: a store, a feed, a script tracker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from agentassist.assist.script import Script
from agentassist.events import Channel, Event, Utterance
from agentassist.privacy.utterances import Redaction


class Publisher(Protocol):
    def publish(self, event: Event) -> None: ...


class CallStore(Protocol):
    def add_utterance(self, call_id: str, u: Utterance, lock_wait_s: float | None = None) -> None: ...

    def update_utterance(self, call_id: str, u: Utterance, lock_wait_s: float | None = None) -> None: ...

    def save_adherence(self, call_id: str, report: dict[str, Any], lock_wait_s: float | None = None) -> None: ...

    def end_call(self, call_id: str, ended_at: datetime, status: str = "ended", end_reason: str = "hangup") -> None: ...

    def open_span(self, call_id: str, kind: str, start_s: float, by: str = "") -> dict[str, Any]: ...

    def close_span(self, call_id: str, kind: str, end_s: float) -> dict[str, Any] | None: ...

    def add_digit(self, call_id: str, t_s: float, digit: str, method: str) -> None: ...

    def save_media(self, call_id: str, data: dict[str, Any]) -> None: ...

    def save_redactions(
        self, call_id: str, utterance_id: str, spans: list[Redaction], lock_wait_s: float | None = None
    ) -> None: ...

    def redactions(self, call_id: str) -> list[Redaction]: ...

    def save_original(
        self, call_id: str, utterance_id: str, text: str, roles: tuple[str, ...], lock_wait_s: float | None = None
    ) -> None: ...

    def get_call(self, call_id: str) -> object: ...  # None: no such call (erased)


class Tracker(Protocol):
    script: Script
    variables: dict[str, str]

    def on_utterance(self, u: Utterance) -> list[Event]: ...

    def on_revision(self, u: Utterance) -> list[Event]: ...

    def tick(self, now_s: float, speaking: bool = False) -> list[Event]: ...

    def finish(self, end_s: float) -> list[Event]: ...

    def report(self) -> dict[str, Any]: ...

    def state(self) -> dict[str, Any]: ...

    def replace_script(self, script: Script, at_s: float) -> list[Event]: ...


@dataclass(frozen=True, slots=True)
class StoredEvents:
    """The pauses', holds' and mutes' starts and ends and the digits a resumed call's store holds, by the
    frame each was marked at (agentassist.pipeline.resume)."""

    last: int = -1  # the frame of the latest (-1: none)
    at_last: Mapping[str, int] = field(default_factory=dict)  # how many of each kind are at ``last``


@dataclass(frozen=True, slots=True)
class Continuation:
    """A call resumed after the center restarted mid-call: what the earlier run left of it."""

    frames: int  # in the recording: the media clock starts there, and the recording goes on after them
    segments: Mapping[Channel, int]  # speech segments each channel counted: utterance ids go on after them
    # per channel, the frame its stored transcript ends at: from there to ``frames`` the recording is
    # transcribed again (speech the earlier run had not finished decoding)
    transcribed: Mapping[Channel, int]
    events: StoredEvents = field(default_factory=StoredEvents)  # those its phone sends again are stored once


@dataclass(frozen=True, slots=True)
class SessionInfo:
    call_id: str
    started_at: datetime
    recording_path: Path
    resumed: Continuation | None = None  # None: a new call
