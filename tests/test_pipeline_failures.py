"""A call whose database fails under it, in process: a real CallSession fed real speech, the real
tiny.en model, a real SQLite store whose tables are dropped mid-call (every write then fails as a
broken database does). The call still closes, ends ``abnormal`` when its end can be stored, is handed
to the failure handler when it cannot, and every failure is reported once per stage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import text

from agentassist.audio.frames import FRAME_BYTES, read_wav_mono
from agentassist.config import TranscribeSettings
from agentassist.events import Channel, EventType
from agentassist.failures import Stage
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.store.db import Store
from tests.conftest import SOUNDS_EN
from tests.test_pipeline_revise import PROMPTS, Feed, _call_c1


class Handler:
    """Obeys FailureHandler: keeps what it is told."""

    def __init__(self) -> None:
        self.failed: list[tuple[str, Stage, str]] = []
        self.unstored: dict[str, Callable[[], None]] = {}

    def call_failed_at(self, call_id: str, stage: Stage, cause: str) -> None:
        self.failed.append((call_id, stage, cause))

    def end_unstored(self, call_id: str, store_end: Callable[[], None]) -> None:
        self.unstored[call_id] = store_end


def _speak(session: CallSession) -> None:
    pause = np.zeros(8000, np.int16)
    audio = np.concatenate([x for name in PROMPTS[:2] for x in (pause, read_wav_mono(SOUNDS_EN / name))] + [pause])
    pcm = audio.astype("<i2").tobytes()
    for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        session.push(Channel.CUSTOMER, pcm[i : i + FRAME_BYTES])
        session.push(Channel.AGENT, bytes(FRAME_BYTES))


def _session(
    tmp_path: Path, store: Store, started: object, streaming: object, feed: Feed, handler: Handler
) -> CallSession:
    settings = TranscribeSettings()
    return CallSession(
        SessionInfo("c1", started, tmp_path / "c1.wav"),  # type: ignore[arg-type]
        streaming,  # type: ignore[arg-type]
        store,
        feed,
        None,
        segmenter_options=settings.segmenter_options(),
        stream_options=settings.stream_options(),
        failures=handler,
    )


def test_transcript_writes_fail_the_call_ends_abnormal(tmp_path: Path) -> None:
    store, started, streaming = _call_c1(tmp_path)
    feed, handler = Feed(), Handler()
    with store.engine.begin() as conn:  # every transcript write fails from now on
        conn.execute(text("DROP TABLE utterances"))
    try:
        session = _session(tmp_path, store, started, streaming, feed, handler)
        _speak(session)
        session.end()
        session.join(120)
    finally:
        streaming.close()
    call = store.get_call("c1")
    assert call is not None and call["status"] == "ended" and call["end_reason"] == "abnormal", call
    assert "no such table: utterances" in call["media"]["failures"]["store"], call["media"]
    assert call["media"]["sip_end_reason"] == "hangup"
    assert [(c, s) for c, s, _ in handler.failed] == [("c1", "store")], handler.failed  # once, not per line
    types = [e.type for e in feed.events]
    assert EventType.UTTERANCE_FINAL in types, "the agent's page lost the lines with the database"
    alerts = [e.data["alert"] for e in feed.events if e.type == EventType.ASSIST_ALERT]
    assert [a["type"] for a in alerts] == ["store_failed"] and "abnormal" in alerts[0]["message"], alerts
    ended = [e for e in feed.events if e.type == EventType.CALL_ENDED]
    assert ended[-1].data["reason"] == "abnormal" and "store" in ended[-1].data["failures"], ended
    assert not handler.unstored


def test_a_call_whose_end_cannot_be_stored_is_handed_over(tmp_path: Path) -> None:
    store, started, streaming = _call_c1(tmp_path)
    feed, handler = Feed(), Handler()
    try:
        session = _session(tmp_path, store, started, streaming, feed, handler)
        _speak(session)
        with store.engine.begin() as conn:  # the database breaks before the call's end is written
            conn.execute(text("ALTER TABLE calls RENAME TO calls_gone"))
        session.end()
        session.join(120)
    finally:
        streaming.close()
    assert list(handler.unstored) == ["c1"], handler.unstored
    assert ("c1", "store") in [(c, s) for c, s, _ in handler.failed], handler.failed
    assert feed.events[-1].type == EventType.CALL_ENDED and feed.events[-1].data["reason"] == "abnormal"
    with store.engine.begin() as conn:  # the database is back: the runtime's retry stores the end
        conn.execute(text("ALTER TABLE calls_gone RENAME TO calls"))
    handler.unstored["c1"]()
    call = store.get_call("c1")
    assert call is not None and call["status"] == "ended" and call["end_reason"] == "abnormal", call
