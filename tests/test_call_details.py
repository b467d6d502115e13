"""A call's pauses, holds and digits on SQLite and PostgreSQL (agentassist/store/call_details.py), and the
events a phone sends again after a restart or to the node that takes its call over: the call's earlier
run stored them, the new one applies them again and stores each once, by the frame it came at
(agentassist/pipeline/resume.py). Every other event is stored, however alike: digits of one burst share a
frame and a time. tests/test_wire_restart.py and tests/test_nodes_pg.py show the resend over the wire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from agentassist.events import Event, EventType
from agentassist.pause import Digit
from agentassist.pipeline.ports import StoredEvents
from agentassist.pipeline.records import CallRecords
from agentassist.restart import events_of
from agentassist.store.db import Store
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures

F = 0.02  # s: one frame


def _store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    store.create_call("c1", "inbound", "sip:c@x", "alice", None, datetime(2026, 12, 5, 9, tzinfo=UTC), "")
    return store


class Feed:
    """The call's feed (a Publisher): what it was told."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


def _records(store: Store, feed: Feed, stored: StoredEvents | None = None) -> CallRecords:
    return CallRecords("c1", store, feed, None, store_dtmf_digits=False, stored=stored)


Spans = list[tuple[float, float | None]]


def _details(store: Store) -> tuple[Spans, Spans, list[tuple[float, str]]]:
    call = store.get_call("c1")
    assert call is not None
    return (
        [(h["start"], h["end"]) for h in call["holds"]],
        [(p["start"], p["end"]) for p in call["pauses"]],
        [(d["t"], d["method"]) for d in call["dtmf"]],
    )


def _stored(store: Store) -> StoredEvents:
    """What a node that resumes the call reads of its events (agentassist.restart.resumption)."""
    call = store.get_call("c1")
    assert call is not None
    return events_of(call)


# A call's events as its session hands them to the records, each at the frame it came at; frame 200 holds
# a burst: SIP INFO "9731", four masked digits at one time.
Step = Callable[[CallRecords], object]
EVENTS: list[tuple[int, Step]] = [
    (100, lambda r: r.span_on("hold", "agent", 100 * F)),
    (150, lambda r: r.span_off("hold", 150 * F)),
    (150, lambda r: r.digit(Digit(150 * F, "5", "rfc4733"), paused=False)),
    *[(200, lambda r, key=key: r.digit(Digit(200 * F, key, "info"), paused=False)) for key in "9731"],
    (250, lambda r: r.span_on("pause", "agent", 250 * F)),
    (300, lambda r: r.span_off("pause", 300 * F)),
    (350, lambda r: r.digit(Digit(350 * F, "5", "rfc4733"), paused=False)),
]
BURST = [(4.0, "info")] * 4
WHOLE = ([(2.0, 3.0)], [(5.0, 6.0)], [(3.0, "rfc4733"), *BURST, (7.0, "rfc4733")])


def test_each_event_is_stored_and_the_digits_of_a_burst_are_each_a_digit(database_url: str) -> None:  # noqa: F811
    store = _store(database_url)
    feed = Feed()
    records = _records(store, feed)
    for _, step in EVENTS:
        step(records)
    assert _details(store) == WHOLE
    assert store.open_span("c1", "hold", 8.0, "agent") == {"start": 8.0, "end": None, "by": "agent"}
    assert store.open_span("c1", "hold", 9.0, "agent") == {"start": 8.0, "end": None, "by": "agent"}  # the open one
    assert [e.type for e in feed.events].count(EventType.CALL_DTMF) == 6
    store.engine.dispose()


def test_a_resend_after_a_takeover_is_stored_once_by_frame_and_what_comes_after_is_new(
    database_url: str,  # noqa: F811
) -> None:
    """The earlier run took the events up to half the burst at frame 200 and died; the phone sends the
    whole call again from frame 0 to the node that takes it over, then goes on live with two digits of
    one burst at frame 400: the second half of the first burst, the pause after it and both new digits
    are stored and published; nothing the earlier run stored is stored or published again."""
    store = _store(database_url)
    dead = _records(store, Feed())
    for _, step in EVENTS[:5]:  # the hold, its end, a digit, two of the burst's four
        step(dead)
    stored = _stored(store)
    assert stored == StoredEvents(200, {"dtmf::info": 2})

    feed = Feed()
    taker = _records(store, feed, stored)
    for _, step in EVENTS:
        step(taker)
    for key in "12":  # live: a burst of its own, after the resend
        taker.digit(Digit(400 * F, key, "info"), paused=False)
    assert _details(store) == (WHOLE[0], WHOLE[1], [*WHOLE[2], (8.0, "info"), (8.0, "info")])
    published = [(e.type, round(e.t / F)) for e in feed.events]
    assert published == [
        (EventType.CALL_DTMF, 200),
        (EventType.CALL_DTMF, 200),
        (EventType.CALL_PAUSED, 250),
        (EventType.CALL_RESUMED, 300),
        (EventType.CALL_DTMF, 350),
        (EventType.CALL_DTMF, 400),
        (EventType.CALL_DTMF, 400),
    ]
    store.engine.dispose()


def test_a_call_resumed_where_its_earlier_run_stored_everything_stores_nothing_twice(
    database_url: str,  # noqa: F811
) -> None:
    """A center restarted: its phone sends again what the recording lacks, events the earlier run took
    included; a script step's pause is the transcript's, never one sent again, and is stored."""
    store = _store(database_url)
    first = _records(store, Feed())
    for _, step in EVENTS:
        step(first)
    again = _records(store, Feed(), _stored(store))
    for _, step in EVENTS[-3:]:
        step(again)
    again.span_on("pause", "step:card", 320 * F, replayable=False)
    again.span_off("pause", 330 * F, replayable=False)
    assert _details(store) == (WHOLE[0], [(5.0, 6.0), (6.4, 6.6)], WHOLE[2])
    store.engine.dispose()
