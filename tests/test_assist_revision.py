"""A turn decoded again in full (``utterance.revised``) ticks the steps its better text says and the garbled live
final left open; it takes back nothing and raises nothing again (the README's first call on a slower machine:
the live final "It's called recorded for quality and training purpose and i have your name and account. you",
the revision "This call is recorded for quality and training purposes. Can I have your name and account
number")."""

from __future__ import annotations

import dataclasses

from agentassist.assist.parsing import parse_script
from agentassist.assist.tracker import ScriptTracker
from agentassist.events import Channel, EventType, Utterance

SCRIPT = """\
id: desk
version: 1
language: en
steps:
  - id: greet
    say: ["Good morning, this is Northwind Travel, how can I help?"]
  - id: notice
    say: ["This call is recorded for quality and training purposes."]
    compliance: true
  - id: booking
    say: ["Could you tell me your booking reference, please?"]
  - id: close
    say: ["Is there anything else I can help you with today?"]
forbidden: ["guaranteed refund"]
"""


def _said(text: str, start: float, channel: Channel = Channel.AGENT, uid: str = "a1") -> Utterance:
    return Utterance(uid, "c1", channel, start, start + 0.3 * len(text.split()), text)


def _statuses(tracker: ScriptTracker) -> dict[str, str]:
    return {s["id"]: s["status"] for s in tracker.state()["steps"]}


def test_a_revision_ticks_the_steps_its_text_says_that_the_live_final_missed() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT), {}, "c1")
    tracker.on_utterance(_said("Good morning, this is Northwind Travel, how can I help?", 0.0, uid="a1"))
    live = _said("It's cold, recorded for quantity and trade in purpose and your booking ref. you", 5.0, uid="a2")
    tracker.on_utterance(live)
    assert _statuses(tracker)["notice"] == "pending" and _statuses(tracker)["booking"] == "pending"

    revised = dataclasses.replace(
        live,
        text="This call is recorded for quality and training purposes. Could you tell me your booking reference?",
        revised=True,
    )
    events = tracker.on_revision(revised)

    ticked = [e.data["step"] for e in events if e.type is EventType.ASSIST_STEP]
    assert {s["id"] for s in ticked} == {"notice", "booking"}
    assert all(s["evidence"]["revised"] and s["evidence"]["utterance_id"] == "a2" for s in ticked)
    assert _statuses(tracker) == {"greet": "done", "notice": "done", "booking": "done", "close": "pending"}
    assert any(e.type is EventType.ASSIST_PROMPT for e in events)  # the next line: the close


def test_a_revision_takes_nothing_back_and_raises_nothing_again() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT), {}, "c1")
    live = _said("Good morning, this is Northwind Travel, how can I help? A guaranteed refund!", 0.0)
    first = tracker.on_utterance(live)
    assert any(e.type is EventType.ASSIST_ALERT for e in first)  # the forbidden phrase, once

    again = tracker.on_revision(dataclasses.replace(live, text="Good morning. A guaranteed refund.", revised=True))

    assert again == []  # the greeting stays ticked, and the phrase is not alerted twice
    assert _statuses(tracker)["greet"] == "done"


def test_the_customers_revision_ticks_nothing() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT), {}, "c1")
    said = _said("This call is recorded for quality and training purposes.", 2.0, Channel.CUSTOMER, "c1")
    assert tracker.on_revision(dataclasses.replace(said, revised=True)) == []
    assert _statuses(tracker)["notice"] == "pending"
