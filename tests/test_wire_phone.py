"""``GET /api/phone`` against a real ``agentassist serve`` with no softphone (``[sip] listen = ""``), a
center only, and a phone written from docs/wire-protocol.md (benchmarks/wirephone.py) streaming real speech.

The recording must hold exactly the PCM the phone sent (frame count and checksum of each channel), the
transcript the words spoken, the call list the phone's agent; a reconnect resumes where the center's copy
ends; every refusal the document names is answered with its code, and crashes nothing."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from benchmarks.wirephone import FRAME, MEDIA, WirePhone, add_phone, stereo
from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN, Server, add_user

if TYPE_CHECKING:
    from agentassist.api.phonecalls import Link, Recording

CUSTOMER, AGENT = "demo-echotest", "vm-intro"


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory, prompts_en: dict[str, str]) -> Iterator[dict[str, Any]]:
    from benchmarks.ports import free_port
    from tests.conftest import write_config

    root = tmp_path_factory.mktemp("center")
    http_port = free_port()
    config = write_config(
        root,
        0,
        http_port,
        sip={"listen": ""},
        recorder={"format": "wav"},
        assist={"agent_name": "alice"},  # the page's dial button uses alice's phone
        center={"phone_timeout_s": 3.0, "command_timeout_s": 2.0, "credential_check_s": 1.0},
    )
    server = Server(root, config, 0, http_port)
    server.token = add_user(config, "Alex", "admin")
    add_user(config, "alice", "agent", "--team", "red")
    add_user(config, "bob", "agent", "--team", "blue")
    server.start()
    try:
        yield {
            "server": server,
            "alice": add_phone(AGENTASSIST, config, "alice", REPO),
            "bob": add_phone(AGENTASSIST, config, "bob", REPO),
            "prompts": prompts_en,
        }
    finally:
        server.stop()


def _phone(center: dict[str, Any], agent: str = "alice") -> WirePhone:
    phone = WirePhone(center["server"].http_port, center[agent], agent)
    assert phone.hello()["parameters"] == {"agent": agent}
    return phone


def _call(server: Server, call_id: str, timeout_s: float = 60, ended: bool = True) -> dict[str, Any]:
    with server.client() as c:
        deadline = time.monotonic() + timeout_s
        while True:
            call = c.get(f"/api/calls/{call_id}").json()
            if not ended or call.get("status") == "ended" or time.monotonic() > deadline:
                return call
            time.sleep(0.2)


def _channels(server: Server, call_id: str) -> tuple[bytes, bytes]:
    """The recording's (agent, customer) PCM: left and right."""
    with server.client() as c:
        r = c.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 200, r.text
    with wave.open(io.BytesIO(r.content)) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 16000)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    return pcm[:, 0].tobytes(), pcm[:, 1].tobytes()


def _obeyed(server: Server, phone: WirePhone, path: str, body: Any = None, **result: Any) -> tuple[Any, dict]:
    """POST ``path`` as the agent's page does while the phone answers the command it brings with ok (and
    ``result``): the page's answer and the command."""
    answers: list[httpx.Response] = []

    def ask() -> None:
        with server.client() as c:
            answers.append(c.post(path, json=body))

    asker = threading.Thread(target=ask)
    asker.start()
    command: dict[str, Any] = phone.expect("command", timeout_s=15)["parameters"]
    phone.send("result", command=command["command"], ok=True, **result)
    asker.join(15)
    return answers[0], command


def _sent(pcm: bytes) -> tuple[bytes, bytes]:
    s = np.frombuffer(pcm, dtype="<i2").reshape(-1, 2)
    return s[:, 1].tobytes(), s[:, 0].tobytes()  # internal = the agent, external = the customer


def _same(got: bytes, sent: bytes) -> None:
    assert len(got) // 640 == len(sent) // 640, f"{len(got) // 640} frames recorded, {len(sent) // 640} sent"
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(sent).hexdigest()


def test_a_phone_streams_a_call_recorded_exactly_and_transcribed(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    pcm = stereo(SOUNDS_EN / f"{CUSTOMER}.wav", SOUNDS_EN / f"{AGENT}.wav")
    phone = _phone(center)
    try:
        call_id, stream, frame = phone.open()
        assert frame == 0
        assert _call(server, call_id, ended=False)["status"] == "active"
        # as a live phone does: one frame a message, a little faster than real time
        sent = 0
        for at in range(0, len(pcm), 10 * FRAME):
            sent = phone.audio(stream, sent, pcm[at : at + 10 * FRAME], per_message=1)
            time.sleep(0.05)
        assert phone.close_call(call_id, sent) == sent == len(pcm) // FRAME
    finally:
        phone.close()
    call = _call(server, call_id)
    assert (call["status"], call["agent"], call["end_reason"]) == ("ended", "alice", "hangup")
    agent, customer = _channels(server, call_id)
    sent_agent, sent_customer = _sent(pcm)
    _same(agent, sent_agent)
    _same(customer, sent_customer)
    with server.client() as c:
        utterances = c.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
        listed = c.get("/api/calls").json()
    heard = " ".join(u["text"].lower() for u in utterances if u["channel"] == "customer")
    assert "echo test" in heard, utterances
    assert any(u["channel"] == "agent" and "message" in u["text"].lower() for u in utterances), utterances
    rows = listed["items"]
    assert any(r["id"] == call_id and r["agent"] == "alice" for r in rows)


def test_a_reconnect_resumes_where_the_center_is_and_drops_repeats(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    pcm = stereo(SOUNDS_EN / f"{AGENT}.wav", SOUNDS_EN / f"{AGENT}.wav", seconds=4)
    half = (len(pcm) // FRAME // 2) * FRAME
    phone = _phone(center)
    call_id, stream, _ = phone.open()
    sent = phone.audio(stream, 0, pcm[:half])
    phone.send("hold", call_id, held=True, by="customer", frame=sent)
    phone.send("dtmf", call_id, digit="*", method="rfc4733", frame=sent, masked=True)
    phone.send("ping")
    phone.expect("pong")
    phone.close()  # a cut
    time.sleep(0.5)
    phone = _phone(center)
    try:
        _, stream, have = phone.open(call_id)
        assert have == sent
        phone.send("hold", call_id, held=True, by="customer", frame=sent)  # events from opened.frame again
        phone.send("dtmf", call_id, digit="*", method="rfc4733", frame=sent, masked=True)
        phone.audio(stream, 0, pcm[: half + 20 * FRAME])  # repeats from 0: dropped, then 20 new frames
        end = phone.audio(stream, half // FRAME + 20, pcm[half + 20 * FRAME :])
        phone.send("hold", call_id, held=False, by="customer", frame=end)
        assert phone.close_call(call_id, end) == end
    finally:
        phone.close()
    call = _call(server, call_id)
    assert [(h["start"], h["end"]) for h in call["holds"]] == [(2.0, 4.0)], call["holds"]
    assert len(call["dtmf"]) == 1, call["dtmf"]  # the digit sent again after the cut is dropped
    agent, customer = _channels(server, call_id)
    _same(agent, _sent(pcm)[0])
    _same(customer, _sent(pcm)[1])


def test_events_sent_again_after_a_reconnect_are_taken_once_and_alike_ones_each_count() -> None:
    """What the reconnect test above does through a real center, frame by frame: the events taken at the
    frame a phone resends from are dropped once each; everything else is new, however alike."""
    from agentassist.api.phonecalls import PhoneCall, PhoneCalls

    calls, link = PhoneCalls(timeout_s=3.0), cast("Link", object())
    call = PhoneCall("c1", "alice", session=cast("Recording", object()), received=50)
    star = ("dtmf", {"digit": "", "method": "info"})  # masked: four digits of a burst are alike
    hold = ("hold", {"held": True, "by": "customer"})
    assert [call.first_time(*star), call.first_time(*star), call.first_time(*hold)] == [True, True, True]
    calls.attach(call, link)  # a reconnect at frame 50: the phone sends the three again, then a new one
    assert [call.first_time(*hold), call.first_time(*star), call.first_time(*star)] == [False, False, False]
    assert call.first_time(*star) is True
    calls.attach(call, link)  # a second reconnect at the same frame: the three digits and the hold taken there
    assert [call.first_time(*star) for _ in range(4)] == [False, False, False, True]
    assert call.first_time(*hold) is False
    call.received = 51  # a frame on: alike events are new, and a reconnect there has none to drop
    assert call.first_time(*hold) is True
    call.received = 52
    calls.attach(call, link)
    assert call.first_time(*hold) is True and call.first_time(*hold) is True


def test_a_call_uploaded_after_the_fact_says_so(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    pcm = stereo(SOUNDS_EN / f"{CUSTOMER}.wav", SOUNDS_EN / f"{AGENT}.wav")
    phone = _phone(center)
    try:
        call_id, stream, _ = phone.open(uploaded_late=True)
        started = time.monotonic()
        end = phone.audio(stream, 0, pcm)  # as fast as the center takes it
        assert phone.close_call(call_id, end) == end
        took_s = time.monotonic() - started
    finally:
        phone.close()
    call = _call(server, call_id)
    assert call["media"]["uploaded_late"] is True
    assert took_s < len(pcm) / FRAME * 0.02, f"{took_s:.1f} s to upload {len(pcm) / FRAME * 0.02:.1f} s"
    agent, customer = _channels(server, call_id)
    _same(agent, _sent(pcm)[0])
    _same(customer, _sent(pcm)[1])


def test_a_call_whose_phone_stays_away_ends_abnormal(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    phone = _phone(center)
    call_id, stream, _ = phone.open()
    phone.audio(stream, 0, bytes(FRAME * 25))
    phone.close()  # never comes back: [center] phone_timeout_s = 3
    call = _call(server, call_id, timeout_s=30)
    assert (call["status"], call["end_reason"]) == ("ended", "abnormal")


def _error(phone: WirePhone, ident: str) -> dict[str, Any]:
    return phone.expect("error", ident, timeout_s=10)["parameters"]


def test_each_refusal_has_its_code_and_the_connection_goes_on(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    phone = _phone(center)
    try:
        # a call of another agent
        call = {"direction": "inbound", "remote": "r", "sip_call_id": "s", "started_at": "2026-12-04T21:00:00Z"}
        phone.send("open", "x-1", **call, agent="bob", media=MEDIA)
        error = _error(phone, "x-1")
        assert error["code"] == "not-yours" and "expected calls of 'alice'" in error["message"]
        with server.client() as c:
            assert c.get("/api/calls/x-1").status_code == 404
        # malformed, oversized and out-of-order messages each end their call abnormal
        broken: dict[str, str] = {}
        for kind in ("bad-message", "too-large", "out-of-order"):
            call_id, stream, _ = phone.open()
            phone.audio(stream, 0, bytes(FRAME * 5))
            if kind == "bad-message":
                phone.send("hold", call_id, held="yes", by="agent")
            elif kind == "too-large":
                phone.ws.send(stream.to_bytes(2, "big") + (5).to_bytes(4, "big") + bytes(4) + bytes(FRAME * 51))
            else:
                phone.audio(stream, 9, bytes(FRAME))  # frames 5-8 never came
            error = _error(phone, call_id)
            assert error["code"] == kind, error
            broken[call_id] = error["message"]
        assert "expected held a boolean" in next(iter(broken.values()))
        for call_id in broken:
            call = _call(server, call_id)
            assert (call["status"], call["end_reason"]) == ("ended", "abnormal"), call
        # a message naming no known call, and text that is not JSON: an error, nothing ends
        phone.send("pause", "nobody", frame=0)
        assert _error(phone, "nobody")["code"] == "unknown-stream"
        phone.ws.send("{")
        assert _error(phone, "desk")["code"] == "bad-message"
        phone.send("ping")
        phone.expect("pong")
    finally:
        phone.close()
    huge = _phone(center)  # beyond what the server reads at all: that connection closes, nothing else
    huge.ws.send(bytes(2 << 20))
    with pytest.raises(ConnectionClosed) as closed:
        huge.ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    _phone(center).close()
    with server.client() as c:
        lines = c.get("/metrics").text.splitlines()
    metrics = {name: float(value) for name, _, value in (line.partition(" ") for line in lines)}
    assert metrics["agentassist_phone_messages_refused_total"] >= 6
    assert metrics["agentassist_phone_calls_abnormal_total"] >= 3


def test_a_bad_credential_gets_401_before_the_socket_opens(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    for headers in ({"Authorization": "Bearer aaph_not-a-credential"}, {"Authorization": f"Bearer {server.token}"}, {}):
        with pytest.raises(InvalidStatus) as refused:
            _connect(server, headers)
        assert refused.value.response.status_code == 401
        assert "credential" in refused.value.response.body.decode()


def _connect(server: Server, headers: dict[str, str]) -> None:
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{server.http_port}/api/phone"
    connect(url, additional_headers=headers, open_timeout=10, legacy=True).close()


def test_a_phone_credential_gets_403_on_other_routes(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    headers = {"Authorization": f"Bearer {center['alice']}"}
    for method, path in (("GET", "/api/calls"), ("GET", "/api/me"), ("POST", "/api/ws-ticket"), ("GET", "/api/users")):
        r = httpx.request(method, server.url + path, headers=headers)
        assert r.status_code == 403, (path, r.text)
        assert "phone credential" in r.json()["detail"]


def test_the_agents_page_commands_reach_the_phone(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    phone = _phone(center)
    try:
        call_id, stream, _ = phone.open()
        phone.audio(stream, 0, bytes(FRAME * 10))

        answer, command = _obeyed(server, phone, f"/api/calls/{call_id}/hangup")
        assert (command["action"], command["call_id"], answer.status_code) == ("hangup", call_id, 204)
        # a command the phone never answers: the page is told after [center] command_timeout_s
        with server.client() as c:
            r = c.post(f"/api/calls/{call_id}/hold")
        assert r.status_code == 409 and "did not answer hold within 2 s" in r.json()["detail"], r.text
        assert phone.close_call(call_id, 10) == 10
    finally:
        phone.close()


def test_a_call_dialled_from_the_page_is_placed_by_the_phone(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    phone = _phone(center)
    call_id = str(uuid.uuid4())  # the phone names the call it places
    try:
        placed, command = _obeyed(server, phone, "/api/calls", {"uri": "sip:100@127.0.0.1"}, call_id=call_id)
        assert (command["action"], command["uri"]) == ("dial", "sip:100@127.0.0.1")
        assert placed.status_code == 201 and placed.json() == {"id": call_id}, placed.text
        assert _call(server, call_id, ended=False)["status"] == "ringing"
        _, stream, frame = phone.open(call_id)  # answered: its row goes from ringing to active
        assert frame == 0
        assert phone.audio(stream, 0, bytes(FRAME * 10)) == 10
        assert phone.close_call(call_id, 10) == 10
    finally:
        phone.close()
    call = _call(server, call_id)
    assert (call["status"], call["agent"]) == ("ended", "alice")


def test_a_pause_from_the_page_is_made_on_the_phone(center: dict[str, Any]) -> None:
    """Card data never crosses the network: the page's pause reaches the phone, which silences the
    audio itself and says from which frame; the recording holds exactly what the phone sent."""
    server: Server = center["server"]
    speech = stereo(SOUNDS_EN / f"{AGENT}.wav", SOUNDS_EN / f"{AGENT}.wav", seconds=2)
    sent = speech[: 50 * FRAME] + bytes(50 * FRAME) + speech[50 * FRAME :]
    phone = _phone(center)
    try:
        call_id, stream, _ = phone.open()
        phone.audio(stream, 0, sent[: 50 * FRAME])
        while phone.expect("ack", call_id)["parameters"]["frame"] < 50:
            pass

        for action, first, until in (("pause", 50, 100), ("resume", 100, 150)):
            answer, command = _obeyed(server, phone, f"/api/calls/{call_id}/{action}")
            assert (command["action"], command["call_id"], answer.status_code) == (action, call_id, 200)
            phone.send(action, call_id, frame=first, by="agent")
            phone.audio(stream, first, sent[first * FRAME : until * FRAME])
        assert phone.close_call(call_id, 150) == 150
    finally:
        phone.close()
    agent, customer = _channels(server, call_id)
    _same(agent, _sent(sent)[0])
    _same(customer, _sent(sent)[1])
    pauses = _call(server, call_id)["pauses"]
    assert len(pauses) == 1 and pauses[0]["start"] == pytest.approx(1.0, abs=0.05), pauses


def test_ringing_answer_hold_digits_quality_and_a_failed_call(center: dict[str, Any]) -> None:
    """What a desk reports reaches the call as the softphone's reports do."""
    server: Server = center["server"]
    phone = _phone(center)
    ringing, missed = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        since = datetime.now(UTC).isoformat()
        phone.send("ringing", calls=[{"id": ringing, "remote": "sip:customer@127.0.0.1", "since": since}])
        phone.send("ping")
        phone.expect("pong")  # the ringing list is taken before the pong
        with server.client() as c:
            assert [r["id"] for r in c.get("/api/ringing").json()] == [ringing]

        answer, command = _obeyed(server, phone, f"/api/ringing/{ringing}/answer")
        assert (command["action"], command["call_id"], answer.status_code) == ("answer", ringing, 204)
        phone.send("ringing", calls=[])
        _, stream, _ = phone.open(ringing)
        phone.audio(stream, 0, bytes(FRAME * 50))
        phone.send("hold", ringing, held=True, by="customer", frame=50)
        phone.audio(stream, 50, bytes(FRAME * 50))
        phone.send("hold", ringing, held=False, by="customer", frame=100)
        phone.send("dtmf", ringing, digit="*", method="rfc4733", frame=100)
        phone.send("quality", ringing, codec="PCMU", rx_lost=0)
        other = {"remote": "sip:other@127.0.0.1", "sip_call_id": "m@tests", "started_at": since, "agent": "alice"}
        phone.send("failed", missed, direction="inbound", **other, reason="cancelled")
        assert phone.close_call(ringing, 100) == 100
    finally:
        phone.close()
    call = _call(server, ringing)
    assert [(h["by"], h["start"], h["end"]) for h in call["holds"]] == [("customer", 1.0, 2.0)], call["holds"]
    assert len(call["dtmf"]) == 1 and call["media"]["phone"]["codec"] == "PCMU"  # digits masked: not kept
    failed = _call(server, missed, ended=False)
    assert (failed["status"], failed["end_reason"], failed["agent"]) == ("failed", "cancelled", "alice")


def test_a_revoked_credential_cuts_the_phone_off(center: dict[str, Any]) -> None:
    import subprocess

    server: Server = center["server"]
    phone = _phone(center, "bob")
    listed = subprocess.run(
        [str(AGENTASSIST), "users", "phones", "bob", "--config", str(server.config)],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    credential_id = listed.strip().splitlines()[-1].split()[0]
    subprocess.run(
        [str(AGENTASSIST), "users", "revoke-phone", credential_id, "--config", str(server.config)],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    closed = None
    while closed is None and time.monotonic() < deadline:
        try:
            phone.ws.recv(timeout=1)
        except TimeoutError:
            continue
        except Exception as exc:  # ConnectionClosed
            closed = exc
    assert closed is not None and "4401" in str(closed), closed
    with pytest.raises(InvalidStatus):
        _phone(center, "bob")
