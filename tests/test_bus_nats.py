"""The bus between nodes ([bus] url = nats://...) against a real nats-server: two NatsBus instances
are two nodes; a fake runtime (the ScriptTaker interface) stands for a node's calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentassist.assist.script import Script
from agentassist.assist.versions import ScriptVersions
from agentassist.bus import EventBus, make_bus
from agentassist.config import Settings
from agentassist.events import Event, EventType
from tests.conftest import voicemail_script
from tests.natsserver import NatsServer


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _final(call_id: str, n: int) -> Event:
    return Event(EventType.UTTERANCE_FINAL, call_id, float(n), {"text": f"line {n}", "channel": "agent"})


async def _until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.02)


async def _drain(sub: Any, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    return [await asyncio.wait_for(sub.get(), timeout_s) for _ in range(count)]


async def _both_connected(a: Any, b: Any) -> None:
    await _until(
        lambda: bool(a.metrics()["agentassist_bus_connected"] and b.metrics()["agentassist_bus_connected"]),
        10,
        "both connected",
    )


def _nodes(url: str, body: Callable[[Any, Any], Awaitable[None]]) -> None:
    async def main() -> None:
        a, b = make_bus(url), make_bus(url)
        loop = asyncio.get_running_loop()
        a.bind(loop)
        b.bind(loop)
        try:
            await body(a, b)
        finally:
            await a.aclose()
            await b.aclose()

    asyncio.run(main())


def test_events_of_one_node_reach_every_node_in_order_per_call(nats_server: NatsServer) -> None:
    async def body(a: Any, b: Any) -> None:
        await _both_connected(a, b)
        on_a, on_b, one_call_on_b = a.subscribe(), b.subscribe(), b.subscribe("c2")

        def pipeline() -> None:  # a pool thread publishes, as the pipeline does
            for n in range(200):
                a.publish(_final("c1" if n % 2 else "c2", n))

        thread = threading.Thread(target=pipeline)
        thread.start()
        thread.join()
        got_b = await _drain(on_b, 200)
        assert [e["t"] for e in got_b if e["call_id"] == "c1"] == [float(n) for n in range(1, 200, 2)]
        assert [e["t"] for e in got_b if e["call_id"] == "c2"] == [float(n) for n in range(0, 200, 2)]
        assert [e["t"] for e in await _drain(one_call_on_b, 100)] == [float(n) for n in range(0, 200, 2)]
        assert len(await _drain(on_a, 200)) == 200  # this node's own events, directly
        await asyncio.sleep(0.3)
        assert not on_a._items  # none came back from NATS (no_echo)
        assert a.metrics()["agentassist_bus_sent_total"] == 200
        assert b.metrics()["agentassist_bus_received_total"] == 200

    _nodes(nats_server.url, body)


class FakeRuntime:
    """The ScriptTaker interface: the script versions of a node and the calls that follow them."""

    def __init__(self, scripts_dir: Path) -> None:
        self.scripts = ScriptVersions(scripts_dir)
        self.applied: list[Script] = []
        self.scripts.on_change(self.apply_script)

    def apply_script(self, script: Script) -> list[str]:
        self.applied.append(script)
        return ["call-on-this-node"]


def test_a_script_saved_on_one_node_is_applied_on_the_others(nats_server: NatsServer, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    saved_on_a = ScriptVersions(tmp_path / "a")  # nodes with scripts_dir of their own
    script, _ = saved_on_a.save("vm", voicemail_script("vm"), "sue")
    script, _ = saved_on_a.save("vm", voicemail_script("vm").replace("Goodbye and", "Bye and"), "sue")
    text = (tmp_path / "a" / "vm.yaml").read_text()
    runtime_b = FakeRuntime(tmp_path / "b")

    async def body(a: Any, b: Any) -> None:
        b.follow_scripts(runtime_b)
        await _both_connected(a, b)
        a.announce_script("vm", script.version, text)
        await _until(lambda: bool(runtime_b.applied), 10, "the script applied on node B")
        assert b.metrics()["agentassist_bus_scripts_received_total"] == 1

    _nodes(nats_server.url, body)
    assert [(s.id, s.version) for s in runtime_b.applied] == [("vm", 2)]
    assert runtime_b.applied[0].step("goodbye") is not None


def test_nats_restarted_the_outbox_waits_and_the_feed_recovers(nats_server: NatsServer) -> None:
    async def body(a: Any, b: Any) -> None:
        await _both_connected(a, b)
        on_b = b.subscribe()
        a.publish(_final("c1", 0))
        assert (await _drain(on_b, 1))[0]["t"] == 0.0
        await asyncio.to_thread(nats_server.stop)
        await _until(lambda: not a.metrics()["agentassist_bus_connected"], 10, "node A sees NATS gone")
        for n in range(1, 51):
            a.publish(_final("c1", n))  # never waits: into the outbox
        await asyncio.sleep(0.1)
        assert a.metrics()["agentassist_bus_outbox"] == 50
        await asyncio.to_thread(nats_server.start)
        await _until(lambda: a.metrics()["agentassist_bus_outbox"] == 0, 15, "node A's outbox sent after the restart")
        await _until(lambda: b.metrics()["agentassist_bus_connected"] == 1, 15, "node B back")
        assert a.metrics()["agentassist_bus_reconnects_total"] == 1
        # what node B got of the outbox depends on which node was back first (NATS keeps nothing);
        # what is published once both are back arrives, in order
        await asyncio.sleep(0.3)
        a.publish(_final("c1", 99))
        got = [e["t"] for e in await _drain(on_b, 1 + len(on_b._items))]
        assert got[-1] == 99.0 and got == sorted(got)

    _nodes(nats_server.url, body)


def test_the_outbox_is_bounded_and_counts_what_it_drops(tmp_path: Path) -> None:
    url = NatsServer(tmp_path).url  # a port nothing listens on: NATS unreachable from the start

    async def body(a: Any, b: Any) -> None:
        from agentassist.natsbus import OUTBOX_EVENTS

        on_a = a.subscribe(maxsize=OUTBOX_EVENTS + 10)
        for n in range(OUTBOX_EVENTS + 5):
            a.publish(_final("c1", n))
        await _until(lambda: len(on_a._items) == OUTBOX_EVENTS + 5, 10, "local subscribers get every event")
        m = a.metrics()
        assert (m["agentassist_bus_outbox"], m["agentassist_bus_outbox_dropped_total"]) == (OUTBOX_EVENTS, 5)
        assert m["agentassist_bus_connected"] == 0

    _nodes(url, body)


def test_the_bus_setting() -> None:
    assert type(make_bus("")) is EventBus
    assert Settings(bus={"url": "nats://127.0.0.1:4222"}).bus.url == "nats://127.0.0.1:4222"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nats://HOST:PORT"):
        Settings(bus={"url": "redis://127.0.0.1:6379"})  # type: ignore[arg-type]
