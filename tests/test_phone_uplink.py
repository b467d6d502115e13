"""The phone's uplink against a center that obeys the wire (tests/phone_center.py): calls streamed and
acknowledged, a cut and a center away for a whole call lose nothing, 401 retried, commands executed."""

from __future__ import annotations

import logging
import ssl
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.frames import FRAME_BYTES
from agentassist.desk import CallInfo, DtmfDigit, HoldChange
from agentassist.errors import SipError
from agentassist.events import Channel
from agentassist.phone.spool import Spool
from agentassist.phone.uplink import Uplink, center_urls
from agentassist.wire import interleave
from benchmarks.ports import free_port
from tests.phone_center import FakeCenter
from tests.test_registration_transports import _certificate

TOKEN = "phone-credential-of-alex"


class FakeDesk:
    """A Desk (agentassist.desk.Desk) that records the commands it is given."""

    def __init__(self) -> None:
        self.done: list[tuple[str, ...]] = []

    def call(self, uri: str, microphone: object = None) -> str:
        self.done.append(("call", uri))
        return "new-call"

    def hangup(self, call_id: str) -> None:
        if call_id == "gone":
            raise SipError("no call 'gone' on this phone")
        self.done.append(("hangup", call_id))

    def hold(self, call_id: str, on: bool) -> None:
        self.done.append(("hold", call_id, str(on)))

    def ringing(self) -> list[CallInfo]:
        return []


def mono(i: int, channel: Channel) -> bytes:
    return np.full(FRAME_BYTES // 2, i % 30000 + (1 if channel is Channel.AGENT else 0), dtype="<i2").tobytes()


def expected(frames: range) -> bytes:
    return b"".join(interleave(mono(i, Channel.CUSTOMER), mono(i, Channel.AGENT)) for i in frames)


class Call:
    """A call as the softphone reports it: started, frames of both channels every 20 ms (faster here)."""

    def __init__(self, uplink: Uplink) -> None:
        self.uplink = uplink
        self.id = str(uuid.uuid4())
        info = CallInfo(self.id, "inbound", "sip:customer@127.0.0.1", "sip-1", datetime.now(UTC))
        self.sink = uplink.call_started(info)
        self.sent = 0

    def frames(self, n: int, pace_s: float = 0.002) -> None:
        for _ in range(n):
            self.sink.push(Channel.AGENT, mono(self.sent, Channel.AGENT))
            self.sink.push(Channel.CUSTOMER, mono(self.sent, Channel.CUSTOMER))
            self.sent += 1
            time.sleep(pace_s)

    def end(self) -> None:
        self.uplink.call_ended(self.id, "hangup")


def stream_call(uplink: Uplink, center: FakeCenter, frames: int) -> None:
    """A call of ``frames`` frames; the center must get every one of them and the close."""
    call = Call(uplink)
    call.frames(frames)
    call.end()
    center.wait(lambda: call.id in center.calls and center.calls[call.id].closed is not None)
    assert bytes(center.calls[call.id].pcm) == expected(range(frames))


@pytest.fixture
def center() -> Iterator[FakeCenter]:
    c = FakeCenter(free_port(), {TOKEN: "alex"})
    c.start()
    yield c
    c.stop()


@pytest.fixture
def make_uplink(tmp_path: Path) -> Iterator[callable]:  # type: ignore[valid-type]
    made: list[Uplink] = []

    def make(url: str, token: str = TOKEN, ca_file: str = "", spool: str = "", max_bytes: int = 10**9) -> Uplink:
        spool_dir = tmp_path / (spool or f"spool-{len(made)}")
        up = Uplink([url], token, Spool(spool_dir, max_bytes), ca_file=ca_file, backoff_s=(0.1, 0.5))
        up.attach(FakeDesk())  # type: ignore[arg-type]
        up.start()
        made.append(up)
        return up

    yield make
    for up in made:
        up.stop(grace_s=0.5)


def test_a_call_streams_to_the_center_and_its_spool_goes(center: FakeCenter, make_uplink: callable) -> None:  # type: ignore[valid-type]
    uplink = make_uplink(center.url)
    assert uplink.connected.wait(10)
    call = Call(uplink)
    call.frames(120)
    uplink.call_changed(call.id, HoldChange(held=True, by="agent"))
    call.frames(30)
    uplink.call_changed(call.id, DtmfDigit("4", "rfc4733"))
    call.end()
    center.wait(lambda: call.id in center.calls and center.calls[call.id].closed is not None)
    got = center.calls[call.id]
    assert got.params["agent"] == "alex" and got.params["direction"] == "inbound" and "uploaded_late" not in got.params
    assert got.closed == {"reason": "hangup", "frames": 150}
    assert bytes(got.pcm) == expected(range(150))
    assert [(e.type, e.parameters["frame"]) for e in got.events] == [("hold", 120), ("dtmf", 150)]
    assert got.events[0].parameters["held"] is True
    assert got.events[1].parameters == {"digit": "*", "method": "rfc4733", "frame": 150, "masked": True}
    center.wait(lambda: not (uplink.spool.root / call.id).exists())
    assert center.errors == [] and uplink.dropped_frames == 0


def test_a_cut_mid_call_loses_nothing(center: FakeCenter, make_uplink: callable) -> None:  # type: ignore[valid-type]
    uplink = make_uplink(center.url)
    assert uplink.connected.wait(10)
    call = Call(uplink)
    call.frames(100)
    center.wait(lambda: call.id in center.calls and center.calls[call.id].frames == 100)
    center.stop()  # the center goes away; the call goes on, spooled
    call.frames(200)
    center.start()
    call.frames(100)
    call.end()
    center.wait(lambda: center.calls[call.id].closed is not None)
    got = center.calls[call.id]
    assert got.opens >= 2 and got.closed == {"reason": "hangup", "frames": 400}
    assert bytes(got.pcm) == expected(range(400))
    assert center.errors == []


def test_a_call_while_the_center_is_away_is_uploaded_when_it_is_back(
    center: FakeCenter,
    make_uplink: callable,  # type: ignore[valid-type]
) -> None:
    center.stop()
    uplink = make_uplink(center.url)
    call = Call(uplink)
    call.frames(600, pace_s=0)  # 12 s of call, spooled
    call.end()
    time.sleep(0.5)
    assert (uplink.spool.root / call.id).is_dir() and call.id not in center.calls
    center.start()
    center.wait(lambda: call.id in center.calls and center.calls[call.id].closed is not None)
    assert bytes(center.calls[call.id].pcm) == expected(range(600))
    assert center.calls[call.id].params["uploaded_late"] is True
    center.wait(lambda: not (uplink.spool.root / call.id).exists())


def test_a_call_spooled_by_a_crashed_phone_is_uploaded_at_the_next_start(
    center: FakeCenter, tmp_path: Path, make_uplink: callable,  # type: ignore[valid-type]
) -> None:  # fmt: skip
    spool = Spool(tmp_path / "spool", 10**9)
    meta = {
        "direction": "outbound",
        "remote": "sip:x@y",
        "sip_call_id": "s",
        "started_at": datetime.now(UTC).isoformat(),
        "agent": "",
    }
    left = spool.open_call("left-by-a-crash", meta)
    for i in range(77):
        left.append(expected(range(i, i + 1)))
    uplink = make_uplink(center.url, spool="spool")  # the same spool_dir
    center.wait(lambda: "left-by-a-crash" in center.calls and center.calls["left-by-a-crash"].closed is not None)
    assert center.calls["left-by-a-crash"].closed == {"reason": "abnormal", "frames": 77}
    assert bytes(center.calls["left-by-a-crash"].pcm) == expected(range(77))
    center.wait(lambda: not (uplink.spool.root / "left-by-a-crash").exists())


def test_an_unknown_credential_is_logged_as_401_and_retried(
    center: FakeCenter, make_uplink: callable, caplog: pytest.LogCaptureFixture,  # type: ignore[valid-type]
) -> None:  # fmt: skip
    caplog.set_level(logging.ERROR, "agentassist.phone.uplink")
    uplink = make_uplink(center.url, token="revoked")
    center.wait(lambda: center.refused >= 3)
    assert "refused the phone credential (401: unknown phone credential)" in caplog.text
    assert not uplink.connected.is_set()
    center.tokens["revoked"] = "alex"  # issued again: the next try gets in
    assert uplink.connected.wait(10)


def test_commands_from_the_center_run_on_the_desk(center: FakeCenter, make_uplink: callable) -> None:  # type: ignore[valid-type]
    uplink = make_uplink(center.url)
    assert uplink.connected.wait(10)
    call = Call(uplink)
    call.frames(50)
    center.command("hangup", call_id=call.id)
    center.command("dial", uri="sip:100@pbx")
    center.command("hangup", call_id="gone")
    center.command("pause", call_id=call.id)
    center.wait(lambda: len(center.results) == 4)
    call.frames(50)
    center.command("resume", call_id=call.id)
    center.wait(lambda: len(center.results) == 5)
    call.frames(50)
    call.end()
    by = {r["command"] + ("-" + r.get("call_id", "") if "call_id" in r else ""): r for r in center.results}
    assert by["c-dial-new-call"]["ok"]
    assert set(uplink.desk.done) == {("hangup", call.id), ("call", "sip:100@pbx")}  # type: ignore[union-attr]
    assert any(not r["ok"] and "no call 'gone'" in r["error"] for r in center.results)
    center.wait(lambda: center.calls[call.id].closed is not None)
    got = center.calls[call.id]
    spans = [(e.type, e.parameters["frame"]) for e in got.events]
    assert [t for t, _ in spans] == ["pause", "resume"]
    (_, start), (_, end) = spans
    assert 50 <= start < end <= 100
    pcm = bytes(got.pcm)
    assert pcm[start * 1280 : end * 1280] == bytes((end - start) * 1280)  # silenced on the desk
    assert pcm[end * 1280 :] == expected(range(end, 150))


def test_center_urls() -> None:
    assert center_urls("http://c:8000, wss://d/x/") == ["ws://c:8000/api/phone", "wss://d/x"]
    with pytest.raises(Exception, match="expected a URL like"):
        center_urls("c:8000")


def test_wss_verifies_the_center_against_the_ca_file(
    tmp_path: Path, make_uplink: callable, caplog: pytest.LogCaptureFixture,  # type: ignore[valid-type]
) -> None:  # fmt: skip
    cert, key = _certificate(tmp_path, "center")
    other, _ = _certificate(tmp_path, "someone-else")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    center = FakeCenter(free_port(), {TOKEN: "alex"}, tls)
    center.start()
    try:
        caplog.set_level(logging.WARNING, "agentassist.phone.uplink")
        refused = make_uplink(center.url, ca_file=str(other))
        trusted = make_uplink(center.url, ca_file=str(cert))
        assert trusted.connected.wait(10)
        stream_call(trusted, center, 20)
        assert not refused.connected.is_set() and "CERTIFICATE_VERIFY_FAILED" in caplog.text
    finally:
        center.stop()


def test_a_full_spool_keeps_the_call_going_live(center: FakeCenter, make_uplink: callable) -> None:  # type: ignore[valid-type]
    """The spool takes 10 frames: the call goes on, and a connected center still gets every frame."""
    uplink = make_uplink(center.url, max_bytes=10 * 1280)
    assert uplink.connected.wait(10)
    stream_call(uplink, center, 100)


def test_the_servers_are_tried_in_turn(center: FakeCenter, make_uplink: callable) -> None:  # type: ignore[valid-type]
    uplink = make_uplink(f"ws://127.0.0.1:{free_port()}/api/phone")  # nothing there
    uplink.servers.append(center.url)
    assert uplink.connected.wait(10)


def test_a_call_that_failed_while_the_center_was_away_is_told_when_it_is_back(
    center: FakeCenter, make_uplink: callable,  # type: ignore[valid-type]
) -> None:  # fmt: skip
    center.stop()
    uplink = make_uplink(center.url)
    info = CallInfo(str(uuid.uuid4()), "outbound", "sip:busy@pbx", "sip-2", datetime.now(UTC))
    uplink.call_failed(info, "busy")
    center.start()
    center.wait(lambda: len(center.failed) == 1)
    assert center.failed[0]["agent"] == "alex" and center.failed[0]["reason"] == "busy"


def test_a_call_goes_on_at_the_next_center_when_its_node_dies(tmp_path: Path) -> None:
    """Nodes on a shared database ack only at the close: the spool holds the call, so the node the phone
    reaches after its node died gets it whole from frame 0; a node that answers ``elsewhere`` is passed."""
    a, busy, b = (FakeCenter(free_port(), {TOKEN: "alex"}, acks=False, elsewhere=n == 1) for n in range(3))
    for c in (a, busy, b):
        c.start()
    uplink = Uplink([a.url, busy.url, b.url], TOKEN, Spool(tmp_path / "spool", 10**9), backoff_s=(0.1, 0.5))
    uplink.attach(FakeDesk())  # type: ignore[arg-type]
    uplink.start()
    try:
        assert uplink.connected.wait(10)
        call = Call(uplink)
        call.frames(100)
        a.wait(lambda: call.id in a.calls and a.calls[call.id].frames == 100)
        a.stop()  # node A dies mid-call
        call.frames(50)
        call.end()
        b.wait(lambda: call.id in b.calls and b.calls[call.id].closed is not None)
        assert busy.calls[call.id].opens >= 1  # refused there: carried by another node
        assert bytes(b.calls[call.id].pcm) == expected(range(150))  # the whole call, from frame 0
        assert b.calls[call.id].closed == {"reason": "hangup", "frames": 150} and b.errors == []
        b.wait(lambda: not (uplink.spool.root / call.id).exists())  # closed: the spool goes
    finally:
        uplink.stop(grace_s=0.5)
        for c in (busy, b):
            c.stop()
