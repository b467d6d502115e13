"""A call's pauses, holds and digits on SQLite and PostgreSQL (agentassist/store/call_details.py): an event
sent again at the media time it was stored at (a phone resends a call's events after a restart or to the
node that takes the call over) is the same event, stored once; a later one is one of its own.
tests/test_wire_restart.py shows the resend over the wire."""

from __future__ import annotations

from datetime import UTC, datetime

from agentassist.store.db import Store
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures


def _store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    store.create_call("c1", "inbound", "sip:c@x", "alice", None, datetime(2026, 12, 5, 9, tzinfo=UTC), "")
    return store


def _details(store: Store) -> tuple[list[tuple[float, float | None]], list[tuple[float, str | None]]]:
    call = store.get_call("c1")
    assert call is not None
    return [(h["start"], h["end"]) for h in call["holds"]], [(d["t"], d["digit"]) for d in call["dtmf"]]


def test_a_span_and_a_digit_sent_again_are_stored_once(database_url: str) -> None:  # noqa: F811
    store = _store(database_url)
    for _ in range(2):  # the call as it first came, then as its phone sends it again from frame 0
        store.open_span("c1", "hold", 2.0, "agent")
        store.add_digit("c1", 3.0, "5", "rfc4733")
        store.close_span("c1", "hold", 3.0)
        store.add_digit("c1", 6.0, "5", "rfc4733")  # the same key later: a digit of its own
    assert _details(store) == ([(2.0, 3.0)], [(3.0, "5"), (6.0, "5")])

    assert store.open_span("c1", "hold", 2.0, "agent") == {"start": 2.0, "end": None, "by": "agent"}  # open again
    assert store.close_span("c1", "hold", 3.0) == {"start": 2.0, "end": 3.0, "by": "agent"}  # where it was
    store.open_span("c1", "hold", 3.02, "agent")  # a frame later: a hold of its own
    store.add_digit("c1", 3.02, "5", "rfc4733")
    store.add_digit("c1", 3.0, "6", "rfc4733")  # another key at the same instant
    assert _details(store) == ([(2.0, 3.0), (3.02, None)], [(3.0, "5"), (3.0, "6"), (3.02, "5"), (6.0, "5")])
    store.engine.dispose()


def test_digits_of_one_burst_are_each_stored_and_sent_again_once(database_url: str) -> None:  # noqa: F811
    """SIP INFO "9731" arrives in one frame: four masked digits ("") at one time, each a digit of its own;
    a later process handed the same four again (a takeover) stores none of them."""
    store = _store(database_url)
    assert [store.add_digit("c1", 4.0, "", "info", known) for known in range(4)] == [True] * 4
    assert [store.add_digit("c1", 4.0, "", "info", known) for known in range(4)] == [False] * 4  # sent again
    assert store.add_digit("c1", 4.0, "", "info", 4) is True  # a fifth of the burst, after the four
    assert _details(store)[1] == [(4.0, None)] * 5
    store.engine.dispose()
