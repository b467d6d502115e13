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
