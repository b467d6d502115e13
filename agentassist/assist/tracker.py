"""ScriptTracker: one call's progress through its script, driven by utterances.

Pure: utterances and clock ticks in, events out. Agent speech ticks steps and
raises forbidden-phrase alerts; customer speech brings up knowledge cards.
``report()`` is the contract's adherence JSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from agentassist.assist.matcher import contains_phrase, fill, score_line, tokens
from agentassist.assist.script import Script, Step
from agentassist.events import Channel, Event, EventType, Utterance

log = logging.getLogger(__name__)

_CARD_REPEAT_S = 60.0
_HANDLE_WARN_RATIO = 0.8
_MIN_CONFIDENCE = 0.3


@dataclass
class _StepState:
    step: Step
    status: str = "pending"  # pending | done | missed
    t: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.step.id, "status": self.status, "t": self.t, "evidence": self.evidence}


class ScriptTracker:
    def __init__(self, script: Script, variables: dict[str, str], call_id: str, threshold: float = 0.7) -> None:
        self.script = script
        self.variables = dict(variables)
        self.call_id = call_id
        self.threshold = threshold
        self._steps = [_StepState(s) for s in script.steps]
        self._alerts: list[dict[str, Any]] = []
        self._cards: list[dict[str, Any]] = []
        self._card_shown_at: dict[str, float] = {}
        self._handle_warned = False
        self._finished = False

    # ---- inputs -----------------------------------------------------------------------------------

    def on_utterance(self, u: Utterance) -> list[Event]:
        if not u.final or not u.text.strip() or (u.words and u.confidence < _MIN_CONFIDENCE):
            return []  # partials are confirmed by their final; unreliable text ticks nothing
        if u.channel is Channel.AGENT:
            return self._agent_said(u)
        return self._customer_said(u)

    def tick(self, now_s: float) -> list[Event]:
        budget = self.script.handle_time_s
        if budget is None or self._handle_warned or now_s < _HANDLE_WARN_RATIO * budget:
            return []
        pending = [s.step.id for s in self._steps if s.status == "pending" and s.step.mandatory]
        if not pending:
            return []
        self._handle_warned = True
        left = max(0.0, budget - now_s)
        return [
            self._alert("handle_time", now_s, f"{left:.0f} s of handle time left; still to say: {', '.join(pending)}")
        ]

    def finish(self, end_s: float) -> list[Event]:
        if self._finished:
            return []
        self._finished = True
        events: list[Event] = []
        for s in self._steps:
            if s.status == "pending" and s.step.mandatory:
                s.status = "missed"
                events.append(Event(EventType.ASSIST_STEP, self.call_id, end_s, {"step": s.to_json()}))
                if s.step.compliance:
                    events.append(
                        self._alert("compliance_missed", end_s, f"compliance step {s.step.id!r} was never said")
                    )
        return events

    # ---- outputs ------------------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        mandatory = [s for s in self._steps if s.step.mandatory]
        done = sum(1 for s in mandatory if s.status == "done")
        return {
            "script_id": self.script.id,
            "version": self.script.version,
            "score": round(done / len(mandatory), 3) if mandatory else 1.0,
            "steps": [s.to_json() for s in self._steps],
            "alerts": list(self._alerts),
        }

    def state(self) -> dict[str, Any]:
        nxt = self._next()
        return {
            **self.report(),
            "current_step": nxt.step.id if nxt else None,
            "next_prompt": self._prompt_text(nxt.step) if nxt else None,
            "cards": list(self._cards),
        }

    # ---- internals ----------------------------------------------------------------------------------

    def _next(self) -> _StepState | None:
        return next((s for s in self._steps if s.status == "pending"), None)

    def _prompt_text(self, step: Step) -> str:
        return fill(step.say[0], self.variables) if step.say else ""

    def _agent_said(self, u: Utterance) -> list[Event]:
        events: list[Event] = []
        for s in self._steps:
            if s.status != "pending":
                continue
            best = max((score_line(line, u.text, self.variables) for line in s.step.say), key=lambda m: m.score)
            if best.score < self.threshold:
                continue
            s.status = "done"
            s.t = round(self._token_time(u, best.first), 3)
            s.evidence = {
                "utterance_id": u.id,
                "text": u.text,
                "matched": best.matched,
                "score": round(best.score, 3),
                "t": s.t,
            }
            events.append(Event(EventType.ASSIST_STEP, self.call_id, s.t, {"step": s.to_json()}))
        if events:
            nxt = self._next()
            prompt = (
                {"step_id": nxt.step.id, "text": self._prompt_text(nxt.step)} if nxt else {"step_id": None, "text": ""}
            )
            events.append(Event(EventType.ASSIST_PROMPT, self.call_id, u.end_s, {"prompt": prompt}))
        for phrase in self.script.forbidden:
            if contains_phrase(u.text, phrase):
                events.append(
                    self._alert("forbidden_phrase", u.start_s, f"forbidden phrase said: {phrase!r}", phrase=phrase)
                )
        return events

    def _customer_said(self, u: Utterance) -> list[Event]:
        events: list[Event] = []
        for card in self.script.cards:
            trigger = next((t for t in card.triggers if contains_phrase(u.text, t)), None)
            if trigger is None:
                continue
            shown = self._card_shown_at.get(card.id)
            if shown is not None and u.start_s - shown < _CARD_REPEAT_S:
                continue
            self._card_shown_at[card.id] = u.start_s
            payload = {"id": card.id, "title": card.title, "body": card.body, "trigger": trigger, "t": u.start_s}
            self._cards.append(payload)
            events.append(Event(EventType.ASSIST_CARD, self.call_id, u.start_s, {"card": payload}))
        return events

    def _alert(self, kind: str, t: float, message: str, **extra: Any) -> Event:
        alert = {"type": kind, "message": message, "t": round(t, 3), **extra}
        self._alerts.append(alert)
        return Event(EventType.ASSIST_ALERT, self.call_id, t, {"alert": alert})

    @staticmethod
    def _token_time(u: Utterance, token_index: int) -> float:
        """Start time of the utterance's ``token_index``-th normalized token, from word timings."""
        if token_index < 0 or not u.words:
            return u.start_s
        seen = 0
        for w in u.words:
            n = len(tokens(w.text))
            if token_index < seen + n:
                return w.start_s
            seen += n
        return u.start_s
