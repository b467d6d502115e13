"""Calls that never get going, against sipp: busy, not found, early media then busy, cancel while ringing
(by the caller, and by the agent who placed the call).

Each ends with a clear ``end_reason`` and status ``failed``; none leaks a call.
Scenarios are in tests/sipp/.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import SOUNDS_EN, free_port, need
from tests.test_call_control import _stereo, _wait

pytestmark = [pytest.mark.sip]

SIPP = Path(__file__).parent / "sipp"


class Sipp:
    def __init__(self, root: Path, scenario: str, *args: str, replace: tuple[str, str] | None = None) -> None:
        need("sipp")
        path = SIPP / scenario
        if replace is not None:  # sipp checks status codes when it loads a scenario: no keyword for them
            text = path.read_text(encoding="latin-1")
            assert replace[0] in text
            path = root / scenario
            path.write_text(text.replace(*replace), encoding="latin-1")
        source = ["-sf", str(path)] if scenario.endswith(".xml") else ["-sn", scenario]  # else a built-in one
        self.port = free_port()
        self.root = root
        self.log = root / f"sipp-{self.port}.log"
        self.cmd = [
            "sipp",
            *source,
            "-i",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-mp",
            str(free_port() // 2 * 2),
            "-m",
            "1",
            "-timeout",
            "30s",
            "-nostdin",
            "-trace_err",
            *args,
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = open(self.log, "wb")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(self.cmd, cwd=self.root, stdout=out, stderr=subprocess.STDOUT)
        # Ready once it holds its port: a call placed before would meet a closed port (seen under load,
        # when sipp took longer than a fixed half second to start).
        host = self.cmd[self.cmd.index("-i") + 1]
        tcp = "-t" in self.cmd and self.cmd[self.cmd.index("-t") + 1].startswith("t")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind((host, self.port))
                except OSError:
                    return
            time.sleep(0.05)

    def wait(self, timeout_s: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout_s)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _ended(client: Any, call_id: str, timeout_s: float = 15) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        call: dict[str, Any] = client.get(f"/api/calls/{call_id}").json()
        return call if call.get("status") not in (None, "ringing", "active") else None

    return dict(_wait(ended, timeout_s, f"call {call_id} did not end"))


def _callee(make_server: Any, tmp_path: Path, scenario: str, **kwargs: Any) -> tuple[Any, Sipp]:
    """agentassist started, and a sipp callee running ``scenario`` waiting for its call."""
    server = make_server()
    server.start()
    peer = Sipp(tmp_path, scenario, **kwargs)
    peer.start()
    return server, peer


def _place(client: Any, peer: Sipp) -> str:
    r = client.post("/api/calls", json={"uri": f"sip:someone@127.0.0.1:{peer.port}"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(("code", "reason", "expected"), [(486, "Busy Here", "busy"), (404, "Not Found", "not found")])
def test_outbound_call_rejected(make_server: Any, tmp_path: Path, code: int, reason: str, expected: str) -> None:
    server, peer = _callee(make_server, tmp_path, "uas_reject.xml", replace=("486 Busy Here", f"{code} {reason}"))
    with server.client() as client:
        call = _ended(client, _place(client, peer))
        assert call["status"] == "failed" and call["end_reason"] == expected, call
        assert call["direction"] == "outbound" and call["media"]["sip_call_id"], call
        assert client.get(f"/api/calls/{call['id']}/recording").status_code == 404
        assert "agentassist_sip_listening 1" in client.get("/metrics").text
    assert peer.wait() == 0, peer.output()


def test_early_media_is_recorded_then_busy(make_server: Any, tmp_path: Path) -> None:
    need("sox")
    subprocess.run(
        ["sox", str(SOUNDS_EN / "demo-congrats.wav"), "-t", "ul", "-r", "8000", "-c", "1", str(tmp_path / "early.ul")],
        check=True,
    )
    server, peer = _callee(make_server, tmp_path, "uas_early_reject.xml")
    with server.client() as client:
        call = _ended(client, _place(client, peer), timeout_s=30)
        assert call["status"] == "failed" and call["end_reason"] == "busy", call
        stereo = _stereo(client, call["id"])
    # the announcement heard before the rejection is in the customer channel
    assert len(stereo) >= 2 * 16000
    customer_db = 10 * np.log10((stereo[:, 1].astype(np.float64) ** 2).mean() + 1e-9)
    assert customer_db > 40, customer_db
    assert peer.wait() == 0, peer.output()


def test_caller_cancels_while_ringing(make_server: Any, tmp_path: Path) -> None:
    server = make_server(sip={"auto_answer": False})
    server.start()
    caller = Sipp(tmp_path, "uac_cancel.xml", "-s", "agent", f"127.0.0.1:{server.sip_port}")
    caller.start()
    assert caller.wait() == 0, caller.output()
    with server.client() as client:
        items = _wait(lambda: client.get("/api/calls").json()["items"], 10, "the cancelled call was not kept")
        call = items[0]
        assert call["status"] == "failed" and call["end_reason"] == "cancelled", call
        assert call["direction"] == "inbound" and "customer@" in call["remote"], call
        assert client.get("/api/calls", params={"status": "active"}).json()["items"] == []


def test_placed_call_is_ringing_until_the_agent_hangs_up(make_server: Any, tmp_path: Path) -> None:
    server, peer = _callee(make_server, tmp_path, "uas_ring_cancelled.xml")
    with server.client() as client:
        call_id = _place(client, peer)
        call = client.get(f"/api/calls/{call_id}").json()  # at once: the row is made when the call is placed
        assert call["status"] == "ringing" and call["direction"] == "outbound", call
        ringing = client.get("/api/calls", params={"status": "ringing"}).json()["items"]
        assert [c["id"] for c in ringing] == [call_id], ringing
        time.sleep(1)  # the 180 is in
        assert client.post(f"/api/calls/{call_id}/hangup").status_code == 204
        call = _ended(client, call_id)
        assert call["status"] == "failed" and call["end_reason"] == "cancelled", call
        assert client.post(f"/api/calls/{call_id}/hangup").status_code == 409
    assert peer.wait() == 0, peer.output()
