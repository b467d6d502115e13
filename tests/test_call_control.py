"""Call control against real peers: card-data pause, hold both ways, mute, DTMF both ways.

baresip is the customer's phone (keys typed at its console: "x" hold, "X" resume,
digits send RFC 4733 DTMF); a second `agentassist serve` is the peer that sends DTMF
by RFC 4733 and SIP INFO through the API.
"""

from __future__ import annotations

import io
import time
import wave
from typing import Any

import numpy as np
import pytest

from tests.conftest import SOUNDS_EN, add_user
from tests.test_e2e_call import Feed
from tests.test_e2e_failures import _wait_for_call

pytestmark = [pytest.mark.sip, pytest.mark.slow]


def _wait(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout_s} s")


def _stereo(client: Any, call_id: str) -> np.ndarray:
    r = client.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 200
    with wave.open(io.BytesIO(r.content)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10((x.astype(np.float64) ** 2).mean() + 1e-9))


def test_card_data_pause_records_silence_and_transcribes_nothing(make_server: Any, baresip: Any) -> None:
    server = make_server(audio={"agent_audio_file": str(SOUNDS_EN / "demo-echotest.wav")})
    server.start()
    checker = add_user(server.config, "Quinn", "quality_checker")
    feed = Feed(f"ws://127.0.0.1:{server.http_port}/api/live", server.token)
    feed.start()
    assert feed.ready.wait(10)
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")  # 30 s of speech: the customer talks through the pause
    phone.dial(server.sip_uri, seconds=20)
    call_id = _wait_for_call(server, "active")["id"]
    time.sleep(4)
    with server.client() as client:
        denied = client.post(f"/api/calls/{call_id}/pause", headers={"Authorization": f"Bearer {checker}"})
        assert denied.status_code == 403 and "quality_checker" in denied.json()["detail"]
        not_paused = client.post(f"/api/calls/{call_id}/resume")
        assert not_paused.status_code == 409 and "not paused" in not_paused.json()["detail"]
        paused = client.post(f"/api/calls/{call_id}/pause")
        assert paused.status_code == 200, paused.text
        span = paused.json()
        assert span["end"] is None and span["by"] == "Alex" and 3 <= span["start"] <= 6, span
        again = client.post(f"/api/calls/{call_id}/recording/pause")  # the issue's spelling; same span
        assert again.status_code == 200 and again.json()["start"] == span["start"]
        live = client.get(f"/api/calls/{call_id}").json()
        assert live["pauses"] == [span], live
        time.sleep(5)
        resumed = client.post(f"/api/calls/{call_id}/resume")
        assert resumed.status_code == 200, resumed.text
        start_s, end_s = resumed.json()["start"], resumed.json()["end"]
        assert start_s == span["start"] and 4.5 <= end_s - start_s <= 6.5, resumed.json()
    phone.wait(60)
    call = _wait_for_call(server, "ended", timeout_s=60)
    with server.client() as client:
        after = client.get(f"/api/calls/{call_id}").json()
        assert after["pauses"] == [{"start": start_s, "end": end_s, "by": "Alex"}], after
        stereo = _stereo(client, call_id)
        transcript = client.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
        refused = client.post(f"/api/calls/{call_id}/pause")
        assert refused.status_code == 409 and "not active" in refused.json()["detail"]
    rate = 16000
    inside = stereo[int((start_s + 0.1) * rate) : int((end_s - 0.1) * rate)]
    assert len(inside) > 4 * rate
    assert not inside.any(), "audio was recorded during the card-data pause"
    before = stereo[int(1 * rate) : int(start_s * rate)]
    after_audio = stereo[int((end_s + 0.5) * rate) : int((end_s + 4) * rate)]
    for part, name in ((before, "before"), (after_audio, "after")):
        assert _rms_db(part[:, 1]) > 40, f"no customer speech recorded {name} the pause"
    assert _rms_db(before[:, 0]) > 40, "no agent speech recorded before the pause"
    assert transcript, "nothing was transcribed outside the pause"
    # padding lets an utterance reach a little into the pause; none may lie within it
    for u in transcript:
        assert not (u["start"] > start_s + 0.6 and u["end"] < end_s - 0.6), (u, start_s, end_s)
        assert min(u["end"], end_s - 0.6) - max(u["start"], start_s + 0.6) <= 0, (u, start_s, end_s)
    time.sleep(1)
    feed.stop.set()
    types = [e["type"] for e in feed.events if e.get("call_id") == call_id]
    assert types.count("call.paused") == 1 and types.count("call.resumed") == 1, types
    assert types.index("call.paused") < types.index("call.resumed") < types.index("call.ended"), types
    assert call["status"] == "ended"


def test_hold_both_ways_mute_and_dtmf_from_baresip(make_server: Any, baresip: Any) -> None:
    server = make_server(audio={"agent_audio_file": str(SOUNDS_EN / "demo-congrats.wav")})
    server.start()
    feed = Feed(f"ws://127.0.0.1:{server.http_port}/api/live", server.token)
    feed.start()
    assert feed.ready.wait(10)
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=30)
    call_id = _wait_for_call(server, "active")["id"]
    url = f"/api/calls/{call_id}"
    with server.client() as client:

        def spans(kind: str) -> list[dict[str, Any]]:
            return list(client.get(url).json()[kind])

        time.sleep(2)
        assert client.post(f"{url}/hold").status_code == 202
        held = _wait(lambda: spans("holds"), 5, "no hold span after the agent's hold")
        assert held[0]["by"] == "agent" and held[0]["end"] is None, held
        time.sleep(2)
        assert client.post(f"{url}/unhold").status_code == 202
        _wait(lambda: spans("holds")[0]["end"] is not None, 5, "the agent's hold did not end")

        time.sleep(1)
        phone.command("x")  # the customer holds
        held = _wait(lambda: len(spans("holds")) == 2 and spans("holds"), 5, "no hold span after baresip's hold")
        assert held[1]["by"] == "customer" and held[1]["end"] is None, held
        time.sleep(2)
        phone.command("X")
        _wait(lambda: spans("holds")[1]["end"] is not None, 5, "the customer's hold did not end")

        time.sleep(1)
        assert client.post(f"{url}/mute").status_code == 202
        time.sleep(2)
        assert client.post(f"{url}/unmute").status_code == 202
        mutes = spans("mutes")
        assert len(mutes) == 1 and mutes[0]["end"] is not None and mutes[0]["by"] == "Alex", mutes

        time.sleep(1)
        phone.command("12#\x04")  # 0x04: baresip's key release
        _wait(lambda: len(client.get(url).json()["dtmf"]) == 3, 5, "baresip's digits did not arrive")
        assert client.post(f"{url}/pause").status_code == 200
        time.sleep(0.5)
        phone.command("4#\x04")  # card digits: events, never stored
        time.sleep(1.5)
        assert client.post(f"{url}/resume").status_code == 200
        bad = client.post(f"{url}/dtmf", json={"digits": "12x"})
        assert bad.status_code == 422 and "digits" in bad.text
    phone.wait(60)
    call = _wait_for_call(server, "ended", timeout_s=60)
    with server.client() as client:
        final = client.get(url).json()
        stereo = _stereo(client, call_id)
    # masked by default ([recorder] store_dtmf_digits = false): when and how, never which
    assert [(d["digit"], d["masked"]) for d in final["dtmf"]] == [(None, True)] * 3, final["dtmf"]
    assert {d["method"] for d in final["dtmf"]} == {"rfc4733"}
    assert [h["by"] for h in final["holds"]] == ["agent", "customer"]
    assert all(h["end"] is not None and 1.0 <= h["end"] - h["start"] <= 4.0 for h in final["holds"]), final
    rate = 16000
    # both channels stayed in step with the call's clock through both holds: no frame lost or added
    assert abs(len(stereo) / rate - call["duration_s"]) <= 1.0, (len(stereo) / rate, call["duration_s"], server.log())
    mute = final["mutes"][0]
    muted = stereo[int((mute["start"] + 0.1) * rate) : int((mute["end"] - 0.1) * rate), 0]
    assert len(muted) > rate and not muted.any(), "the agent's microphone was recorded while muted"
    assert _rms_db(stereo[int(0.5 * rate) : int(mute["start"] * rate), 0]) > 40
    media = final["media"]
    assert media["sip_call_id"] and media["codec"] in ("PCMU", "PCMA"), media
    assert media["rx_packets"] > 500 and 1.0 <= media["mos"] <= 4.5, media
    time.sleep(1)
    feed.stop.set()
    mine = [e for e in feed.events if e.get("call_id") == call_id]
    types = [e["type"] for e in mine]
    for t in ("call.held", "call.unheld", "call.muted", "call.unmuted"):
        assert t in types, types
    digits = [e for e in mine if e["type"] == "call.dtmf"]
    assert [e["dtmf"]["digit"] for e in digits] == [None] * 5 and all(e["dtmf"]["masked"] for e in digits), digits
    assert [e["dtmf"].get("method") for e in digits[:3]] == ["rfc4733"] * 3, digits
    pause = final["pauses"][0]
    assert all(e["dtmf"]["masked"] and pause["start"] <= e["t"] <= pause["end"] for e in digits[3:]), (digits, pause)


def test_dtmf_sent_by_api_arrives_by_rfc4733_and_sip_info(make_server: Any) -> None:
    """One agentassist calls another; the caller sends digits both ways, the callee records them (in
    clear: ``store_dtmf_digits``)."""
    callee = make_server(recorder={"store_dtmf_digits": True})
    callee.start()
    caller = make_server(audio={"agent_audio_file": str(SOUNDS_EN / "demo-congrats.wav")})
    caller.start()
    with caller.client() as a, callee.client() as b:
        r = a.post("/api/calls", json={"uri": callee.sip_uri})
        assert r.status_code == 201, r.text
        out_id = r.json()["id"]
        in_id = _wait(lambda: b.get("/api/calls").json()["items"], 10, "the callee got no call")[0]["id"]
        # the row is made when the call is placed, "ringing" until it is answered
        _wait(lambda: a.get(f"/api/calls/{out_id}").json().get("status") == "active", 10, "the caller's call is not up")
        time.sleep(1)
        assert a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "12"}).status_code == 202
        time.sleep(1)
        assert a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "3#", "method": "info"}).status_code == 202
        _wait(lambda: len(b.get(f"/api/calls/{in_id}").json()["dtmf"]) == 4, 10, "the digits did not arrive")
        assert b.post(f"/api/calls/{in_id}/pause").status_code == 200
        assert a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "4111", "method": "info"}).status_code == 202
        time.sleep(2)
        assert b.post(f"/api/calls/{in_id}/resume").status_code == 200
        bad = a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "1", "method": "smoke"})
        assert bad.status_code == 422 and "method" in bad.text
        assert a.post(f"/api/calls/{out_id}/hangup").status_code == 204
        _wait(lambda: b.get(f"/api/calls/{in_id}").json()["status"] == "ended", 15, "the callee's call did not end")
        received = b.get(f"/api/calls/{in_id}").json()["dtmf"]
        gone = a.post(f"/api/calls/{out_id}/dtmf", json={"digits": "1"})
    assert [(d["digit"], d["method"]) for d in received] == [
        ("1", "rfc4733"),
        ("2", "rfc4733"),
        ("3", "info"),
        ("#", "info"),
    ], received
    assert gone.status_code == 409
    assert "4111" not in callee.text()


def test_blind_transfer_to_a_second_baresip(make_server: Any, baresip: Any) -> None:
    """The agent sends the customer (baresip) to another phone (baresip) by REFER."""
    server = make_server()
    server.start()
    target = baresip(SOUNDS_EN / "demo-congrats.wav", answer=True)
    target.listen(seconds=40)
    customer = baresip(SOUNDS_EN / "demo-congrats.wav")
    customer.dial(server.sip_uri, seconds=25)
    call_id = _wait_for_call(server, "active")["id"]
    time.sleep(2)
    with server.client() as client:
        bad = client.post(f"/api/calls/{call_id}/transfer", json={"uri": "200"})
        assert bad.status_code == 422 and "uri" in bad.text
        r = client.post(f"/api/calls/{call_id}/transfer", json={"uri": target.uri})
        assert r.status_code == 202, r.text
    call = _wait_for_call(server, "ended", timeout_s=20)
    assert call["id"] == call_id and call["end_reason"] == "transferred", (call, server.log())
    assert call["status"] == "ended"
    assert call["media"]["transfer_target"] == target.uri and call["media"]["transfer_status"] == 200, call
    # the customer's phone now talks to the target: its call to the target was answered
    _wait(lambda: "Call established" in target.log() or "established" in target.log().lower(), 10, target.log())


def test_attended_transfer_replaces_the_consultation_call(make_server: Any, baresip: Any) -> None:
    """The agent holds the customer (baresip), calls a colleague (baresip), then joins the two by REFER
    with Replaces: both of the agent's calls end "transferred" and the customer talks to the colleague."""
    server = make_server()
    server.start()
    target = baresip(SOUNDS_EN / "demo-congrats.wav", answer=True)
    target.listen(seconds=45)
    customer = baresip(SOUNDS_EN / "demo-congrats.wav")
    customer.dial(server.sip_uri, seconds=30)
    call_id = _wait_for_call(server, "active")["id"]
    with server.client() as client:
        assert client.post(f"/api/calls/{call_id}/hold").status_code == 202
        r = client.post("/api/calls", json={"uri": target.uri})
        assert r.status_code == 201, r.text
        consult_id = r.json()["id"]

        def active() -> set[str]:
            return {c["id"] for c in client.get("/api/calls", params={"status": "active"}).json()["items"]}

        _wait(lambda: active() == {call_id, consult_id}, 15, "the consultation call was not answered")
        both = client.post(f"/api/calls/{call_id}/transfer", json={"uri": target.uri, "replaces": consult_id})
        assert both.status_code == 422 and "not both" in both.text, both.text
        itself = client.post(f"/api/calls/{call_id}/transfer", json={"replaces": call_id})
        assert itself.status_code == 409, itself.text
        unknown = client.post(f"/api/calls/{call_id}/transfer", json={"replaces": "no-such-call"})
        assert unknown.status_code == 404, unknown.text
        r = client.post(f"/api/calls/{call_id}/transfer", json={"replaces": consult_id})
        assert r.status_code == 202, r.text
        _wait(lambda: not active(), 20, "the agent's calls did not end after the transfer")
        call = client.get(f"/api/calls/{call_id}").json()
        consult = client.get(f"/api/calls/{consult_id}").json()
    assert call["end_reason"] == "transferred" and call["media"]["transfer_status"] == 200, (call, server.log())
    assert call["media"]["transfer_target"].startswith(target.uri.split(";")[0].rstrip(">")), call["media"]
    assert consult["status"] == "ended" and consult["end_reason"] in ("transferred", "hangup"), consult
    # the colleague's phone answered a second call: the customer's, sent by the REFER
    _wait(lambda: target.log().lower().count("established") >= 2, 10, target.log())
