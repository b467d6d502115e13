"""A center restarted under a call a phone streams (docs/wire-protocol.md, *Nothing lost*): a real
`agentassist serve` (a center only) killed mid-call and started again on its data dir, and a phone
written from the document (benchmarks/wirephone.py) that reconnects and sends what the center lacks.

The call goes on where the center's recording ends: the recording holds exactly the PCM the phone sent
(frame count and checksum), utterance ids do not collide and their times go on from the call's start,
the speech the killed run had not finished transcribing is in the transcript, and the script's steps
ticked before the restart stay ticked. A call whose phone does not come back ends ``abnormal`` after
``[center] phone_timeout_s`` with what the center had."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from agentassist.audio.frames import read_wav_mono
from benchmarks.wirephone import FRAME, WirePhone, add_phone, open_parameters
from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN, Server, add_user, voicemail_script
from tests.test_wire_phone import _channels, _same, _sent

TIMEOUT_S = 8.0  # [center] phone_timeout_s


def _center(make_server: Any, **sections: dict[str, Any]) -> tuple[Server, str]:
    server: Server = make_server(
        sip={"listen": ""},
        recorder={"format": "wav"},
        assist={"default_script": "vm"},
        center={"phone_timeout_s": TIMEOUT_S},
        **sections,
    )
    (server.root / "scripts" / "vm.yaml").write_text(voicemail_script("vm") + "campaign: voicemail\n")
    add_user(server.config, "alice", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, server.config, "alice", REPO)
    server.start()
    return server, credential


def _phone(server: Server, credential: str) -> WirePhone:
    phone = WirePhone(server.http_port, credential, "alice")
    assert phone.hello()["parameters"] == {"agent": "alice"}
    return phone


def _call_audio() -> bytes:
    """22 s: the customer's echo test throughout; the agent says the script's first step at once and its
    last (demo-thanks: "Goodbye. Thank you...") from 15 s."""
    customer = read_wav_mono(SOUNDS_EN / "demo-echotest.wav")
    agent = np.zeros(customer.size, dtype=np.int16)
    intro, thanks = read_wav_mono(SOUNDS_EN / "vm-intro.wav"), read_wav_mono(SOUNDS_EN / "demo-thanks.wav")
    agent[: intro.size] = intro
    agent[15 * 16000 : 15 * 16000 + thanks.size] = thanks[: customer.size - 15 * 16000]
    n = customer.size - customer.size % 320
    return np.stack([customer[:n], agent[:n]], axis=1).astype("<i2").tobytes()


def _wait(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.2)
    return value


def _get(server: Server, path: str) -> Any:
    with server.client() as c:
        r = c.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def _metrics(server: Server) -> str:
    with server.client() as c:
        return c.get("/metrics").text


def _acked(phone: WirePhone, call_id: str) -> int:
    return max((m["parameters"]["frame"] for m in phone.inbox if m["type"] == "ack" and m["id"] == call_id), default=0)


def _stream_then_stop(server: Server, credential: str, pcm: bytes, frames: int, kill: bool = True) -> tuple[str, int]:
    """Open a call, send its first ``frames``, wait until the agent's first line is stored, then kill the
    center (SIGKILL: nothing closed, nothing flushed in user space; else SIGTERM): the call's id and the
    last ack."""
    phone = _phone(server, credential)
    call_id, stream, have = phone.open()
    assert have == 0
    phone.audio(stream, 0, pcm[: frames * FRAME])
    _wait(lambda: any("message" in u["text"].lower() for u in _get(server, f"/api/calls/{call_id}/transcript")
                      ["utterances"]), 90, "the agent's first line in the transcript")  # fmt: skip
    phone.send("ping")
    phone.expect("pong")  # the acks sent so far are read
    time.sleep(0.5)
    phone.send("ping")
    phone.expect("pong")
    acked = _acked(phone, call_id)
    if kill:
        server.kill()
    else:
        server.stop()
    phone.close()
    return call_id, acked


@pytest.mark.parametrize("kill", [True, False], ids=["killed", "stopped"])
def test_a_center_restarted_mid_call_goes_on_where_its_recording_ends(make_server: Any, kill: bool) -> None:
    server, credential = _center(make_server)
    pcm = _call_audio()
    call_id, acked = _stream_then_stop(server, credential, pcm, 500, kill)  # 10 s: the customer mid-sentence
    assert acked > 0
    server.start()
    assert _get(server, f"/api/calls/{call_id}")["status"] == "active"  # waits for its phone
    phone = _phone(server, credential)
    try:
        _, stream, have = phone.open(call_id)
        assert acked <= have <= 500  # what the recording holds: every frame acknowledged, maybe more
        end = phone.audio(stream, have, pcm[have * FRAME :])
        assert phone.close_call(call_id, end) == end == len(pcm) // FRAME
    finally:
        phone.close()
    call = _wait(lambda: (c := _get(server, f"/api/calls/{call_id}"))["status"] == "ended" and c, 60, "ended")
    assert (call["agent"], call["end_reason"], call["script_id"], call["campaign"]) == (
        "alice",
        "hangup",
        "vm",
        "voicemail",
    )
    agent, customer = _channels(server, call_id)
    _same(agent, _sent(pcm)[0])
    _same(customer, _sent(pcm)[1])
    lines = _get(server, f"/api/calls/{call_id}/transcript")["utterances"]
    assert len({u["id"] for u in lines}) == len(lines), lines
    heard = [u for u in lines if u["channel"] == "customer"]
    for before, after in itertools.pairwise(heard):
        assert after["start"] >= before["end"] - 0.5, heard  # nothing said twice
    said = " ".join(u["text"].lower() for u in heard)
    assert "echo test" in said and "latency" in said and "hanging up" in said, heard  # before, across, after
    assert any(u["channel"] == "agent" and "goodbye" in u["text"].lower() and u["start"] > 14 for u in lines)
    steps = {s["id"]: s["status"] for s in _get(server, f"/api/calls/{call_id}/adherence")["steps"]}
    assert steps == {"leave-message": "done", "goodbye": "done"}, steps


def test_a_call_whose_phone_does_not_come_back_ends_abnormal_with_what_the_center_had(
    make_server: Any,
) -> None:
    server, credential = _center(make_server)
    pcm = _call_audio()
    call_id, acked = _stream_then_stop(server, credential, pcm, 400)
    server.start()  # the wait starts once the model is loaded, a moment before the center serves
    started = time.monotonic()
    assert _get(server, f"/api/calls/{call_id}")["status"] == "active"
    assert "agentassist_phone_calls_waiting 1\n" in _metrics(server)
    call = _wait(lambda: (c := _get(server, f"/api/calls/{call_id}"))["status"] == "ended" and c, 30, "ended")
    waited_s = time.monotonic() - started
    assert TIMEOUT_S - 3 <= waited_s <= TIMEOUT_S + 5, waited_s
    assert (call["end_reason"], call["media"]["wire_error"]) == ("abnormal", "phone lost")
    assert "agentassist_phone_calls_not_resumed_total 1\n" in _metrics(server)
    agent, customer = _channels(server, call_id)
    frames = len(agent) // 640
    assert acked <= frames <= 400
    _same(agent, _sent(pcm[: frames * FRAME])[0])
    _same(customer, _sent(pcm[: frames * FRAME])[1])
    phone = _phone(server, credential)  # back too late: the center ended the call
    try:
        phone.send("open", call_id, **open_parameters(call_id, "alice"))
        error = phone.expect("error", timeout_s=10)
        assert (error["id"], error["parameters"]["code"]) == (call_id, "ended"), error
    finally:
        phone.close()


# A call's events as its phone marks them (the frame each came at), and sends them again from its spool
EVENTS = [
    (100, "hold", {"held": True, "by": "agent"}),
    (150, "hold", {"held": False, "by": "agent"}),
    (150, "dtmf", {"digit": "5", "method": "rfc4733"}),
    (200, "pause", {"by": "agent"}),
    (250, "resume", {}),
    (300, "dtmf", {"digit": "5", "method": "rfc4733"}),  # the same key later: a digit of its own
    *[(320, "dtmf", {"digit": "*", "method": "info", "masked": True})] * 2,  # a burst (SIP INFO): two digits
]
STORED = (  # what _details gives of them
    [(2.0, 3.0)],
    [(4.0, 5.0)],
    [(3.0, "rfc4733"), (6.0, "rfc4733"), (6.4, "info"), (6.4, "info")],
)


def _with_events(phone: WirePhone, stream: int, call_id: str, pcm: bytes, frames: int) -> int:
    """Send the call's first ``frames`` with each of EVENTS at its frame; the next frame's index."""
    at = 0
    for frame, kind, parameters in EVENTS:
        at = phone.audio(stream, at, pcm[at * FRAME : frame * FRAME])
        phone.send(kind, call_id, frame=frame, **parameters)
    return phone.audio(stream, at, pcm[at * FRAME : frames * FRAME])


def _details(call: dict[str, Any]) -> tuple[list[tuple[float, float | None]], ...]:
    return (
        [(h["start"], h["end"]) for h in call["holds"]],
        [(p["start"], p["end"]) for p in call["pauses"]],
        [(d["t"], d["method"]) for d in call["dtmf"]],
    )


def test_a_call_sent_again_from_frame_0_stores_each_hold_pause_and_digit_once(make_server: Any) -> None:
    """A takeover's resend, on one node: the center killed and the call's recording gone with it, as on a
    node that takes over the call of a dead one (agentassist.restart: ``opened.frame`` 0), so the phone
    sends the whole call again, its events at their frames: each is stored once, where it was."""
    server, credential = _center(make_server, transcribe={"enabled": False})
    pcm = _call_audio()
    phone = _phone(server, credential)
    try:
        call_id, stream, _ = phone.open()
        _with_events(phone, stream, call_id, pcm, 400)
        _wait(lambda: _details(_get(server, f"/api/calls/{call_id}")) == STORED, 30, "the events stored")
    finally:
        phone.close()
    server.kill()
    recording = server.root / "data" / "recordings" / f"{call_id}.wav"
    assert recording.is_file()
    recording.unlink()  # what a node taking the call over has of it: nothing
    server.start()
    phone = _phone(server, credential)
    sent_again_from_0(server, phone, call_id, pcm, lambda: phone.open(call_id)[1:])


def sent_again_from_0(
    server: Server, phone: WirePhone, call_id: str, pcm: bytes, open_call: Callable[[], tuple[int, int]]
) -> None:
    """``open_call`` (its stream and ``opened.frame``, 0), the call sent whole again with EVENTS at their
    frames and closed; then it holds each event once, where it was."""
    try:
        stream, have = open_call()
        assert have == 0
        resent = _with_events(phone, stream, call_id, pcm, 400)
        end = phone.audio(stream, resent, pcm[resent * FRAME :])
        assert phone.close_call(call_id, end) == end
    finally:
        phone.close()
    call = _wait(lambda: (c := _get(server, f"/api/calls/{call_id}"))["status"] == "ended" and c, 60, "ended")
    assert _details(call) == STORED, call
