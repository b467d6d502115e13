"""A script tried on a transcript before it is saved: the live call's tracker, fed a whole call at once.

Pure: a script and utterances in, which steps would tick (when, on which utterance, with what
evidence), the alerts, cards and intents out. The utterances come from text pasted as a dialogue
(:func:`parse_transcript`) or from a past call's stored transcript (``restart.stored_utterance``).

A pasted line is ``agent: ...`` or ``customer: ...`` (any case), optionally after a time ``[m:ss]``
or ``h:mm:ss``; a line without a speaker continues the line before it; blank lines are skipped.
Lines without a time are timed as speech would be: :data:`WORD_S` per word, :data:`TURN_GAP_S`
between turns, so the times the answer shows read like a call's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agentassist.assist.matcher import fill
from agentassist.assist.script import Script
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.events import Channel, EventType, Utterance, Word

WORD_S = 0.4  # about 150 words a minute: a calm agent's pace on the phone
TURN_GAP_S = 0.8  # between one speaker's end and the next line
# A long call has about 300 turns; the tracker took 2.9-3.8 s of CPU on 300 (10-13 ms a turn, half of
# them the agent's, semantic matching on: benchmarks/script_try.py), so a try stays within about 13 s.
MAX_UTTERANCES = 1000
_TIME = r"\[?(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2}(?:\.\d+)?)\]?"  # [m:ss], m:ss, h:mm:ss
_LINE = re.compile(rf"^\s*(?:{_TIME}\s+)?(?P<who>agent|customer)\s*:\s*(?P<text>.*)$", re.IGNORECASE)


class TranscriptError(ValueError):
    """Pasted text that is not a dialogue; ``line`` (1-based) is where, None for the whole text."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True, slots=True)
class Pasted:
    utterances: list[Utterance]
    lines: dict[str, int]  # utterance id -> the line of the pasted text it starts on


def parse_transcript(text: str, call_id: str = "try") -> Pasted:
    """Pasted dialogue as final utterances, in order; raises TranscriptError naming the line."""
    turns: list[tuple[int, Channel, float | None, list[str]]] = []  # line, speaker, given start, texts
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if m is None:
            if not turns:
                said = raw.strip()[:40]
                raise TranscriptError(number, f"expected 'agent:' or 'customer:' at the start, got {said!r}")
            turns[-1][3].append(raw.strip())
            continue
        at: float | None = None
        if m.group("m") is not None:
            at = int(m.group("h") or 0) * 3600 + int(m.group("m")) * 60 + float(m.group("s"))
        turns.append((number, Channel(m.group("who").lower()), at, [m.group("text").strip()]))
    if not turns:
        raise TranscriptError(None, "expected lines that start with 'agent:' or 'customer:', got none")
    if len(turns) > MAX_UTTERANCES:
        raise TranscriptError(None, f"expected at most {MAX_UTTERANCES} lines of dialogue, got {len(turns)}")
    utterances: list[Utterance] = []
    lines: dict[str, int] = {}
    clock = 0.0
    for number, channel, given, texts in turns:
        said = " ".join(t for t in texts if t)
        if given is not None and utterances and given < utterances[-1].start_s:
            raise TranscriptError(number, f"time {given:g} s is before the line above's {utterances[-1].start_s:g} s")
        start = given if given is not None else (clock + TURN_GAP_S if utterances else 0.0)
        words = tuple(
            Word(round(start + i * WORD_S, 3), round(start + (i + 1) * WORD_S, 3), w, 1.0)
            for i, w in enumerate(said.split())
        )
        end = round(start + max(1, len(words)) * WORD_S, 3)
        u = Utterance(f"line-{number}", call_id, channel, start, end, said, words=words, confidence=1.0)
        utterances.append(u)
        lines[u.id] = number
        clock = end
    return Pasted(utterances, lines)


def try_script(
    script: Script, utterances: list[Utterance], variables: dict[str, str], options: TrackerOptions
) -> dict[str, Any]:
    """Run ``utterances`` (finals, in time order) through a fresh tracker of ``script``, as a live call
    would be run; the answer says which steps ticked, when and on what, and which did not."""
    call_id = utterances[0].call_id if utterances else "try"
    tracker = ScriptTracker(script, variables, call_id, options=options)
    ticked: dict[str, list[str]] = {}  # utterance id -> the steps it ticked
    for u in utterances:
        tracker.tick(u.start_s)  # clock alerts (a step's budget, handle time) up to this line
        for event in tracker.on_utterance(u):
            step = event.data.get("step") if event.type is EventType.ASSIST_STEP else None
            if step is not None and step["status"] == "done":
                ticked.setdefault(u.id, []).append(step["id"])
    end_s = max((u.end_s for u in utterances), default=0.0)
    tracker.tick(end_s)
    tracker.finish(end_s)
    state = tracker.state()
    by_id = {s.id: s for s in script.steps}
    steps = [
        {
            "id": s["id"],
            "say": " ".join(fill(by_id[s["id"]].say[0], tracker.variables).split()) if by_id[s["id"]].say else "",
            "mandatory": by_id[s["id"]].mandatory,
            "compliance": by_id[s["id"]].compliance,
            "line": by_id[s["id"]].line,  # in the script's text: the page jumps there
            "status": s["status"],
            "t": s["t"],
            "evidence": s["evidence"],
        }
        for s in state["steps"]
    ]
    return {
        "script_id": script.id,
        "version": script.version,
        "score": state["score"],
        "steps": steps,
        "utterances": [
            {**_line(u), "ticked": ticked.get(u.id, [])}
            for u in utterances  # what the page lists, each with the steps it ticked
        ],
        "alerts": state["alerts"],
        "cards": state["cards"],
        "intents": state["intents"],
    }


def _line(u: Utterance) -> dict[str, Any]:
    return {
        "id": u.id,
        "channel": u.channel.value,
        "start": round(u.start_s, 3),
        "end": round(u.end_s, 3),
        "text": u.text,
    }
