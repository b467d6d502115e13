"""Steps said in the script's order: the lines between two ticks that the agent said in other words.

A sentence said in other words is often only a little nearer its own line than the others (the
embedding's cosines sit between 0.8 and 0.95: "Stay on the line, I'm looking for your colleague" is
0.896 from "please hold while I try to locate the person you are calling", 0.87 from the next line),
too little for a tick on its own (decide.EXPECTED_MARGIN). The order the agent says them in is more
evidence: when a step ticks, the open steps just before it in the script, and the agent's sentences
since the step ticked before them, are read together; each step is judged as the step the script
expects next, with a smaller margin, on the sentences after the one that said the step before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from agentassist.assist.decide import Decision, Heard
from agentassist.assist.matcher import tokens

S = TypeVar("S")
# the line nearer the sentence than any other line of the script, by any margin: the order is the rest of the
# evidence (on the assist sets v2-v21, at 0.03: 132 of the 171 steps found rightly, 13 of the 17 wrongly)
MARGIN = 0.0


def said_between(
    gap: Sequence[S], heard: Iterable[Heard], judge: Callable[[S, Heard], Decision | None]
) -> list[tuple[S, Decision]]:
    """The steps of ``gap`` (open, in the script's order) that ``heard`` (the agent's finals, oldest first)
    says in that order, with their decisions: each final is judged (``judge``) for the gap's steps after
    the last one found, in order; a final may say more than one."""
    found: list[tuple[S, Decision]] = []
    after = 0
    for h in heard:
        for at in range(after, len(gap)):
            decision = judge(gap[at], h)
            if decision is not None and not _its_frame(decision):
                found.append((gap[at], decision))
                after = at + 1
    return found


def _its_frame(decision: Decision) -> bool:
    """A sentence that opens with the line's first two words but was not found as the line is the line's frame
    about something else ("Can I have your GP's name and your postcode" for "Can I have your full name and date
    of birth"): said where the line belongs, it is the agent asking the next thing instead (9 of the 17 steps
    the order found wrongly on v2-v21; 1 of 171 found rightly). Agents open it with a filler too ("Sure.
    Can I have your ...", "Okay, so can I have ..."): the words are compared after the fillers."""
    line = _opening(tokens(str(decision.extra.get("line", ""))))
    return decision.method == "meaning" and len(line) >= 2 and _opening(decision.window.tokens)[:2] == line[:2]


# interjections and discourse markers a sentence opens with before its frame, in the four languages, as tokens()
# writes them (Polish letters folded); "i" is left out (the English "I"), as are the articles
_FILLER_WORDS = """
    okay ok so well right sure alright now oh um uh er yes yeah great perfect lovely fine and
    ну так хорошо ладно итак отлично да ага значит понятно окей теперь и а
    добре гаразд отже чудово зрозуміло тож тепер значить і
    no dobrze dobra wiec tak swietnie okej rozumiem zatem super teraz
"""
FILLERS = frozenset(_FILLER_WORDS.split())
_MOST_FILLERS = 3


def _opening(words: Sequence[str]) -> list[str]:
    """``words`` from the first that is not a filler (at most ``_MOST_FILLERS`` passed over)."""
    at = 0
    while at < min(_MOST_FILLERS, len(words)) and words[at] in FILLERS:
        at += 1
    return list(words[at:])
