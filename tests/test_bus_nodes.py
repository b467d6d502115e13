"""Two center nodes on one nats-server ([bus] url): a phone (benchmarks/wirephone.py) streams a call into
node A; node B's /api/live shows the call's events in A's order, a script saved through node B's API
reaches the running call on A, and a nats-server restarted mid-call leaves B's feed recovering by itself.

Both nodes share one SQLite database file, data_dir and scripts_dir: acceptable for this test only, as
the shared database (PostgreSQL) and object store of issue 20 come later; two processes on one SQLite
file is not a deployment. Node B carries no calls (no SIP, no model): it serves the API and the feeds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.ports import free_port
from benchmarks.wirephone import FRAME, WirePhone, add_phone
from tests.conftest import AGENTASSIST, REPO, Server, add_user, voicemail_script, write_config
from tests.natsserver import NatsServer
from tests.test_e2e_call import Feed
from tests.test_wire_restart import _call_audio, _wait

pytestmark = [pytest.mark.slow]


class _Stamped(list[dict[str, Any]]):
    """A feed's events, each with the time it arrived (``_at``, monotonic seconds)."""

    def append(self, item: dict[str, Any]) -> None:
        item["_at"] = time.monotonic()
        super().append(item)


def _extra_delay_ms(feed_a: Feed, feed_b: Feed, call_id: str) -> list[float]:
    """For each of the call's events seen on both nodes, how much later it arrived on B than on A."""
    at_a = {(e["type"], e["t"]): e["_at"] for e in list(feed_a.events) if e.get("call_id") == call_id}
    return [
        (e["_at"] - at_a[(e["type"], e["t"])]) * 1000
        for e in list(feed_b.events)
        if e.get("call_id") == call_id and (e["type"], e["t"]) in at_a
    ]


def _of(feed: Feed, call_id: str) -> list[tuple[str, float]]:
    """The call's events as (type, t), partials left out (a feed may drop them: docs/api.md)."""
    return [
        (e["type"], e["t"])
        for e in list(feed.events)
        if e.get("call_id") == call_id and e["type"] != "utterance.partial"
    ]


def _said(feed: Feed, call_id: str, words: str) -> bool:
    finals = [
        e["utterance"] for e in list(feed.events) if e.get("call_id") == call_id and e["type"] == "utterance.final"
    ]
    return any(words in u["text"].lower() for u in finals)


def _metric(server: Server, name: str) -> float:
    with server.client() as c:
        for line in c.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"{name} not in {server.url}/metrics")


def _nodes(make_server: Any, tmp_path: Path, nats: NatsServer) -> tuple[Server, Server, str]:
    a: Server = make_server(
        sip={"listen": ""}, recorder={"format": "wav"}, assist={"default_script": "vm"}, bus={"url": nats.url}
    )
    (a.root / "scripts" / "vm.yaml").write_text(voicemail_script("vm"))
    add_user(a.config, "alice", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, a.config, "alice", REPO)
    root_b = tmp_path / "node-b"
    root_b.mkdir()
    config_b = write_config(
        root_b,
        free_port(),
        http_port := free_port(),
        sip={"listen": ""},
        transcribe={"enabled": False},
        assist={"scripts_dir": str(a.root / "scripts")},
        server={"data_dir": str(a.root / "data")},
        bus={"url": nats.url},
    )
    b = Server(root_b, config_b, 0, http_port, token=a.token)  # the same database: the same users
    a.start()
    b.start()
    return a, b, credential


def test_a_call_on_node_a_is_live_on_node_b_and_a_script_saved_on_b_reaches_it(
    make_server: Any, tmp_path: Path
) -> None:
    nats = NatsServer(tmp_path)
    nats.start()
    try:
        a, b, credential = _nodes(make_server, tmp_path, nats)
        try:
            _call(a, b, credential, nats)
        finally:
            b.stop()
    finally:
        nats.stop()


def _call(a: Server, b: Server, credential: str, nats: NatsServer) -> None:
    _wait(lambda: _metric(a, "agentassist_bus_connected") and _metric(b, "agentassist_bus_connected"), 20, "connected")
    feed_a, feed_b = (Feed(f"ws://127.0.0.1:{n.http_port}/api/live", n.token) for n in (a, b))
    wall_b = Feed(f"ws://127.0.0.1:{b.http_port}/api/wall", b.token)
    for feed in (feed_a, feed_b, wall_b):
        feed.events = _Stamped()
        feed.start()
        assert feed.ready.wait(10)
    pcm = _call_audio()
    phone = WirePhone(a.http_port, credential, "alice")
    try:
        assert phone.hello()["parameters"] == {"agent": "alice"}
        call_id, stream, _ = phone.open()
        sent = phone.audio(stream, 0, pcm[: 500 * FRAME])  # 10 s: the agent's first line, the customer mid-way

        # (a) the call's events on B, as on A, in A's order
        _wait(lambda: _said(feed_b, call_id, "message"), 120, "the agent's first line on node B")
        time.sleep(1.0)
        before = _of(feed_a, call_id)
        assert before[0][0] == "call.started"
        assert _of(feed_b, call_id) == before
        delays = sorted(_extra_delay_ms(feed_a, feed_b, call_id))
        p95 = delays[int(len(delays) * 0.95) - 1] if len(delays) > 1 else delays[0]
        print(f"node B after node A: {len(delays)} events, p50 {delays[len(delays) // 2]:.1f} ms, p95 {p95:.1f} ms")
        assert p95 <= 200, delays  # issue 20: the wall on another node within 200 ms more (p95)
        assert _metric(b, "agentassist_wall_calls") == 1  # the call has its tile on node B's wall
        assert any(call_id in json.dumps(m) for m in list(wall_b.events)), wall_b.events

        # (b) a script saved through B's API reaches the running call on A
        with b.client() as c:
            text = voicemail_script("vm").replace("Goodbye and thank you.", "Goodbye, and thanks for calling.")
            r = c.put("/api/scripts/vm", content=text, headers={"Content-Type": "text/yaml"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2 and r.json()["applied_to"] == []  # B carries no calls
        with a.client() as c:
            state = _wait(
                lambda: (s := c.get(f"/api/calls/{call_id}/assist").json()).get("version") == 2 and s, 20, "v2 on A"
            )
        assert [v["version"] for v in state["versions"]] == [1, 2]
        _wait(lambda: "assist.script" in {t for t, _ in _of(feed_b, call_id)}, 10, "assist.script on node B")

        # (c) nats-server restarted mid-call: B's feed recovers by itself
        nats.stop()
        time.sleep(1.0)
        nats.start()
        _wait(lambda: _metric(a, "agentassist_bus_reconnects_total") >= 1, 20, "node A reconnected")
        _wait(lambda: _metric(b, "agentassist_bus_reconnects_total") >= 1, 20, "node B reconnected")
        end = phone.audio(stream, sent, pcm[sent * FRAME :])
        assert phone.close_call(call_id, end) == end
    finally:
        phone.close()
    _wait(lambda: "call.ended" in {t for t, _ in _of(feed_b, call_id)}, 120, "call.ended on node B")
    time.sleep(0.5)
    for feed in (feed_a, feed_b, wall_b):
        feed.stop.set()
    on_a, on_b = _of(feed_a, call_id), _of(feed_b, call_id)
    assert on_a[-1][0] == on_b[-1][0] == "call.ended"
    it = iter(on_a)
    assert all(event in it for event in on_b), (on_a, on_b)  # B's events: A's, in A's order
    assert len(on_b) > len(before) + 2  # events after the restart arrived
    assert _metric(a, "agentassist_bus_outbox") == 0
