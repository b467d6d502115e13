"""Card-data pause triggered by DTMF: digit sequences from the far end that pause and resume the
recording (a payment IVR or the PBX signalling it), and an optional mode in which any keyed digit
pauses it until the keypad has been quiet for a while (a customer typing a card number).

The digits of a trigger are never stored: a digit that may begin a trigger is held back until the
sequence completes (swallowed) or cannot complete any more (released, to be stored or masked as
any digit is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

KEYPAD = frozenset("0123456789*#ABCD")

Action = Literal["pause", "resume"]


@dataclass(frozen=True, slots=True)
class DtmfPauseOptions:
    pause_sequence: str = ""  # "" : no sequence pauses
    resume_sequence: str = ""
    quiet_s: float = 0.0  # > 0: any other digit pauses, and this long without a digit resumes

    @property
    def enabled(self) -> bool:
        return bool(self.pause_sequence or self.resume_sequence or self.quiet_s > 0)


def check_sequences(pause: str, resume: str) -> None:
    """Raise ValueError naming what is wrong with a pair of trigger sequences."""
    for name, seq in (("pause_dtmf", pause), ("resume_dtmf", resume)):
        bad = sorted(set(seq) - KEYPAD)
        if bad:
            raise ValueError(f"{name} {seq!r}: not DTMF digits: {' '.join(bad)} (use 0-9 * # A-D)")
    if pause and resume and (pause.startswith(resume) or resume.startswith(pause)):
        raise ValueError(
            f"pause_dtmf {pause!r} and resume_dtmf {resume!r}: one begins the other, so one could never fire"
        )


@dataclass(frozen=True, slots=True)
class Digit:
    t_s: float
    digit: str
    method: str


class DtmfTriggers:
    """Feed every received digit; get back the action it completes and the digits to pass on."""

    def __init__(self, options: DtmfPauseOptions) -> None:
        self.options = options
        self._held: list[Digit] = []
        pairs: list[tuple[str, Action]] = [(options.pause_sequence, "pause"), (options.resume_sequence, "resume")]
        self._sequences = [(seq, action) for seq, action in pairs if seq]

    def feed(self, digit: Digit) -> tuple[Action | None, list[Digit]]:
        """The action ``digit`` completes (its sequence swallowed) and the digits released by it."""
        self._held.append(Digit(digit.t_s, digit.digit.upper(), digit.method))
        released: list[Digit] = []
        while self._held:
            keyed = "".join(d.digit for d in self._held)
            for seq, action in self._sequences:
                if keyed == seq:
                    self._held.clear()
                    return action, released
            if any(seq.startswith(keyed) for seq, _ in self._sequences):
                return None, released  # may still become a trigger: held back
            released.append(self._held.pop(0))  # cannot: the oldest goes on; the rest may start one
        return None, released

    def flush(self) -> list[Digit]:
        """The digits still held back (the call ended mid-sequence)."""
        held, self._held = self._held, []
        return held


@dataclass(frozen=True, slots=True)
class PauseSteps:
    """What a received digit does to the card-data pause, in order: open the pause span (``pause_by``
    "dtmf" or "keypad"), close it (``resume``), then store or mask the ``released`` digits."""

    pause_by: str | None = None
    resume: bool = False
    released: tuple[Digit, ...] = ()


class CardPause:
    """The card-data pause of one call: on by request (the agent's page) or by a trigger sequence, off by
    request, by the resume sequence or, in keypad mode (``quiet_s``), once the keypad has been quiet.

    Pure: times are the call's media time, passed in; the session keeps the spans and calls this under
    its media lock, so a frame is silenced exactly when ``paused`` was set before it was counted."""

    def __init__(self, options: DtmfPauseOptions | None = None) -> None:
        self.paused = False
        self.step: str | None = None  # the script step that paused (``pause_recording``): the agent is still heard
        self._triggers = DtmfTriggers(options) if options is not None and options.enabled else None
        self._resume_at_s: float | None = None  # a pause keyed digits opened ends at this media time

    def pause(self, until_s: float | None = None, step: str | None = None) -> None:
        self.paused = True
        if until_s is not None:
            self._resume_at_s = until_s
        if step is not None:
            self.step = step

    def resume(self) -> None:
        self.paused = False
        self._resume_at_s = None
        self.step = None

    def steps_said(self, said: list[tuple[str, float | None]], now_s: float) -> Action | None:
        """Script steps the agent was just heard saying, each with its pause timeout (None: the step does
        not pause). A pausing step pauses until ``now_s`` + its timeout; any other step said during a
        step's pause ends it (the payment is over). "pause" or "resume" when the span opens or closes."""
        action: Action | None = None
        for step_id, timeout_s in said:
            if timeout_s is not None and step_id != self.step:
                if not self.paused:
                    action = "pause"
                self.pause(now_s + timeout_s, step_id)
            elif timeout_s is None and self.step is not None:
                self.resume()
                action = None if action == "pause" else "resume"
        return action

    def digit(self, d: Digit) -> PauseSteps:
        """A digit the peer sent at ``d.t_s``. A trigger sequence pauses or resumes and is never
        released; with ``quiet_s`` any other digit pauses until the keypad is quiet."""
        if self._triggers is None:
            return PauseSteps(released=(d,))
        action, released = self._triggers.feed(d)
        pause_by: str | None = None
        resume = False
        if action == "pause" and not self.paused:
            self.paused, pause_by = True, "dtmf"
        elif action == "resume":
            self.resume()
            resume = True
        quiet_s = self._triggers.options.quiet_s
        if released and quiet_s > 0:
            if not self.paused:
                self.paused, pause_by = True, "keypad"
                self._resume_at_s = d.t_s + quiet_s
            elif self._resume_at_s is not None:
                self._resume_at_s = d.t_s + quiet_s  # still typing: the pause goes on
        return PauseSteps(pause_by, resume, tuple(released))

    def due(self, now_s: float) -> bool:
        """True once, when a keypad pause has been quiet long enough: it is over (``paused`` is off)."""
        if self._resume_at_s is None or now_s < self._resume_at_s:
            return False
        self.resume()
        return True

    def flush(self) -> list[Digit]:
        """The digits still held back as a possible trigger (the call ended mid-sequence)."""
        return self._triggers.flush() if self._triggers is not None else []
