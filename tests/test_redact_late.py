"""Card data masked after the call's recording was finished (issue 19): a turn's revision later than
the close waits for (an overloaded center) that hears a card number no final showed. Its span is stored
and listed like the others and silenced in the recording, whatever the recording has become by then:
a WAV, an encrypted WAV, an Ogg Opus file, an encrypted one. Each case is a real CallSession (recording
only: the recognizer's lines are handed to its real records as the channel stream hands them), a real
recorder, a real SQLite store, and PyAV's libopus for the Ogg."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentassist.audio import sealed
from agentassist.audio.encode import OpusOptions, read_stereo
from agentassist.audio.frames import FRAME_BYTES
from agentassist.audio.keyring import KeyRing, RecordingKey
from agentassist.events import Channel, EventType, Utterance, Word
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.pipeline.close import REVISION_WAIT_S
from agentassist.pipeline.late import LateWork
from agentassist.privacy.silence import PAD_S
from agentassist.store.db import Store
from agentassist.store.removal import delete_calls
from tests.test_pipeline_revise import Feed

KEY = RecordingKey("2026-12", bytes(range(32)))
RATE = 16000
CALL_S = 6.0
# What the customer said at 2.0-4.0 s, as the live final heard it (the digits lost) and as the turn's
# revision heard it: the whole card number.
FINAL = "my card is the one ending with the blue stripe"
REVISED = "my card is 4556 0812 3458 9018"


def _utterance(text: str, revised: bool, uid: str = "u1", start_s: float = 2.0, end_s: float = 4.0) -> Utterance:
    said = text.split()
    step = (end_s - start_s) / len(said)
    words = tuple(Word(start_s + n * step, start_s + (n + 1) * step, f" {w}", 0.9) for n, w in enumerate(said))
    return Utterance(uid, "c1", Channel.CUSTOMER, start_s, end_s, text, True, words, revised=revised)


def _tone() -> bytes:
    """A loud 440 Hz tone as long as the call (its mean level ~6400; Opus keeps a tone, not a constant)."""
    t = np.arange(int(CALL_S * RATE)) / RATE
    return (10000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


def _call(
    tmp_path: Path,
    opus: OpusOptions | None,
    keys: KeyRing | None,
    late_work: LateWork | None = None,
    store: Store | None = None,
) -> tuple[CallSession, Store, Feed]:
    """A 6-second call of a loud tone on both channels, its live final handed to the records while it runs,
    ended and closed (the recording silenced, converted when ``opus``): the revision has not come.
    ``late_work``: the process's late work (None: the session's own); ``store``: the database (None: one
    made in ``tmp_path``), the recording in ``tmp_path`` either way."""
    if store is None:
        store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
        store.migrate()
    started = datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    feed = Feed()
    session = CallSession(
        SessionInfo("c1", started, tmp_path / "c1.wav"),
        None,
        store,
        feed,
        None,
        opus=opus,
        keys=keys,
        late_work=late_work,
    )
    noise = _tone()
    for i in range(0, len(noise), FRAME_BYTES):
        session.push(Channel.CUSTOMER, noise[i : i + FRAME_BYTES])
        session.push(Channel.AGENT, noise[i : i + FRAME_BYTES])
    session.records.on_utterance(_utterance(FINAL, revised=False))
    session.end()
    session.join(60)
    assert feed.events[-1].type is EventType.CALL_ENDED
    return session, store, feed


def _media(store: Store) -> dict[str, Any]:
    """The call's media facts, as GET /api/calls/{id} lists them."""
    call = store.get_call("c1")
    assert call is not None and call["media"] is not None
    return dict(call["media"])


def _recording(tmp_path: Path) -> Path:
    (path,) = [p for p in tmp_path.iterdir() if p.name.startswith("c1.")]
    return path


def _loud(path: Path, keys: KeyRing | None, start_s: float, end_s: float) -> float:
    """The mean absolute level of both channels over start_s..end_s (the tone's is ~6400, silence's 0)."""
    rate, data = read_stereo(path, RATE, keys)
    return float(np.abs(data[int(start_s * rate) : int(end_s * rate)].astype(np.float64)).mean())


CASES = {
    "wav": (None, None),
    "wav-sealed": (None, KeyRing([KEY], KEY)),
    "opus": (OpusOptions(), None),
    "opus-sealed": (OpusOptions(), KeyRing([KEY], KEY)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_revision_after_the_close_silences_its_card_number_in_the_finished_recording(
    tmp_path: Path, case: str
) -> None:
    opus, keys = CASES[case]
    session, store, feed = _call(tmp_path, opus, keys)
    path = _recording(tmp_path)
    assert path.suffix == (".ogg" if opus else ".wav")
    assert sealed.is_sealed(path) is (keys is not None)
    assert store.redactions("c1") == []  # the live final held no card number the detector could see
    assert _loud(path, keys, 2.0, 4.0) > 4000
    media = _media(store)
    assert "recording_silenced_s" not in media

    session.records.on_utterance(_utterance(REVISED, revised=True))  # later than REVISION_WAIT_S
    assert session.records.late_work.wait(60)  # silenced on the late work's thread

    spans = store.redactions("c1")
    assert [(r["kind"], r["by"]) for r in spans] == [("card", "text")]
    start, end = spans[0]["start"], spans[0]["end"]
    assert 2.0 <= start < end <= 4.0
    path_now = _recording(tmp_path)
    assert path_now == path and sealed.is_sealed(path) is (keys is not None)  # its format and key kept
    assert _loud(path, keys, start - PAD_S + 0.05, end + PAD_S - 0.05) < (300 if opus else 1)
    assert _loud(path, keys, 0.5, start - PAD_S - 0.3) > 4000 and _loud(path, keys, end + PAD_S + 0.3, 5.5) > 4000
    rate, data = read_stereo(path, RATE, keys)
    assert abs(len(data) / rate - CALL_S) < 0.05  # the whole call is still there
    media = _media(store)
    assert media["recording_silenced_s"] == pytest.approx(end - start + 2 * PAD_S, abs=0.01)
    assert media["recording_bytes"] == path.stat().st_size
    assert "recording_silence_error" not in media
    revised = [e for e in feed.events if e.type is EventType.UTTERANCE_REVISED]
    assert revised and "[CARD]" in revised[-1].data["utterance"]["text"]
    assert REVISION_WAIT_S > 0  # the close waited what it could; this revision came after it


def test_a_late_span_already_silent_is_not_silenced_again(tmp_path: Path) -> None:
    """The same revision twice, and a span inside one silenced: the Opus file is not encoded again."""
    session, store, _ = _call(tmp_path, OpusOptions(), None)
    session.records.on_utterance(_utterance(REVISED, revised=True))
    assert session.records.late_work.wait(60)
    path = _recording(tmp_path)
    once = path.read_bytes()
    first = _media(store)["recording_silenced_s"]
    session.records.on_utterance(_utterance(REVISED, revised=True))
    assert session.records.late_work.wait(60)
    assert path.read_bytes() == once
    assert _media(store)["recording_silenced_s"] == first


def test_a_recording_gone_is_said_in_the_log_and_the_record_and_the_call_path_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    session, store, feed = _call(tmp_path, None, None)
    _recording(tmp_path).unlink()  # erased, or moved away
    session.records.on_utterance(_utterance(REVISED, revised=True))
    assert session.records.late_work.wait(60)
    assert [r["kind"] for r in store.redactions("c1")] == ["card"]  # listed all the same
    error = _media(store)["recording_silence_error"]
    assert "not silenced" in error and "2." in error
    assert any("NOT silenced" in r.getMessage() for r in caplog.records)
    assert [e for e in feed.events if e.type is EventType.UTTERANCE_REVISED]  # published all the same
    caplog.clear()
    session.records.on_utterance(_utterance(REVISED, revised=True))
    assert session.records.late_work.wait(60)
    assert not any("NOT silenced" in r.getMessage() for r in caplog.records)  # said once


def test_a_revision_racing_the_close_is_silenced_exactly_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The revision comes on another thread while the close is finishing the recording (it holds the
    recording lock): whichever of them silences the span, it is silent in the Ogg, and silenced once."""
    caplog.set_level(logging.INFO)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    started = datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    session = CallSession(
        SessionInfo("c1", started, tmp_path / "c1.wav"), None, store, Feed(), None, opus=OpusOptions()
    )
    tone = _tone()
    for i in range(0, len(tone), FRAME_BYTES):
        session.push(Channel.CUSTOMER, tone[i : i + FRAME_BYTES])
        session.push(Channel.AGENT, tone[i : i + FRAME_BYTES])
    session.records.on_utterance(_utterance(FINAL, revised=False))
    late = threading.Thread(target=session.records.on_utterance, args=(_utterance(REVISED, revised=True),))
    session.end()
    deadline = time.monotonic() + 30
    while not session.records.recording_lock.locked() and time.monotonic() < deadline:
        time.sleep(0.0005)  # the close is finishing the recording
    late.start()
    session.join(60)
    late.join(60)
    assert session.records.late_work.wait(60)
    (span,) = store.redactions("c1")
    path = _recording(tmp_path)
    assert path.suffix == ".ogg"
    assert _loud(path, None, span["start"] - PAD_S + 0.05, span["end"] + PAD_S - 0.05) < 300
    assert _loud(path, None, 0.5, 2.0) > 4000
    said = [r.getMessage() for r in caplog.records]
    by_close = [m for m in said if "s silenced over 1 masked spans" in m and "encoded again" not in m]
    late_ones = [m for m in said if "masked after the call" in m]
    assert len(by_close) + len(late_ones) == 1, said  # the close silenced it in the WAV, or it came too late
    media = _media(store)
    assert media["recording_silenced_s"] == pytest.approx(span["end"] - span["start"] + 2 * PAD_S, abs=0.01)


def test_a_call_erased_before_its_late_revision_is_left_erased(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller's data erased (rows and recording) before the revision comes: nothing raised to the
    revision's thread, the log says the span was not silenced, and no row of the call comes back."""
    session, store, feed = _call(tmp_path, OpusOptions(), None)
    delete_calls(store, ["c1"])
    _recording(tmp_path).unlink()
    session.records.on_utterance(_utterance(REVISED, revised=True))
    assert session.records.late_work.wait(60)
    assert any("NOT silenced" in r.getMessage() for r in caplog.records)
    assert store.get_call("c1") is None and store.redactions("c1") == []
    assert [e for e in feed.events if e.type is EventType.UTTERANCE_REVISED]  # the feed still gets it masked


def _busy(work: LateWork) -> threading.Event:
    """Another call's long job (an Opus call of many minutes) holding ``work``'s thread until the event."""
    done = threading.Event()
    work.submit("c0", "another call's late silence", lambda: done.wait(60) or True, recording=True)
    return done


def test_the_late_silence_runs_on_the_late_work_thread_not_the_one_that_masked_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The revision's thread (a transcription pool thread) stores, lists and publishes the masked line and
    returns; the recording is silenced on the late work's thread, after the job before it."""
    caplog.set_level(logging.INFO)
    work = LateWork()
    session, store, feed = _call(tmp_path, OpusOptions(), None, work)
    path = _recording(tmp_path)
    other = _busy(work)
    session.records.on_utterance(_utterance(REVISED, revised=True))
    (span,) = store.redactions("c1")  # stored and listed by the revision's thread
    assert [e for e in feed.events if e.type is EventType.UTTERANCE_REVISED]
    assert work.pending("c1") and _loud(path, None, 2.5, 3.5) > 4000  # not silenced on the caller's thread
    other.set()
    assert work.wait(60)
    assert not work.pending("c1")
    assert _loud(path, None, span["start"] - PAD_S + 0.05, span["end"] + PAD_S - 0.05) < 300
    (line,) = [r for r in caplog.records if "silenced in its recording" in r.getMessage()]
    assert line.threadName == "late-work"
    assert _media(store)["recording_silenced_s"] == pytest.approx(span["end"] - span["start"] + 2 * PAD_S, abs=0.01)


def test_a_stop_says_what_it_left_undone_in_the_log_and_the_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server stopping while a late silence waits: the stop does not wait past its deadline; the span
    is listed, the log and the call's media facts say it is not silenced; a revision after the stop too."""
    work = LateWork()
    session, store, _ = _call(tmp_path, None, None, work)
    other = _busy(work)
    session.records.on_utterance(_utterance(REVISED, revised=True))
    left = work.stop(0.2)
    other.set()
    assert len(left) == 1 and left[0].startswith("c1: silencing data masked after the call at 2.")
    assert any("NOT done: the server stopped" in r.getMessage() for r in caplog.records)
    assert "the server stopped" in _media(store)["recording_silence_error"]
    assert [r["kind"] for r in store.redactions("c1")] == ["card"]
    assert _loud(_recording(tmp_path), None, 2.5, 3.5) > 4000  # said, not silenced
    caplog.clear()
    session.records.on_utterance(
        _utterance(REVISED.replace("9018", "9019"), revised=True, uid="u2", start_s=4.5, end_s=5.5)
    )
    assert any("NOT done: the server is stopping" in r.getMessage() for r in caplog.records)
    assert work.wait(10)
    assert work.metrics()["agentassist_late_work_left_total"] == 2  # both, on /metrics


def test_a_revised_line_the_database_refuses_is_written_again_once_it_takes_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses to change the stored line (a trigger raises, as a full disk or a read-only
    file would: the write fails in SQLite itself, after the call path's retries). The unmasked line must
    not stay: the masked one is held, said in the log, and written by the late work as soon as the
    database takes it again; the feed gets the masked line at once."""
    caplog.set_level(logging.INFO)
    work = LateWork(retry_s=0.2)
    session, store, feed = _call(tmp_path, None, None, work)
    spoken = "my card is 4556 0812 3458 9018 thanks"  # stored as the final said it: the detector missed it
    store.update_utterance("c1", _utterance(spoken, revised=True))
    db = sqlite3.connect(tmp_path / "db.sqlite")
    db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON utterances BEGIN SELECT RAISE(ABORT, 'refused'); END")
    db.commit()
    try:
        session.records.on_utterance(_utterance(REVISED, revised=True))
        assert any("not stored" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
        assert session.records.unwritten == ["u1"]
        assert "[CARD]" in feed.events[-1].data["utterance"]["text"]
        assert not work.wait(1.0)  # still refused, tried again
        assert [u["text"] for u in store.transcript("c1")] == [spoken]
    finally:
        db.execute("DROP TRIGGER refuse")
        db.commit()
        db.close()
    assert work.wait(30)
    assert session.records.unwritten == []
    (line,) = store.transcript("c1")
    assert line["text"] == "my card is [CARD]" and "4556" not in str(line["words"])
    assert any("stored at last" in r.getMessage() for r in caplog.records)
