"""A call's revisions through the pipeline: a real CallSession fed real speech, the real model and a
real SQLite store; the feed is a list that keeps every published event in order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.frames import FRAME_BYTES, read_wav_mono
from agentassist.config import TranscribeSettings
from agentassist.events import Channel, Event, EventType
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.store.db import Store
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber, TranscriberOptions
from tests.conftest import REPO, SOUNDS_EN

PROMPTS = ("confbridge-only-participant.wav", "vm-invalidpassword.wav", "vm-intro.wav")


class Feed:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


def test_a_revised_line_replaces_the_stored_one_and_reaches_the_feed_before_call_ended(tmp_path: Path) -> None:
    if not (REPO / "models" / "tiny.en" / "model.bin").is_file() or not (SOUNDS_EN / PROMPTS[0]).is_file():
        pytest.skip("tiny.en or asterisk-core-sounds-en-wav not installed")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    started = datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    streaming = StreamingTranscriber(Transcriber(TranscriberOptions(model="tiny.en"), REPO / "models"))
    feed = Feed()
    settings = TranscribeSettings()
    session = CallSession(
        SessionInfo("c1", started, tmp_path / "c1.wav"),
        streaming,
        store,
        feed,
        None,
        segmenter_options=settings.segmenter_options(),
        stream_options=settings.stream_options(),  # revise on, as by default
    )
    pause = np.zeros(8000, np.int16)
    audio = np.concatenate([x for name in PROMPTS for x in (pause, read_wav_mono(SOUNDS_EN / name))] + [pause] * 3)
    pcm = audio.astype("<i2").tobytes()
    try:
        for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
            session.push(Channel.CUSTOMER, pcm[i : i + FRAME_BYTES])
            session.push(Channel.AGENT, bytes(FRAME_BYTES))
        session.end()
        session.join(120)
    finally:
        streaming.close()
    types = [e.type for e in feed.events]
    assert types[-1] is EventType.CALL_ENDED and types.count(EventType.UTTERANCE_FINAL) == 3, types
    finals = {
        e.data["utterance"]["id"]: e.data["utterance"] for e in feed.events if e.type is EventType.UTTERANCE_FINAL
    }
    revised = [e.data["utterance"] for e in feed.events if e.type is EventType.UTTERANCE_REVISED]
    assert revised, "the live finals of these prompts have a word the offline-style pass gets right"
    stored = {u["id"]: u["text"] for u in store.transcript("c1")}
    assert set(stored) == set(finals)
    for u in revised:
        assert u["revised"] is True and u["id"] in finals and u["text"] != finals[u["id"]]["text"]
        assert stored[u["id"]] == u["text"]
    assert all(stored[uid] == u["text"] for uid, u in finals.items() if uid not in {r["id"] for r in revised})
