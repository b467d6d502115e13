"""Malformed SIP from a real sipp: garbage headers, a wrong Content-Length, a 1 MB body, broken SDP.

One `agentassist serve` takes every scenario in turn (tests/sipp/uac_*.xml). After each the phone
still answers a normal call (sipp's built-in ``uac``) and no call is left active.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentassist.sip.conformance import has_request_validation
from tests.conftest import Server, add_user, free_port, need, write_config
from tests.test_call_control import _wait
from tests.test_call_failures import Sipp

pytestmark = [pytest.mark.sip]


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need("sipp")
    root = tmp_path_factory.mktemp("robust")
    sip_port, http_port = free_port(), free_port()
    config = write_config(root, sip_port, http_port)
    server = Server(root, config, sip_port, http_port)
    server.token = add_user(config, "Alex", "admin")
    server.start()
    yield server
    server.stop()


def _answers_a_normal_call(phone: Server, root: Path) -> None:
    with phone.client() as client:
        before = {c["id"] for c in client.get("/api/calls").json()["items"]}
    caller = Sipp(root, "uac", "-d", "1000", "-s", "agent", f"127.0.0.1:{phone.sip_port}")
    caller.start()
    assert caller.wait() == 0, caller.output() + phone.log()
    with phone.client() as client:

        def new_ended() -> list[dict[str, Any]]:
            items = client.get("/api/calls").json()["items"]
            return [c for c in items if c["id"] not in before and c["status"] == "ended"]

        calls = _wait(new_ended, 15, "the normal call after the malformed one was not kept as ended")
        assert len(calls) == 1 and calls[0]["end_reason"] == "hangup", calls
        assert client.get("/api/calls", params={"status": "active"}).json()["items"] == []
        metrics = client.get("/metrics").text
        assert "agentassist_sip_listening 1" in metrics and "agentassist_sip_calls 0" in metrics
    assert phone.proc is not None and phone.proc.poll() is None, phone.log()


def _no_call_kept(phone: Server) -> None:
    with phone.client() as client:
        assert client.get("/api/calls", params={"status": "active"}).json()["items"] == []
        assert "agentassist_sip_calls 0" in client.get("/metrics").text  # none held by the softphone either


def test_garbage_headers_are_dropped_and_the_phone_goes_on(phone: Server, tmp_path: Path) -> None:
    peer = Sipp(tmp_path, "uac_garbage_headers.xml", "-s", "agent", f"127.0.0.1:{phone.sip_port}")
    peer.start()
    assert peer.wait() == 0, peer.output() + phone.log()  # no answer to it; the OPTIONS after it answered
    assert "syntax error exception when parsing 'Max-Forwards'" in phone.log()
    with phone.client() as client:  # counted, however many lines the log kept of it
        unparsable = re.search(r"^agentassist_sip_unparsable_total (\S+)$", client.get("/metrics").text, re.M)
        assert unparsable is not None and float(unparsable[1]) >= 1, "the dropped packet was not counted"
    _no_call_kept(phone)
    _answers_a_normal_call(phone, tmp_path)


@pytest.mark.parametrize(
    ("scenario", "transport"), [("uac_broken_sdp.xml", "u1"), ("uac_content_length_short.xml", "t1")]
)
def test_invite_with_broken_sdp_is_refused_with_400(
    phone: Server, tmp_path: Path, scenario: str, transport: str
) -> None:
    peer = Sipp(tmp_path, scenario, "-t", transport, "-s", "agent", f"127.0.0.1:{phone.sip_port}")
    peer.start()
    assert peer.wait() == 0, peer.output() + phone.log()  # 400, then the ACK
    _no_call_kept(phone)
    _answers_a_normal_call(phone, tmp_path)


def test_content_length_past_the_datagram_is_a_normal_call(phone: Server, tmp_path: Path) -> None:
    """Without the validation module pjsip reads a UDP datagram to its end, whatever Content-Length says:
    the call goes on. With it, RFC 3261 18.3's 400 (tests/test_sip_conformance.py)."""
    if has_request_validation():
        pytest.skip("the validation module answers this INVITE 400: tests/test_sip_conformance.py checks it")
    with phone.client() as client:
        before = {c["id"] for c in client.get("/api/calls").json()["items"]}
    peer = Sipp(tmp_path, "uac_content_length_long.xml", "-s", "agent", f"127.0.0.1:{phone.sip_port}")
    peer.start()
    assert peer.wait() == 0, peer.output() + phone.log()
    with phone.client() as client:

        def ended() -> list[dict[str, Any]]:
            items = client.get("/api/calls").json()["items"]
            return [c for c in items if c["id"] not in before and c["status"] == "ended"]

        call = _wait(ended, 10, "the call did not end")[0]
        assert call["end_reason"] == "hangup" and "customer@" in call["remote"], call
    _no_call_kept(phone)
    _answers_a_normal_call(phone, tmp_path)


def test_one_megabyte_body_over_tcp_is_dropped(phone: Server, tmp_path: Path) -> None:
    peer = Sipp(tmp_path, "uac_huge_body.xml", "-t", "t1", "-s", "agent", f"127.0.0.1:{phone.sip_port}")
    peer.start()
    peer.wait()  # pjsip may close the connection under sipp's feet: its exit status says nothing here
    time.sleep(0.5)
    assert "Rx buffer overflow" in phone.log()
    longest = max(len(line) for line in phone.log_path.read_text(errors="replace").splitlines())
    assert longest < 3000, f"a log line of {longest} characters: packets must not be logged whole"
    _no_call_kept(phone)
    _answers_a_normal_call(phone, tmp_path)
