"""GET /api/wall/agents and /api/wall/kpis through the app's lifespan (TestClient) on a real SQLite
database, and the derivation of an agent's state from what the server knows (pure, every state)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.wallagents import DeskView, LiveCall, agent_state
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Event, EventType
from agentassist.store.db import Store
from agentassist.store.floor import RecentCall
from agentassist.store.recordings import RecordingStore

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _recent(call_id: str, status: str, ended_ago_s: float | None = None, disposition: str | None = None) -> RecentCall:
    ended = NOW - timedelta(seconds=ended_ago_s) if ended_ago_s is not None else None
    return RecentCall(call_id, "ann", status, "inbound", NOW - timedelta(minutes=5), ended, disposition)


def _state(live: list[LiveCall], desk: DeskView, recent: list[RecentCall]) -> dict[str, Any]:
    return agent_state("ann", ["red"], live, desk, recent, NOW, 300.0)


def test_each_state_from_what_the_server_knows() -> None:
    up, down = DeskView(True), DeskView(False)
    talking = LiveCall("c1", "ann", NOW - timedelta(seconds=40), False, 2)
    held = LiveCall("c2", "ann", NOW - timedelta(seconds=90), True, 0)
    ringing = DeskView(True, (("r1", NOW - timedelta(seconds=3)),))

    s = _state([held, talking], down, [])  # a call lives though its phone is away
    assert (s["state"], s["call_id"], s["calls"], s["alerts"]) == ("in_call", "c1", ["c2", "c1"], 2)
    assert _state([held], up, [])["state"] == "on_hold"
    assert _state([], up, [_recent("c3", "active")])["state"] == "in_call"  # its tile not seeded yet
    s = _state([], ringing, [_recent("old", "ended", 10)])
    assert (s["state"], s["call_id"], s["ringing"]) == ("ringing", "r1", 1)
    assert _state([], up, [_recent("out", "ringing")])["call_id"] == "out"  # dialled, not answered yet
    assert _state([], down, [_recent("c4", "ended", 10)])["state"] == "offline"
    s = _state([], up, [_recent("c4", "ended", 10)])
    assert (s["state"], s["call_id"], s["since"]) == ("wrap_up", "c4", "2026-12-05T09:59:50Z")
    assert _state([], up, [_recent("c4", "ended", 10, disposition="sale")])["state"] == "idle"
    assert _state([], up, [_recent("c4", "ended", 400)])["state"] == "idle"  # past the wrap-up window
    assert _state([], up, [])["state"] == "idle"
    assert _state([talking], ringing, [])["ringing"] == 1  # a second call ringing: still in the call


@pytest.fixture
def floor(tmp_path: Path) -> Iterator[tuple[TestClient, Store, EventBus, dict[str, str]]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        "tom": store.add_user("tom", "team_leader", teams=["red"]),
        "sue": store.add_user("sue", "supervisor", all_teams=True),
        "ann": store.add_user("ann", "agent", teams=["red"]),
        "ben": store.add_user("ben", "agent", teams=["red"]),
        "cat": store.add_user("cat", "agent", teams=["red", "green"]),
        "dan": store.add_user("dan", "agent", teams=["blue"]),
    }
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path)}})
    bus = EventBus()
    app = create_app(settings, store, bus, RecordingStore(tmp_path / "rec"))
    with TestClient(app) as client:
        yield client, store, bus, tokens


def _call(store: Store, call_id: str, agent: str, started: datetime, length_s: float | None, **more: Any) -> None:
    store.create_call(call_id, "inbound", "sip:c@x", agent, None, started, "")
    if length_s is not None:
        store.end_call(call_id, started + timedelta(seconds=length_s), more.get("status", "ended"))
    if "adherence" in more:
        alerts = [{"type": "long_silence"}] * more.get("alerts", 0)
        store.save_adherence(call_id, {"score": more["adherence"], "alerts": alerts})


def _until(client: TestClient, headers: dict[str, str], name: str, state: str, alerts: int = 0) -> dict[str, Any]:
    for _ in range(100):  # the wall reads the call's row once, in a worker thread
        agent = next(a for a in client.get("/api/wall/agents", headers=headers).json()["agents"] if a["name"] == name)
        if agent["state"] == state and agent["alerts"] == alerts:
            return dict(agent)
        time.sleep(0.05)
    raise AssertionError(f"{name}: expected {state}, got {agent}")


def test_agents_and_kpis_in_the_viewers_scope(floor: tuple[TestClient, Store, EventBus, dict[str, str]]) -> None:
    client, store, bus, tokens = floor
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    morning = max(midnight, now - timedelta(hours=3))
    _call(store, "a1", "ann", morning, 100, adherence=0.5, alerts=2)
    _call(store, "a2", "ann", morning + timedelta(minutes=1), 300, adherence=1.0)
    _call(store, "b1", "ben", morning, 20, status="failed")
    _call(store, "c1", "cat", now - timedelta(seconds=30), None, adherence=0.0, alerts=1)  # active
    _call(store, "d1", "dan", morning, 60, adherence=0.25, alerts=5)  # blue: not tom's
    _call(store, "y1", "ann", midnight - timedelta(hours=2), 999)  # yesterday (and outside the wrap-up)
    store.create_call("o1", "outbound", "sip:o@x", "ben", None, now, "", status="ringing")

    tom = {"Authorization": f"Bearer {tokens['tom']}"}
    r = client.get("/api/wall/agents", headers=tom)
    assert r.status_code == 200, r.text
    agents = {a["name"]: a for a in r.json()["agents"]}
    assert list(agents) == ["ann", "ben", "cat"]  # team red, by name; dan is blue
    assert agents["cat"]["teams"] == ["green", "red"]
    assert {n: a["state"] for n, a in agents.items()} == {"ann": "offline", "ben": "ringing", "cat": "in_call"}
    assert agents["cat"]["calls"] == ["c1"] and agents["ben"]["call_id"] == "o1"
    bus.publish(Event(EventType.CALL_HELD, "c1", 5.0, {"by": "agent"}))  # the wall's tile has it held
    assert _until(client, tom, "cat", "on_hold")["call_id"] == "c1"
    bus.publish(Event(EventType.CALL_UNHELD, "c1", 9.0, {"by": "agent"}))
    _until(client, tom, "cat", "in_call")
    # a live call's alerts are the wall's count (its stored one dates from its last final utterance)
    bus.publish(Event(EventType.ASSIST_ALERT, "c1", 12.0, {"alert": {"type": "long_silence", "message": "12 s"}}))
    _until(client, tom, "cat", "in_call", alerts=1)
    assert not any(a["desk"] for a in agents.values())  # this app carries no calls: no desk anywhere

    day = {"from": midnight.isoformat()}
    kpis = client.get("/api/wall/kpis", headers=tom, params=day).json()
    assert kpis == {
        "from": midnight.isoformat().replace("+00:00", "Z"),
        "team": None,
        "calls": 3,  # a1, a2, c1: answered; b1 failed, o1 ringing, d1 another team's
        "active": 1,
        "handled": 2,
        "failed": 1,
        "aht_s": 200.0,
        "adherence_mean": 0.75,
        "alerts": 3,  # a1's two stored, c1's one live; c1's stored one is not counted twice
    }
    sue = {"Authorization": f"Bearer {tokens['sue']}"}
    assert [a["name"] for a in client.get("/api/wall/agents", headers=sue).json()["agents"]] == [
        "ann",
        "ben",
        "cat",
        "dan",
    ]
    every = client.get("/api/wall/kpis", headers=sue, params=day).json()
    assert (every["calls"], every["aht_s"], every["adherence_mean"], every["alerts"]) == (4, 153.3, 0.5833, 8)
    green = client.get("/api/wall/kpis", headers=sue, params={**day, "team": "green"}).json()
    assert [green[k] for k in ("team", "calls", "handled", "aht_s", "alerts")] == ["green", 1, 0, None, 1]
    assert client.get("/api/wall/kpis", headers=tom, params={**day, "team": "blue"}).json()["calls"] == 0

    ann = {"Authorization": f"Bearer {tokens['ann']}"}
    for route in ("/api/wall/agents", "/api/wall/kpis"):
        r = client.get(route, headers=ann)
        assert r.status_code == 403 and "team_leader" in r.json()["detail"], r.text
