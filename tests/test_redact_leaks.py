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
from agentassist.privacy.kinds import Rules
from agentassist.privacy.said import chains, fold, items
from agentassist.privacy.utterances import CallRedaction, Masked
from agentassist.store.db import Store
from tests.test_call_details import Feed
from tests.test_redact_sip import _DIGIT_RUN, CARD, CODE, EXPIRY, _numbers_left

C, A = Channel.CUSTOMER, Channel.AGENT
RUNS = Path(__file__).parent / "redact_runs"


def _records(tmp_path: Path) -> tuple[CallRecords, Store, Feed]:
    store = Store(f"sqlite:///{tmp_path / 'calls.db'}")
    store.migrate()
    store.create_call("c1", "inbound", "sip:c@x", "alice", "", datetime(2026, 12, 6, 1, tzinfo=UTC), "")
    feed = Feed()
    records = CallRecords("c1", store, feed, None, store_dtmf_digits=False)
    records.failures = CallFailures("c1", None, records.publish, lambda: 0.0)
    return records, store, feed


def _run(name: str) -> list[Utterance]:
    """What the recognizer made of a run of test_redact_sip[ru] here, as it came (tests/redact_runs)."""
    return _said((RUNS / f"{name}.txt").read_text(encoding="utf-8"))


def _said(script: str) -> list[Utterance]:
    """Utterances written one a line, as they came: ``F`` a final of the customer's, ``P`` a partial, ``R``
    the revision of a final, ``A`` a final of the agent's; its id, start and end, and its text (a final's
    and a revision's words timed evenly over it, as the transcriber times them; a partial has none)."""
    out = []
    for line in script.strip().splitlines():
        kind, uid, start, end, *said = line.split()
        start_s, end_s = float(start), float(end)
        step = (end_s - start_s) / max(len(said), 1)
        words = tuple(Word(start_s + n * step, start_s + (n + 1) * step, f" {w}", 0.9) for n, w in enumerate(said))
        channel, final = (A if kind == "A" else C), kind != "P"
        text = " ".join(said)
        out.append(
            Utterance(uid, "c1", channel, start_s, end_s, text, final, words if final else (), revised=kind == "R")
        )
    return out


def _nowhere(store: Store, feed: Feed) -> None:
    """No number of three digits or more in a stored line, its words, a search or what stays on the feed;
    a partial, or a line a later version masked, shows a card's first six digits at most, never its expiry
    or its code."""
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
        else:  # a partial, or a line before a later one masked it
            digits = ["".join(i.digits for i in c) for c in chains(fold(u["text"]), items(u["text"]))]
            assert all(len(d) <= 6 and CODE not in d and EXPIRY not in d for d in digits), shown


# The live finals lost digits ("3, 4," | "8"): no card in them; the turn's revision heard it whole, over five
# lines, each too short to be masked alone (a run here stored "9 0 1 8" and "0 8 1 2 3" unmasked).
_LOST_DIGITS = _said("""
F c1 0.82 2.12 Номикат.
F c2 2.70 5.00 4, 5, 5, 6.
F c3 5.54 8.04 0,8,1,2
F c4 8.50 10.80 3, 4,
F c5 11.34 12.28 8
""")
_LOST_DIGITS_REVISED = _said("""
R c1 0.82 3.18 4
R c2 3.18 4.88 5 5 6
R c3 4.88 8.92 0 8 1 2 3
R c4 8.92 10.66 4 5 8
R c5 10.66 13.64 9 0 1 8
""")
_EXPIRY_AND_CODE = _said("""
F c6 15.10 16.76 Срок вействия
P c7 17.32 19.64 1, 2, 2, 8.
F c7 17.32 19.74 1, 2, 2, 8.
F c8 21.10 22.50 Клот омароте
P c9 22.96 24.94 9-8-2.
F c9 22.96 25.02 9-8-2.
""")


def _replayed(tmp_path: Path, said: list[Utterance]) -> CallRecords:
    """``said`` handed to a call's records as the channel streams hand it; nothing of the card is left."""
    records, store, feed = _records(tmp_path)
    for u in said:
        records.on_utterance(u)
    _nowhere(store, feed)
    return records


def test_a_card_the_revision_heard_whole_over_lines_too_short_alone_is_masked(tmp_path: Path) -> None:
    records = _replayed(tmp_path, [*_LOST_DIGITS, *_LOST_DIGITS_REVISED, *_EXPIRY_AND_CODE])
    assert any(r["kind"] == "card" for rs in records.redactions.values() for r in rs), records.redactions


@pytest.mark.parametrize("order", list(permutations(range(5)))[::7])
def test_the_revised_lines_masked_whatever_order_they_come_in(tmp_path: Path, order: tuple[int, ...]) -> None:
    _replayed(tmp_path, [*_LOST_DIGITS, *(_LOST_DIGITS_REVISED[n] for n in order), *_EXPIRY_AND_CODE])


# Session 17's first leak: the whole card over four finals, its cue misheard ("Номикат."). A turn closes
# at a pause of a second: where one between the groups was longer, the first groups' turn was revised
# before the last group came (here with a group's digits moved into the cue's line); the agent may
# answer each group.
_WHOLE = _said("""
F c1 0.84 2.12 Номикат.
F c2 2.68 5.00 4 5 5 6
F c3 5.54 8.04 0, 8, 1, 2,
F c4 8.50 10.78 3, 4, 5, 8.
F c5 11.32 13.86 9, 0, 1, 8.
""")
_WHOLE_REVISED = _said("""
R c1 0.84 3.60 Номер карты 4 5
R c2 3.60 5.00 5 6
R c3 5.54 8.04 0 8 1 2
R c4 8.50 10.78 3 4 5 8
""")
_AGENT = _said("""
A a2 5.10 5.40 Да.
A a3 8.10 8.40 Так.
A a4 11.0 11.3 Угу.
A a5 14.0 14.3 Спасибо.
""")


@pytest.mark.parametrize("agent", [False, True])
@pytest.mark.parametrize("revised_after", [2, 3, 4, 5])
def test_a_card_over_four_finals_is_masked_wherever_its_turn_was_revised(
    tmp_path: Path, revised_after: int, agent: bool
) -> None:
    finals = [u for f in _WHOLE for u in [f, *(a for a in _AGENT if agent and a.id == f"a{f.id[1]}")]]
    ended = finals.index(_WHOLE[revised_after - 1]) + 1
    revisions = [r for r in _WHOLE_REVISED if int(r.id[1]) <= revised_after]
    _replayed(tmp_path, [*finals[:ended], *revisions, *finals[ended:], *_EXPIRY_AND_CODE])


@pytest.mark.parametrize("agent_between", [False, True])
def test_the_expiry_on_a_partial_is_masked_while_card_data_is_read(tmp_path: Path, agent_between: bool) -> None:
    """Session 17's second leak: the recognizer lost digits ("3, 4," | "9, 0,"), so the card never came
    whole, and a partial showed the expiry "1, 2, 2, 8" before its final; here also before the final of
    the group before it (a final is decoded after the next utterance's first partials at times)."""
    agent = _said("A a1 7.0 7.3 Да.\nA a2 10.9 11.2 Так.") if agent_between else []
    said = _said("""
F c1 0.84 2.12 Номер карты.
F c2 2.68 5.00 4 5 5 6
F c3 5.54 8.04 0, 8, 1, 2,
F c4 8.50 10.20 3, 4,
""")
    later = _said("""
P c6 14.0 15.0 1, 2,
F c5 11.32 12.90 9, 0,
P c6 14.0 16.0 1, 2, 2, 8
F c6 14.0 16.1 1, 2, 2, 8
""")
    _replayed(tmp_path, [*said, *agent, *later])


def test_the_agent_reading_the_card_back_on_another_thread_leaves_no_line_unmasked(tmp_path: Path) -> None:
    """The customer's groups come on one pool thread while the agent's read-back, which masks them back,
    comes on the other: however the two interleave, each line's last version, stored and shown, is masked."""
    customer = _said("F c1 1.0 3.0 4 5 5 6\nF c2 4.0 6.0 0 8 1 2\nF c3 7.0 9.0 3 4 5 8")
    agent = _said("A a1 9.5 13.0 So that's 4556 0812 3458 9018?")
    for attempt in range(5):
        (tmp_path / str(attempt)).mkdir()
        records, store, feed = _records(tmp_path / str(attempt))
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
    _replayed(
        tmp_path,
        _run("both-ways"),
    )


def test_the_expiry_after_a_card_heard_whole_only_in_its_revision_is_masked(tmp_path: Path) -> None:
    """Another run here: the card came whole in the finals ("9" its last), and the revision of its turn
    split it anew ("4" | "5 5 6" | "0 8 1 2 3" | "4 5 8" | "9 0 1 8") before the expiry, its cue misheard
    ("Сок яйст верь."), was said: the revised lines read on their own took "4 5 8" for a code, and the
    expiry's partials and final, read after them, went out unmasked."""
    _replayed(
        tmp_path,
        _run("split-anew"),
    )


def test_a_revision_after_the_call_ended_is_masked_and_not_remembered() -> None:
    """The call's end waits for its last turns' revisions a while only (pipeline/close.py): one that comes
    after it forgot the call's texts is masked as before, and leaves nothing in the detector's memory."""
    call = CallRedaction()
    for u in _LOST_DIGITS:
        call.apply(u)
    call.forget_texts()
    lines = {m.utterance.id: m.utterance.text for u in _LOST_DIGITS_REVISED for m in call.apply(u)}
    assert all(not _numbers_left(text) for text in lines.values()) and "[CARD]" in "".join(lines.values()), lines
    assert call.remembered_texts() == set()


def test_a_card_begun_in_revised_lines_and_ended_in_a_final_is_masked(tmp_path: Path) -> None:
    """The live finals lost digits of the first groups, their turn's revision heard them (each line too
    short to be masked alone), and the last group came as a final after a long pause: the card is read
    across the revisions and that final."""
    _replayed(
        tmp_path,
        _said("""
F c1 0.84 2.12 Номикат.
F c2 2.68 5.00 4 5 5 6
F c3 5.54 8.04 0, 8,
F c4 8.50 10.78 3, 4,
R c3 5.54 8.04 0 8 1 2
R c4 8.50 10.78 3 4 5 8
F c5 12.32 14.86 9, 0, 1, 8.
"""),
    )


def test_revised_groups_of_a_card_keep_the_kind_their_finals_were_read_as() -> None:
    """A run here: the card masked when its last group came, then its turn's revision split two groups
    anew; read with only some of the turn's revisions in, "0, 8, 1, 2," looked like an expiry and
    "3, 4, 5, 8," like a code. Masked either way, but a supervisor's original loses a code: they are the
    card's, as the finals were read."""
    call = CallRedaction(Rules.of(original_roles=("supervisor",)))
    last: dict[str, Masked] = {}
    for u in _said("""
F c1 0.96 2.26 Номикат.
F c2 2.82 5.30 4, 5, 5, 6
F c3 5.84 8.30 0,8,1,2.
F c4 8.72 11.00 3,
F c5 11.54 14.06 9 0 1 8
R c3 5.28 7.98 0, 8, 1, 2,
R c4 8.24 10.82 3, 4, 5, 8,
"""):
        last.update((m.utterance.id, m) for m in call.apply(u))
    assert {r["kind"] for key in ("c3", "c4") for r in last[key].redactions} == {"card"}, last
    assert last["c4"].original == "3, 4, 5, 8,", last["c4"]


def test_the_expiry_after_a_card_only_its_revision_heard_whole_is_an_expiry(tmp_path: Path) -> None:
    """A run here: the finals lost digits ("4.5.6" | "3," | "9 0"), the turn's revision heard the card
    whole, and the expiry said next went on with the card the finals had left unfinished ([CARD], and
    with no expiry or code masked the call's record listed card numbers only). Read after the revised
    turn, it is the expiry."""
    records = _replayed(
        tmp_path,
        _run("expiry-as-card"),
    )
    assert [r["kind"] for r in records.redactions["c7"]] == ["expiry"], records.redactions


def test_the_expiry_and_code_after_a_card_its_finals_misheard_are_masked(tmp_path: Path) -> None:
    """A run here: a final heard two digits too many ("3, 2, 3, 4, 5, 8"), so the finals made a card of
    the first three groups and the last ("9 0") none; the turn's revision heard the four groups right.
    Read with the finals' spans, the revised groups went on from a card already whole (an expiry, a
    code), the card data was over, and the expiry and the code after it were stored unmasked."""
    _replayed(
        tmp_path,
        _run("closed-early"),
    )


def test_numbers_said_while_an_unfinished_card_is_read_are_masked_in_their_finals(tmp_path: Path) -> None:
    """The finals lost digits of the card and the expiry's cue was misheard ("Ей свет."): read on their
    own the expiry and the code are no card data, and no revision has come yet to show the card whole.
    While card data is being read their finals are masked as they come, not after."""
    _replayed(
        tmp_path,
        _said("""
F c1 0.90 2.10 Номикат.
F c2 2.70 5.00 4 5 5 6
F c3 5.94 8.04 0, 8, 1, 2,
F c4 8.88 10.20 3, 4,
F c5 11.32 12.90 9, 0,
F c6 15.22 15.90 Сок.
F c7 16.14 17.00 Ей свет.
F c8 17.72 19.80 1, 2, 2, 8
F c9 21.20 22.50 Код на обороте.
F c10 23.18 25.00 9, 8, 2.
"""),
    )
