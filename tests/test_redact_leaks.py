"""Card data said in a call reaches no stored line, no search and no live feed unmasked, whatever order
its finals, their turn's revisions and the partials come in (issue 19). Each case replays into the real
call records (CallRecords: the redaction, a real SQLite store with its search index, a feed) what the
recognizer made of the Russian SIP call (tests/test_redact_sip.py) in a run that leaked: the same texts,
in the order they came, and the orders they could have come in.

The card is 4556 0812 3458 9018, its expiry 12/28, its code 982 (test_redact_sip's)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import permutations
from pathlib import Path

import pytest

from agentassist.events import Channel, Event, EventType, Utterance, Word
from agentassist.failures import CallFailures
from agentassist.pipeline.records import CallRecords
from agentassist.privacy.said import chains, fold, items
from agentassist.store.db import Store
from tests.test_call_details import Feed
from tests.test_redact_sip import _DIGIT_RUN, CARD, CODE, EXPIRY, _numbers_left

C, A = Channel.CUSTOMER, Channel.AGENT


def _records(tmp_path: Path) -> tuple[CallRecords, Store, Feed]:
    store = Store(f"sqlite:///{tmp_path / 'calls.db'}")
    store.migrate()
    store.create_call("c1", "inbound", "sip:c@x", "alice", "", datetime(2026, 12, 6, 1, tzinfo=UTC), "")
    feed = Feed()
    records = CallRecords("c1", store, feed, None, store_dtmf_digits=False)
    records.failures = CallFailures("c1", None, records.publish, lambda: 0.0)
    return records, store, feed


def _u(
    uid: str, text: str, start_s: float, end_s: float, channel: Channel = C, final: bool = True, revised: bool = False
) -> Utterance:
    """An utterance as the transcriber makes one: a final's and a revision's words timed evenly over it (a
    partial has none)."""
    said = text.split()
    step = (end_s - start_s) / max(len(said), 1)
    words = tuple(Word(start_s + n * step, start_s + (n + 1) * step, f" {w}", 0.9) for n, w in enumerate(said))
    return Utterance(uid, "c1", channel, start_s, end_s, text, final, words if final else (), revised=revised)


def _partial(uid: str, text: str, start_s: float, end_s: float, channel: Channel = C) -> Utterance:
    return _u(uid, text, start_s, end_s, channel, final=False)


def _revised(uid: str, text: str, start_s: float, end_s: float, channel: Channel = C) -> Utterance:
    return _u(uid, text, start_s, end_s, channel, revised=True)


def _nowhere(store: Store, feed: Feed) -> None:
    """No number of three digits or more in a stored line, its words, a search or what stays on the feed;
    a partial shows a card's first six digits at most, never its expiry or its code."""
    lines = store.transcript("c1")
    for line in lines:
        for stored in [line["text"], *(w["word"] for w in line["words"])]:
            assert not _numbers_left(stored) and not _DIGIT_RUN.search(stored), [x["text"] for x in lines]
    for q in (CARD[:4], CARD[4:8], CARD[-4:], CODE):
        assert store.list_calls(q=q)[0] == [], q
    sent = [e for e in feed.events if isinstance(e, Event) and "utterance" in e.data]
    last = {e.data["utterance"]["id"]: e for e in sent if e.type is not EventType.UTTERANCE_PARTIAL}
    shown = [(e.type.value, e.data["utterance"]["id"], e.data["utterance"]["text"]) for e in sent]
    for e in sent:
        u = e.data["utterance"]
        if last.get(u["id"]) is e:
            assert not _numbers_left(u["text"]) and not _DIGIT_RUN.search(u["text"]), shown
        elif e.type is EventType.UTTERANCE_PARTIAL:
            digits = ["".join(i.digits for i in c) for c in chains(fold(u["text"]), items(u["text"]))]
            assert all(len(d) <= 6 and CODE not in d and EXPIRY not in d for d in digits), shown


# The live finals lost digits ("3, 4," | "8"): no card in them; the turn's revision heard it whole, over five
# lines, each too short to be masked alone (the last one stored "9 0 1 8" and "0 8 1 2 3" unmasked).
_LOST_DIGITS = [
    _u("c1", "Номикат.", 0.82, 2.12),
    _u("c2", "4, 5, 5, 6.", 2.70, 5.00),
    _u("c3", "0,8,1,2", 5.54, 8.04),
    _u("c4", "3, 4,", 8.50, 10.80),
    _u("c5", "8", 11.34, 12.28),
]
_LOST_DIGITS_REVISED = [
    _revised("c1", "4", 0.82, 3.18),
    _revised("c2", "5 5 6", 3.18, 4.88),
    _revised("c3", "0 8 1 2 3", 4.88, 8.92),
    _revised("c4", "4 5 8", 8.92, 10.66),
    _revised("c5", "9 0 1 8", 10.66, 13.64),
]
_EXPIRY_AND_CODE = [
    _u("c6", "Срок вействия", 15.10, 16.76),
    _partial("c7", "1, 2, 2, 8.", 17.32, 19.64),
    _u("c7", "1, 2, 2, 8.", 17.32, 19.74),
    _u("c8", "Клот омароте", 21.10, 22.50),
    _partial("c9", "9-8-2.", 22.96, 24.94),
    _u("c9", "9-8-2.", 22.96, 25.02),
]


def test_a_card_the_revision_heard_whole_over_lines_too_short_alone_is_masked(tmp_path: Path) -> None:
    records, store, feed = _records(tmp_path)
    for u in [*_LOST_DIGITS, *_LOST_DIGITS_REVISED, *_EXPIRY_AND_CODE]:
        records.on_utterance(u)
    _nowhere(store, feed)
    assert any(r["kind"] == "card" for rs in records.redactions.values() for r in rs), records.redactions


@pytest.mark.parametrize("order", list(permutations(range(5)))[::7])
def test_the_revised_lines_masked_whatever_order_they_come_in(tmp_path: Path, order: tuple[int, ...]) -> None:
    records, store, feed = _records(tmp_path)
    for u in [*_LOST_DIGITS, *(_LOST_DIGITS_REVISED[n] for n in order), *_EXPIRY_AND_CODE]:
        records.on_utterance(u)
    _nowhere(store, feed)


# Session 17's first leak: the whole card over four finals, its cue misheard ("Номикат."). A turn closes
# at a pause of a second: where one between the groups was longer, the first groups' turn was revised
# before the last group came, the revision moving a group's digits into the cue's line.
_WHOLE = [
    _u("c1", "Номикат.", 0.84, 2.12),
    _u("c2", "4 5 5 6", 2.68, 5.00),
    _u("c3", "0, 8, 1, 2,", 5.54, 8.04),
    _u("c4", "3, 4, 5, 8.", 8.50, 10.78),
    _u("c5", "9, 0, 1, 8.", 11.32, 13.86),
]
_WHOLE_REVISED = [
    _revised("c1", "Номер карты 4 5", 0.84, 3.60),
    _revised("c2", "5 6", 3.60, 5.00),
    _revised("c3", "0 8 1 2", 5.54, 8.04),
    _revised("c4", "3 4 5 8", 8.50, 10.78),
]


@pytest.mark.parametrize("revised_after", [2, 3, 4, 5])
def test_a_card_over_four_finals_is_masked_wherever_its_turn_was_revised(tmp_path: Path, revised_after: int) -> None:
    records, store, feed = _records(tmp_path)
    finals = _WHOLE[:revised_after]
    revisions = [r for r in _WHOLE_REVISED if any(f.id == r.id for f in finals)]
    for u in [*finals, *revisions, *_WHOLE[revised_after:], *_EXPIRY_AND_CODE]:
        records.on_utterance(u)
    _nowhere(store, feed)


@pytest.mark.parametrize("agent_between", [False, True])
def test_the_expiry_on_a_partial_is_masked_while_card_data_is_read(tmp_path: Path, agent_between: bool) -> None:
    """Session 17's second leak: the recognizer lost digits ("3, 4," | "9, 0,"), so the card never came
    whole, and a partial showed the expiry "1, 2, 2, 8" before its final; here also before the final of
    the group before it (a final is decoded after the next utterance's first partials at times)."""
    records, store, feed = _records(tmp_path)
    agent = [_u("a1", "Да.", 7.0, 7.3, A), _u("a2", "Так.", 10.9, 11.2, A)] if agent_between else []
    said = [
        _u("c1", "Номер карты.", 0.84, 2.12),
        _u("c2", "4 5 5 6", 2.68, 5.00),
        _u("c3", "0, 8, 1, 2,", 5.54, 8.04),
        _u("c4", "3, 4,", 8.50, 10.20),
        *agent,
        _partial("c6", "1, 2,", 14.0, 15.0),
        _u("c5", "9, 0,", 11.32, 12.90),
        _partial("c6", "1, 2, 2, 8", 14.0, 16.0),
        _u("c6", "1, 2, 2, 8", 14.0, 16.1),
    ]
    for u in said:
        records.on_utterance(u)
    _nowhere(store, feed)


def test_the_agent_reading_the_card_back_on_another_thread_leaves_no_line_unmasked(tmp_path: Path) -> None:
    """The customer's groups come on one pool thread while the agent's read-back, which masks them back,
    comes on the other: however the two interleave, each line's last version, stored and shown, is masked."""
    for attempt in range(5):
        (tmp_path / str(attempt)).mkdir()
        records, store, feed = _records(tmp_path / str(attempt))
        customer = [_u(f"c{n}", " ".join(g), 1.0 + 3 * n, 3.0 + 3 * n) for n, g in enumerate(["4556", "0812", "3458"])]
        agent = [_u("a1", "So that's 4556 0812 3458 9018?", 9.5, 13.0, A)]
        start = threading.Barrier(2)

        def feed_in(records: CallRecords, start: threading.Barrier, said: list[Utterance]) -> None:
            start.wait()
            for u in said:
                records.on_utterance(u)

        threads = [threading.Thread(target=feed_in, args=(records, start, said)) for said in (customer, agent)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _nowhere(store, feed)


def test_a_run_that_leaked_both_ways_replayed_as_it_came(tmp_path: Path) -> None:
    """A run of test_redact_sip[ru] here (shared machine): the live finals lost digits ("3, 4," | "9 0."),
    the revision of the turn heard the card whole over three lines stored unmasked, and the expiry's
    partials ("1, 2, 2, 8.") went out unmasked before its final made the card."""
    records, store, feed = _records(tmp_path)
    for u in [
        _u("c1", "Номикат.", 0.84, 2.10),
        _u("c2", "4 5 5 6", 2.68, 4.94),
        _partial("c3", "0,8,1,2.", 5.54, 8.0),
        _u("c3", "0,8,1,2.", 5.54, 8.04),
        _partial("c4", "3, 4, 5, 8.", 8.50, 10.82),
        _u("c4", "3, 4,", 8.50, 10.78),
        _partial("c5", "9 0. 1. 8.", 11.32, 13.64),
        _u("c5", "9 0.", 11.32, 13.90),
        _partial("c6", "Сок яйст виллы.", 15.16, 16.40),
        _u("c6", "Сок яйцеве", 15.16, 16.84),
        _revised("c3", "0, 8, 1, 2,", 5.06, 7.72),
        _revised("c4", "3, 4, 5, 8,", 7.92, 10.56),
        _revised("c5", "9, 0, 1, 8.", 10.86, 13.72),
        _partial("c7", "1-2", 17.36, 18.60),
        _partial("c7", "1, 2, 2...", 17.36, 18.96),
        _partial("c7", "1, 2, 2, 8.", 17.36, 19.32),
        _u("c7", "1, 2, 2, 8.", 17.36, 19.78),
        _u("c8", "Котома оттеп.", 21.10, 22.48),
        _partial("c9", "9, 8, 2.", 22.94, 24.80),
        _u("c9", "9-8-2.", 22.94, 24.98),
        _revised("c8", "", 21.10, 22.48),
        _revised("c9", "От обороты. 9 8 2", 21.10, 24.72),
    ]:
        records.on_utterance(u)
    _nowhere(store, feed)


def test_the_expiry_after_a_card_heard_whole_only_in_its_revision_is_masked(tmp_path: Path) -> None:
    """Another run here: the card came whole in the finals ("9" its last), and the revision of its turn
    split it anew ("4" | "5 5 6" | "0 8 1 2 3" | "4 5 8" | "9 0 1 8") before the expiry, its cue misheard
    ("Сок яйст верь."), was said: the revised lines read on their own took "4 5 8" for a code, and the
    expiry's partials and final, read after them, went out unmasked."""
    records, store, feed = _records(tmp_path)
    for u in [
        _u("c1", "Номикат.", 0.82, 2.10),
        _u("c2", "4 5 5 6", 2.66, 4.90),
        _partial("c3", "0,8,1,2.", 5.52, 7.82),
        _u("c3", "0,8,1,2.", 5.52, 8.02),
        _u("c4", "3, 4, 5, 8", 8.48, 10.78),
        _partial("c5", "9 0 1", 11.30, 13.26),
        _u("c5", "9", 11.30, 13.84),
        _u("c6", "Сок яйст верь.", 15.10, 16.82),
        _revised("c1", "4", 0.82, 3.14),
        _revised("c2", "5 5 6", 3.14, 4.90),
        _revised("c3", "0 8 1 2 3", 4.90, 8.90),
        _revised("c4", "4 5 8", 8.90, 10.60),
        _revised("c5", "9 0 1 8", 10.60, 13.64),
        _partial("c7", "1, 2.", 17.32, 18.56),
        _partial("c7", "1, 2, 2.", 17.32, 18.92),
        _partial("c7", "1, 2, 2, 8.", 17.32, 19.64),
        _u("c7", "1, 2, 2, 8", 17.32, 19.78),
        _u("c8", "Котома роти.", 21.06, 22.50),
        _partial("c9", "9-8-2.", 22.92, 24.90),
        _u("c9", "9-8-2", 22.92, 25.00),
    ]:
        records.on_utterance(u)
    _nowhere(store, feed)
