"""A disk that fills mid-call: the recording's (a small tmpfs under the recordings folder) and the
database's (a small tmpfs as the data folder, filled by a file). A real `agentassist serve` answers a
real baresip speaking; the call must end ``abnormal``, be counted in /metrics, leave a playable
recording up to the failure, and the server must go on serving. Needs root (mount); skipped without."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentassist.audio.recorder import Recorder, RecordingError
from agentassist.events import Channel
from tests.conftest import SOUNDS_EN, need

BYTES_PER_S = 16000 * 2 * 2  # the recording: 16 kHz, 16-bit, stereo


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, int], Path]]:
    """Mount a tmpfs of ``size_kb`` at a folder (made when missing); unmounted at the end."""
    mounted: list[Path] = []

    def mount(where: Path, size_kb: int) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs to fill (needs root): {r.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> Path:
    """Take every free byte of the filesystem under ``folder``; the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, bytes(65536)):
                pass
    finally:
        os.close(fd)
    return filler


def _playable(path: Path) -> float:
    """Seconds of a recording that `wave` and sox both read as it is (no repair)."""
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 16000, 2)
        frames = w.getnframes()
        w.readframes(frames)
    assert frames > 0
    assert path.stat().st_size == 44 + frames * 4, "the header does not match the file"
    need("soxi")
    soxi = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    assert abs(float(soxi.stdout) - frames / 16000) < 0.01, soxi.stdout
    return frames / 16000


def test_recorder_on_a_full_disk_keeps_a_playable_file(tmp_path: Path, tmpfs: Any) -> None:
    disk = tmpfs(tmp_path / "small", 256)  # 4 s of stereo audio at most
    rec = Recorder(disk / "call.wav", flush_interval_s=0.2)
    tone = (np.sin(np.arange(320) / 3) * 8000).astype("<i2").tobytes()
    failed = 0
    for _ in range(500):  # 10 s of both channels
        try:
            rec.write(Channel.AGENT, tone)
            rec.write(Channel.CUSTOMER, tone)
        except RecordingError as exc:
            failed += 1
            assert "No space left on device" in str(exc) and "call.wav" in str(exc), exc
    assert failed == 1, "RecordingError is raised once, then frames are dropped"
    assert rec.failed and "No space left" in rec.failed
    rec.close()  # no error: it stopped already
    seconds = _playable(disk / "call.wav")
    assert 2.0 <= seconds <= 4.1 and abs(seconds - rec.duration_s) < 0.01, (seconds, rec.duration_s)


def _metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} not in /metrics:\n{text}"
    return float(m.group(1))


def _until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(what)


@pytest.mark.slow
def test_recordings_disk_fills_mid_call(make_server: Any, baresip: Any, tmp_path: Path, tmpfs: Any) -> None:
    # ~9 s of the call fit; the call goes on for 20 s. The database stays on the normal disk.
    tmpfs(tmp_path / "data" / "recordings", 600)
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")  # the customer speaks throughout
    phone.dial(server.sip_uri, seconds=20)
    with server.client() as client:
        call = _until(lambda: client.get("/api/calls").json()["items"], 40, f"no call:\n{server.log()}")[0]
        url = f"/api/calls/{call['id']}"
        # while the disk is full and the call goes on, the server answers
        _until(lambda: "record failed" in server.log(), 30, f"the disk did not fill:\n{server.log()}")
        assert client.get("/healthz").status_code == 200
        assert client.get(url).json()["status"] == "active"
        phone.wait(60)
        ended = _until(lambda: (c := client.get(url).json())["status"] == "ended" and c, 30, "the call did not end")
        metrics = client.get("/metrics").text
        recording = client.get(f"{url}/recording")
    assert ended["end_reason"] == "abnormal", ended
    media = ended["media"]
    assert "No space left" in media["recording_error"] and media["failures"]["record"], media
    assert media["sip_end_reason"] == "hangup", media
    assert _metric(metrics, 'agentassist_call_failures_total{stage="record"}') == 1
    assert _metric(metrics, 'agentassist_call_failures_total{stage="store"}') == 0
    log = server.log()
    assert re.search(rf"ERROR agentassist.failures: call {call['id']}: record failed: .*No space left", log), log
    seconds = _playable(tmp_path / "data" / "recordings" / f"{call['id']}.wav")
    assert 5.0 <= seconds <= 600 * 1024 / BYTES_PER_S, seconds  # everything up to the full disk
    assert recording.status_code == 200 and len(recording.content) == 44 + int(seconds * 16000) * 4


@pytest.mark.slow
def test_on_failure_hangup_ends_the_call_when_the_recording_stops(
    make_server: Any, baresip: Any, tmp_path: Path, tmpfs: Any
) -> None:
    tmpfs(tmp_path / "data" / "recordings", 256)  # 4 s of the call fit; the customer would talk for 30
    server = make_server(recorder={"on_failure": "hangup"})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=30)
    began = time.monotonic()
    with server.client() as client:
        call = _until(lambda: client.get("/api/calls").json()["items"], 40, f"no call:\n{server.log()}")[0]
        url = f"/api/calls/{call['id']}"
        ended = _until(lambda: (c := client.get(url).json())["status"] == "ended" and c, 30, server.log())
    assert time.monotonic() - began < 20, "the call went on after its recording stopped"
    assert ended["end_reason"] == "abnormal" and ended["media"]["failures"]["record"], ended
    assert "hung up: its recording failed" in server.log()
    assert 2.0 <= _playable(tmp_path / "data" / "recordings" / f"{call['id']}.wav") <= 256 * 1024 / BYTES_PER_S


@pytest.mark.slow
@pytest.mark.parametrize("then", ["room_again", "restart"])
def test_database_disk_fills_mid_call(make_server: Any, baresip: Any, tmp_path: Path, tmpfs: Any, then: str) -> None:
    """The data folder (database and recordings) on a small disk, filled by a file while the call is up:
    the call's end cannot be stored; it is kept in memory and stored once there is room again
    (``room_again``), or, the server stopped while the disk is still full, closed by the next start."""
    data = tmpfs(tmp_path / "data", 8192)
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=10)
    with server.client() as client:
        call = _until(lambda: client.get("/api/calls").json()["items"], 40, f"no call:\n{server.log()}")[0]
        url = f"/api/calls/{call['id']}"
        time.sleep(3)  # some of the call recorded and transcribed first
        filler = _fill(data)
        phone.wait(60)
        metrics = _until(
            lambda: (m := client.get("/metrics").text) and _metric(m, "agentassist_call_ends_unstored") == 1 and m,
            30,
            f"the call's end was stored on a full disk?\n{server.log()}",
        )
        assert _metric(metrics, 'agentassist_call_failures_total{stage="store"}') >= 1
        assert client.get("/healthz").status_code == 200  # the server goes on serving
        assert client.get(url).json()["status"] == "active"  # the row as the database has it
        if then == "restart":
            server.stop()
            assert "1 call(s) left active in the database" in server.log(), server.log()
        filler.unlink()  # room again: the runtime stores the end (every 10 s), or the next start does
    if then == "restart":
        server.start()
    with server.client() as client:
        ended = _until(lambda: (c := client.get(url).json())["status"] == "ended" and c, 30, server.log())
        metrics = client.get("/metrics").text
    assert ended["end_reason"] == "abnormal", ended
    assert _metric(metrics, "agentassist_call_ends_unstored") == 0
    log = server.log()
    if then == "room_again":
        assert f"call {call['id']}: store failed" in log and f"call {call['id']}: its end stored after all" in log
    else:
        assert f"call {call['id']} ended abnormally; recording repaired" in log, log
    assert _playable(tmp_path / "data" / "recordings" / f"{call['id']}.wav") >= 1.0
