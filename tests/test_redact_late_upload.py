"""Card data masked after the call (issue 19) in a recording that goes to an object store: the upload
waits for a silence that is pending, and a recording already uploaded is brought back, silenced and
uploaded again under the same key, replacing the object. A real CallSession and SQLite store, the real
upload worker and late work, and the S3 endpoint the storage tests use (moto in server mode)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from agentassist.audio.encode import OpusOptions
from agentassist.audio.keyring import KeyRing
from agentassist.config import StorageSettings
from agentassist.pipeline.late import LateWork
from agentassist.privacy.silence import PAD_S
from agentassist.store.db import Store
from agentassist.store.objects import ObjectStore
from agentassist.store.recordings import RecordingStore
from agentassist.store.uploads import Uploads
from tests import test_storage_s3
from tests.s3server import BUCKET, REGION, S3Server
from tests.test_redact_late import KEY, REVISED, _busy, _call, _loud, _media, _utterance

s3 = test_storage_s3.s3  # the S3 endpoint, started for the test


def _until(done: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.05)


def _world(tmp_path: Path, s3: S3Server, keys: KeyRing | None) -> tuple[RecordingStore, Uploads, LateWork]:
    """The recordings folder, its upload worker (not started) and the late work, wired as the runtime does."""
    objects = ObjectStore(StorageSettings(url=f"s3://{BUCKET}/rec", endpoint_url=s3.endpoint_url, region=REGION))
    recordings = RecordingStore(tmp_path / "rec", objects, keys)
    store = Store(f"sqlite:///{recordings.directory / 'db.sqlite'}")  # _call makes the call's rows there

    def ended(call_id: str) -> bool:
        call = store.get_call(call_id)
        return call is not None and call["status"] == "ended"

    uploads = Uploads(recordings, objects, ended)
    work = LateWork(edits=uploads)
    uploads.held = work.pending
    return recordings, uploads, work


def _object(s3: S3Server, tmp_path: Path, name: str) -> Path:
    """The object as the store holds it, downloaded."""
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [f"rec/{name}"]  # one object, under the call's key
    local = tmp_path / ("stored-" + name)
    local.write_bytes(s3.client().get_object(Bucket=BUCKET, Key=f"rec/{name}")["Body"].read())
    return local


@pytest.mark.parametrize("case", ["wav", "opus-sealed"])
def test_a_recording_already_uploaded_is_silenced_and_replaced_under_its_key(
    tmp_path: Path, s3: S3Server, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    keys = KeyRing([KEY], KEY) if case == "opus-sealed" else None
    opus = OpusOptions() if case == "opus-sealed" else None
    recordings, uploads, work = _world(tmp_path, s3, keys)
    session, store, _ = _call(recordings.directory, opus, keys, work)
    name = "c1.ogg" if opus else "c1.wav"
    uploads.start()  # its first scan finds the ended call
    try:
        _until(lambda: uploads.uploaded_total == 1 and recordings.find("c1") is None)
        assert _loud(_object(s3, tmp_path, name), keys, 2.5, 3.5) > 4000

        session.records.on_utterance(_utterance(REVISED, revised=True))  # after the upload
        assert work.wait(60)
        _until(lambda: uploads.uploaded_total == 2 and recordings.find("c1") is None)
    finally:
        uploads.stop()
    (span,) = store.redactions("c1")
    stored = _object(s3, tmp_path, name)
    assert _loud(stored, keys, span["start"] - PAD_S + 0.05, span["end"] + PAD_S - 0.05) < (300 if opus else 1)
    assert _loud(stored, keys, 0.5, span["start"] - PAD_S - 0.3) > 4000
    assert [p.name for p in recordings.directory.iterdir() if p.name.startswith("c1.")] == []  # no copy, no mark
    assert any("brought back from the object store" in r.getMessage() for r in caplog.records)
    media = _media(store)
    assert "recording_silence_error" not in media
    assert media["recording_silenced_s"] == pytest.approx(span["end"] - span["start"] + 2 * PAD_S, abs=0.01)


def test_the_upload_waits_for_a_pending_silence_and_uploads_once(tmp_path: Path, s3: S3Server) -> None:
    recordings, uploads, work = _world(tmp_path, s3, None)
    session, store, _ = _call(recordings.directory, OpusOptions(), None, work)
    other = _busy(work)  # the late work busy with another call: this one's silence waits in the queue
    session.records.on_utterance(_utterance(REVISED, revised=True))
    uploads.start()
    try:
        _until(lambda: uploads.metrics()["agentassist_storage_uploads_pending"] == 1)
        time.sleep(2.5)  # more than two looks of the upload worker at its queue
        assert uploads.uploaded_total == 0 and recordings.find("c1") is not None  # held for the silence
        other.set()
        assert work.wait(60)
        _until(lambda: uploads.uploaded_total == 1 and recordings.find("c1") is None)
    finally:
        uploads.stop()
    (span,) = store.redactions("c1")
    stored = _object(s3, tmp_path, "c1.ogg")
    assert _loud(stored, None, span["start"] - PAD_S + 0.05, span["end"] + PAD_S - 0.05) < 300
    assert uploads.uploaded_total == 1 and uploads.superseded_total == 0  # uploaded once, silenced
