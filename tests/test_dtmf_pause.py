"""Card-data pause triggered by DTMF, against a real customer phone (baresip, RFC 4733 digits typed at
its console): a sequence pauses and another resumes the recording, and in keypad mode any digit
pauses it until the keypad is quiet. Paused spans are silent in the file and kept with the call; the
trigger digits and every digit keyed while paused are never stored, only their fact is published."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN
from tests.test_call_control import _rms_db, _stereo, _wait
from tests.test_e2e_call import Feed
from tests.test_e2e_failures import _wait_for_call

pytestmark = [pytest.mark.sip, pytest.mark.slow]
RATE = 16000


def _call(make_server: Any, baresip: Any, recorder: dict[str, Any], keys: list[tuple[float, str]]) -> tuple:
    """A 16 s call from baresip speaking throughout; ``keys`` typed at its console at those seconds
    after the call became active. The ended call, its recording and the feed's events."""
    server = make_server(recorder=recorder, audio={"agent_audio_file": str(SOUNDS_EN / "demo-echotest.wav")})
    server.start()
    feed = Feed(f"ws://127.0.0.1:{server.http_port}/api/live", server.token)
    feed.start()
    assert feed.ready.wait(10)
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")  # 30 s of the customer's speech
    phone.dial(server.sip_uri, seconds=16)
    call_id = _wait_for_call(server, "active")["id"]
    began = time.monotonic()
    for at_s, text in keys:
        time.sleep(max(0.0, at_s - (time.monotonic() - began)))
        phone.command(text + "\x04")  # 0x04: baresip's key release
    phone.wait(60)
    _wait_for_call(server, "ended", timeout_s=60)
    with server.client() as client:
        call = _wait(lambda: client.get(f"/api/calls/{call_id}").json(), 5, "no call")
        stereo = _stereo(client, call_id)
    time.sleep(1)
    feed.stop.set()
    events = [e for e in feed.events if e.get("call_id") == call_id]
    return call, stereo, events, server


def _silent_inside(stereo: Any, span: dict[str, Any]) -> None:
    inside = stereo[int((span["start"] + 0.1) * RATE) : int((span["end"] - 0.1) * RATE)]
    assert len(inside) > RATE, span
    assert not inside.any(), f"audio was recorded during the pause {span}"


def test_dtmf_sequences_pause_and_resume_the_recording(make_server: Any, baresip: Any) -> None:
    call, stereo, events, server = _call(
        make_server,
        baresip,
        # digits in clear, to see which are kept (by default every stored digit is masked)
        {"pause_dtmf": "*1", "resume_dtmf": "#1", "store_dtmf_digits": True},
        [(2.0, "5"), (3.5, "*1"), (5.0, "4111"), (7.5, "#1"), (9.5, "*9")],
    )
    # the triggers' digits and the card digits are not kept; "*9" began like a trigger and is kept
    assert [d["digit"] for d in call["dtmf"]] == ["5", "*", "9"], call["dtmf"]
    assert len(call["pauses"]) == 1, call["pauses"]
    span = call["pauses"][0]
    assert span["by"] == "dtmf" and span["end"] is not None, span
    assert 2.5 <= span["end"] - span["start"] <= 5.5, span
    _silent_inside(stereo, span)
    assert _rms_db(stereo[int((span["end"] + 0.5) * RATE) : int((span["end"] + 2.5) * RATE), 1]) > 40
    digits = [e["dtmf"]["digit"] for e in events if e["type"] == "call.dtmf"]
    assert digits == ["5", None, None, None, None, "*", "9"], digits
    types = [e["type"] for e in events]
    assert types.count("call.paused") == 1 and types.count("call.resumed") == 1, types
    assert "4111" not in server.log(), "card digits reached the log"


def test_keyed_digits_pause_until_the_keypad_is_quiet(make_server: Any, baresip: Any) -> None:
    call, stereo, events, server = _call(
        make_server, baresip, {"pause_on_digits_s": 2.0}, [(3.0, "4111"), (4.0, "2222"), (9.0, "7")]
    )
    assert call["dtmf"] == [], call["dtmf"]  # every digit was keyed while paused
    spans = call["pauses"]
    assert len(spans) == 2 and all(s["by"] == "keypad" for s in spans), spans
    first, second = spans
    # typed from ~3 s to ~4 s, then quiet for 2 s: one pause of about 3 s; the second one 2 s
    assert 2.0 <= first["end"] - first["start"] <= 4.5, first
    assert 1.5 <= second["end"] - second["start"] <= 3.0, second
    for span in spans:
        _silent_inside(stereo, span)
    between = stereo[int((first["end"] + 0.3) * RATE) : int((second["start"] - 0.3) * RATE), 1]
    assert _rms_db(between) > 40, "the customer was not recorded between the pauses"
    digits = [e["dtmf"] for e in events if e["type"] == "call.dtmf"]
    assert len(digits) == 9 and all(d["masked"] and d["digit"] is None for d in digits), digits
    assert "4111" not in server.log() and "2222" not in server.log()
