"""[storage] url = "s3://BUCKET/PREFIX" (docs/storage.md): a real `agentassist serve` (a center only, no
model) whose recordings go to an S3 endpoint (moto in server mode, tests/s3server.py) after hangup.

A phone (benchmarks/wirephone.py) streams a call; after hangup the object is in the bucket, its bytes
those the phone sent (behind the WAV header), its SHA-256 the one stored with it, and the local copy
is gone; the recording, its Range requests, 304 and peaks are served from the store. The store stopped
for 30 s around a hangup: the recording arrives after, nothing lost. A node SIGKILLed after a hangup,
before its upload: the next start uploads it."""

from __future__ import annotations

import hashlib
import io
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from agentassist.audio.peaks import peaks
from agentassist.audio.recorder import HEADER_BYTES
from agentassist.config import StorageSettings
from agentassist.store.objects import split_url
from benchmarks.wirephone import FRAME, WirePhone, add_phone
from tests.conftest import AGENTASSIST, REPO, Server, add_user
from tests.s3server import BUCKET, CREDENTIALS, REGION, S3Server
from tests.test_bus_nodes import _metric
from tests.test_wire_restart import _call_audio, _get, _wait

PREFIX = "node-a/calls"
OUTAGE_S = 30.0


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    server = S3Server(tmp_path)
    for name, value in CREDENTIALS.items():  # the node's credentials, from its environment
        monkeypatch.setenv(name, value)
    server.start()
    yield server
    server.stop()


def _center(make_server: Any, s3: S3Server, recording_format: str = "wav") -> tuple[Server, str]:
    server: Server = make_server(
        sip={"listen": ""},
        recorder={"format": recording_format},
        transcribe={"enabled": False},  # the recording is what is looked at: no model to load
        storage={"url": f"s3://{BUCKET}/{PREFIX}", "endpoint_url": s3.endpoint_url, "region": REGION},
    )
    add_user(server.config, "alice", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, server.config, "alice", REPO)
    server.start()
    return server, credential


def _hung_up_call(server: Server, credential: str, pcm: bytes) -> str:
    phone = WirePhone(server.http_port, credential, "alice")
    try:
        assert phone.hello()["parameters"] == {"agent": "alice"}
        call_id, stream, _ = phone.open()
        end = phone.audio(stream, 0, pcm)
        assert phone.close_call(call_id, end) == end == len(pcm) // FRAME
    finally:
        phone.close()
    _wait(lambda: _get(server, f"/api/calls/{call_id}")["status"] == "ended", 60, "the call ended")
    return call_id


def _stored(s3: S3Server, call_id: str, pcm: bytes) -> bytes:
    """The object's bytes, checked: the WAV of exactly the frames sent, its SHA-256 the one stored with it."""
    obj = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/{call_id}.wav")
    data: bytes = obj["Body"].read()
    assert obj["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(data) - HEADER_BYTES == len(pcm), f"{len(data) - HEADER_BYTES} bytes of PCM stored, {len(pcm)} sent"
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 16000, len(pcm) // 4)
        stored = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    sent = np.frombuffer(pcm, dtype="<i2").reshape(-1, 2)
    assert np.array_equal(stored[:, ::-1], sent)  # left the agent (the phone's internal, sent second)
    return data


def _local(server: Server, call_id: str) -> list[Path]:
    return list((server.root / "data" / "recordings").glob(f"{call_id}.*"))


def test_a_recording_moves_to_the_store_after_hangup_and_is_served_from_it(
    make_server: Any, s3: S3Server, tmp_path: Path
) -> None:
    server, credential = _center(make_server, s3)
    pcm = _call_audio()[: 250 * FRAME]  # 5 s
    call_id = _hung_up_call(server, credential, pcm)
    _wait(lambda: _metric(server, "agentassist_storage_uploads_total") == 1, 30, "the upload")
    data = _stored(s3, call_id, pcm)
    assert _local(server, call_id) == []  # verified, then deleted
    assert _metric(server, "agentassist_storage_uploads_pending") == 0
    url = f"/api/calls/{call_id}/recording"
    with server.client() as c:
        whole = c.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
        etag = whole.headers["etag"]
        assert etag == f'"{hashlib.sha256(data).hexdigest()}"'
        for asked, start, end in (("bytes=0-99", 0, 99), ("bytes=1000-", 1000, len(data) - 1),
                                  ("bytes=-500", len(data) - 500, len(data) - 1)):  # fmt: skip
            r = c.get(url, headers={"Range": asked})
            assert r.status_code == 206, (asked, r.status_code, r.text)
            assert r.content == data[start : end + 1]
            assert r.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
        assert c.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
        assert c.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'}).content == data  # changed: whole
        assert c.get(url, headers={"If-None-Match": etag}).status_code == 304
        got = c.get(f"/api/calls/{call_id}/peaks", params={"buckets": 50})
    assert got.status_code == 200, got.text
    copy = tmp_path / "copy.wav"
    copy.write_bytes(data)
    expected = peaks(copy, 50)
    assert got.json()["channels"]["agent"] == pytest.approx(expected.channels[0])
    assert got.json()["duration_s"] == pytest.approx(expected.duration_s)
    assert list((server.root / "data" / "recordings").iterdir()) == []  # the peaks' download is gone too


def test_the_store_away_around_a_hangup_then_a_node_killed_before_its_upload(make_server: Any, s3: S3Server) -> None:
    server, credential = _center(make_server, s3)
    pcm = _call_audio()[: 250 * FRAME]

    # (a) the store stopped for 30 s around a hangup: the recording waits on disk, then arrives
    s3.stop()
    away = time.monotonic()
    call_id = _hung_up_call(server, credential, pcm)
    _wait(lambda: _metric(server, "agentassist_storage_upload_retries_total") >= 2, 30, "retries")
    assert _metric(server, "agentassist_storage_uploads_pending") == 1
    assert _metric(server, "agentassist_storage_reachable") == 0
    assert [p.name for p in _local(server, call_id)] == [f"{call_id}.wav"]
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - away)))
    s3.start()  # the same port, a new moto: the bucket created again (moto keeps it in memory)
    back = time.monotonic()
    _wait(lambda: _metric(server, "agentassist_storage_uploads_total") == 1, 60, "the upload after the outage")
    print(f"store away {back - away:.1f} s; recording uploaded {time.monotonic() - back:.1f} s after it came back")
    _stored(s3, call_id, pcm)
    assert _local(server, call_id) == []
    assert _metric(server, "agentassist_storage_uploads_pending") == 0

    # (b) SIGKILL after a hangup, before the upload (the store away): the next start uploads it
    s3.stop()
    second = _hung_up_call(server, credential, pcm)
    _wait(lambda: _metric(server, "agentassist_storage_uploads_pending") == 1, 30, "the second upload waiting")
    server.kill()
    assert [p.name for p in _local(server, second)] == [f"{second}.wav"]
    s3.start()
    server.start()
    _wait(lambda: _metric(server, "agentassist_storage_uploads_total") == 1, 60, "the upload at the next start")
    _stored(s3, second, pcm)
    assert _local(server, second) == []
    with server.client() as c:
        r = c.get(f"/api/calls/{second}/recording", headers={"Range": "bytes=0-43"})
    assert r.status_code == 206 and r.content[:4] == b"RIFF"


def test_an_opus_recording_moves_once_converted(make_server: Any, s3: S3Server) -> None:
    server, credential = _center(make_server, s3, "opus")
    call_id = _hung_up_call(server, credential, _call_audio()[: 250 * FRAME])
    _wait(lambda: _metric(server, "agentassist_storage_uploads_total") == 1, 30, "the upload")
    data = s3.client().get_object(Bucket=BUCKET, Key=f"{PREFIX}/{call_id}.ogg")["Body"].read()
    assert data[:4] == b"OggS" and _local(server, call_id) == []  # the Ogg went, and no WAV is left
    with server.client() as c:
        r = c.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=100-"})
        assert (r.status_code, r.content, r.headers["content-type"]) == (206, data[100:], "audio/ogg")
        p = c.get(f"/api/calls/{call_id}/peaks", params={"buckets": 10})
    assert p.status_code == 200 and p.json()["duration_s"] == pytest.approx(5.0, abs=0.1), p.text


@pytest.mark.parametrize("url", ["recordings", "s3://", "s3:///prefix", "http://store/recordings"])
def test_a_storage_url_that_is_not_s3_is_refused_naming_the_form(url: str) -> None:
    with pytest.raises(ValidationError, match=r"expected \"\" \(data_dir\) or s3://BUCKET/PREFIX"):
        StorageSettings(url=url)


def test_the_url_gives_the_bucket_and_a_prefix_of_whole_folders() -> None:
    assert split_url("s3://recordings") == ("recordings", "")
    assert split_url("s3://recordings/") == ("recordings", "")
    assert split_url("s3://recordings/node-a/calls/") == ("recordings", "node-a/calls/")
