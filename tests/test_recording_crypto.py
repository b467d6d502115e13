"""Recordings encrypted at rest (issue 19, part 5; docs/encryption.md): AES-256-GCM records that a
kill cannot spoil, read back byte for byte as the plain recording of the same audio.

Real peers: the recorder writing real files, the app's lifespan through TestClient for Range requests,
a real `agentassist serve` killed with SIGKILL under a phone's call (benchmarks/wirephone.py), a real
subprocess killed mid-recording and the `agentassist recordings` commands."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import subprocess
import sys
import time
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.audio import sealed
from agentassist.audio.encode import read_stereo, wav_to_opus
from agentassist.audio.keyring import KeyRing, RecordingKey, fingerprint, load_keys
from agentassist.audio.peaks import peaks
from agentassist.audio.recorder import HEADER_BYTES, Recorder, RecordingError, channel_frames, needs_repair, repair
from agentassist.bus import EventBus
from agentassist.config import Settings, StorageSettings
from agentassist.errors import ConfigError
from agentassist.events import Channel
from agentassist.privacy.silence import silence
from agentassist.restart import recorded_frames
from agentassist.store.db import Store
from agentassist.store.objects import ObjectStore
from agentassist.store.recordings import RecordingStore
from benchmarks.recording_crypto import KILLED_WRITER
from benchmarks.wirephone import FRAME, WirePhone, add_phone
from tests.conftest import AGENTASSIST, REPO, Server, _env, add_user
from tests.s3server import BUCKET, CREDENTIALS, REGION, S3Server
from tests.test_disk_full import tmpfs  # noqa: F401  (a fixture: a small tmpfs to fill)
from tests.test_wire_restart import _call_audio, _get, _wait

KEY_A = RecordingKey("2026-11", bytes(range(32)))
KEY_B = RecordingKey("2026-12", bytes(range(100, 132)))


def _ring(*keys: RecordingKey) -> KeyRing:
    return KeyRing(list(keys), keys[-1])


def _audio(seconds: float, seed: int = 1) -> bytes:
    """Stereo noise (every record differs), the customer first as a phone sends it."""
    n = int(seconds * 16000) // 320 * 320
    return np.random.default_rng(seed).integers(-3000, 3000, (n, 2), dtype="<i2").tobytes()


def _record(path: Path, pcm: bytes, keys: KeyRing | None) -> Path:
    rec = Recorder(path, keys=keys)
    for at in range(0, len(pcm), 7 * FRAME):  # uneven batches: records do not follow the writes
        rec.write_stereo(pcm[at : at + 7 * FRAME])
    rec.close()
    assert rec.failed is None
    return path


def _read(path: Path, keys: KeyRing | None) -> bytes:
    with sealed.open_recording(path, keys) as f:
        return f.read()


def test_an_encrypted_recording_reads_back_as_the_plain_one_and_holds_no_audio_in_clear(tmp_path: Path) -> None:
    pcm = _audio(3.3)
    plain = _record(tmp_path / "plain.wav", pcm, None)
    secret = _record(tmp_path / "secret.wav", pcm, _ring(KEY_A))
    raw = secret.read_bytes()
    assert raw.startswith(sealed.MAGIC) and not plain.read_bytes().startswith(sealed.MAGIC)
    assert _read(secret, _ring(KEY_A)) == plain.read_bytes()
    assert pcm[6400:6432] not in raw and b"RIFF" not in raw  # nothing of the WAV in clear
    records = -(-(len(pcm) + HEADER_BYTES) // sealed.CHUNK_BYTES)
    assert len(raw) == sealed.HEADER_BYTES + len(pcm) + HEADER_BYTES + records * sealed.OVERHEAD
    assert os.stat(secret).st_mode & 0o777 == 0o600
    rate, frames = read_stereo(secret, 16000, _ring(KEY_A))
    assert rate == 16000 and frames.tobytes() == read_stereo(plain)[1].tobytes()
    assert channel_frames(secret, Channel.AGENT, 10, 20, keys=_ring(KEY_A)) == channel_frames(
        plain, Channel.AGENT, 10, 20
    )
    assert peaks(secret, 40, _ring(KEY_A)) == peaks(plain, 40)
    assert not needs_repair(secret, _ring(KEY_A)) and repair(secret, _ring(KEY_A)) == pytest.approx(3.3, abs=0.02)
    assert secret.read_bytes() == raw  # finished: repair changes nothing


def test_an_altered_record_is_named_and_a_wrong_or_missing_key_said_so(tmp_path: Path) -> None:
    path = _record(tmp_path / "secret.wav", _audio(2), _ring(KEY_A))
    raw = bytearray(path.read_bytes())
    at = sealed.HEADER_BYTES + 3 * (sealed.CHUNK_BYTES + sealed.OVERHEAD) + 100  # inside record 3
    raw[at] ^= 1
    bad = tmp_path / "bad.wav"
    bad.write_bytes(raw)
    with pytest.raises(sealed.TamperedError, match=r"bad\.wav: record 3 \(bytes 49152\.\.65536 .*failed auth"):
        _read(bad, _ring(KEY_A))
    with sealed.open_recording(bad, _ring(KEY_A)) as f:  # what the altered record does not hold still reads
        assert len(f.read(30000)) == 30000
    swapped = path.read_bytes()
    slot = sealed.CHUNK_BYTES + sealed.OVERHEAD
    one, two = sealed.HEADER_BYTES + slot, sealed.HEADER_BYTES + 2 * slot
    bad.write_bytes(swapped[:one] + swapped[two : two + slot] + swapped[one:two] + swapped[two + slot :])
    with pytest.raises(sealed.TamperedError, match="record 1"):  # records cannot move
        _read(bad, _ring(KEY_A))
    other = RecordingKey(KEY_A.key_id, bytes(32))
    with pytest.raises(sealed.SealedError, match="the key configured as '2026-11' is not the key it was written"):
        _read(path, _ring(other))
    with pytest.raises(sealed.SealedError, match=r"encrypted with key '2026-11', expected .* got 2026-12"):
        _read(path, _ring(KEY_B))
    with pytest.raises(sealed.SealedError, match="got none"):
        _read(path, None)


def test_a_recording_cut_short_reads_up_to_its_last_whole_record_and_is_finished_by_repair(tmp_path: Path) -> None:
    path = _record(tmp_path / "secret.wav", _audio(2), _ring(KEY_A))
    full = _read(path, _ring(KEY_A))
    raw = path.read_bytes()
    slot = sealed.CHUNK_BYTES + sealed.OVERHEAD
    cut = sealed.HEADER_BYTES + 4 * slot + 1000  # record 4 torn, the FINAL one gone
    path.write_bytes(raw[:cut])
    opened, fd = sealed.open_sealed(path, _ring(KEY_A))
    os.close(fd)
    assert (opened.final, opened.records, opened.torn_bytes) == (False, 4, 1000)
    assert needs_repair(path, _ring(KEY_A))
    seconds = repair(path, _ring(KEY_A))
    assert seconds == pytest.approx((4 * sealed.CHUNK_BYTES - HEADER_BYTES) // 4 / 16000)
    assert not needs_repair(path, _ring(KEY_A))
    got = _read(path, _ring(KEY_A))
    assert got[HEADER_BYTES:] == full[HEADER_BYTES : HEADER_BYTES + len(got) - HEADER_BYTES]
    with wave.open(io.BytesIO(got)) as w:  # the header says what is there
        assert w.getnframes() * 4 + HEADER_BYTES == len(got)


def test_an_encrypted_recording_on_a_full_disk_keeps_every_whole_record(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    disk = request.getfixturevalue("tmpfs")(tmp_path / "small", 256)  # 4 s of stereo audio at most
    rec = Recorder(disk / "call.wav", flush_interval_s=0.2, keys=_ring(KEY_A))
    pcm = _audio(10.0)
    failed = 0
    for at in range(0, len(pcm), FRAME):
        try:
            rec.write_stereo(pcm[at : at + FRAME])
        except RecordingError as exc:
            failed += 1
            assert "No space left on device" in str(exc) and "call.wav" in str(exc), exc
    assert failed == 1 and rec.failed and "No space left" in rec.failed
    rec.close()  # no error: it stopped already
    opened, fd = sealed.open_sealed(disk / "call.wav", _ring(KEY_A))
    os.close(fd)
    assert opened.torn_bytes == 0  # cut to its last whole record (FINAL too where the disk took 28 bytes more)
    got = _read(disk / "call.wav", _ring(KEY_A))
    seconds = (len(got) - HEADER_BYTES) / 64000
    assert 2.0 <= seconds <= 4.1 and abs(seconds - rec.duration_s) < 0.01, (seconds, rec.duration_s)
    plain = _record(tmp_path / "plain.wav", pcm, None).read_bytes()
    assert got[HEADER_BYTES:] == plain[HEADER_BYTES : len(got)]


def test_a_resumed_recording_goes_on_in_its_own_form_and_key(tmp_path: Path) -> None:
    """A call resumed after a restart: the file is continued with the key it was started with, its last,
    partial record sealed again under a new writer id (never a nonce over other bytes)."""
    pcm = _audio(2.0)
    path = _record(tmp_path / "secret.wav", pcm[: len(pcm) // 2], _ring(KEY_A))
    keep = (len(pcm) // 2) // 4
    rec = Recorder(path, keep_samples=keep, keys=_ring(KEY_A, KEY_B))  # B is current now
    rec.write_stereo(pcm[len(pcm) // 2 :])
    rec.close()
    assert rec.failed is None
    plain = _record(tmp_path / "plain.wav", pcm, None)
    assert _read(path, _ring(KEY_A)) == plain.read_bytes()
    assert sealed.Header.parse(path.read_bytes()[:80], "x").key_id == KEY_A.key_id
    before = path.read_bytes()  # started again without the key: the call is not resumed over it
    with pytest.raises(sealed.SealedError, match="encrypted with key '2026-11'"):
        recorded_frames(path, _ring(KEY_B))
    assert Recorder(path, keep_samples=keep, keys=None).failed and path.read_bytes() == before


def test_keys_rotate_new_recordings_use_the_current_key_and_old_ones_still_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"# operator's keys\n{KEY_A.key_id} {base64.b64encode(KEY_A.secret).decode()}\n")
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match=r"may be read by others .*chmod 600"):
        load_keys(str(key_file), {})
    key_file.chmod(0o600)
    assert load_keys("", {}) is None  # nothing configured: in clear
    first = load_keys(str(key_file), {})
    assert first is not None and first.current == KEY_A
    pcm = _audio(1.0)
    old = _record(tmp_path / "old.wav", pcm, first)
    unencrypted = _record(tmp_path / "before-keys.wav", pcm, None)  # written before any key was set

    with key_file.open("a") as f:
        f.write(f"{KEY_B.key_id} {base64.b64encode(KEY_B.secret).decode()}\n")
    rotated = load_keys(str(key_file), {})
    assert rotated is not None and rotated.current == KEY_B and rotated.ids == ["2026-11", "2026-12"]
    new = _record(tmp_path / "new.wav", pcm, rotated)
    assert sealed.Header.parse(new.read_bytes()[:80], "new").key_id == "2026-12"
    assert _read(old, rotated) == _read(new, rotated) == _read(unencrypted, rotated) == unencrypted.read_bytes()
    with pytest.raises(sealed.SealedError, match="2026-12"):
        _read(new, first)  # the old key alone does not open the new recording

    env_secret = bytes(range(7, 39))
    env = {"AGENTASSIST_RECORDING_KEY": base64.b64encode(env_secret).decode()}
    from_env = load_keys(str(key_file), env)
    assert from_env is not None and from_env.current.key_id == fingerprint(env_secret)
    assert _read(old, from_env) == _read(new, from_env)  # the file's keys open the older ones
    named = load_keys("", {"AGENTASSIST_RECORDING_KEY": "2027-01:" + env["AGENTASSIST_RECORDING_KEY"]})
    assert named is not None and named.current.key_id == "2027-01"
    with pytest.raises(ConfigError, match="AGENTASSIST_RECORDING_KEY: expected a key in base64"):
        load_keys("", {"AGENTASSIST_RECORDING_KEY": "not base64!"})
    with pytest.raises(ConfigError, match="expected 32 bytes, got 16"):
        load_keys("", {"AGENTASSIST_RECORDING_KEY": base64.b64encode(bytes(16)).decode()})
    assert "secret" not in repr(KEY_A) and repr(KEY_A.secret) not in repr(KEY_A)

    # after the call: silenced and converted with the current key, never written in clear
    silence(old, [(0.2, 0.4)], 16000, keys=rotated)
    assert sealed.Header.parse(old.read_bytes()[:80], "old").key_id == "2026-12"
    samples = np.frombuffer(_read(old, rotated)[HEADER_BYTES:], dtype="<i2").reshape(-1, 2)
    assert not samples[int(0.0 * 16000) : int(0.7 * 16000)].any() and samples[int(0.8 * 16000) :].any()
    ogg = wav_to_opus(old, keys=rotated)
    assert ogg.read_bytes().startswith(sealed.MAGIC) and not old.exists()
    rate, decoded = read_stereo(ogg, 16000, rotated)
    assert rate == 16000 and abs(len(decoded) - 16000) <= 320


def _two_calls(tmp_path: Path, recordings: RecordingStore) -> tuple[Store, str]:
    """Two ended calls of the same 20 s of audio, one recorded in clear, one encrypted (79 records:
    more than one batch of reads); the store and a supervisor's token."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    token = store.add_user("sue", "supervisor", all_teams=True)
    pcm = _audio(20.0, seed=5)
    for call_id, with_keys in (("c-plain", None), ("c-sealed", recordings.keys)):
        path = recordings.path_for(call_id)
        store.create_call(call_id, "inbound", "sip:c@x", "alice", None, datetime.now(UTC), str(path))
        store.end_call(call_id, datetime.now(UTC))
        _record(path, pcm, with_keys)
    return store, token


def _same_ranges(client: TestClient, count: int) -> None:
    """The encrypted call's recording answers every Range as the plain one does, byte for byte."""
    plain = client.get("/api/calls/c-plain/recording")
    secret = client.get("/api/calls/c-sealed/recording")
    size = len(plain.content)
    assert secret.status_code == plain.status_code == 200 and secret.content == plain.content
    for name in ("content-type", "content-length", "accept-ranges"):
        assert secret.headers[name] == plain.headers[name], name
    rng = random.Random(19)
    edges = [0, 1, 43, 44, 45, sealed.CHUNK_BYTES - 1, sealed.CHUNK_BYTES, 64 * sealed.CHUNK_BYTES, size - 1]
    asked = ["bytes=0-0", f"bytes={size - 1}-", "bytes=-1", f"bytes=-{size}", f"bytes=0-{size + 10}"]
    for _ in range(count):
        a, b = sorted((rng.choice([*edges, rng.randrange(size)]), rng.choice([*edges, rng.randrange(size)])))
        asked.append(rng.choice([f"bytes={a}-{b}", f"bytes={a}-", f"bytes=-{max(1, size - a)}"]))
    for header in asked:
        want = client.get("/api/calls/c-plain/recording", headers={"Range": header})
        got = client.get("/api/calls/c-sealed/recording", headers={"Range": header})
        assert (got.status_code, got.headers.get("content-range")) == (206, want.headers["content-range"]), header
        assert want.status_code == 206 and got.content == want.content, header
    for header in (f"bytes={size}-", f"bytes={size + 5}-{size + 9}"):
        assert client.get("/api/calls/c-sealed/recording", headers={"Range": header}).status_code == 416
        assert client.get("/api/calls/c-plain/recording", headers={"Range": header}).status_code == 416
    etag = secret.headers["etag"]
    assert client.get("/api/calls/c-sealed/recording", headers={"If-None-Match": etag}).status_code == 304
    stale = client.get("/api/calls/c-sealed/recording", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == plain.content
    got, want = (client.get(f"/api/calls/{c}/peaks", params={"buckets": 300}) for c in ("c-sealed", "c-plain"))
    assert got.status_code == 200 and got.json() == want.json()


def test_range_requests_on_an_encrypted_recording_return_the_plain_ones_bytes(tmp_path: Path) -> None:
    recordings = RecordingStore(tmp_path / "rec", keys=_ring(KEY_A))
    store, token = _two_calls(tmp_path, recordings)
    with TestClient(create_app(Settings(), store, EventBus(), recordings)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        _same_ranges(client, 60)
        recordings.keys = _ring(KEY_B)  # the key that wrote it is gone from the configuration
        refused = client.get("/api/calls/c-sealed/recording", headers={"Range": "bytes=100-200"})
        assert refused.status_code == 409 and "encrypted with key '2026-11'" in refused.json()["detail"]
        assert client.get("/api/calls/c-sealed/peaks").status_code == 409


def test_an_encrypted_recording_in_the_object_store_is_served_as_the_plain_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploaded as it is on disk (verified by the SHA-256 of its encrypted bytes), then read with one
    ranged GET per Range request, only the records it spans decrypted."""
    s3 = S3Server(tmp_path)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    s3.start()
    try:
        settings = StorageSettings(url=f"s3://{BUCKET}/node", endpoint_url=s3.endpoint_url, region=REGION)
        recordings = RecordingStore(tmp_path / "rec", ObjectStore(settings), keys=_ring(KEY_A))
        store, token = _two_calls(tmp_path, recordings)
        assert recordings.objects is not None
        for call_id in ("c-plain", "c-sealed"):
            path = recordings.path_for(call_id)
            stored = recordings.objects.put_verified(path)
            assert stored.encrypted == (call_id == "c-sealed")
            assert stored.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            path.unlink()
        raw = s3.client().get_object(Bucket=BUCKET, Key="node/c-sealed.wav")
        assert raw["ContentType"] == "application/octet-stream" and raw["Body"].read().startswith(sealed.MAGIC)
        with TestClient(create_app(Settings(), store, EventBus(), recordings)) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            _same_ranges(client, 25)
    finally:
        s3.stop()


def _key_file(tmp_path: Path, *keys: RecordingKey) -> Path:
    path = tmp_path / "recording-keys"
    path.write_text("".join(f"{k.key_id} {base64.b64encode(k.secret).decode()}\n" for k in keys))
    path.chmod(0o600)
    return path


def test_a_killed_writer_leaves_what_it_wrote_and_the_recordings_commands_finish_and_decrypt_it(
    tmp_path: Path,
) -> None:
    key_file = _key_file(tmp_path, KEY_A)
    config = tmp_path / "agentassist.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path}"\n[storage]\nencryption_key_file = "{key_file}"\n')
    path = tmp_path / "recordings" / "killed.wav"
    path.parent.mkdir()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), str(key_file)], env=_env(), check=False)
    assert proc.returncode == -9, proc
    assert time.monotonic() - started < 30
    audio = _read(path, _ring(KEY_A))[HEADER_BYTES:]
    assert 2.0 <= len(audio) / 64000 <= 3.0 and audio == b"\x10\x00" * (len(audio) // 2)  # within 1 s of the kill

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(AGENTASSIST), "recordings", *args, "--config", str(config)]
        return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=_env())

    first = run("repair")
    assert first.returncode == 0 and f"{path}: repaired" in first.stdout, first.stdout + first.stderr
    assert f"{path}: ok" in run("repair", str(path)).stdout
    out = tmp_path / "plain.wav"
    done = run("decrypt", str(path), str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == _read(path, _ring(KEY_A)) and os.stat(out).st_mode & 0o777 == 0o600
    with wave.open(str(out)) as w:
        assert w.getnframes() * 4 == len(audio)


def test_a_center_killed_mid_call_leaves_an_encrypted_recording_that_decrypts_to_the_last_second(
    make_server: Any, tmp_path: Path
) -> None:
    """A real `agentassist serve` with a key file, a phone's call streamed in real time, SIGKILL: the
    recording on disk is encrypted and holds the audio up to within 1 s of the kill; started again,
    the center continues it when the phone comes back, and serves the whole call decrypted."""
    key_file = _key_file(tmp_path, KEY_A)
    server: Server = make_server(
        sip={"listen": ""},
        recorder={"format": "wav"},
        transcribe={"enabled": False},
        center={"phone_timeout_s": 20.0},
        storage={"encryption_key_file": str(key_file)},
    )
    add_user(server.config, "alice", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, server.config, "alice", REPO)
    server.start()
    pcm = _call_audio()[: 500 * FRAME]
    phone = WirePhone(server.http_port, credential, "alice")
    assert phone.hello()["parameters"] == {"agent": "alice"}
    call_id, stream, _ = phone.open()
    sent = 0
    while sent < 250:  # 5 s, in real time: 10 frames every 0.2 s
        sent = phone.audio(stream, sent, pcm[sent * FRAME : (sent + 10) * FRAME])
        time.sleep(0.2)
    server.kill()
    phone.close()
    path = server.root / "data" / "recordings" / f"{call_id}.wav"
    raw = path.read_bytes()
    assert raw.startswith(sealed.MAGIC) and pcm[64000:64064] not in raw
    have = (len(_read(path, _ring(KEY_A))) - HEADER_BYTES) // FRAME
    assert sent - 50 <= have <= sent, (sent, have)  # within 1 s of the kill
    recorded = np.frombuffer(_read(path, _ring(KEY_A))[HEADER_BYTES:], dtype="<i2").reshape(-1, 2)[: have * 320]
    assert np.array_equal(recorded[:, ::-1], np.frombuffer(pcm[: have * FRAME], dtype="<i2").reshape(-1, 2))

    server.start()
    phone = WirePhone(server.http_port, credential, "alice")
    try:
        assert phone.hello()["parameters"] == {"agent": "alice"}
        _, stream, resumed = phone.open(call_id)
        assert resumed == have
        end = phone.audio(stream, resumed, pcm[resumed * FRAME :])
        assert phone.close_call(call_id, end) == end == len(pcm) // FRAME
    finally:
        phone.close()
    _wait(lambda: _get(server, f"/api/calls/{call_id}")["status"] == "ended", 60, "the call ended")
    with server.client() as c:
        whole = c.get(f"/api/calls/{call_id}/recording")
        part = c.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=100000-200000"})
    assert whole.status_code == 200 and part.status_code == 206
    with wave.open(io.BytesIO(whole.content)) as w:
        served = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.array_equal(served[:, ::-1], np.frombuffer(pcm, dtype="<i2").reshape(-1, 2))
    assert part.content == whole.content[100000:200001]
    assert path.read_bytes().startswith(sealed.MAGIC)
