"""The meaning rule for a sentence clearly nearest its line (decide.NEAREST), on fixed vectors.

The embedder here returns vectors chosen for each text, so that the cosines the rule reads are exact:
the rule is about how the cosine, the margin and the line's words heard combine, not about what e5
puts where (benchmarks.assist measures that on real sentences).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agentassist.assist.decide import BARE, BARE_MARGIN, NEAREST, NEAREST_MARGIN, Heard, decide
from agentassist.assist.parsing import parse_script
from agentassist.events import Channel, Utterance

SCRIPT = """\
id: party
language: en
steps:
  - id: guests
    say: ["How many guests are coming to the birthday party?"]
  - id: cake
    say: ["Would you like a chocolate cake or a fruit cake?"]
  - id: deposit
    compliance: true
    say: ["How many guests are coming to pay the deposit?"]
"""


class FixedVectors:
    """Unit vectors by text: the heard sentence is (1, 0, 0); each line sits at its given cosine from it."""

    def __init__(self, heard: str, cosines: dict[str, float]) -> None:
        self._vectors: dict[str, list[float]] = {heard: [1.0, 0.0, 0.0]}
        for text, c in cosines.items():
            self._vectors[text] = [c, math.sqrt(1 - c * c), 0.0]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vectors[t] for t in texts]

    def line(self, text: str) -> list[float]:
        return self._vectors[text]


def _decide(step_id: str, heard: str, own: float, rival: float) -> bool:
    script = parse_script(SCRIPT)
    step = script.step(step_id)
    assert step is not None
    line = step.say[0]
    others = tuple(s.say[0] for s in script.steps if s.id != step_id)
    # the rivals share one direction, away from the line's, at cosine ``rival`` from the heard sentence
    vectors = FixedVectors(heard, {line: own})
    for other in others:
        vectors._vectors[other] = [rival, 0.0, math.sqrt(1 - rival * rival)]
    u = Utterance("u1", "c1", Channel.AGENT, 1.0, 3.0, heard)
    decision = decide(step, Heard(u, None, vectors), {}, 0.7, 0.88, 0.5, vectors, others)  # type: ignore[arg-type]
    return decision is not None


PARAPHRASE = "So the birthday do, how big is it going to be?"  # one of the line's four content words


def test_a_sentence_clearly_nearest_its_line_ticks_below_the_combined_rule() -> None:
    assert _decide("guests", PARAPHRASE, NEAREST + 0.005, NEAREST - NEAREST_MARGIN - 0.01)


def test_a_sentence_nearest_its_line_by_too_small_a_margin_does_not_tick() -> None:
    assert not _decide("guests", PARAPHRASE, NEAREST + 0.005, NEAREST - NEAREST_MARGIN + 0.01)


def test_a_sentence_below_the_cosine_does_not_tick_on_its_margin() -> None:
    assert not _decide("guests", PARAPHRASE, NEAREST - 0.01, NEAREST - 0.2)


def test_only_the_lines_opening_heard_is_its_frame_and_does_not_tick() -> None:
    # "How many guests" heard, the rest of the line (what they come to) replaced: the frame alone
    assert not _decide("guests", "How many guests can sit at one table in the garden?", NEAREST + 0.01, 0.7)


def test_a_sentence_sharing_most_of_the_lines_words_needs_the_combined_rule() -> None:
    # sharing many content words is the profile of a sentence in the line's frame about something else
    # ("how many ... birthday" heard: half the line's content words, NEAREST_CONTENT or more)
    heard = "And how many candles on the birthday cake for your son?"
    assert not _decide("guests", heard, NEAREST + 0.005, 0.7)
    assert _decide("guests", heard, 0.94, 0.7)  # sure by meaning, it ticks


def test_a_compliance_line_is_never_ticked_by_its_margin() -> None:
    heard = "So the deposit, is everybody paying it today?"
    assert not _decide("deposit", heard, NEAREST + 0.01, 0.7)


def test_a_sentence_sharing_no_word_with_its_line_ticks_at_the_bare_cosine_on_a_clear_margin() -> None:
    heard = "So what sort of headcount should we expect on the day?"  # none of the line's content words
    assert _decide("guests", heard, BARE + 0.005, BARE - BARE_MARGIN - 0.01)
    assert not _decide("guests", heard, BARE - 0.005, BARE - 0.2)
    assert not _decide("guests", heard, BARE + 0.005, BARE - BARE_MARGIN + 0.01)


def test_a_sentence_sharing_most_of_the_lines_words_in_other_order_ticks_when_clearly_nearest() -> None:
    # the line said in other words and order: no frame of the line with other things in its places
    heard = "For the birthday party, the guests coming, what number roughly?"
    assert _decide("guests", heard, NEAREST + 0.005, 0.7)
    assert not _decide("guests", heard, NEAREST + 0.005, NEAREST - NEAREST_MARGIN + 0.01)


def test_a_sentence_sharing_most_of_the_lines_words_with_a_negation_in_it_needs_the_combined_rule() -> None:
    heard = "For the birthday party, the guests coming, and sorry, the garden is not open that day?"
    assert not _decide("guests", heard, NEAREST + 0.005, 0.7)
