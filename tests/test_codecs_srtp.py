"""Codec priorities and SRTP against baresip: ``[sip] codecs`` and ``[sip] srtp``.

Outbound calls show the priority: baresip answers with the first codec of agentassist's offer it
has. Inbound calls show what a peer that offers only G722 or only PCMA gets. The negotiated codec
and SRTP are in the call's ``media``.
"""

from __future__ import annotations

import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN, _env, free_port, need, write_config
from tests.test_call_control import _rms_db, _stereo
from tests.test_e2e_failures import _wait_for_call

pytestmark = [pytest.mark.sip]


def _speech(root: Path, rate_hz: int, channels: int = 1) -> Path:
    """demo-congrats at the codec's rate and channels: baresip's aufile plays only a file that has them
    (G722: 16 kHz; Opus: 48 kHz stereo)."""
    if rate_hz == 8000 and channels == 1:
        return SOUNDS_EN / "demo-congrats.wav"
    need("sox")
    path = root / f"congrats-{rate_hz}-{channels}.wav"
    if not path.is_file():
        source = str(SOUNDS_EN / "demo-congrats.wav")
        subprocess.run(["sox", source, "-r", str(rate_hz), "-c", str(channels), str(path)], check=True)
    return path


def test_unknown_codec_stops_the_start_naming_what_the_build_has(tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port(), free_port(), sip={"codecs": ["PCMA", "G729"]})  # no build has G.729
    out = subprocess.run(
        [str(AGENTASSIST), "serve", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert out.returncode == 2, out.stderr[-2000:]
    error = out.stderr.strip().splitlines()[-1]
    assert "[sip] codecs" in error and "'G729'" in error, error
    assert all(name in error for name in ("PCMU/8000", "PCMA/8000", "G722/16000")), error
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("codecs", "expected", "rate_hz"),
    [(["PCMA", "PCMU"], "PCMA", 8000), (["G722", "PCMU"], "G722", 16000), (["pcmu"], "PCMU", 8000)],
)
def test_outbound_offer_follows_the_configured_priority(
    make_server: Any, baresip: Any, tmp_path: Path, codecs: list[str], expected: str, rate_hz: int
) -> None:
    server = make_server(sip={"codecs": codecs}, audio={"agent_audio_file": str(SOUNDS_EN / "demo-congrats.wav")})
    server.start()
    phone = baresip(_speech(tmp_path, rate_hz), answer=True, modules=("g722",))
    phone.listen(seconds=30)
    time.sleep(1)
    with server.client() as client:
        r = client.post("/api/calls", json={"uri": phone.uri})
        assert r.status_code == 201, r.text
        call_id = r.json()["id"]
        time.sleep(5)
        client.post(f"/api/calls/{call_id}/hangup")
    call = _wait_for_call(server, "ended", timeout_s=30)
    assert call["media"]["codec"] == expected and call["media"]["clock_rate_hz"] == rate_hz, call["media"]
    with server.client() as client:
        stereo = _stereo(client, call_id)
    assert _rms_db(stereo[2 * 16000 :, 1]) > 40, "baresip's speech did not arrive"


def test_opus_call_when_the_build_has_it(make_server: Any, baresip: Any, tmp_path: Path) -> None:
    """The source build (tools/build-pjsua2.sh) links Debian's libopus; the PyPI wheel has no Opus."""
    if "+agentassist" not in version("pjsua2-python"):
        pytest.skip("this pjsua2 build has no Opus (the PyPI wheel): `make pjsua2` builds one that has")
    server = make_server(sip={"codecs": ["opus", "PCMU"]})
    server.start()
    phone = baresip(_speech(tmp_path, 48000, channels=2), modules=("opus",), account=";audio_codecs=opus/48000/2")
    phone.dial(server.sip_uri, seconds=6)
    phone.wait(30)
    call = _wait_for_call(server, "ended", timeout_s=30)
    assert call["media"].get("codec") == "opus", (call, server.log()[-4000:])
    assert call["media"]["clock_rate_hz"] == 48000, call["media"]
    with server.client() as client:
        stereo = _stereo(client, call["id"])
    assert _rms_db(stereo[16000:, 1]) > 40, "the customer's speech did not arrive"


@pytest.mark.parametrize(("offered", "rate_hz"), [("G722", 16000), ("PCMA", 8000)])  # baresip's only codec
def test_inbound_call_takes_what_the_peer_offers(
    make_server: Any, baresip: Any, tmp_path: Path, offered: str, rate_hz: int
) -> None:
    server = make_server()
    server.start()
    phone = baresip(_speech(tmp_path, rate_hz), modules=("g722",), account=f";audio_codecs={offered}/{rate_hz}/1")
    phone.dial(server.sip_uri, seconds=6)
    phone.wait(30)
    call = _wait_for_call(server, "ended", timeout_s=30)
    assert call["media"]["codec"] == offered and call["media"]["clock_rate_hz"] == rate_hz, call["media"]
    assert call["media"]["srtp"] is False
    with server.client() as client:
        stereo = _stereo(client, call["id"])
    assert _rms_db(stereo[16000:, 1]) > 40, "the customer's speech did not arrive"


@pytest.mark.parametrize(
    ("srtp", "mediaenc"),
    [("mandatory", "srtp-mand"), ("optional", "srtp")],  # baresip: RTP/SAVP; RTP/AVP with keys (best effort)
)
def test_srtp_call_is_encrypted_and_recorded(make_server: Any, baresip: Any, srtp: str, mediaenc: str) -> None:
    server = make_server(sip={"srtp": srtp})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav", modules=("srtp",), account=f";mediaenc={mediaenc}")
    phone.dial(server.sip_uri, seconds=6)
    phone.wait(30)
    call = _wait_for_call(server, "ended", timeout_s=30)
    assert call["end_reason"] == "hangup" and call["media"]["srtp"] is True, call["media"]
    with server.client() as client:
        stereo = _stereo(client, call["id"])
    customer = stereo[16000:, 1].astype(np.float64)
    assert _rms_db(customer) > 40, "the customer's speech did not decrypt"


def test_mandatory_srtp_refuses_a_plain_rtp_call(make_server: Any, baresip: Any) -> None:
    server = make_server(sip={"srtp": "mandatory"})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=6)
    phone.wait(30)
    with server.client() as client:
        assert client.get("/api/calls", params={"status": "active"}).json()["items"] == []
        ended = [c for c in client.get("/api/calls").json()["items"] if c["status"] == "ended"]
    assert ended == [], ended  # no call was answered
    assert "488 Not Acceptable" in phone.text(), phone.log()
    assert "incoming call from" in server.log() and "refused: 488" in server.log(), server.log()


def test_optional_srtp_takes_a_plain_rtp_call(make_server: Any, baresip: Any) -> None:
    server = make_server(sip={"srtp": "optional"})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=5)
    phone.wait(30)
    call = _wait_for_call(server, "ended", timeout_s=30)
    assert call["end_reason"] == "hangup" and call["media"]["srtp"] is False, call["media"]
