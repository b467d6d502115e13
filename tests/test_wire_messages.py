"""The wire's messages without I/O: every message the protocol names round-trips, and each way a message
can be wrong is refused with its code and a sentence saying what was expected and what came."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from agentassist.wire import (
    FRAME_BYTES_STEREO,
    MAX_AUDIO_BYTES,
    MAX_TEXT_BYTES,
    MEDIA,
    VERSION,
    Message,
    WireError,
    decode_audio,
    decode_text,
    deinterleave,
    encode_audio,
    encode_text,
    interleave,
)

CALL = "6f1c2b9e-0000-4000-8000-000000000001"
OPEN = {
    "direction": "inbound",
    "remote": "sip:100@127.0.0.1",
    "sip_call_id": "abc@host",
    "started_at": "2026-12-04T21:00:00Z",
    "agent": "alice",
    "media": MEDIA,
}


def _raw(kind: str, ident: str = CALL, seq: Any = 1, **params: Any) -> str:
    return json.dumps({"version": VERSION, "type": kind, "seq": seq, "serverseq": 0, "id": ident, "parameters": params})


@pytest.mark.parametrize(
    ("kind", "ident", "params"),
    [
        ("hello", "desk", {"software": "agentassist 1", "ringing": []}),
        ("open", CALL, OPEN),
        ("pause", CALL, {"frame": 10, "by": "agent"}),
        ("resume", CALL, {"frame": 20}),
        ("hold", CALL, {"held": True, "by": "agent", "frame": 5}),
        ("dtmf", CALL, {"digit": "*", "method": "rfc4733", "frame": 7}),
        ("transfer", CALL, {"target": "sip:200@x", "status_code": 200, "reason": "OK"}),
        ("quality", CALL, {"codec": "PCMU", "lost": 0}),
        ("close", CALL, {"reason": "hangup", "frames": 500}),
        ("failed", CALL, {**{k: v for k, v in OPEN.items() if k != "media"}, "reason": "busy"}),
        ("ringing", "desk", {"calls": [{"id": CALL, "remote": "sip:1@x", "since": "2026-12-04T21:00:00Z"}]}),
        ("result", "desk", {"command": "c1", "ok": False, "error": "not ringing"}),
        ("ping", "desk", {}),
    ],
)
def test_every_phone_message_round_trips(kind: str, ident: str, params: dict[str, Any]) -> None:
    sent = Message(kind, ident, params, seq=3, serverseq=2)
    assert decode_text(encode_text(sent)) == sent


@pytest.mark.parametrize(
    ("kind", "ident", "params"),
    [
        ("welcome", "desk", {"agent": "alice"}),
        ("opened", CALL, {"stream": 1, "frame": 0}),
        ("ack", CALL, {"frame": 50}),
        ("closed", CALL, {}),
        ("command", "desk", {"command": "7", "action": "hangup", "call_id": CALL}),
        ("error", CALL, {"code": "not-yours", "message": "..."}),
    ],
)
def test_every_center_message_round_trips(kind: str, ident: str, params: dict[str, Any]) -> None:
    sent = Message(kind, ident, params, seq=1)
    assert decode_text(encode_text(sent), sender="center") == sent


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("{not json", "bad-message", "expected a JSON object, got text that is not JSON"),
        ("[1, 2]", "bad-message", "expected a JSON object, got an array"),
        (_raw("open", **OPEN).replace(VERSION, "agentassist/9"), "bad-message", "expected version 'agentassist/1'"),
        (_raw("welcome", "desk", agent="x"), "bad-message", "expected type one of"),  # the center's, from a phone
        (_raw("ping", "desk", seq=0), "bad-message", "expected seq a whole number from 1, got 0"),
        (_raw("ping", "desk", seq=True), "bad-message", "expected seq a whole number from 1, got True"),
        (_raw("ping", CALL), "bad-message", "ping: expected id 'desk'"),
        (_raw("close", "desk", reason="hangup", frames=1), "bad-message", "close: expected a call's id"),
        (_raw("close", reason="hangup"), "bad-message", "close: expected parameter 'frames', got none"),
        (_raw("close", reason="hangup", frames=-1), "bad-message", "expected frames a whole number >= 0, got -1"),
        (_raw("open", **{**OPEN, "started_at": "yesterday"}), "bad-message", "expected started_at an ISO 8601"),
        (_raw("open", **{**OPEN, "direction": "sideways"}), "bad-message", "expected direction one of"),
        (_raw("open", **{**OPEN, "media": {"format": "PCMU"}}), "bad-message", "open: expected media"),
        (_raw("dtmf", digit="12", method="info"), "bad-message", "dtmf: expected one digit, got '12'"),
        (_raw("ringing", "desk", calls=[{"id": 1}]), "bad-message", "expected calls of {id, remote, since}"),
        (_raw("ping", "desk") + " " * MAX_TEXT_BYTES, "too-large", f"expected at most {MAX_TEXT_BYTES}"),
    ],
)
def test_bad_text_is_refused_saying_what_was_expected(text: str, code: str, says: str) -> None:
    with pytest.raises(WireError) as caught:
        decode_text(text)
    assert caught.value.code == code
    assert says in str(caught.value)


def test_unknown_parameters_are_kept_for_later_versions() -> None:
    m = decode_text(_raw("ping", "desk", extra=1))
    assert m.param("extra") == 1


def test_audio_round_trips_and_deinterleaves_to_the_two_channels() -> None:
    rng = np.random.default_rng(1)
    external = rng.integers(-32768, 32767, 320 * 3, dtype=np.int16).astype("<i2").tobytes()
    internal = rng.integers(-32768, 32767, 320 * 3, dtype=np.int16).astype("<i2").tobytes()
    pcm = interleave(external, internal)
    got = decode_audio(encode_audio(7, 1234, pcm))
    assert (got.stream, got.frame, got.frames, got.pcm) == (7, 1234, 3, pcm)
    pairs = deinterleave(got.pcm)
    assert b"".join(e for e, _ in pairs) == external
    assert b"".join(i for _, i in pairs) == internal
    assert all(len(e) == len(i) == 640 for e, i in pairs)


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (bytes(10), "bad-message", "expected a 10-byte header and whole frames of 1280 bytes"),
        (bytes(10 + 1000), "bad-message", "expected a 10-byte header and whole frames"),
        (bytes(6) + b"\0\0\0\1" + bytes(FRAME_BYTES_STEREO), "bad-message", "expected reserved bytes 0, got 0x1"),
        (bytes(MAX_AUDIO_BYTES + FRAME_BYTES_STEREO), "too-large", f"expected at most {MAX_AUDIO_BYTES}"),
    ],
)
def test_bad_audio_is_refused(data: bytes, code: str, says: str) -> None:
    with pytest.raises(WireError) as caught:
        decode_audio(data)
    assert caught.value.code == code
    assert says in str(caught.value)


def test_audiohook_positions_offers_and_mu_law() -> None:
    from agentassist.wire.audiohook import HookAudio, choose_media, format_duration, parse_duration

    assert parse_duration("PT1.5S") == 1.5 and parse_duration("PT2M3S") == 123.0 and parse_duration("PT0S") == 0
    assert format_duration(1.5) == "PT1.5S" and format_duration(0) == "PT0S"
    with pytest.raises(WireError, match="expected a position as an ISO 8601 duration"):
        parse_duration("1.5")
    mono = {"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000}
    both = {**mono, "channels": ["internal", "external"]}
    assert choose_media([mono, both, {**both, "format": "L16"}]) == both
    with pytest.raises(WireError, match="expected a PCMU 8000 Hz offer"):
        choose_media([{**both, "rate": 16000}])
    # 0xFF is mu-law's zero and 0x80 its loudest positive code; channels land as the offer names them
    audio = HookAudio(["internal", "external"])
    frames = audio.push(bytes([0x80, 0xFF]) * 100)  # 100 samples a channel: no whole 20 ms frame yet
    assert frames == []
    frames = audio.push(bytes([0x80, 0xFF]) * 60)  # 160 at 8 kHz = 320 at 16 kHz: one frame
    assert len(frames) == 1
    external, internal = (np.frombuffer(pcm, dtype="<i2") for pcm in frames[0])
    assert not external.any() and internal[0] == 32124 // 2 and (internal[1:] == 32124).all()
