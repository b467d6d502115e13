"""benchmarks.redact's scoring: a card whose digits are all masked shows nothing, whatever the mask's label, and
recall still asks for the right label."""

from collections import Counter

from agentassist.privacy.said import Span
from benchmarks.redact import score

CASE = {
    "id": "t",
    "utterances": ["my card is 4111 1111 1111 1111 and the code is 123"],
    "spans": [
        {"utterance": 0, "kind": "card", "text": "4111 1111 1111 1111"},
        {"utterance": 0, "kind": "cvv", "text": "123"},
    ],
}
CARD = Span("card", 11, 30)
CODE = Span("cvv", 47, 50)


def test_a_card_masked_under_another_label_is_missed_by_recall_and_shows_no_digit() -> None:
    tally: Counter[str] = Counter()
    wrong = score(CASE, [[Span("cvv", 11, 30), CODE]], tally)
    assert (tally["card.recalled"], tally["cvv.recalled"]) == (0, 1)
    assert (tally["left.expected"], tally["left.shown"], tally["left.shown_card"]) == (2, 0, 0)
    assert "missed card: '4111 1111 1111 1111'" in wrong


def test_digits_left_unmasked_are_counted_per_span_and_for_cards_apart() -> None:
    tally: Counter[str] = Counter()
    score(CASE, [[Span("card", 11, 25)]], tally)  # the card's last group and the code left in the text
    assert (tally["left.expected"], tally["left.shown"], tally["left.shown_card"]) == (2, 2, 1)
    tally = Counter()
    score(CASE, [[CARD, CODE]], tally)
    assert (tally["card.recalled"], tally["left.shown"]) == (1, 0)
