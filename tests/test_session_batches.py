"""A call's thread takes a phone's frames in batches (``[transcribe] frame_wait_ms = 60``, a setting for
a center with many calls): a real CallSession, a real SQLite store and WAV recording, speech from the
shared prompts pushed on the frames' clock as the center pushes a phone's, and a stand-in model
(tests/test_stream.py's GatedModel, the model's interface). Batched, the recording is still every frame,
in order, and the speech is still transcribed; the thread wakes about once a period, not once a frame."""

from __future__ import annotations

import hashlib
import itertools
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.frames import read_wav_mono
from agentassist.config import TranscribeSettings
from agentassist.events import EventType
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.store.db import Store
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.wire.audio import FRAME_BYTES_STEREO
from tests.conftest import SOUNDS_EN
from tests.test_pipeline_revise import PROMPTS, Feed
from tests.test_stream import GatedModel


def test_a_phones_frames_are_taken_in_batches_and_recorded_whole(tmp_path: Path) -> None:
    if not (SOUNDS_EN / PROMPTS[0]).is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed")
    settings = TranscribeSettings(frame_wait_ms=60)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    started = datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    streaming = StreamingTranscriber(GatedModel(), workers=1)  # type: ignore[arg-type]
    feed = Feed()
    options = {"segmenter_options": settings.segmenter_options(), "stream_options": settings.stream_options()}
    info = SessionInfo("c1", started, tmp_path / "c1.wav")
    session = CallSession(info, streaming, store, feed, None, frame_wait_s=settings.frame_wait_ms / 1000, **options)
    speech = read_wav_mono(SOUNDS_EN / PROMPTS[0])[: 16000 * 3]
    customer = np.concatenate([np.zeros(8000, np.int16), speech, np.zeros(16000, np.int16)])
    customer = customer[: customer.size - customer.size % 320]
    stereo = np.stack([customer, np.zeros_like(customer)], axis=1).astype("<i2").tobytes()
    frames = len(stereo) // FRAME_BYTES_STEREO
    seen = []  # frames_taken after each push: it moves a batch at a time
    try:
        start = time.monotonic()
        for k in range(frames):  # one frame a message, on the frames' clock, as a phone sends them
            time.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
            session.push_stereo(stereo[k * FRAME_BYTES_STEREO : (k + 1) * FRAME_BYTES_STEREO])
            seen.append(session.frames_taken)
        session.end()
        session.join(60)
    finally:
        streaming.close()
    steps = sum(1 for a, b in itertools.pairwise(seen) if b > a)
    # a frame every 20 ms, taken every 60 ms: about a third as many steps as frames (once a frame: 1 to 1)
    assert steps <= frames * 0.6, (steps, frames)
    with wave.open(str(tmp_path / "c1.wav")) as w:
        got = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    assert got.shape[0] == customer.size
    assert hashlib.sha256(got[:, 1].tobytes()).digest() == hashlib.sha256(customer.tobytes()).digest()  # customer right
    finals = [e for e in feed.events if e.type is EventType.UTTERANCE_FINAL]
    assert finals, [e.type for e in feed.events]
