"""DTMF triggers of the card-data pause: which digits complete a sequence, which are held back and
which are passed on, and the settings that name a bad sequence."""

from __future__ import annotations

import pytest

from agentassist.config import RecorderSettings
from agentassist.pause import Digit, DtmfPauseOptions, DtmfTriggers


def _feed(triggers: DtmfTriggers, keys: str) -> list[tuple[str | None, str]]:
    """Each key's action and the digits it released, as strings."""
    out = []
    for i, k in enumerate(keys):
        action, released = triggers.feed(Digit(float(i), k, "rfc4733"))
        out.append((action, "".join(d.digit for d in released)))
    return out


def test_a_sequence_fires_and_its_digits_are_swallowed() -> None:
    t = DtmfTriggers(DtmfPauseOptions("*1", "#1"))
    assert _feed(t, "5*1") == [(None, "5"), (None, ""), ("pause", "")]
    assert _feed(t, "4111#1") == [(None, "4"), (None, "1"), (None, "1"), (None, "1"), (None, ""), ("resume", "")]
    assert t.flush() == []


def test_a_false_start_is_released_and_may_begin_the_next_sequence() -> None:
    t = DtmfTriggers(DtmfPauseOptions("*1", "#1"))
    # "*" waits; "*" again: the first cannot complete "*1" any more, the second still may
    assert _feed(t, "**1") == [(None, ""), (None, "*"), ("pause", "")]
    assert _feed(t, "*9") == [(None, ""), (None, "*9")]
    assert _feed(t, "#") == [(None, "")]
    assert [d.digit for d in t.flush()] == ["#"]  # the call ended mid-sequence: a plain digit after all


def test_lowercase_letters_match_and_times_are_kept() -> None:
    t = DtmfTriggers(DtmfPauseOptions("A", ""))
    action, released = t.feed(Digit(1.5, "a", "info"))
    assert action == "pause" and released == []
    action, released = t.feed(Digit(2.5, "7", "info"))
    assert action is None and released == [Digit(2.5, "7", "info")]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"pause_dtmf": "*x"}, "not DTMF digits"),
        ({"pause_dtmf": "*1", "resume_dtmf": "*12"}, "one begins the other"),
        ({"pause_dtmf": "#", "resume_dtmf": "#"}, "one begins the other"),
        ({"pause_on_digits_s": 900}, "pause_on_digits_s"),
    ],
)
def test_bad_settings_are_named(keys: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RecorderSettings(**keys)  # type: ignore[arg-type]


def test_settings_make_the_options() -> None:
    options = RecorderSettings(pause_dtmf="*1", resume_dtmf="#1", pause_on_digits_s=5).dtmf_pause()
    assert options == DtmfPauseOptions("*1", "#1", 5.0) and options.enabled
    assert not RecorderSettings().dtmf_pause().enabled
