"""One media thread for many calls (agentassist/pipeline/media.py): real CallSessions recording real WAV
files into a real SQLite store, fed a phone's stereo frames on the 20 ms clock as the center's event loop
pushes them. Every call's recording holds exactly what was pushed, the thread wakes about once a tick for
all the calls together (not once a frame a call), it ends when the last call has left, and a call whose
turn fails ends alone."""

from __future__ import annotations

import threading
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from agentassist.pipeline import CallSession, SessionInfo
from agentassist.pipeline.media import MediaThread
from agentassist.store.db import Store
from agentassist.wire.audio import FRAME_BYTES_STEREO
from tests.test_pipeline_revise import Feed

CALLS = 12
FRAMES = 50  # a second of audio a call


def _store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    return store


def _session(tmp_path: Path, store: Store, call_id: str, media: MediaThread, feed: Feed) -> CallSession:
    started = datetime.now(UTC)
    store.create_call(call_id, "inbound", "sip:cust@x", "alice", None, started, "")
    info = SessionInfo(call_id, started, tmp_path / f"{call_id}.wav")
    return CallSession(info, None, store, feed, None, media=media)  # recording only: no model needed


def _stereo(seed: int) -> bytes:
    """A second of both channels, different for every call (a mix-up between calls shows)."""
    rng = np.random.default_rng(seed)
    return rng.integers(-8000, 8000, FRAMES * FRAME_BYTES_STEREO // 2, dtype=np.int16).astype("<i2").tobytes()


def _recorded(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        return bytes(w.readframes(w.getnframes()))


def _media_threads(media: MediaThread) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == media.name]


def test_every_calls_frames_are_recorded_whole_by_one_thread_waking_once_a_tick(tmp_path: Path) -> None:
    store, feed, media = _store(tmp_path), Feed(), MediaThread("media-test")
    sessions = [_session(tmp_path, store, f"c{i}", media, feed) for i in range(CALLS)]
    audio = [_stereo(i) for i in range(CALLS)]
    for _ in range(100):  # the calls' own threads hand them to the media thread once they have started
        if len(media) == CALLS:
            break
        time.sleep(0.01)
    assert len(media) == CALLS
    ticks_before, start = media.ticks, time.monotonic()
    for k in range(FRAMES):  # one frame a call every 20 ms, as phones send them
        time.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
        for session, pcm in zip(sessions, audio, strict=True):
            session.push_stereo(pcm[k * FRAME_BYTES_STEREO : (k + 1) * FRAME_BYTES_STEREO])
    streamed_s = time.monotonic() - start
    ticks = media.ticks - ticks_before
    for session in sessions:
        session.end()
    for session in sessions:
        session.join(30)
    # 600 frames pushed; the thread woke about once a tick for all twelve calls together
    assert ticks <= streamed_s / media.tick_s + 10 < CALLS * FRAMES / 4, (ticks, streamed_s)
    for i, pcm in enumerate(audio):
        stereo = np.frombuffer(pcm, "<i2").reshape(-1, 2)  # the wire's order: customer, agent
        got = np.frombuffer(_recorded(tmp_path / f"c{i}.wav"), "<i2").reshape(-1, 2)
        assert got.shape == stereo.shape
        assert np.array_equal(got[:, 1], stereo[:, 0]) and np.array_equal(got[:, 0], stereo[:, 1]), f"c{i}"
    assert len(media) == 0
    for _ in range(100):  # the last call has left: the thread ends (a new call starts another)
        if not _media_threads(media):
            break
        time.sleep(0.01)
    assert not _media_threads(media)


class _Broken:
    """A member whose turn raises: the media thread drops it and tells it, and goes on with the others."""

    call_id = "broken"

    def __init__(self) -> None:
        self.lost: list[Exception] = []

    def media_turn(self, now: float) -> bool:
        raise RuntimeError("a bug in one call's turn")

    def media_lost(self, exc: Exception) -> None:
        self.lost.append(exc)


def test_a_call_whose_turn_fails_leaves_and_the_others_go_on(tmp_path: Path) -> None:
    store, feed, media = _store(tmp_path), Feed(), MediaThread("media-test-broken")
    session = _session(tmp_path, store, "c1", media, feed)
    broken = _Broken()
    media.add(broken)
    pcm = _stereo(1)
    for k in range(FRAMES):
        session.push_stereo(pcm[k * FRAME_BYTES_STEREO : (k + 1) * FRAME_BYTES_STEREO])
    session.end()
    session.join(30)
    assert [str(e) for e in broken.lost] == ["a bug in one call's turn"]
    assert len(_recorded(tmp_path / "c1.wav")) == len(pcm)
