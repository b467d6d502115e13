"""WS /api/wall through a real uvicorn on a real SQLite database, with real WebSocket clients."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served

SCRIPT = """id: wall
version: 1
steps:
  - id: greet
    say: ["Thank you for calling {company}, this is {agent}."]
    mandatory: true
"""


METRICS_TOKEN = "scraper-token"  # what a Prometheus scraper sends for /metrics


@dataclass
class Wall:
    url: str
    bus: EventBus
    store: Store
    tokens: dict[str, str]

    def connect(self, user: str, **kwargs: Any) -> ClientConnection:
        auth = {"Authorization": f"Bearer {self.tokens.get(user, user)}"}
        ws: ClientConnection = connect(f"{self.url}/api/wall", proxy=None, additional_headers=auth, **kwargs)
        return ws

    def start_call(self, call_id: str, agent: str, script_id: str | None = None) -> None:
        self.store.create_call(call_id, "inbound", f"sip:{call_id}@x", agent, script_id, datetime.now(UTC), "")
        self.bus.publish(Event(EventType.CALL_STARTED, call_id, 0.0, {"call": {"id": call_id}}))


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[Wall]:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "wall.yaml").write_text(SCRIPT)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        "sue": store.add_user("sue", "supervisor", all_teams=True),
        "tom": store.add_user("tom", "team_leader", teams=["red"]),
        "alice": store.add_user("alice", "agent", teams=["red"]),
        "bob": store.add_user("bob", "agent", teams=["blue"]),
    }
    bus = EventBus()
    settings = Settings.model_validate(
        {
            "assist": {"scripts_dir": str(tmp_path / "scripts"), "company": "Acme"},
            "server": {"metrics_token": METRICS_TOKEN},
        }
    )
    app = create_app(settings, store, bus, RecordingStore(tmp_path / "rec"))
    with served(app) as port:
        yield Wall(f"ws://127.0.0.1:{port}", bus, store, tokens)


def _recv(ws: ClientConnection, timeout_s: float = 10) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout_s))
    return message


def _until(ws: ClientConnection, kind: str, call_id: str | None = None) -> dict[str, Any]:
    while True:
        m = _recv(ws)
        if m["type"] == kind and (call_id is None or m.get("call_id") == call_id):
            return m


def _closed(ws: ClientConnection) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(10)
    return closed.value


def test_snapshot_then_updates_in_each_users_scope(wall: Wall) -> None:
    wall.start_call("c-alice", "alice", "wall")
    wall.bus.publish(utterance_event(Utterance("u1", "c-alice", Channel.AGENT, 0.5, 1.5, "thank you for calling")))
    with wall.connect("sue") as sue:
        m = _recv(sue)
        assert m["type"] == "wall.snapshot" and m["lines"] == 6
        tile = m["calls"][0] if m["calls"] else _until(sue, "wall.call", "c-alice")["call"]
        assert (tile["call_id"], tile["agent"], tile["remote"], tile["direction"]) == (
            "c-alice",
            "alice",
            "sip:c-alice@x",
            "inbound",
        )
        assert tile["step"] == {"id": "greet", "prompt": "Thank you for calling Acme, this is alice."}
        assert tile["duration_s"] >= 0 and tile["alerts"] == []
        if not tile["lines"]:  # the utterance may have come after the tile
            assert _until(sue, "utterance.final")["utterance"]["text"] == "thank you for calling"
        else:
            assert tile["lines"][0]["text"] == "thank you for calling"

        with wall.connect("tom") as tom:  # team leader of red: alice's calls only
            snap = _recv(tom)
            assert [c["call_id"] for c in snap["calls"]] == ["c-alice"]
            wall.start_call("c-bob", "bob")
            assert _until(sue, "wall.call", "c-bob")["call"]["agent"] == "bob"
            wall.bus.publish(utterance_event(Utterance("u2", "c-bob", Channel.CUSTOMER, 1, 2, "hi", final=False)))
            alert = {"type": "long_silence", "message": "no one spoke for 12 s", "t": 14.0}
            wall.bus.publish(Event(EventType.ASSIST_ALERT, "c-alice", 14.0, {"alert": alert}))
            assert _until(sue, "utterance.partial")["utterance"] == {
                "id": "u2",
                "channel": "customer",
                "start": 1,
                "end": 2,
                "text": "hi",
            }
            assert _until(sue, "assist.alert")["alert"] == alert
            got = _recv(tom)  # bob's call and its partial never reach tom: the alert is next
            assert (got["type"], got["call_id"]) == ("assist.alert", "c-alice")
            wall.bus.publish(Event(EventType.CALL_ENDED, "c-alice", 20.0, {"reason": "hangup"}))
            assert _recv(tom)["type"] == "call.ended"
            wall.start_call("c-alice-2", "alice")  # a new call in tom's team comes to him as a tile
            assert _recv(tom)["call"]["call_id"] == "c-alice-2"
        with wall.connect("sue") as again:  # a new client's snapshot: alice's first call has ended
            snap = _recv(again)
            assert [c["call_id"] for c in snap["calls"]] == ["c-bob", "c-alice-2"]
            assert snap["calls"][0]["lines"] == [
                {"id": "u2", "channel": "customer", "start": 1, "end": 2, "text": "hi", "final": False}
            ]


def test_agents_and_bad_tokens_are_refused(wall: Wall) -> None:
    with wall.connect("alice") as ws:
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 4403 and "supervisor" in closed.rcvd.reason
    with wall.connect("not-a-token") as ws:
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 4401


def test_a_client_that_stops_reading_is_closed_while_the_others_keep_up(wall: Wall) -> None:
    """A client that reads nothing (a fixed 256 kB receive buffer) while 800 finals of 20 kB go out: the other
    client has them all before the slow one reads a byte; the slow one is then closed with 4408."""
    wall.start_call("c1", "alice")
    small = socket.create_connection(("127.0.0.1", int(wall.url.rsplit(":", 1)[1])))
    small.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)  # no autotuning up to 32 MB
    with (
        wall.connect("sue", compression=None) as fast,
        wall.connect("sue", sock=small, compression=None, max_queue=1) as slow,
    ):
        _recv(slow)  # its snapshot
        tile = _recv(fast)
        if not tile["calls"]:
            _until(fast, "wall.call", "c1")
        texts = [os.urandom(10_000).hex() for _ in range(8)]  # incompressible

        def publish() -> None:  # at a pace a reading client keeps up with: 125 a second
            for i in range(800):
                u = Utterance(f"u{i}", "c1", Channel.AGENT, i, i + 1, f"{i} {texts[i % 8]}")
                wall.bus.publish(utterance_event(u))
                if i % 5 == 4:
                    time.sleep(0.04)

        publisher = threading.Thread(target=publish)
        publisher.start()
        got = [int(_until(fast, "utterance.final")["utterance"]["text"].split()[0]) for _ in range(800)]
        publisher.join()
        assert got == list(range(800))
        closed = _closed(slow)  # now it reads: what fitted in the buffers, then the close
        assert closed.rcvd is not None and closed.rcvd.code == 4408, closed
        assert "too slow" in closed.rcvd.reason and "fresh snapshot" in closed.rcvd.reason
    with wall.connect("sue") as after:  # the wall goes on
        assert [c["call_id"] for c in _recv(after)["calls"]] == ["c1"]
    metrics_url = wall.url.replace("ws://", "http://") + "/metrics"
    metrics = httpx.get(metrics_url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert "agentassist_wall_slow_disconnects_total 1\n" in metrics
    assert "agentassist_wall_partials_dropped_total" in metrics
