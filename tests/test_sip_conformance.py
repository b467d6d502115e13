"""RFC 3261 answers to RFC 4475-style requests, sent with raw sockets over UDP and TCP to a real phone.

Every invalid request gets the status RFC 3261 gives it and leaves no call, recording or store row;
the valid ones (a plain INVITE, an RFC 2543 INVITE without Contact, a 141-character Call-ID) become
calls with both channels recorded. The answers come from pjsua's request validation module
(tools/pjsip/agentassist_conform.c, docs/sip-conformance.md): with PyPI's wheel (``PJSUA2=wheel``) it is
absent, and the tests that need it skip saying so.
"""

from __future__ import annotations

import io
import math
import struct
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pjsua2 as pj
import pytest

from agentassist.sip.conformance import SIP_ID_MAX_CHARS, has_request_validation
from benchmarks.sip_messages import Dialog, Peer, Response, ack_for, bye_for, request, sdp_audio_port
from tests.conftest import SOUNDS_EN, Server, add_user, free_port, write_config
from tests.test_call_control import _wait

pytestmark = [pytest.mark.sip]

HAS_MODULE = has_request_validation()
needs_module = pytest.mark.skipif(
    not HAS_MODULE,
    reason="this pjsua2 has no request validation module (PJSUA2=wheel: PyPI's build); `make pjsua2` builds it",
)


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("conform")
    sip_port, http_port = free_port(), free_port()
    config = write_config(root, sip_port, http_port, audio={"agent_audio_file": str(SOUNDS_EN / "demo-echotest.wav")})
    server = Server(root, config, sip_port, http_port)
    server.token = add_user(config, "Alex", "admin")
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Case:
    """One kind of invalid request: ``build(peer, port)`` gives the message, ``status`` RFC 3261's answer."""

    name: str
    status: int
    build: Callable[[Peer, int], str]
    transports: tuple[str, ...] = ("UDP", "TCP")
    reason: str = ""  # a word the reason phrase must hold


def _dup_headers(peer: Peer, port: int) -> str:
    d = peer.dialog()
    extra = (
        "Call-ID: second-" + d.call_id,
        f"From: <sip:other@127.0.0.1:{peer.port}>;tag=other",
        f"To: <sip:someone@127.0.0.1:{port}>",
        "CSeq: 7 INVITE",
    )
    return request("INVITE", port, d, extra=extra)


INVALID = [
    Case(
        "content_length_past_datagram",
        400,
        lambda p, port: request("INVITE", port, p.dialog(), content_length=4000),
        ("UDP",),  # over TCP a longer Content-Length only makes the phone wait for the rest
        "Content-Length",
    ),
    Case("duplicate_call_id_from_to_cseq", 400, _dup_headers, reason="Multiple"),
    Case(
        "cseq_method_mismatch",
        400,
        lambda p, port: request("OPTIONS", port, p.dialog(), cseq_method="INVITE", contact=False),
        reason="CSeq",
    ),
    Case(
        "two_content_lengths",
        400,
        lambda p, port: request("OPTIONS", port, p.dialog(), extra=("l: 0",), contact=False),
        reason="Content-Length",
    ),
    Case("register", 405, lambda p, port: request("REGISTER", port, p.dialog(), uri="sip:127.0.0.1")),
    Case("unknown_method", 501, lambda p, port: request("FROBNICATE", port, p.dialog(), contact=False)),
    Case(
        "require_unknown_option",
        420,
        lambda p, port: request("OPTIONS", port, p.dialog(), extra=("Require: x-no-such-extension",)),
    ),
    Case(
        "accept_excludes_sdp",
        406,
        lambda p, port: request("INVITE", port, p.dialog(), extra=("Accept: text/x-nothing-sdp",)),
    ),
    Case(
        "unknown_uri_scheme",
        416,
        lambda p, port: request("OPTIONS", port, p.dialog(), uri="nosuchscheme:agent@127.0.0.1", contact=False),
    ),
    Case(
        "call_id_past_limit",
        400,
        lambda p, port: request("INVITE", port, p.dialog(call_id="c" * SIP_ID_MAX_CHARS + "@127.0.0.1")),
        reason="Call-ID",
    ),
]


def _calls(phone: Server) -> list[dict[str, Any]]:
    with phone.client() as client:
        items: list[dict[str, Any]] = client.get("/api/calls", params={"limit": 500}).json()["items"]
        return items


def _no_call_held(phone: Server) -> None:
    with phone.client() as client:
        assert client.get("/api/calls", params={"status": "active"}).json()["items"] == []
        assert "agentassist_sip_calls 0" in client.get("/metrics").text


@needs_module
@pytest.mark.parametrize("transport", ["UDP", "TCP"])
@pytest.mark.parametrize("case", INVALID, ids=[c.name for c in INVALID])
def test_invalid_request_gets_its_status_and_no_call(phone: Server, case: Case, transport: str) -> None:
    if transport not in case.transports:
        pytest.skip(f"{case.name} is a {'/'.join(case.transports)} case")
    before = len(_calls(phone))
    peer = Peer(transport, phone.sip_port)
    try:
        message = case.build(peer, phone.sip_port)
        peer.send(message)
        response = peer.final(5)
        if response is not None and response.status < 300 and message.startswith("INVITE"):
            _end_accepted(peer, phone.sip_port, message, response)  # the next case finds no call up
    finally:
        peer.close()
    assert response is not None, f"{case.name} over {transport}: no final answer in 5 s\n{phone.log()}"
    assert response.status == case.status, f"{case.name} over {transport}: {response.status} {response.reason}"
    assert case.reason.lower() in response.reason.lower(), response.reason
    if case.status == 405:
        assert "INVITE" in response.header("allow"), response.headers
    if case.status == 420:
        assert response.header("unsupported") == "x-no-such-extension", response.headers
    time.sleep(0.3)
    assert len(_calls(phone)) == before, f"{case.name} became a call"
    _no_call_held(phone)


def _end_accepted(peer: Peer, port: int, invite: str, response: Response) -> None:
    """ACK and BYE an INVITE that should have been refused (the build without the module takes some)."""
    fields = dict(line.split(": ", 1) for line in invite.split("\r\n")[1:] if ": " in line)
    d = peer.dialog(call_id=fields["Call-ID"], from_tag=fields["From"].rsplit("tag=", 1)[-1])
    d.cseq = int(fields["CSeq"].split()[0])
    d.branch = fields["Via"].split("branch=")[1].split(";")[0]
    peer.send(ack_for(d, port, response, peer.transport))
    peer.send(bye_for(d, port, response, peer.transport))
    peer.final(2)


def _tone_rtp(sock: Any, port: int, seconds: float) -> None:
    """PCMU 440 Hz at -10 dBFS, 20 ms packets, paced in real time."""
    ssrc, seq, ts = 0x1234, 0, 0
    start = time.monotonic()
    for i in range(int(seconds * 50)):
        samples = [int(3000 * math.sin(2 * math.pi * 440 * (ts + n) / 8000)) for n in range(160)]
        payload = bytes(_ulaw(s) for s in samples)
        sock.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + payload, ("127.0.0.1", port))
        seq, ts = seq + 1, ts + 160
        time.sleep(max(0.0, start + (i + 1) * 0.02 - time.monotonic()))


def _ulaw(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 132
    exponent = max(0, magnitude.bit_length() - 8)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _valid_call(phone: Server, transport: str, build: Callable[[Peer, Dialog], str], d_kw: dict[str, Any]) -> str:
    """Send the INVITE ``build`` makes, answer with ACK, 2 s of RTP, BYE; return the stored call's id."""
    import socket

    before = {c["id"] for c in _calls(phone)}
    peer = Peer(transport, phone.sip_port)
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    try:
        d = peer.dialog(rtp_port=rtp.getsockname()[1], **d_kw)
        peer.send(build(peer, d))
        answer = peer.final(10)
        assert answer is not None and answer.status == 200, f"{answer}\n{phone.log()}"
        peer.send(ack_for(d, phone.sip_port, answer, transport))
        _tone_rtp(rtp, sdp_audio_port(answer.body), 2.0)
        peer.send(bye_for(d, phone.sip_port, answer, transport))
        bye_answer: Response | None = peer.final(5)
        assert bye_answer is not None and bye_answer.status == 200, bye_answer
    finally:
        peer.close()
        rtp.close()

    def ended() -> list[dict[str, Any]]:
        return [c for c in _calls(phone) if c["id"] not in before and c["status"] == "ended"]

    # 40 s: a call's end waits up to 10 s for its last lines, and the suite's other workers share the cores
    (call,) = _wait(ended, 40, "the call was not kept as ended")
    assert call["end_reason"] == "hangup", call
    with phone.client() as client:
        r = client.get(f"/api/calls/{call['id']}/recording")
        assert r.status_code == 200, r.text
        with wave.open(io.BytesIO(r.content)) as w:
            assert w.getnchannels() == 2
            stereo = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2).astype(np.float64)
        agent_rms, customer_rms = np.sqrt((stereo**2).mean(axis=0))
        assert agent_rms > 100 and customer_rms > 100, f"agent {agent_rms:.0f}, customer {customer_rms:.0f} RMS"
        media = client.get(f"/api/calls/{call['id']}").json()["media"]
        assert media["sip_call_id"] == d.call_id, media
    _no_call_held(phone)
    return str(call["id"])


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_valid_invite_is_a_call_with_both_channels_recorded(phone: Server, transport: str) -> None:
    _valid_call(phone, transport, lambda p, d: request("INVITE", phone.sip_port, d), {})


@needs_module
@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_rfc2543_invite_without_contact_is_a_call(phone: Server, transport: str) -> None:
    """RFC 4475 3.4 / RFC 3261 20.10: an old gateway's INVITE (no Contact, no magic cookie) is answered."""

    def build(peer: Peer, d: Dialog) -> str:
        d.branch = "2543-" + d.branch[7:]  # an RFC 2543 branch: no z9hG4bK, matched on the whole request
        return request("INVITE", phone.sip_port, d, contact=False)

    _valid_call(phone, transport, build, {})


@needs_module
@pytest.mark.parametrize("length", [141, SIP_ID_MAX_CHARS])
def test_long_call_id_is_kept_whole(phone: Server, length: int) -> None:
    """A 141-character Call-ID (pjsua cut it to 128) is stored whole, up to the limit: found by it."""
    call_id = "x" * (length - 10) + "@127.0.0.1"
    assert len(call_id) == length <= SIP_ID_MAX_CHARS
    _valid_call(phone, "UDP", lambda p, d: request("INVITE", phone.sip_port, d), {"call_id": call_id})


@needs_module
def test_branch_of_another_sender_is_not_a_retransmission(phone: Server) -> None:
    """RFC 3261 17.2.3: a request matches a transaction by branch, sent-by and method, not branch alone."""
    first, second = Peer("UDP", phone.sip_port), Peer("UDP", phone.sip_port)
    try:
        d = first.dialog()
        first.send(request("INVITE", phone.sip_port, d, extra=("Expires: 30",)))
        answer = first.final(10)
        assert answer is not None and answer.status == 200, answer
        other = second.dialog(branch=d.branch)  # same branch, its own sent-by, Call-ID, tags
        second.send(request("INVITE", phone.sip_port, other))
        reply = second.final(5)
        assert reply is not None, "the second sender got no answer: its INVITE was taken for a retransmission"
        assert reply.status == 400 and "branch" in reply.reason.lower(), f"{reply.status} {reply.reason}"
        first.send(ack_for(d, phone.sip_port, answer, "UDP"))
        first.send(bye_for(d, phone.sip_port, answer, "UDP"))
        assert (bye := first.final(5)) is not None and bye.status == 200, bye
    finally:
        first.close()
        second.close()
    _wait(lambda: not [c for c in _calls(phone) if c["status"] == "active"], 10, "a call stayed active")


def test_module_presence_matches_the_build() -> None:
    """The source build carries the module; PyPI's wheel does not (docs/sip-conformance.md)."""
    version = str(getattr(pj, "__version__", ""))
    assert ("+agentassist.r" in version) == HAS_MODULE, version
    if HAS_MODULE:  # the build's limit (AGENTASSIST_SIP_ID_MAX) is the one Python states
        assert pj.SIP_ID_MAX_CHARS == SIP_ID_MAX_CHARS
