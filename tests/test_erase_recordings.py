"""A person erased (issue 19): another caller's recording that mentions them is silenced over the lines
that do, whatever it has become: a WAV, an encrypted WAV, an Ogg Opus file, an encrypted one, or an
object in the store (brought back, silenced, uploaded again under its key). Real files made by the
real encoder, a real SQLite store and, for the object, the S3 endpoint the storage tests use."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio import sealed
from agentassist.audio.encode import OpusOptions, read_stereo, wav_to_opus
from agentassist.audio.keyring import KeyRing, RecordingKey
from agentassist.config import StorageSettings
from agentassist.store.db import Store
from agentassist.store.erasure import erase
from agentassist.store.objects import ObjectStore, changed_object, replaces_mark
from agentassist.store.person import Subject
from agentassist.store.recordings import RecordingStore
from tests import test_storage_s3
from tests.privacy_world import WAV, add_call
from tests.s3server import BUCKET, REGION, S3Server
from tests.test_person_data import MENTION_LINES, NUMBER, OTHER_LINES

s3 = test_storage_s3.s3  # the S3 endpoint, started for the test
KEY = RecordingKey("2026-12", bytes(range(32)))
SAID = (1.5, 2.5)  # where MENTION_LINES' customer says the number
PAD_S = 0.3  # agentassist.privacy.silence pads each span so far each side


def _level(path: Path, keys: KeyRing | None, start_s: float, end_s: float) -> float:
    """The mean absolute level of both channels over start_s..end_s (the tone's ~3800, silence's 0)."""
    rate, data = read_stereo(path, 16000, keys)
    return float(np.abs(data[int(start_s * rate) : int(end_s * rate)].astype(np.float64)).mean())


def _calls(root: Path, recordings: RecordingStore, kind: str, keys: KeyRing | None) -> tuple[Store, Path]:
    """The person's own call and another caller's call that mentions their number, its recording made
    ``kind`` ("wav", "ogg"; "sealed": encrypted); that recording's path."""
    store = Store(f"sqlite:///{root / 'db.sqlite'}")
    store.migrate()
    add_call(store, recordings, "p00", f"<sip:{NUMBER.replace(' ', '')}@pbx>", lines=OTHER_LINES)
    path = add_call(store, recordings, "m00", '"Anna Nowak" <sip:+48500999888@pbx>', lines=MENTION_LINES)
    if keys is not None:
        sealed.seal_stream(iter([WAV]), path.with_name("sealing"), keys.current, sealed.Kind.WAV)
        path.with_name("sealing").replace(path)
    if kind.startswith("ogg"):
        path = wav_to_opus(path, OpusOptions(), keys)
    return store, path


@pytest.mark.parametrize("kind", ["wav-sealed", "ogg", "ogg-sealed"])
def test_another_callers_recording_is_silenced_over_the_mention_whatever_it_became(tmp_path: Path, kind: str) -> None:
    keys = KeyRing([KEY], KEY) if kind.endswith("sealed") else None
    recordings = RecordingStore(tmp_path / "rec", keys=keys)
    store, path = _calls(tmp_path, recordings, kind, keys)
    assert _level(path, keys, *SAID) > 3000
    receipt = erase(store, recordings, Subject.parse(NUMBER), "ada", "digest", OpusOptions())
    assert receipt["not_silenced"] == [] and receipt["erased"]["calls"] == ["p00"]
    assert receipt["erased"]["silenced_s"] == pytest.approx(SAID[1] - SAID[0] + 2 * PAD_S, abs=0.01)
    assert recordings.find("m00") == path and sealed.is_sealed(path) is (keys is not None)  # its form and key kept
    quiet = 300 if kind.startswith("ogg") else 1
    assert _level(path, keys, SAID[0] - PAD_S + 0.05, SAID[1] + PAD_S - 0.05) < quiet
    assert _level(path, keys, 0.3, 1.0) > 3000 and _level(path, keys, 3.1, 3.8) > 3000


def test_a_recording_in_the_object_store_is_silenced_and_replaced_under_its_key(tmp_path: Path, s3: S3Server) -> None:
    objects = ObjectStore(StorageSettings(url=f"s3://{BUCKET}/rec", endpoint_url=s3.endpoint_url, region=REGION))
    recordings = RecordingStore(tmp_path / "rec", objects)
    store, path = _calls(tmp_path, recordings, "ogg", None)
    objects.put_verified(path)  # uploaded after its call, the local copy gone
    path.unlink()
    receipt = erase(store, recordings, Subject.parse(NUMBER), "ada", "digest", OpusOptions())
    assert receipt["not_silenced"] == [] and receipt["failed"] == []
    assert receipt["erased"]["silenced_s"] == pytest.approx(SAID[1] - SAID[0] + 2 * PAD_S, abs=0.01)
    keys = sorted(o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET).get("Contents", []))
    assert keys == ["rec/m00.ogg"]  # the person's own call's went whole; this one replaced under its key
    stored = tmp_path / "stored.ogg"
    stored.write_bytes(s3.client().get_object(Bucket=BUCKET, Key="rec/m00.ogg")["Body"].read())
    assert _level(stored, None, SAID[0] - PAD_S + 0.05, SAID[1] + PAD_S - 0.05) < 300
    assert _level(stored, None, 0.3, 1.0) > 3000
    assert [p.name for p in recordings.directory.iterdir() if not p.name.startswith("p00")] == []  # no copy left


def test_bring_back_change_replace_checks_what_it_uploads_and_a_failed_change_leaves_the_object(
    tmp_path: Path, s3: S3Server
) -> None:
    """The piece the erasure and the running center's late silence share: the object brought back whole,
    changed, uploaded over itself with its SHA-256 checked, the local copy gone; a change that fails
    leaves the object as it was, and the file with its mark on disk (the upload worker's to put back)."""
    objects = ObjectStore(StorageSettings(url=f"s3://{BUCKET}/rec", endpoint_url=s3.endpoint_url, region=REGION))
    first = tmp_path / "up" / "c9.wav"
    first.parent.mkdir()
    first.write_bytes(WAV)
    objects.put_verified(first)
    there = objects.head("c9.wav")
    assert there is not None and there.sha256 == hashlib.sha256(WAV).hexdigest()

    back = tmp_path / "back" / "c9.wav"
    back.parent.mkdir()
    with pytest.raises(RuntimeError, match="the change failed"), changed_object(objects, there, back) as local:
        assert local.read_bytes() == WAV  # brought back whole
        local.write_bytes(WAV[:100])
        raise RuntimeError("the change failed")
    assert objects.head("c9.wav") == there  # not replaced
    assert back.exists() and replaces_mark(back).exists()

    changed = WAV[:-2000] + bytes(2000)
    again = tmp_path / "again" / "c9.wav"
    again.parent.mkdir()
    with changed_object(objects, there, again) as local:
        local.write_bytes(changed)
    now = objects.head("c9.wav")
    assert now is not None and now.sha256 == hashlib.sha256(changed).hexdigest() and now.size == len(changed)
    assert list(again.parent.iterdir()) == []  # neither the copy nor its mark left
