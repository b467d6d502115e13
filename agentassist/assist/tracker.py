"""ScriptTracker: one call's progress through its script, driven by utterances.

Pure: utterances and clock ticks in, events out. Agent speech ticks steps and
raises forbidden-phrase alerts; customer speech brings up knowledge cards and
intents (objections) that move the agent to another step. Timing alerts come
from the utterances' times (silence, overtalk, talk ratio) and from ``tick``
(handle time, compliance near the end, a step's time budget).

A partial utterance ticks a step only when the match is certain; the final of
the same utterance confirms it or withdraws it (an ``assist.step`` event whose
step status is ``withdrawn``; the step is ``pending`` again). Utterances the
transcriber flags as unreliable tick and alert nothing.

``report()`` is the contract's adherence JSON; ``replace_script`` applies a new
version of the script to the running call, keeping progress on step ids that
persist.
"""

from __future__ import annotations

import logging
from collections import deque
from itertools import islice
from typing import Any

from agentassist.assist import deadline
from agentassist.assist.decide import EXPECTED_MARGIN, Decision, Heard, decide, evidence_of
from agentassist.assist.matcher import Match, contains_phrase, fill, score_line, tokens
from agentassist.assist.options import TrackerOptions
from agentassist.assist.order import MARGIN as ORDER_MARGIN
from agentassist.assist.order import said_between
from agentassist.assist.progress import StepState, unsure_alert
from agentassist.assist.script import Script, Step
from agentassist.assist.semantic import default_embedder, embed_say_lines, warm_say_lines
from agentassist.events import Channel, Event, EventType, Utterance

__all__ = ["ScriptTracker", "TrackerOptions", "warm_say_lines"]

log = logging.getLogger(__name__)

_CARD_REPEAT_S = 60.0
_HANDLE_WARN_RATIO = 0.8
_MIN_CONFIDENCE = 0.3
_TRANSCRIPTION_LAG_S = 3.0  # tick(): speech may still be on its way to text this long after it ended
_TALK_RATIO_MIN_TALK_S = 30.0  # the talk/listen ratio means nothing on less talk than this
_JOIN_GAP_S = 4.0  # the agent's previous final this close before is joined to the next (a line cut at a pause)


class ScriptTracker:
    def __init__(
        self,
        script: Script,
        variables: dict[str, str],
        call_id: str,
        threshold: float | None = None,
        options: TrackerOptions | None = None,
    ) -> None:
        base = options or TrackerOptions()
        if threshold is not None:
            base = TrackerOptions(
                **{**{k: getattr(base, k) for k in base.__dataclass_fields__}, "match_threshold": threshold}
            )
        self._base_options = base
        self.script = script
        self.options = base.with_script(script)
        self.variables = {**script.default_variables(), **{k: v for k, v in variables.items() if v}}
        self.call_id = call_id
        self._steps = [StepState(s, index=i) for i, s in enumerate(script.steps)]
        self._alerts: list[dict[str, Any]] = []
        self._cards: list[dict[str, Any]] = []
        self._intents: list[dict[str, Any]] = []
        self._card_shown_at: dict[str, float] = {}
        self._focus: str | None = None  # a step an intent jumped to, until it is said
        self._current_since_s = 0.0  # when the current step became current
        self._budget_warned: set[str] = set()
        self._handle_warned = False
        self._compliance_warned = False
        self._ratio_warned = False
        self._finished = False
        self._last_speech_end_s: float | None = None
        self._voice_s = 0.0  # last tick that heard voice activity
        self._silence_alerted_from: float | None = None
        self._talk_s = {Channel.AGENT: 0.0, Channel.CUSTOMER: 0.0}
        self._recent: dict[Channel, list[tuple[float, float]]] = {Channel.AGENT: [], Channel.CUSTOMER: []}
        self.versions: list[dict[str, Any]] = [{"version": script.version, "from_s": 0.0}]
        self._embedder = default_embedder() if self.options.semantic else None
        self._last_agent: Utterance | None = None  # the agent's previous final utterance
        self._said: deque[Heard] = deque(maxlen=deadline.KEPT)  # the agent's finals, for the deadline
        # compliance steps heard cut short by the agent's last final (deadline.cut_short), with its evidence:
        # the line may go on in the next final, so the doubt waits for it
        self._cut: dict[str, dict[str, Any]] = {}
        self._embed_lines()

    # ---- inputs -----------------------------------------------------------------------------------

    def on_utterance(self, u: Utterance) -> list[Event]:
        if not u.text.strip():
            return []
        if not u.reliable or (u.words and u.confidence < _MIN_CONFIDENCE):
            if not u.final:
                return []
            # unreliable text ticks and alerts nothing, but someone spoke: no "long silence" across it
            self._last_speech_end_s = max(self._last_speech_end_s or 0.0, u.end_s)
            return self._withdraw(u.id, u.end_s)
        if not u.final:
            return self._agent_partial(u) if u.channel is Channel.AGENT else []
        events = self._timing(u)
        if u.channel is Channel.AGENT:
            return events + self._agent_said(u)
        self._last_agent = None  # the customer spoke: the agent's next words start anew, not a cut line
        return events + self._doubt_cut(u.end_s) + self._customer_said(u)

    def on_revision(self, u: Utterance) -> list[Event]:
        """The agent's turn decoded again in full (``utterance.revised``): the steps still open that it says are
        ticked, with ``revised`` in their evidence. The live final was acted on already: what it ticked stays,
        and nothing else is raised again (prompts aside: the next line moves on). A live final that the
        recognizer garbled ("It's called recorded for quality ...") leaves a step the revision hears whole
        ("This call is recorded for quality ...") open, as a checker reading the stored transcript would not.
        A compliance line the revision does not surely say (deadline.weak, cut_short) is left as it is."""
        if u.channel is not Channel.AGENT or not u.text.strip() or not u.reliable:
            return []
        heard = Heard(u, None, self._embedder)
        events: list[Event] = []
        for s in self._steps:
            if not s.open or s.provisional:
                continue
            decision = self._decide(s.step, heard)
            if decision is None or (s.step.compliance and self._unsure(decision, heard) is not None):
                continue
            event = self._tick(s, u, decision)
            s.evidence["revised"] = True
            events.append(event)
        if events:
            events.append(self._prompt_event(u.end_s))
        return events

    def _unsure(self, decision: Decision, heard: Heard) -> tuple[bool, float] | None:
        """Why a compliance line is not surely said, with the similarity that says so: (True, similarity) barely
        heard or reworded (deadline.weak), (False, similarity) cut short (deadline.cut_short); None when surely
        said. One check for a live final (:meth:`_held`) and a revision (:meth:`on_revision`)."""
        names = self._names()
        similarity = deadline.weak(decision, heard, self._embedder, names)
        if similarity is not None:
            return True, similarity
        cut_at = deadline.cut_short(decision, heard, self._embedder, names)
        return None if cut_at is None else (False, cut_at)

    def tick(self, now_s: float, speaking: bool = False) -> list[Event]:
        """Clock-driven alerts; ``speaking``: voice activity now on either channel (not yet text)."""
        if speaking:
            self._voice_s = now_s
        events: list[Event] = []
        o = self.options
        budget = self.script.handle_time_s
        if budget is not None and not self._handle_warned and now_s >= _HANDLE_WARN_RATIO * budget:
            pending = [s.step.id for s in self._steps if s.open and s.step.mandatory]
            if pending:
                self._handle_warned = True
                left = max(0.0, budget - now_s)
                events.append(
                    self._alert(
                        "handle_time", now_s, f"{left:.0f} s of handle time left; still to say: {', '.join(pending)}"
                    )
                )
        if budget is not None and not self._compliance_warned and now_s >= budget - o.compliance_warn_s:
            events += self._settle_compliance(now_s)
            unsaid = [s.step.id for s in self._steps if s.open and s.step.compliance]
            if unsaid:
                self._compliance_warned = True
                events.append(
                    self._alert(
                        "compliance_pending",
                        now_s,
                        f"the call is near its end and compliance steps are unsaid: {', '.join(unsaid)}",
                        steps=unsaid,
                    )
                )
        nxt = self._next()
        if (
            nxt is not None
            and nxt.step.time_budget_s is not None
            and nxt.step.id not in self._budget_warned
            and now_s - self._current_since_s > nxt.step.time_budget_s
        ):
            self._budget_warned.add(nxt.step.id)
            events.append(
                self._alert(
                    "step_time",
                    now_s,
                    f"step {nxt.step.id!r} has taken over its {nxt.step.time_budget_s:g} s budget",
                    step=nxt.step.id,
                )
            )
        last = self._last_speech_end_s
        if (
            o.silence_s > 0
            and last is not None
            and now_s - max(last, self._voice_s) >= o.silence_s + _TRANSCRIPTION_LAG_S
        ):
            events += self._long_silence(last, o.silence_s)  # still quiet: as long as the threshold so far
        return events

    def finish(self, end_s: float) -> list[Event]:
        if self._finished:
            return []
        self._finished = True
        events: list[Event] = []
        for s in self._steps:
            if s.provisional:  # its final never came
                events += self._withdraw(s.provisional, end_s)
        events += self._talk_ratio(end_s, final=True)
        events += self._doubt_cut(end_s)
        events += self._settle_compliance(end_s)
        for s in self._steps:
            if s.status == "pending" and s.step.mandatory:
                s.status = "missed"
                events.append(Event(EventType.ASSIST_STEP, self.call_id, end_s, {"step": s.to_json()}))
                if s.step.compliance:
                    events.append(
                        self._alert("compliance_missed", end_s, f"compliance step {s.step.id!r} was never said")
                    )
        return events

    def replace_script(self, script: Script, at_s: float) -> list[Event]:
        """Apply a new version of the script now; steps whose ids persist keep their progress."""
        old = {s.step.id: s for s in self._steps}
        self._steps = []
        for i, step in enumerate(script.steps):
            prev = old.get(step.id)
            if prev is None:
                self._steps.append(StepState(step, index=i))
            else:
                self._steps.append(
                    StepState(step, prev.status, prev.t, prev.evidence, prev.provisional, prev.doubt, index=i)
                )
        self.script = script
        self.options = self._base_options.with_script(script)
        self.variables = {**script.default_variables(), **self.variables}
        if self._focus is not None and script.step(self._focus) is None:
            self._focus = None
        self.versions.append({"version": script.version, "from_s": round(at_s, 3)})
        self._embed_lines()
        return [self._prompt_event(at_s)]

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
            "versions": list(self.versions),
        }

    def state(self) -> dict[str, Any]:
        nxt = self._next()
        return {
            **self.report(),
            "current_step": nxt.step.id if nxt else None,
            "next_prompt": self._prompt_text(nxt.step) if nxt else None,
            "cards": list(self._cards),
            "intents": list(self._intents),
            "dispositions": list(self.script.dispositions),
        }

    # ---- internals ----------------------------------------------------------------------------------

    def _done_ids(self) -> set[str]:
        return {s.step.id for s in self._steps if s.status == "done"}

    def _next(self) -> StepState | None:
        if self._focus is not None:
            focus = next((s for s in self._steps if s.step.id == self._focus and s.open), None)
            if focus is not None:
                return focus
        done = self._done_ids()
        pending = [s for s in self._steps if s.open]
        ready = next((s for s in pending if all(d in done for d in s.step.after)), None)
        return ready or (pending[0] if pending else None)

    def _prompt_text(self, step: Step) -> str:
        return " ".join(fill(step.say[0], self.variables).split()) if step.say else ""

    def _prompt_event(self, t: float, **extra: Any) -> Event:
        nxt = self._next()
        prompt = {"step_id": nxt.step.id, "text": self._prompt_text(nxt.step)} if nxt else {"step_id": None, "text": ""}
        return Event(EventType.ASSIST_PROMPT, self.call_id, t, {"prompt": {**prompt, **extra}})

    def _best(self, step: Step, text: str) -> Match:
        return max((score_line(line, text, self.variables) for line in step.say), key=lambda m: m.score)

    def _tick(self, s: StepState, u: Utterance, best: Match | Decision) -> Event:
        before = self._next()
        s.status = "done"
        s.t, s.evidence = evidence_of(u, best)
        if not u.final:
            s.evidence["partial"] = True
        missing = [d for d in s.step.after if d not in self._done_ids()]
        if missing:
            s.evidence["out_of_order"] = missing
        if self._focus == s.step.id:
            self._focus = None
        if before is s:
            self._current_since_s = u.end_s
        return Event(EventType.ASSIST_STEP, self.call_id, s.t, {"step": s.to_json()})

    def _agent_partial(self, u: Utterance) -> list[Event]:
        events: list[Event] = []
        for s in self._steps:
            if not s.open:
                continue
            best = self._best(s.step, u.text)
            line_len = len(tokens(fill(s.step.say[0], self.variables))) if s.step.say else 0
            if best.score >= self.options.partial_threshold and min(line_len, 4) == 4:
                s.provisional = u.id
                events.append(self._tick(s, u, best))
        if events:
            events.append(self._prompt_event(u.end_s))
        return events

    def _withdraw(self, utterance_id: str, t: float) -> list[Event]:
        events: list[Event] = []
        for s in self._steps:
            if s.provisional != utterance_id:
                continue
            events.append(self._withdraw_step(s, t))
        if events:
            events.append(self._prompt_event(t))
        return events

    def _withdraw_step(self, s: StepState, t: float) -> Event:
        """A step a partial ticked goes back to pending (or unsure, as it was): its final did not confirm it."""
        s.withdraw()
        return Event(EventType.ASSIST_STEP, self.call_id, t, {"step": s.to_json("withdrawn")})

    def _embed_lines(self) -> None:
        """Embed the say-lines now (call start, a new version), not on the first utterance's tick."""
        if self._embedder is not None:
            embed_say_lines(self._embedder, self.script, self.variables)

    def _names(self) -> frozenset[str]:
        """The tokens of the filled ``{variables}``: heard, they are no content of a line."""
        return frozenset(t for value in self.variables.values() for t in tokens(value))

    def _rivals(self, step: Step) -> tuple[str, ...]:
        return tuple(fill(line, self.variables) for s in self._steps if s.step is not step for line in s.step.say)

    def _decide(
        self, step: Step, heard: Heard, expected: bool = False, margin: float = EXPECTED_MARGIN
    ) -> Decision | None:
        o = self.options
        return decide(
            step,
            heard,
            self.variables,
            o.match_threshold,
            o.similarity_threshold,
            o.content_threshold,
            self._embedder,
            self._rivals(step),
            answering=len(self._said) == 1,  # the agent's first final of the call (decide.ANSWER)
            expected=expected,
            expected_margin=margin,
        )

    def _settle_compliance(self, now_s: float) -> list[Event]:
        """Compliance steps not yet said, judged on the whole call before their alert (deadline.py): one
        with a sentence near its line is left ``unsure``, with a ``compliance_unsure`` alert (once a step)."""
        events: list[Event] = []
        for s in self._steps:
            if not s.open or not s.step.compliance or s.provisional:
                continue
            nearest = deadline.settle(s.step, self._said, self.variables, self._rivals(s.step), self._embedder)
            if nearest is None:
                continue
            events += self._doubt(s, evidence_of(nearest.window.utterances[-1], nearest)[1], now_s)
        return events

    def _held(self, s: StepState, u: Utterance, heard: Heard, decision: Decision) -> list[Event] | None:
        """None when ``decision`` ticks ``s``; else the events of a compliance line not surely said: barely
        heard, or its ending, middle or condition reworded (deadline.weak: unsure now), or cut short
        (deadline.cut_short: held until the agent's next final, no event yet)."""
        if not s.step.compliance or (unsure := self._unsure(decision, heard)) is None:
            return None
        weak, similarity = unsure
        evidence = {**evidence_of(u, decision)[1], "similarity": round(similarity, 3), "near": True}
        if weak:
            return self._doubt(s, evidence, u.end_s)
        # "If you can't attend, please cancel" may go on "at least a day before" in the next final
        self._cut[s.step.id] = evidence
        return []

    def _doubt_cut(self, now_s: float) -> list[Event]:
        """The steps cut short by the agent's last final left unsure: the customer spoke, or the call ended."""
        cut, self._cut = self._cut, {}
        return [e for s in self._steps if s.step.id in cut and s.open for e in self._doubt(s, cut[s.step.id], now_s)]

    def _doubt(self, s: StepState, evidence: dict[str, Any], now_s: float) -> list[Event]:
        """``s`` left unsure on ``evidence``: its event, and its ``compliance_unsure`` alert the first time."""
        first = s.doubted({**evidence, "unsure": True})
        if first is None:
            return []  # no nearer sentence since it was left unsure
        events = [Event(EventType.ASSIST_STEP, self.call_id, now_s, {"step": s.to_json()})]
        if first:
            message, fields = unsure_alert(s.step.id, s.evidence)
            events.append(self._alert("compliance_unsure", now_s, message, **fields))
        return events

    def _agent_said(self, u: Utterance) -> list[Event]:
        events: list[Event] = []
        changed = False
        prev = self._last_agent
        joined = prev if prev is not None and 0 <= u.start_s - prev.end_s <= _JOIN_GAP_S else None
        heard = Heard(u, joined, self._embedder)
        nxt = self._next()
        self._last_agent = u
        self._said.append(heard)
        cut, self._cut = self._cut, {}
        ticked: list[StepState] = []
        for s in self._steps:
            if s.provisional == u.id:  # ticked by this utterance's partial: the final decides
                decision = self._decide(s.step, heard)
                held = self._held(s, u, heard, decision) if decision is not None else None
                if decision is not None and held is None:
                    s.provisional = ""
                    events.append(self._tick(s, u, decision))
                else:
                    events.append(self._withdraw_step(s, u.end_s))
                    events += held or []
                changed = True
                continue
            if not s.open:
                continue
            decision = self._decide(s.step, heard, expected=s is nxt and not s.step.compliance)
            if decision is None:
                continue
            held = self._held(s, u, heard, decision)
            if held is not None:
                events += held
                continue
            events.append(self._tick(s, u, decision))
            ticked.append(s)
            changed = True
        events += self._in_order(ticked)
        heard.settle()
        for s in self._steps:
            if s.step.id in cut and s.open and s.step.id not in self._cut:
                events += self._doubt(s, cut[s.step.id], u.end_s)  # this final did not complete the line
        if changed:
            events.append(self._prompt_event(u.end_s))
        for phrase in self.script.forbidden:
            if contains_phrase(u.text, phrase):
                events.append(
                    self._alert("forbidden_phrase", u.start_s, f"forbidden phrase said: {phrase!r}", phrase=phrase)
                )
        return events

    def _in_order(self, ticked: list[StepState]) -> list[Event]:
        """The open steps just before each step the agent's last final ticked, said in the script's order
        since the step before them ticked (order.py): ticked on the sentences that said them."""
        if self._embedder is None:
            return []
        events: list[Event] = []
        for s in ticked:
            k = j = s.index
            while j > 0 and self._steps[j - 1].open and not self._steps[j - 1].provisional:
                j -= 1
            # not a compliance line: what the agent said where it belongs is no evidence that it was said
            gap = [g for g in self._steps[j:k] if not g.step.compliance]
            if not gap:
                continue
            heard = self._said_since(self._steps[j - 1].evidence.get("utterance_id") if j > 0 else None)
            for g, decision in said_between(gap, heard, lambda g, h: self._decide(g.step, h, True, ORDER_MARGIN)):
                if g.open:
                    events.append(self._tick(g, decision.window.utterances[-1], decision))
                    g.evidence["in_order"] = True
            for h in heard:
                h.settle()
        return events

    def _said_since(self, utterance_id: str | None) -> list[Heard]:
        """The agent's finals after the one with ``utterance_id`` (all of them for None), the last one (the
        final being judged) left out; none when that final is no longer kept."""
        # walked from the newest back to that final: a tick costs the finals since it, not a copy of the deque
        since: list[Heard] = []
        for h in islice(reversed(self._said), 1, None):
            if h.lexical[0].utterances[0].id == utterance_id:
                return since[::-1]
            since.append(h)
        return since[::-1] if utterance_id is None else []

    def _customer_said(self, u: Utterance) -> list[Event]:
        events: list[Event] = []
        shown: set[str] = set()
        for intent in self.script.intents:
            trigger = next((t for t in intent.triggers if contains_phrase(u.text, t)), None)
            if trigger is None:
                continue
            self._intents.append({"id": intent.id, "trigger": trigger, "t": u.start_s, "utterance_id": u.id})
            if intent.card:
                card = next((c for c in self.script.cards if c.id == intent.card), None)
                if card is not None:
                    events += self._show_card(card.id, card.title, card.body, trigger, u.start_s, force=True)
                    shown.add(card.id)
            if intent.goto:
                target = next((s for s in self._steps if s.step.id == intent.goto), None)
                if target is not None and target.open:
                    self._focus = intent.goto
                    self._current_since_s = u.end_s
                events.append(self._prompt_event(u.end_s, intent=intent.id))
        for card in self.script.cards:
            if card.id in shown:
                continue
            trigger = next((t for t in card.triggers if contains_phrase(u.text, t)), None)
            if trigger is not None:
                events += self._show_card(card.id, card.title, card.body, trigger, u.start_s)
        return events

    def _show_card(
        self, card_id: str, title: str, body: str, trigger: str, t: float, force: bool = False
    ) -> list[Event]:
        shown = self._card_shown_at.get(card_id)
        if not force and shown is not None and t - shown < _CARD_REPEAT_S:
            return []
        self._card_shown_at[card_id] = t
        payload = {"id": card_id, "title": title, "body": fill(body, self.variables), "trigger": trigger, "t": t}
        self._cards.append(payload)
        return [Event(EventType.ASSIST_CARD, self.call_id, t, {"card": payload})]

    def _timing(self, u: Utterance) -> list[Event]:
        """Alerts from the times of final utterances: silence before this one, overtalk, talk ratio."""
        o = self.options
        events: list[Event] = []
        last = self._last_speech_end_s
        if o.silence_s > 0 and last is not None and u.start_s - last >= o.silence_s:
            events += self._long_silence(last, u.start_s - last)
        if o.overtalk_s > 0:
            other = Channel.CUSTOMER if u.channel is Channel.AGENT else Channel.AGENT
            for start, end in self._recent[other]:
                overlap = min(end, u.end_s) - max(start, u.start_s)
                if overlap < o.overtalk_s:
                    continue
                agent_start = u.start_s if u.channel is Channel.AGENT else start
                customer_start = start if u.channel is Channel.AGENT else u.start_s
                if agent_start > customer_start:  # the agent came in while the customer was talking
                    events.append(
                        self._alert(
                            "overtalk",
                            agent_start,
                            f"agent talked over the customer for {overlap:.1f} s",
                            seconds=round(overlap, 1),
                        )
                    )
                    break
        self._recent[u.channel].append((u.start_s, u.end_s))
        del self._recent[u.channel][:-20]
        self._talk_s[u.channel] += max(0.0, u.end_s - u.start_s)
        self._last_speech_end_s = max(last or 0.0, u.end_s)
        return events

    def _long_silence(self, gap_from: float, seconds: float) -> list[Event]:
        """The one ``long_silence`` alert of the quiet since ``gap_from`` (the end of the last speech).

        Found from the clock while still quiet (``seconds`` is then the threshold) or from the next
        utterance (the whole gap), whichever comes first; the other finds it already alerted.
        """
        if self._silence_alerted_from == gap_from:
            return []
        self._silence_alerted_from = gap_from
        message = f"no one spoke for {seconds:.0f} s"
        return [self._alert("long_silence", gap_from + self.options.silence_s, message, seconds=round(seconds, 1))]

    def _talk_ratio(self, t: float, final: bool) -> list[Event]:
        agent, customer = self._talk_s[Channel.AGENT], self._talk_s[Channel.CUSTOMER]
        total = agent + customer
        if self._ratio_warned or total < _TALK_RATIO_MIN_TALK_S:
            return []
        ratio = agent / total
        o = self.options
        if (o.talk_ratio_max < 1 and ratio > o.talk_ratio_max) or (o.talk_ratio_min > 0 and ratio < o.talk_ratio_min):
            self._ratio_warned = True
            bounds = f"{o.talk_ratio_min:g}..{o.talk_ratio_max:g}"
            return [
                self._alert("talk_ratio", t, f"agent talk share {ratio:.2f} outside {bounds}", ratio=round(ratio, 3))
            ]
        return []

    def _alert(self, kind: str, t: float, message: str, **extra: Any) -> Event:
        alert = {"type": kind, "message": message, "t": round(t, 3), **extra}
        self._alerts.append(alert)
        return Event(EventType.ASSIST_ALERT, self.call_id, t, {"alert": alert})
