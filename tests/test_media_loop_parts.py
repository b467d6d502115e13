"""The pure parts of a call's media loop, driven without threads: the channel aligner (both channels
on one clock through a hold) and the card-data pause's state machine (requests, trigger sequences,
the keypad's quiet)."""

from __future__ import annotations

import pytest

from agentassist.events import Channel
from agentassist.pause import CardPause, Digit, DtmfPauseOptions, PauseSteps
from agentassist.pipeline.align import FRAME_S, ChannelAligner, Fill

A, C = Channel.AGENT, Channel.CUSTOMER


def test_channels_in_step_need_no_fill() -> None:
    aligner = ChannelAligner(max_lag_frames=10)
    for _ in range(100):
        assert aligner.push(A) is None
        assert aligner.push(C) is None
    assert aligner.frames == {A: 100, C: 100} and aligner.filled == {A: 0, C: 0}
    assert aligner.now_s == pytest.approx(100 * FRAME_S)


def test_a_channel_silent_past_the_lag_is_filled_at_once() -> None:
    aligner = ChannelAligner(max_lag_frames=10)
    fills = [aligner.push(C) for _ in range(11)]  # the agent on hold: no frames of theirs
    assert fills[:10] == [None] * 10
    assert fills[10] == Fill(A, 11)  # counted already: the clock of both is the customer's
    assert aligner.frames == {A: 11, C: 11} and aligner.filled == {A: 11, C: 0}
    assert aligner.push(A) is None  # the agent back: one frame ahead is within the lag


def test_level_aligns_whatever_the_lag() -> None:
    aligner = ChannelAligner(max_lag_frames=10)
    for _ in range(3):
        aligner.push(A)
    assert aligner.level() == Fill(C, 3)
    assert aligner.level() is None
    assert aligner.now_s == pytest.approx(3 * FRAME_S)


def test_a_negative_lag_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 0 or more, got -1"):
        ChannelAligner(max_lag_frames=-1)


def _digits(pause: CardPause, keys: str, start_s: float = 0.0, step_s: float = 1.0) -> list[PauseSteps]:
    return [pause.digit(Digit(start_s + i * step_s, k, "rfc4733")) for i, k in enumerate(keys)]


def test_requests_pause_and_resume() -> None:
    pause = CardPause()  # no DTMF triggers: every digit passes through
    assert not pause.paused
    pause.pause()
    assert pause.paused
    steps = _digits(pause, "4")
    assert steps == [PauseSteps(released=(Digit(0.0, "4", "rfc4733"),))]
    pause.resume()
    assert not pause.paused and not pause.due(100.0)


def test_trigger_sequences_pause_and_resume_and_are_never_released() -> None:
    pause = CardPause(DtmfPauseOptions("*1", "#1"))
    steps = _digits(pause, "5*1")
    assert [s.released for s in steps] == [(Digit(0.0, "5", "rfc4733"),), (), ()]
    assert steps[2] == PauseSteps(pause_by="dtmf") and pause.paused
    assert _digits(pause, "*1")[1] == PauseSteps()  # already paused: nothing more to open
    steps = _digits(pause, "#1")
    assert steps[1] == PauseSteps(resume=True) and not pause.paused


def test_keypad_mode_pauses_on_a_digit_until_the_keypad_is_quiet() -> None:
    pause = CardPause(DtmfPauseOptions(quiet_s=3.0))
    steps = _digits(pause, "41", start_s=10.0)  # at 10 s and 11 s
    assert steps[0].pause_by == "keypad" and steps[1].pause_by is None and pause.paused
    assert [d.digit for s in steps for d in s.released] == ["4", "1"]  # stored masked by the session
    assert not pause.due(13.9)  # 3 s after the last digit, not the first
    assert pause.due(14.0) and not pause.paused
    assert not pause.due(20.0)  # once


def test_a_requested_pause_is_not_ended_by_the_keypad() -> None:
    pause = CardPause(DtmfPauseOptions(quiet_s=3.0))
    pause.pause()
    _digits(pause, "4")
    assert not pause.due(100.0) and pause.paused


def test_digits_held_at_the_end_are_flushed() -> None:
    pause = CardPause(DtmfPauseOptions("*1", ""))
    assert _digits(pause, "*") == [PauseSteps()]
    assert [d.digit for d in pause.flush()] == ["*"]
    assert CardPause().flush() == []
