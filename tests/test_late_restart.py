"""A late silence still queued when the server stopped (issue 19) is done at the next start: a real
`agentassist serve` (a center only, no model) started over a data dir where a stop mid-queue left a
call's card-number span listed but not silenced (its media facts say so). The start is not held for it;
the late work silences the recording, or brings it back from the object store, silences it and uploads
it again under its key. A second start does nothing more; a recording retention deleted is left alone.
The state is made by the real code: a CallSession recorded on a real SQLite store, its late work
stopped with the silence queued behind another call's."""

from __future__ import annotations

import base64
import logging
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agentassist.audio import sealed
from agentassist.audio.encode import OpusOptions
from agentassist.audio.keyring import KeyRing
from agentassist.config import StorageSettings
from agentassist.pipeline.late import LateWork
from agentassist.pipeline.unsilenced import sweep
from agentassist.privacy.silence import PAD_S
from agentassist.store.db import Store
from agentassist.store.models import CallMediaRow, CallRow, DeletedRecordingRow
from agentassist.store.objects import ObjectStore
from agentassist.store.recordings import RecordingStore
from tests import test_storage_s3
from tests.conftest import Server
from tests.s3server import BUCKET, REGION, S3Server
from tests.test_bus_nodes import _metric
from tests.test_redact_late import KEY, REVISED, _busy, _call, _loud, _utterance
from tests.test_wire_restart import _wait

s3 = test_storage_s3.s3  # the S3 endpoint, started for the test
PREFIX = "node-a/calls"
LEFT = "not silenced: the server stopped"  # what the stop's record says of the span


def _center(make_server: Any, keys: KeyRing | None, **sections: dict[str, object]) -> tuple[Server, Store, Path]:
    """A configured center (not started), its database and its recordings folder."""
    extra: dict[str, dict[str, object]] = {"recorder": {"format": "opus" if keys else "wav"}, **sections}
    server: Server = make_server(sip={"listen": ""}, transcribe={"enabled": False}, **extra)
    if keys is not None:  # the center's key file (docs/encryption.md), added to the config written above
        key_file = server.root / "recording-keys"
        key_file.write_text(f"{KEY.key_id} {base64.b64encode(KEY.secret).decode()}\n")
        key_file.chmod(0o600)
        text = server.config.read_text()
        storage = f'encryption_key_file = "{key_file}"\n'
        server.config.write_text(
            text.replace("[storage]\n", "[storage]\n" + storage)
            if "[storage]" in text
            else text + "[storage]\n" + storage
        )
    data = server.root / "data"
    store = Store(f"sqlite:///{(data / 'agentassist.db').resolve()}")  # `users add` made it
    return server, store, data / "recordings"


def _stopped_mid_queue(store: Store, recordings: Path, keys: KeyRing | None) -> Path:
    """Call c1 as an earlier run leaves it when it stops with c1's late silence queued: a 6 s tone
    recorded and finished (an Ogg, encrypted, with ``keys``), the revised card number's span stored and
    listed, the recording loud over it, the media facts saying it is not silenced. Its recording."""
    work = LateWork()
    session, _, _ = _call(recordings, OpusOptions() if keys else None, keys, work, store)
    other = _busy(work)  # another call's long silence holds the late work
    session.records.on_utterance(_utterance(REVISED, revised=True))  # after the close: queued behind it
    assert len(work.stop(0.2)) == 1
    other.set()
    (path,) = recordings.glob("c1.*")
    assert LEFT in _media(store, "c1")["recording_silence_error"]
    assert _loud(path, keys, 2.5, 3.5) > 4000
    return path


def _deleted_by_retention(store: Store) -> None:
    """Call c2 whose late silence was left the same way, its recording since deleted by retention."""
    at = datetime.now(UTC)
    store.create_call("c2", "inbound", "sip:other@x", "alice", None, at, "")
    store.end_call("c2", at)
    span = {"utterance_id": "u9", "channel": "customer", "kind": "card", "start": 1.0, "end": 2.0, "by": "text"}
    store.save_redactions("c2", "u9", [span])  # type: ignore[list-item]
    store.save_media("c2", {"recording_s": 6.0, "recording_silenced_spans": [], "recording_silence_error": LEFT})
    with store.session.begin() as s:
        s.add(DeletedRecordingRow(call_id="c2", at=at))


def _media(store: Store, call_id: str) -> dict[str, Any]:
    call = store.get_call(call_id)
    assert call is not None and call["media"] is not None
    return dict(call["media"])


def _silenced(store: Store, path: Path, keys: KeyRing | None) -> None:
    """The span silent in ``path`` (the rest loud) and the facts saying so, the stop's error answered."""
    (span,) = store.redactions("c1")
    quiet = 300 if keys else 1  # Opus leaves a little noise at the span's edges
    assert _loud(path, keys, span["start"] - PAD_S + 0.05, span["end"] + PAD_S - 0.05) < quiet
    assert _loud(path, keys, 0.3, span["start"] - PAD_S - 0.3) > 4000
    assert sealed.is_sealed(path) is (keys is not None)
    media = _media(store, "c1")
    assert media["recording_silenced_spans"] == [[span["start"], span["end"]]]
    assert media["recording_silence_error"] is None and LEFT in media["recording_silence_redone"]
    assert media["recording_silenced_s"] == pytest.approx(span["end"] - span["start"] + 2 * PAD_S, abs=0.01)


def _late_work_done(server: Server, jobs: int) -> None:
    """The start's late work finished: ``jobs`` done (the look for spans left, then one per call)."""
    _wait(lambda: _metric(server, "agentassist_late_work_done_total") >= jobs, 60, "the late work")
    time.sleep(0.5)  # a job queued after the look would show as pending now
    assert _metric(server, "agentassist_late_work_pending") == 0
    assert _metric(server, "agentassist_late_work_done_total") == jobs


def test_a_silence_a_stop_left_queued_is_done_at_the_next_start_and_only_once(make_server: Any) -> None:
    server, store, recordings = _center(make_server, None)
    path = _stopped_mid_queue(store, recordings, None)
    _deleted_by_retention(store)
    c2 = _media(store, "c2")
    server.start()
    _late_work_done(server, 2)  # the look and c1's silence: c2's recording is gone, left alone
    _silenced(store, path, None)
    assert _media(store, "c2") == c2 and list(recordings.glob("c2.*")) == []
    assert "1 call(s) with spans an earlier run left unsilenced: silencing them now" in server.text()
    done, facts, mtime = path.read_bytes(), _media(store, "c1"), path.stat().st_mtime_ns
    server.stop()
    server.start()  # again: nothing left to do
    _late_work_done(server, 1)  # the look alone
    assert path.read_bytes() == done and path.stat().st_mtime_ns == mtime and _media(store, "c1") == facts
    assert "silencing them now" not in server.text()  # this start's log


def test_an_uploaded_recording_left_unsilenced_is_brought_back_silenced_and_replaced(
    make_server: Any, s3: S3Server, tmp_path: Path
) -> None:
    keys = KeyRing([KEY], KEY)
    storage = {"url": f"s3://{BUCKET}/{PREFIX}", "endpoint_url": s3.endpoint_url, "region": REGION}
    server, store, recordings = _center(make_server, keys, storage=dict(storage))
    path = _stopped_mid_queue(store, recordings, keys)
    objects = ObjectStore(StorageSettings(**storage))
    objects.put_verified(path)  # the earlier run's upload went before the stop; its local copy deleted
    path.unlink()
    server.start()
    _wait(lambda: _metric(server, "agentassist_storage_uploads_total") == 1, 60, "the upload of the silenced one")
    _late_work_done(server, 2)
    _wait(lambda: not list(recordings.glob("c1.*")), 30, "the local copy gone after the upload")
    names = [o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert names == [f"{PREFIX}/c1.ogg"]  # replaced under its key
    stored = tmp_path / "stored-c1.ogg"
    stored.write_bytes(s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/c1.ogg")["Body"].read())
    _silenced(store, stored, keys)
    assert "brought back from the object store" in server.text()


def _ended_with_span(store: Store, call_id: str, facts: dict[str, Any]) -> None:
    at = datetime.now(UTC)
    store.create_call(call_id, "inbound", "sip:other@x", "alice", None, at, "")
    store.end_call(call_id, at)
    span = {"utterance_id": "u9", "channel": "customer", "kind": "card", "start": 2.0, "end": 4.0, "by": "text"}
    store.save_redactions(call_id, "u9", [span])  # type: ignore[list-item]
    store.save_media(call_id, {"recording_s": 6.0, **facts})


def test_an_older_versions_facts_and_a_recording_that_cannot_be_silenced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The sweep itself (agentassist.pipeline.unsilenced) on what other runs leave: a call of a version
    that kept no list of silent spans is looked at only when its facts hold the error; a recording that
    cannot be silenced is said so once (its spans listed as not silenced) and not tried at every start."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "rec")
    path = _stopped_mid_queue(store, recordings.directory, None)
    with store.session.begin() as s:  # c1 as an older version left it: the error, no list
        row = s.get(CallMediaRow, "c1")
        assert row is not None
        row.data = {k: v for k, v in row.data.items() if k != "recording_silenced_spans"}
    shutil.copy(path, recordings.directory / "c3.wav")  # loud over 2-4 s too
    _ended_with_span(store, "c3", {})  # an older version's call silenced at its close: trusted
    (recordings.directory / "c4.wav").write_bytes(b"not a recording")
    _ended_with_span(store, "c4", {"recording_silenced_spans": []})  # masked late, the stop left it
    c3 = _media(store, "c3")

    work = LateWork()
    sweep(store, recordings, work, None, datetime.now(UTC))
    assert work.wait(60) and work.done_total == 3  # the look, c1, c4
    _silenced(store, path, None)
    assert _media(store, "c3") == c3 and _loud(recordings.directory / "c3.wav", None, 2.5, 3.5) > 4000
    c4 = _media(store, "c4")
    assert "not silenced: " in c4["recording_silence_error"] and "expected a recording" in c4["recording_silence_error"]
    assert c4["recording_unsilenced_spans"] == [[2.0, 4.0]] and c4["recording_silenced_spans"] == []

    caplog.clear()
    again = LateWork()
    sweep(store, recordings, again, None, datetime.now(UTC))
    assert again.wait(60) and again.done_total == 1  # the look alone
    assert _media(store, "c4") == c4 and not [r for r in caplog.records if r.levelno >= logging.WARNING]


def _marked(store: Store) -> list[str]:
    """The calls the next start's look reads (``spans_unchecked``)."""
    with store.session() as s:
        return sorted(s.scalars(select(CallRow.id).where(CallRow.spans_unchecked.is_(True))))


def test_a_start_looks_only_at_the_calls_marked_since_the_last_look(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A stored span marks its call; the look unmarks each call it finds with nothing left to do, so the
    next start reads only the calls that got a span since; an unmarked call is not read, whatever its
    facts say."""
    caplog.set_level(logging.INFO)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "rec")
    for call_id in ("c5", "c6"):
        _ended_with_span(store, call_id, {"recording_silenced_spans": [[2.0, 4.0]]})  # silenced at the close
    _ended_with_span(store, "c7", {"recording_silenced_spans": []})  # left to do, its recording gone
    assert _marked(store) == ["c5", "c6", "c7"]
    work = LateWork()
    sweep(store, recordings, work, None, datetime.now(UTC))
    assert work.wait(60) and work.done_total == 1  # the look alone: nothing to silence
    assert _marked(store) == []
    assert any("call c7: spans left unsilenced, but its recording is gone" in r.getMessage() for r in caplog.records)

    span = {"utterance_id": "u10", "channel": "customer", "kind": "card", "start": 5.0, "end": 5.5, "by": "text"}
    store.save_redactions("c6", "u10", [span])  # type: ignore[list-item]
    with store.session.begin() as s:  # c5 as if a span were left: not read, since it is not marked
        row = s.get(CallMediaRow, "c5")
        assert row is not None
        row.data = {**row.data, "recording_silenced_spans": []}
    assert _marked(store) == ["c6"]
    caplog.clear()
    again = LateWork()
    sweep(store, recordings, again, None, datetime.now(UTC))
    assert again.wait(60) and again.done_total == 1
    said = [r.getMessage() for r in caplog.records]
    assert any("call c6: spans left unsilenced" in m for m in said) and not any("c5" in m for m in said)
    assert _marked(store) == []
