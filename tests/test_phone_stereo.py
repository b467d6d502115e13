"""The desk's stereo pairing of a call's two channels, and the card-data pause applied before spooling."""

from __future__ import annotations

import numpy as np

from agentassist.audio.frames import FRAME_BYTES
from agentassist.events import Channel
from agentassist.pause import DtmfPauseOptions
from agentassist.phone.stereo import SILENT_STEREO, PauseGate, Span, StereoPairer
from agentassist.wire import deinterleave


def mono(value: int) -> bytes:
    return np.full(FRAME_BYTES // 2, value, dtype="<i2").tobytes()


def channels(stereo: list[bytes]) -> list[tuple[int, int]]:
    """(external, internal) sample values of each stereo frame."""
    out = []
    for frame in stereo:
        ((external, internal),) = deinterleave(frame)
        out.append((int(np.frombuffer(external, "<i2")[0]), int(np.frombuffer(internal, "<i2")[0])))
    return out


def test_frames_pair_by_index_customer_first() -> None:
    pairer = StereoPairer()
    out = []
    for i in range(1, 4):
        out += pairer.push(Channel.AGENT, mono(100 + i))
        out += pairer.push(Channel.CUSTOMER, mono(i))
    assert channels(out) == [(1, 101), (2, 102), (3, 103)]


def test_a_silent_channel_is_filled_after_the_lag_and_aligned_on_hold() -> None:
    pairer = StereoPairer(max_lag_frames=3)
    out = []
    for i in range(1, 6):  # the agent's side on hold: no frames
        out += pairer.push(Channel.CUSTOMER, mono(i))
    assert channels(out) == [(1, 0), (2, 0)]  # 3 frames still wait for the agent's
    assert channels(pairer.align()) == [(3, 0), (4, 0), (5, 0)]  # the hold ended: levelled at once
    assert channels(pairer.push(Channel.AGENT, mono(7)) + pairer.push(Channel.CUSTOMER, mono(6))) == [(6, 7)]
    assert pairer.filled == {Channel.AGENT: 5, Channel.CUSTOMER: 0}


def test_pause_and_resume_silence_the_frames_between() -> None:
    gate = PauseGate()
    frame = b"\x01" * len(SILENT_STEREO)
    kept = [gate.gate(0, frame)]
    gate.pause("agent")
    kept += [gate.gate(1, frame), gate.gate(2, frame)]
    gate.resume()
    kept += [gate.gate(3, frame)]
    assert [f == frame for f, _ in kept] == [True, False, False, True]
    assert [s for _, s in kept if s] == [Span("pause", 1, "agent"), Span("resume", 3, "agent")]
    gate.pause("agent")
    gate.resume()  # before any frame: nothing silenced, nothing to report
    assert gate.gate(4, frame) == (frame, None)


def test_dtmf_triggers_pause_and_resume_on_the_desk() -> None:
    gate = PauseGate(DtmfPauseOptions(pause_sequence="*1", resume_sequence="#1"))
    frame = b"\x02" * len(SILENT_STEREO)
    assert [d.digit for d in gate.dtmf("5", "rfc4733", 0.0)] == ["5"]
    assert gate.dtmf("*", "rfc4733", 0.1) == []  # may begin the trigger: held back
    assert gate.dtmf("1", "rfc4733", 0.2) == []  # completes it: swallowed, paused
    assert gate.gate(10, frame) == (SILENT_STEREO, Span("pause", 10, "dtmf"))
    gate.dtmf("#", "rfc4733", 0.3)
    gate.dtmf("1", "rfc4733", 0.4)
    assert gate.gate(11, frame) == (frame, Span("resume", 11, "dtmf"))


def test_keyed_digits_pause_until_the_keypad_is_quiet() -> None:
    gate = PauseGate(DtmfPauseOptions(quiet_s=1.0))
    frame = b"\x03" * len(SILENT_STEREO)
    gate.dtmf("4", "rfc4733", 0.0)
    assert gate.gate(0, frame)[1] == Span("pause", 0, "keypad")
    gate.dtmf("2", "rfc4733", 0.5)  # still typing: until 1.5 s
    assert gate.gate(74, frame)[0] == SILENT_STEREO
    assert gate.gate(75, frame) == (frame, Span("resume", 75, "keypad"))
