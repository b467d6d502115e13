"""Transcript lines the database refuses while another writer holds its lock (issue 19): the delivery
thread serves every call, so it tries a line once and hands a refused one to the late work, which
writes it when the lock is gone. Real CallSessions sharing one real Delivery thread and one LateWork,
a real SQLite file whose write lock another connection holds (as a long retention sweep, a backup or
another process would)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from agentassist.events import Channel, Event, EventType, Utterance, Word
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.pipeline.late import LateWork
from agentassist.store.db import Store
from agentassist.transcribe.delivery import Delivery

CARD = "4556 0812 3458 9018"


class Feed:
    """A call's feed: the events published, and an event set at each one (read from the test thread)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.came = threading.Condition()

    def publish(self, event: Event) -> None:
        with self.came:
            self.events.append(event)
            self.came.notify_all()

    def wait_for(self, uid: str, kind: EventType, timeout_s: float) -> bool:
        with self.came:
            return self.came.wait_for(
                lambda: any(e.type is kind and e.data["utterance"]["id"] == uid for e in self.events), timeout_s
            )


def _utterance(call_id: str, uid: str, text: str, start_s: float, revised: bool = False) -> Utterance:
    said = text.split()
    words = tuple(Word(start_s + n * 0.3, start_s + (n + 1) * 0.3, f" {w}", 0.9) for n, w in enumerate(said))
    end_s = start_s + 0.3 * len(said)
    return Utterance(uid, call_id, Channel.CUSTOMER, start_s, end_s, text, True, words, revised=revised)


def _session(
    tmp_path: Path, store: Store, call_id: str, work: LateWork, delivery: Delivery
) -> tuple[CallSession, Feed]:
    started = datetime.now(UTC)
    store.create_call(call_id, "inbound", "sip:cust@x", "alice", None, started, "")
    feed = Feed()
    info = SessionInfo(call_id, started, tmp_path / f"{call_id}.wav")
    return CallSession(info, None, store, feed, None, late_work=work, delivery=delivery), feed


def test_lines_refused_under_a_held_lock_wait_for_it_without_stalling_other_calls(tmp_path: Path) -> None:
    """c1's stored line shows a card number the final's detector missed; its revision masks it while
    another connection holds the write lock. The delivery thread goes on to c2's lines (published, and
    held to be written, not lost) and to c1's next final (held behind the revision, in order); once the
    lock is gone the late work writes them all, and no stored line holds the card number."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    work, delivery = LateWork(), Delivery("deliver")
    c1, feed1 = _session(tmp_path, store, "c1", work, delivery)
    c2, feed2 = _session(tmp_path, store, "c2", work, delivery)
    spoken = f"my card is {CARD} thanks"
    store.add_utterance("c1", _utterance("c1", "u1", spoken, 2.0))  # as the final said it, unmasked

    held = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    held.execute("BEGIN IMMEDIATE")  # the write lock, held until released below
    try:
        delivery.put(c1.records.on_utterance, _utterance("c1", "u1", f"my card is {CARD}", 2.0, revised=True))
        delivery.put(c2.records.on_utterance, _utterance("c2", "v1", "hello I would like to pay", 1.0))
        delivery.put(c1.records.on_utterance, _utterance("c1", "u2", "is that all right", 5.0))
        delivery.put(c2.records.on_utterance, _utterance("c2", "v2", f"the number is {CARD}", 4.0))
        # (a) the other call's lines are delivered while the lock is still held: the delivery thread waits
        # for the lock once per call (LINE_LOCK_WAIT_S), not through retries and SQLite's 30 s wait
        assert feed2.wait_for("v2", EventType.UTTERANCE_FINAL, 20.0), "c2's lines stalled behind c1's"
        assert delivery.flush(20.0)
        assert c1.records.unwritten == ["u1", "u2"]  # held in the order they came
        assert c2.records.unwritten == ["v1", "v2"]
        masked = [e.data["utterance"]["text"] for e in feed2.events if e.type is EventType.UTTERANCE_FINAL]
        assert masked == ["hello I would like to pay", "the number is [CARD]"]
        revised = [e for e in feed1.events if e.type is EventType.UTTERANCE_REVISED]
        assert [e.data["utterance"]["text"] for e in revised] == ["my card is [CARD]"]
        assert work.metrics()["agentassist_late_work_pending"] == 2  # one job per call, tried again
        with sqlite3.connect(tmp_path / "db.sqlite") as reader:  # nothing landed yet: the lock is held
            assert reader.execute("SELECT count(*) FROM utterances").fetchone() == (1,)
    finally:
        held.execute("ROLLBACK")
        held.close()
    # (b) the masked lines land once the lock is gone, every one of them
    assert work.wait(30.0)
    assert c1.records.unwritten == [] and c2.records.unwritten == []
    assert [(u["id"], u["text"]) for u in store.transcript("c1")] == [
        ("u1", "my card is [CARD]"),
        ("u2", "is that all right"),
    ]
    assert [(u["id"], u["text"]) for u in store.transcript("c2")] == [
        ("v1", "hello I would like to pay"),
        ("v2", "the number is [CARD]"),
    ]
    assert [r["kind"] for r in store.redactions("c1")] == ["card"]  # the spans held with them
    assert [r["kind"] for r in store.redactions("c2")] == ["card"]
    # (c) nothing unmasked remains in any stored line, its words included
    with sqlite3.connect(tmp_path / "db.sqlite") as reader:
        rows = reader.execute("SELECT text, words FROM utterances").fetchall()
    assert len(rows) == 4 and not [r for r in rows if "4556" in r[0] or "9018" in r[1]]
    for session in (c1, c2):
        session.end()
        session.join(30)


def test_the_late_work_tries_a_refused_line_on_the_call_paths_old_schedule() -> None:
    """A job given delays is tried after each of them, then every ``retry_s``: the late work's tries of
    a refused line are those the delivery thread used to wait through (0.2, 1 and 2 s), not later."""
    work = LateWork(retry_s=0.5)
    tries: list[float] = []
    start = time.monotonic()

    def refused() -> bool:
        tries.append(time.monotonic() - start)
        return len(tries) == 5

    assert work.submit("c1", "a line", refused, delays_s=(0.2, 1.0, 2.0))
    assert work.wait(30.0)
    gaps = [b - a for a, b in zip([0.0, *tries], tries, strict=False)]
    assert len(gaps) == 5
    for gap, planned in zip(gaps, (0.2, 1.0, 2.0, 0.5, 0.5), strict=True):
        assert planned - 0.01 <= gap < planned + 2.0, gaps
