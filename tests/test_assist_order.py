"""Steps said in the script's order between two ticks (agentassist/assist/order.py, the tracker's _in_order)."""

from __future__ import annotations

from typing import Any

from agentassist.assist.decide import Decision, Window
from agentassist.assist.matcher import tokens
from agentassist.assist.order import _its_frame, said_between
from agentassist.assist.parsing import parse_script
from agentassist.assist.tracker import ScriptTracker
from agentassist.events import Channel, Utterance


def _decision(text: str, method: str = "meaning", line: str = "") -> Decision:
    return Decision(method, 0.9, Window(text, tokens(text), (), ()), -1, (), {"line": line})


def _judge(says: set[tuple[str, str]]) -> Any:
    """A judge that finds step ``s`` in final ``h`` exactly when (s, h) is in ``says``."""
    return lambda step, heard: _decision(f"{step} in {heard}") if (step, heard) in says else None


def _found(found: list[tuple[str, Decision]]) -> list[tuple[str, str]]:
    return [(step, d.window.text) for step, d in found]


def test_steps_are_found_in_the_scripts_order_only() -> None:
    # "c" is heard before "b": "b" heard after "c" is not in order, and stays open
    found = said_between(["a", "b", "c"], ["h1", "h2", "h3"], _judge({("a", "h1"), ("c", "h2"), ("b", "h3")}))
    assert _found(found) == [("a", "a in h1"), ("c", "c in h2")]


def test_one_final_may_say_two_steps_and_a_step_is_found_once() -> None:
    found = said_between(["a", "b"], ["h1", "h2"], _judge({("a", "h1"), ("b", "h1"), ("a", "h2"), ("b", "h2")}))
    assert _found(found) == [("a", "a in h1"), ("b", "b in h1")]


def test_nothing_heard_or_nothing_said_finds_nothing() -> None:
    assert said_between(["a"], [], _judge({("a", "h1")})) == []
    assert said_between(["a", "b"], ["h1", "h2"], _judge(set())) == []


def test_a_sentence_in_the_lines_frame_about_something_else_is_not_the_line() -> None:
    line = "Proszę podać datę urodzenia w celu weryfikacji."
    assert _its_frame(_decision("Proszę podać nowy numer konta w celu aktualizacji.", line=line))
    assert not _its_frame(_decision("Zanim zajrzę do umowy, kiedy się Pan urodził?", line=line))
    assert not _its_frame(_decision("Proszę podać datę urodzenia.", method="lexical", line=line))
    # the frame's sentence is passed over: the step stays open for a later one in order
    judge = lambda step, heard: _decision(heard, line=line)  # noqa: E731
    assert _found(said_between(["verify"], ["Proszę podać nowy numer konta.", "A kiedy się Pan urodził?"], judge)) == [
        ("verify", "A kiedy się Pan urodził?")
    ]


def test_a_frame_opened_with_a_filler_is_the_lines_frame_too() -> None:
    cases = [
        (
            "Can I take your postcode and the date of the order?",
            "Right, okay, can I take your card's last four digits?",
        ),
        ("Назовите, пожалуйста, номер договора.", "Хорошо. Назовите, пожалуйста, ваш домашний адрес."),
        ("Скажіть, будь ласка, номер замовлення.", "Добре, тож скажіть, будь ласка, вашу адресу доставки."),
        ("Proszę podać numer zamówienia.", "Dobrze, więc proszę podać adres do wysyłki."),
    ]
    for line, sentence in cases:
        assert _its_frame(_decision(sentence, line=line)), sentence
    # a filler and then other words is no frame; nor are fillers past the first three
    assert not _its_frame(_decision("Sure, and what was the date of the order?", line=cases[0][0]))
    assert not _its_frame(_decision("Ну так да хорошо, назовите номер договора.", line=cases[1][0]))
    # a line that opens with a filler is compared after it as well
    assert _its_frame(_decision("Can I take your email?", line="So, can I take your postcode?"))


SCRIPT = """id: returns
version: 1
language: en
steps:
  - id: greet
    say: ["Thanks for calling, you're through to the returns desk."]
    mandatory: true
  - id: parcel
    say: ["I can see the parcel reached our warehouse."]
    mandatory: true{compliance}
  - id: refund
    say: ["Your refund will be on your card within five working days."]
    mandatory: true
"""
HELLO = (Channel.AGENT, "Hi there, this is returns, how can I help?")
JUMPER = (Channel.CUSTOMER, "I sent a jumper back.")
PARCEL = (Channel.AGENT, "Right, your package has arrived at our depot.")  # 0.918, 0.028 nearer than the next line
REFUND = (Channel.AGENT, "Your refund will be on your card within five working days.")


def _steps(said: list[tuple[Channel, str]], compliance: bool = False) -> dict[str, tuple[str, bool]]:
    script = parse_script(SCRIPT.format(compliance="\n    compliance: true" if compliance else ""))
    tracker = ScriptTracker(script, {}, "c1")
    for n, (channel, text) in enumerate(said):
        tracker.on_utterance(Utterance(f"u{n}", "c1", channel, 1.0 + 4 * n, 4.0 + 4 * n, text))
    tracker.finish(4.0 + 4 * len(said))
    return {s["id"]: (s["status"], bool(s["evidence"].get("in_order"))) for s in tracker.report()["steps"]}


def test_a_line_said_in_other_words_between_two_ticks_is_ticked_by_its_place() -> None:
    # alone the sentence is too little nearer its line than the next one's for a tick; the next line said after
    # it puts it in the script's order
    assert _steps([HELLO, JUMPER, PARCEL])["parcel"] == ("missed", False)
    assert _steps([HELLO, JUMPER, PARCEL, REFUND])["parcel"] == ("done", True)


def test_a_line_said_after_the_next_one_or_a_compliance_line_is_not_ticked_by_its_place() -> None:
    assert _steps([HELLO, JUMPER, REFUND, PARCEL])["parcel"] == ("missed", False)
    # a compliance line must be said, not only something where it belongs: left unsure for a person
    assert _steps([HELLO, JUMPER, PARCEL, REFUND], compliance=True)["parcel"] == ("unsure", False)


def test_the_finals_since_a_step_are_those_after_its_final_but_the_last() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT.format(compliance="")), {}, "c1")
    for n, text in enumerate(["Hello.", "I can help with that.", "One moment.", "Still there?"]):
        tracker.on_utterance(Utterance(f"u{n}", "c1", Channel.AGENT, 1.0 + 4 * n, 4.0 + 4 * n, text))

    def ids(heard: list[Any]) -> list[str]:
        return [h.lexical[0].utterances[0].id for h in heard]

    assert ids(tracker._said_since("u0")) == ["u1", "u2"]
    assert ids(tracker._said_since(None)) == ["u0", "u1", "u2"]
    assert tracker._said_since("u2") == []
    assert tracker._said_since("gone") == []  # no longer kept: nothing since it is known


def test_a_new_version_puts_each_step_at_its_new_place() -> None:
    # a step added before the others moves each by one: the gap before the refund is still the parcel alone
    tracker = ScriptTracker(parse_script(SCRIPT.format(compliance="")), {}, "c1")
    added = (
        SCRIPT.format(compliance="")
        .replace("version: 1", "version: 2")
        .replace("steps:\n", 'steps:\n  - id: consent\n    say: ["May I take a few details first?"]\n')
    )
    tracker.replace_script(parse_script(added), 0.5)
    for n, (channel, text) in enumerate([HELLO, JUMPER, PARCEL, REFUND]):
        tracker.on_utterance(Utterance(f"u{n}", "c1", channel, 1.0 + 4 * n, 4.0 + 4 * n, text))
    steps = {s["id"]: s for s in tracker.report()["steps"]}
    assert [s.index for s in tracker._steps] == [0, 1, 2, 3]
    assert steps["parcel"]["status"] == "done" and steps["parcel"]["evidence"].get("in_order")
