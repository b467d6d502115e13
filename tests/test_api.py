"""The HTTP API through the app's real lifespan (TestClient) on a real SQLite database and WAV file."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.deps import NullRuntime
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Event, EventType, Utterance, Word
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore


class FakeRuntime(NullRuntime):
    """Obeys the Runtime protocol (carries no calls but dials): becomes healthy when told to."""

    def __init__(self) -> None:
        super().__init__(Settings())
        self.ready = False
        self.dialed: list[str] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> dict[str, bool]:
        return {"model": self.ready, "sip": self.ready}

    def dial(self, uri: str, prompt: str | None = None, agent: str | None = None) -> str:
        self.dialed.append(uri)
        return "new-call"

    def hangup(self, call_id: str) -> None:
        pass

    def metrics(self) -> dict[str, float]:
        return {"agentassist_model_loaded": float(self.ready)}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "rec")
    bus = EventBus()
    runtime = FakeRuntime()
    tokens = {
        name: store.add_user(name, role, all_teams=role == "supervisor")
        for name, role in [("alice", "agent"), ("bob", "agent"), ("sue", "supervisor")]
    }  # sue sees every team's calls (all_teams), so the phone's too
    t0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for i, (call_id, agent) in enumerate([("c-alice", "alice"), ("c-bob", "bob")]):
        store.create_call(
            call_id, "inbound", "sip:cust@x", agent, "s1", t0 + timedelta(minutes=i), str(recordings.path_for(call_id))
        )
        store.end_call(call_id, t0 + timedelta(minutes=i, seconds=30))
    path = recordings.path_for("c-alice")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.arange(32000, dtype="<i2") % 1000).tobytes())
    words = (Word(1.0, 1.4, "hello", 0.9), Word(1.5, 1.9, "there", 0.8))
    store.add_utterance(
        "c-alice", Utterance("u1", "c-alice", Channel.AGENT, 1.0, 1.9, "hello there", words=words, confidence=0.85)
    )
    store.add_utterance("c-alice", Utterance("u2", "c-alice", Channel.CUSTOMER, 2.5, 3.0, "how much is it"))
    store.save_adherence("c-alice", {"script_id": "s1", "version": 1, "score": 0.5, "steps": [], "alerts": []})
    app = create_app(Settings(server={"metrics_token": "scraper-token"}), store, bus, recordings, runtime)  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield {
            "client": client,
            "tokens": tokens,
            "runtime": runtime,
            "bus": bus,
            "store": store,
            "size": path.stat().st_size,
        }


def _h(env: dict[str, Any], user: str = "sue") -> dict[str, str]:
    return {"Authorization": f"Bearer {env['tokens'][user]}"}


def test_tokens_are_required(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.get("/api/calls")
    assert r.status_code == 401 and "missing token" in r.json()["detail"]
    assert c.get("/api/calls", headers={"Authorization": "Bearer nope"}).status_code == 401
    env["store"].delete_user("sue")
    assert c.get("/api/calls", headers=_h(env)).status_code == 401  # a deleted user's token


def test_list_and_get_calls_with_scope(env: dict[str, Any]) -> None:
    c = env["client"]
    items = c.get("/api/calls", headers=_h(env)).json()["items"]
    assert [i["id"] for i in items] == ["c-bob", "c-alice"]
    assert items[1]["duration_s"] == 30.0 and items[1]["started_at"] == "2026-11-01T09:00:00Z"
    page = c.get("/api/calls?limit=1", headers=_h(env)).json()
    assert len(page["items"]) == 1 and page["next"]
    rest = c.get(f"/api/calls?limit=1&cursor={page['next']}", headers=_h(env)).json()
    assert [i["id"] for i in rest["items"]] == ["c-alice"] and rest["next"] is None
    assert [i["id"] for i in c.get("/api/calls?q=HOW%20MUCH", headers=_h(env)).json()["items"]] == ["c-alice"]
    assert [i["id"] for i in c.get("/api/calls?min_adherence=0.4", headers=_h(env)).json()["items"]] == ["c-alice"]
    # an agent sees only their own calls
    assert [i["id"] for i in c.get("/api/calls", headers=_h(env, "bob")).json()["items"]] == ["c-bob"]
    assert c.get("/api/calls/c-alice", headers=_h(env, "bob")).status_code == 403
    assert c.get("/api/calls/c-alice/recording", headers=_h(env, "bob")).status_code == 403
    r = c.get("/api/calls/none", headers=_h(env))
    assert r.status_code == 404 and "'none'" in r.json()["detail"]
    assert c.get("/api/calls?limit=0", headers=_h(env)).status_code == 422
    assert c.get("/api/calls?cursor=garbage", headers=_h(env)).status_code == 422


def test_recording_ranges(env: dict[str, Any]) -> None:
    c, size = env["client"], env["size"]
    url = "/api/calls/c-alice/recording"
    full = c.get(url, headers=_h(env))
    assert full.status_code == 200 and len(full.content) == size
    assert full.headers["accept-ranges"] == "bytes" and full.headers["etag"]
    part = c.get(url, headers={**_h(env), "Range": "bytes=44-143"})
    assert part.status_code == 206 and part.content == full.content[44:144]
    assert part.headers["content-range"] == f"bytes 44-143/{size}"
    tail = c.get(url, headers={**_h(env), "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == full.content[-10:]
    out = c.get(url, headers={**_h(env), "Range": f"bytes={size}-{size + 5}"})
    assert out.status_code == 416 and out.headers["content-range"] == f"bytes */{size}"
    same = c.get(url, headers={**_h(env), "If-None-Match": full.headers["etag"]})
    assert same.status_code == 304
    token_in_url = c.get(f"{url}?token={env['tokens']['sue']}", headers={"Range": "bytes=0-3"})
    assert token_in_url.status_code == 401 and "no longer accepted" in token_in_url.json()["detail"]
    signed = c.post(f"{url}/link", headers=_h(env)).json()["url"]
    part = c.get(signed, headers={"Range": "bytes=0-3"})  # an <audio src>: no header, a Range
    assert part.status_code == 206 and part.content == b"RIFF"
    assert c.get("/api/calls/c-bob/recording", headers=_h(env)).status_code == 404  # no file


def test_transcript_formats_and_adherence(env: dict[str, Any]) -> None:
    c = env["client"]
    body = c.get("/api/calls/c-alice/transcript", headers=_h(env)).json()
    assert [(u["channel"], u["text"]) for u in body["utterances"]] == [
        ("agent", "hello there"),
        ("customer", "how much is it"),
    ]
    assert body["utterances"][0]["words"][0] == {"start": 1.0, "end": 1.4, "word": "hello", "probability": 0.9}
    vtt = c.get("/api/calls/c-alice/transcript?format=vtt", headers=_h(env))
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT") and "00:00:01.000 --> 00:00:01.900\nagent: hello there" in vtt.text
    srt = c.get("/api/calls/c-alice/transcript?format=srt", headers=_h(env)).text
    assert srt.startswith("1\n00:00:01,000 --> 00:00:01,900\nagent: hello there")
    assert c.get("/api/calls/c-alice/adherence", headers=_h(env)).json()["score"] == 0.5
    assert c.get("/api/calls/c-bob/adherence", headers=_h(env)).status_code == 404


def test_healthz_waits_for_the_runtime(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.get("/healthz")
    assert r.status_code == 503 and "model" in r.json()["detail"]
    env["runtime"].ready = True
    assert c.get("/healthz").status_code == 200
    assert c.get("/metrics").status_code == 401  # a scraper sends [server] metrics_token
    assert "agentassist_model_loaded 1" in c.get("/metrics", headers={"Authorization": "Bearer scraper-token"}).text


def test_place_call_validates_the_uri(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.post("/api/calls", json={"uri": "not a uri"}, headers=_h(env))
    assert r.status_code == 422 and "uri" in r.json()["detail"]
    r = c.post("/api/calls", json={"uri": "sip:100@127.0.0.1"}, headers=_h(env))
    assert r.status_code == 201 and r.json() == {"id": "new-call"}


def test_live_feed_delivers_events_and_checks_tokens(env: dict[str, Any]) -> None:
    c = env["client"]
    with c.websocket_connect("/api/live", headers=_h(env)) as ws:
        env["bus"].publish(Event(EventType.CALL_STARTED, "c9", 0.0, {"call": {"id": "c9"}}))
        assert ws.receive_json() == {"type": "call.started", "call_id": "c9", "t": 0.0, "call": {"id": "c9"}}
    with c.websocket_connect("/api/live", headers={"Authorization": "Bearer bad"}) as ws:
        with pytest.raises(Exception) as closed:
            ws.receive_json()
        assert getattr(closed.value, "code", None) == 4401
    with c.websocket_connect("/api/calls/c-alice/live", headers=_h(env, "bob")) as ws:
        with pytest.raises(Exception) as closed:
            ws.receive_json()
        assert getattr(closed.value, "code", None) == 4403


def test_page_is_served(env: dict[str, Any]) -> None:
    c = env["client"]
    page = c.get("/")
    assert page.status_code == 200 and "agentassist" in page.text and "/static/calls.js" in page.text
    assert c.get("/static/calls.js").status_code == 200


def test_bus_drops_partials_first_when_a_client_is_slow() -> None:
    import asyncio

    async def run() -> tuple[list[str], int]:
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        sub = bus.subscribe(maxsize=3)
        bus.publish(Event(EventType.UTTERANCE_FINAL, "c", 1.0))
        bus.publish(Event(EventType.UTTERANCE_PARTIAL, "c", 2.0))
        bus.publish(Event(EventType.ASSIST_STEP, "c", 3.0))
        bus.publish(Event(EventType.CALL_ENDED, "c", 4.0))  # full: the partial goes
        got = [(await sub.get())["type"] for _ in range(3)]
        return got, sub.dropped

    got, dropped = asyncio.run(run())
    assert got == ["utterance.final", "assist.step", "call.ended"] and dropped == 1
