"""A card read group by group reads [CARD] wherever it is masked, and its security code [CVV], whatever order
the finals and their turn's revisions come in (issue 19). Each case replays into the real call records
(CallRecords: the redaction, a real SQLite store, a feed) what tiny.en made of tests/test_redact_call.py's
call (espeak-ng: "My card number is 4 5 3 9 | 1 4 8 8 | 0 3 4 3 | 6 4 6 7. The security code is 7 3 7.
Thank you."), in the order it came in five runs here and in the orders it could have come in.

The finals misheard the first group ("453,000"), so read as they came the card was not whole and its last
group was taken for a code; the turn's revision heard the card whole. Read with only the finals, or with
only some of the turn's revised lines, the label of a card's group may be a code's: a real code must never
be labelled a card (PCI DSS 3.3.1: the originals kept for supervisors would show it), so a code's label is
changed only where the card is made whole by the detector's reading (an issued length, Luhn-valid)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentassist.events import EventType, Utterance
from agentassist.privacy.kinds import Rules
from agentassist.privacy.utterances import CallRedaction
from tests.test_redact_leaks import _records, _said

CARD = "4539148803436467"

_FINALS = _said("""
F c1 0.00 4.90 My card number is 453,000
F c2 5.44 7.94 1, 4, 8, 8
F c3 8.54 11.32 0 3 4 3
""")
_LAST_GROUP = _said("F c4 11.90 15.00 6, 4, 6, 7")


def _code(code: str) -> list[Utterance]:
    return _said(f"""
F c5 15.66 18.46 The security code is...
F c6 18.62 20.56 {code}
F c7 21.34 22.82 Thank you.
""")


# As it came in every run here: the turn revised after the call's last words, the card whole in one line
# that took the words of the group before it and of the last group's (whose own final was not revised).
_REVISED_WHOLE = _said("""
R c1 0.00 2.48 My card number is
R c2 5.44 7.94
R c3 2.48 14.34 4539148803436467
""")
# The turn's first three lines revised with the first group heard right, before or after the last group's
# final; the last group's line revised on its own later.
_REVISED_GROUPS = _said("""
R c1 0.00 5.00 My card number is 4 5 3 9
R c2 5.00 8.00 1 4 8 8
R c3 8.00 11.30 0 3 4 3
""")
_REVISED_LAST = _said("R c4 11.30 15.00 6 4 6 7")


def _orders(code: str) -> dict[str, list[Utterance]]:
    said = _code(code)
    return {
        "whole, after the call's last words": [*_FINALS, *_LAST_GROUP, *said, *_REVISED_WHOLE],
        "whole, before the code": [*_FINALS, *_LAST_GROUP, *_REVISED_WHOLE, *said],
        "groups, before the last group's final": [*_FINALS, *_REVISED_GROUPS, *_LAST_GROUP, *said],
        "groups, after the last group's final": [*_FINALS, *_LAST_GROUP, *_REVISED_GROUPS, *said],
        "groups before the last, then it": [*_FINALS, *_REVISED_GROUPS, *_LAST_GROUP, *_REVISED_LAST, *said],
        "two revisions": [*_FINALS, *_REVISED_GROUPS, *_LAST_GROUP, *said, *_REVISED_WHOLE],
    }


ORDERS = list(_orders("737"))


@pytest.mark.parametrize("code", ["737", "343"])  # 343: a code whose digits are a piece of the card's
@pytest.mark.parametrize("order", ORDERS)
def test_a_card_read_in_groups_reads_card_and_its_code_cvv(tmp_path: Path, order: str, code: str) -> None:
    records, store, feed = _records(tmp_path)
    for u in _orders(code)[order]:
        records.on_utterance(u)
    lines = {line["id"]: line["text"] for line in store.transcript("c1")}
    assert not any(c.isdigit() for text in lines.values() for c in text), lines
    assert lines["c4"] == "[CARD]" and lines["c6"] == "[CVV]", lines
    assert not any("[CVV]" in text for key, text in lines.items() if key != "c6"), lines
    # what stays on the feed (the last version of each line) reads as the store does
    sent = [
        e for e in feed.events if getattr(e, "type", None) in (EventType.UTTERANCE_FINAL, EventType.UTTERANCE_REVISED)
    ]
    last = {e.data["utterance"]["id"]: e.data["utterance"]["text"] for e in sent}
    assert {key: last[key] for key in lines} == lines, last
    # the call's list of spans: the card where the card was said (2.4 s to 15 s), the code where it was
    kinds = {(key, r["kind"]) for key, spans in records.redactions.items() for r in spans}
    assert kinds >= {("c4", "card"), ("c6", "cvv")}, records.redactions
    for key, spans in records.redactions.items():
        for r in spans:
            assert r["kind"] == ("cvv" if r["start"] > 15.0 else "card"), (key, r)


@pytest.mark.parametrize("code", ["737", "343"])
@pytest.mark.parametrize("order", ORDERS)
def test_the_code_is_never_kept_as_an_original_the_card_is(order: str, code: str) -> None:
    """A campaign keeping originals for supervisors: the card's groups relabelled card are kept (as a
    card's are), the code never (PCI DSS 3.3.1), whatever the order."""
    call = CallRedaction(Rules.of(original_roles=("supervisor",)))
    originals: dict[str, str | None] = {}
    kinds: dict[str, set[str]] = {}
    for u in _orders(code)[order]:
        for m in call.apply(u):
            if m.utterance.final:
                originals[m.utterance.id] = m.original
                kinds[m.utterance.id] = {r["kind"] for r in m.redactions}
    assert kinds["c6"] == {"cvv"} and originals["c6"] is None, (kinds, originals)
    assert kinds["c4"] == {"card"} and "".join(c for c in originals["c4"] or "" if c.isdigit()) == "6467", originals


# A card's first twelve digits, then a code of four that would make them a card ("6467": the card above's own
# last group): the code's line names it a code, so it stays one, also where a revision heard its digits run on
# from the card's in one line said over the code's time.
_TWELVE = _said("""
F c1 0.00 4.90 My card number is 4 5 3 9
F c2 5.44 7.94 1, 4, 8, 8
F c3 8.54 11.32 0 3 4 3
F c5 15.66 18.46 The security code is 6 4 6 7.
""")
_TWELVE_REVISED = {
    "none": [],
    "line by line": _said("""
R c1 0.00 4.90 My card number is 4539
R c2 5.44 7.94 1488
R c3 8.54 11.32 0343
R c5 15.66 18.46 The security code is 6467.
"""),
    "run on over the code": _said("""
R c1 0.00 2.48 My card number is
R c2 5.44 7.94
R c3 2.48 18.46 4539148803436467
"""),
}


@pytest.mark.parametrize("revised", list(_TWELVE_REVISED))
def test_a_code_that_would_make_the_card_whole_stays_a_code(tmp_path: Path, revised: str) -> None:
    records, store, _ = _records(tmp_path)
    call = CallRedaction(Rules.of(original_roles=("supervisor",)))
    originals: dict[str, str | None] = {}
    for u in [*_TWELVE, *_TWELVE_REVISED[revised]]:
        records.on_utterance(u)
        originals.update((m.utterance.id, m.original) for m in call.apply(u) if m.utterance.final)
    lines = {line["id"]: line["text"] for line in store.transcript("c1")}
    assert "[CVV]" in lines["c5"] and not any(c.isdigit() for text in lines.values() for c in text), lines
    said_then = [r for spans in records.redactions.values() for r in spans if r["end"] > 15.66]
    assert said_then and all(r["kind"] == "cvv" for r in said_then), records.redactions
    kept = "".join(c for o in originals.values() if o for c in o if c.isdigit())
    assert "6467" not in kept, originals
