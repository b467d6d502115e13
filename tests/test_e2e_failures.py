"""What goes wrong: a killed server mid-call, a stopped server mid-call, and bad input."""

from __future__ import annotations

import json
import subprocess
import time
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN, _env, free_port, write_config

pytestmark = [pytest.mark.sip]


def _wait_for_call(server: Any, status: str, timeout_s: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with server.client() as client:
        while time.monotonic() < deadline:
            items = client.get("/api/calls").json()["items"]
            if items and items[0]["status"] == status:
                return dict(items[0])
            time.sleep(0.2)
    raise AssertionError(f"no call with status {status!r} within {timeout_s} s:\n{server.log()}")


@pytest.mark.slow
def test_sigkill_mid_call_leaves_a_playable_recording(make_server: Any, baresip: Any) -> None:
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    phone.dial(server.sip_uri, seconds=60)
    call = _wait_for_call(server, "active")
    time.sleep(5)
    recording = server.root / "data" / "recordings" / f"{call['id']}.wav"
    with server.client() as client:
        live = client.get(f"/api/calls/{call['id']}").json()
    call_started = datetime.fromisoformat(call["started_at"].replace("Z", "+00:00"))
    # The call thread may lag the media by seconds on a loaded machine (its queue holds 30 s): wait until
    # it has caught up to within a second, so that the check below is of the file, not of the lag.
    written_s = 0.0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        written_s = max(0, recording.stat().st_size - 44) / 4 / 16000
        if written_s >= (datetime.now(UTC) - call_started).total_seconds() - 1.0:
            break
        time.sleep(0.2)
    killed_at = datetime.now(UTC)
    server.kill()
    audio_before_kill_s = (killed_at - call_started).total_seconds()
    with wave.open(str(recording)) as w:  # playable without repair
        assert (w.getnchannels(), w.getframerate()) == (2, 16000)
        seconds = w.getnframes() / w.getframerate()
    # everything written before the kill is in the file, and its header (rewritten at least once a
    # second) counts it up to its last second
    assert seconds >= written_s - 1.05, (seconds, written_s, audio_before_kill_s)
    phone.stop()

    server.start()  # the next start closes the call as ended abnormally
    with server.client() as client:
        after = client.get(f"/api/calls/{call['id']}").json()
        assert live["status"] == "active"
        assert after["status"] == "ended" and after["end_reason"] == "abnormal", after
        assert after["ended_at"] is not None
        r = client.get(f"/api/calls/{call['id']}/recording")
        assert r.status_code == 200 and len(r.content) >= 44 + int(seconds * 16000) * 4


@pytest.mark.slow
def test_stopping_the_server_mid_call_ends_the_call_cleanly(make_server: Any, baresip: Any) -> None:
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    phone.dial(server.sip_uri, seconds=60)
    call = _wait_for_call(server, "active")
    time.sleep(2)
    assert server.proc is not None
    server.proc.terminate()
    # uvicorn shuts down gracefully, then re-raises SIGTERM: -15 is a clean exit here
    assert server.proc.wait(20) in (0, -15), server.log()
    log = server.log()
    assert "Traceback" not in log and "Assertion" not in log, log
    assert "softphone stopped" in log and "closed (" in log, log
    server.start()
    with server.client() as client:
        after = client.get(f"/api/calls/{call['id']}").json()
    assert after["status"] == "ended" and after["end_reason"] != "abnormal", after
    with wave.open(str(server.root / "data" / "recordings" / f"{call['id']}.wav")) as w:
        assert w.getnframes() / w.getframerate() >= 1.5


def test_bad_agent_audio_file_is_refused_at_start(tmp_path: Path) -> None:
    for bad, message in ((tmp_path / "nope.wav", "audio file not found"), (tmp_path / "text.wav", "not a PCM WAV")):
        if bad.name == "text.wav":
            bad.write_text("this is not audio")
        config = write_config(tmp_path, free_port(), free_port(), audio={"agent_audio_file": str(bad)})
        proc = subprocess.run(
            [str(AGENTASSIST), "serve", "--config", str(config)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
        )
        assert proc.returncode == 2
        assert str(bad) in proc.stderr and message in proc.stderr, proc.stderr


def test_invalid_script_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text('id: bad\nversion: 1\nsteps:\n  - id: greet\n    say: ["Hello"]\n    colour: blue\n')
    proc = subprocess.run(
        [str(AGENTASSIST), "script", "validate", str(script)], capture_output=True, text=True, env=_env()
    )
    assert proc.returncode == 2
    assert f"{script}:6" in proc.stderr and "colour" in proc.stderr, proc.stderr


def test_api_errors(make_server: Any) -> None:
    server = make_server()
    server.start()
    assert httpx.get(server.url + "/api/calls").status_code == 401
    assert httpx.get(server.url + "/api/calls", headers={"Authorization": "Bearer wrong"}).status_code == 401
    with server.client() as client:
        r = client.get("/api/calls/no-such-call")
        assert r.status_code == 404 and "no-such-call" in r.text
        assert client.get("/api/calls/no-such-call/recording").status_code == 404
        assert client.get("/healthz").status_code == 200


@pytest.mark.slow
def test_range_outside_the_recording_is_416(make_server: Any, baresip: Any) -> None:
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "vm-intro.wav")
    phone.dial(server.sip_uri, seconds=3)
    phone.wait(30)
    call = _wait_for_call(server, "ended")
    with server.client() as client:
        url = f"/api/calls/{call['id']}/recording"
        size = len(client.get(url).content)
        part = client.get(url, headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        assert part.headers["content-range"] == f"bytes 0-99/{size}"
        outside = client.get(url, headers={"Range": f"bytes={size + 10}-{size + 20}"})
        assert outside.status_code == 416
        assert outside.headers["content-range"] == f"bytes */{size}"


@pytest.mark.slow
def test_outbound_call_with_agentassist_call(make_server: Any, baresip: Any, tmp_path: Path) -> None:
    """`agentassist call` asks the running server to dial; baresip answers and hears the agent's WAV."""
    server = make_server()
    server.start()
    phone = baresip(SOUNDS_EN / "demo-echotest.wav", answer=True)
    phone.listen(seconds=15)
    time.sleep(1)
    env = {**_env(), "AGENTASSIST_TOKEN": server.token}
    bad = subprocess.run(
        [str(AGENTASSIST), "call", "not-a-uri", "--config", str(server.config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "uri" in bad.stderr, bad.stderr
    out = subprocess.run(
        [
            str(AGENTASSIST),
            "call",
            phone.uri,
            "--audio",
            str(SOUNDS_EN / "vm-intro.wav"),
            "--config",
            str(server.config),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    call_id = json.loads(out.stdout)["id"]
    call = _wait_for_call(server, "active")
    assert call["id"] == call_id and call["direction"] == "outbound"
    time.sleep(7)
    with server.client() as client:
        client.post(f"/api/calls/{call_id}/hangup")
    phone.stop()
    call = _wait_for_call(server, "ended", timeout_s=30)
    with server.client() as client:
        transcript = client.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
    agent_text = " ".join(u["text"] for u in transcript if u["channel"] == "agent").lower()
    assert "message" in agent_text, transcript
    with server.client() as client:  # the WAV went up as a prompt, gone once dialled: the call had read it
        assert client.get("/api/prompts").json() == []


@pytest.mark.slow
def test_vanished_peer_is_hung_up_after_rtp_timeout(make_server: Any, baresip: Any) -> None:
    server = make_server(sip={"rtp_timeout_s": 3})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    phone.dial(server.sip_uri, seconds=60)
    call = _wait_for_call(server, "active")
    time.sleep(2)
    phone.stop()  # SIGKILL: no BYE, no more RTP
    ended = _wait_for_call(server, "ended", timeout_s=20)
    assert ended["id"] == call["id"]
    assert "rtp timeout" in server.log().lower() or "no rtp" in server.log().lower()
    with server.client() as client:
        assert client.get("/healthz").status_code == 200


def test_sip_port_in_use_stops_the_server_with_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        sip_port = taken.getsockname()[1]
        config = write_config(tmp_path, sip_port, free_port())
        proc = subprocess.run(
            [str(AGENTASSIST), "serve", "--config", str(config)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
        )
    assert proc.returncode == 2, proc.stderr
    assert f"127.0.0.1:{sip_port}" in proc.stderr and "error:" in proc.stderr, proc.stderr
