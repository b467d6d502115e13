"""The cost of the bus per live event: in-process ([bus] url = "") against NATS between two nodes.

Two NatsBus instances in this process stand for nodes A and B on one nats-server (Debian's package,
started here on a free loopback port). A thread publishes utterance events on A, as the pipeline
does; a subscriber on B takes them. Burst: ``--events`` as fast as they come, CPU seconds of this
process (both nodes) and of nats-server per event. Paced: ``--rate`` events a second for 4 s,
the delay from publish on A to receipt on B (p50, p95, p99). Last line: JSON.

    python -m benchmarks.bus [--events 20000] [--rate 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from agentassist.bus import EventBus, make_bus
from agentassist.events import Event, EventType
from benchmarks.common import machine
from benchmarks.ports import free_port

TEXT = "I would like to change the delivery address of my last order, the one placed on Monday, please. " * 2


def _event(n: int) -> Event:
    utterance = {"id": f"u{n}", "channel": "customer", "text": TEXT, "start": n * 1.0, "end": n + 0.9}
    return Event(EventType.UTTERANCE_FINAL, "c0ffee0123456789", float(n), {"utterance": utterance, "sent": 0.0})


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _burst(a: EventBus, b: EventBus, events: int, server_pid: int | None) -> dict[str, float]:
    sub = b.subscribe(maxsize=events + 10)
    cpu, server_cpu, started = time.process_time(), _cpu_s(server_pid) if server_pid else 0.0, time.monotonic()

    def pipeline() -> None:
        for n in range(events):
            a.publish(_event(n))

    thread = threading.Thread(target=pipeline)
    thread.start()
    for _ in range(events):
        await sub.get()
    thread.join()
    wall_s, cpu_s = time.monotonic() - started, time.process_time() - cpu
    sub.close()
    out = {"events_per_s": round(events / wall_s), "cpu_us_per_event": round(cpu_s / events * 1e6, 1)}
    if server_pid:
        out["nats_server_cpu_us_per_event"] = round((_cpu_s(server_pid) - server_cpu) / events * 1e6, 1)
    return out


async def _paced(a: EventBus, b: EventBus, rate: int) -> dict[str, float]:
    sub, delays = b.subscribe(maxsize=100_000), list[float]()
    total = rate * 4

    def pace() -> None:
        start = time.monotonic()
        for n in range(total):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            event = _event(n)
            event.data["sent"] = time.monotonic()
            a.publish(event)

    thread = threading.Thread(target=pace)
    thread.start()
    for _ in range(total):
        item = await sub.get()
        delays.append((time.monotonic() - item["sent"]) * 1000)
    thread.join()
    sub.close()
    q = statistics.quantiles(delays, n=100)
    return {"p50_ms": round(q[49], 3), "p95_ms": round(q[94], 3), "p99_ms": round(q[98], 3)}


async def _measure(url: str, events: int, rate: int, server_pid: int | None) -> dict[str, Any]:
    a = make_bus(url)
    b = a if not url else make_bus(url)  # in-process: one node, publisher and subscriber on one bus
    loop = asyncio.get_running_loop()
    for bus in {id(a): a, id(b): b}.values():
        bus.bind(loop)
    try:
        deadline = time.monotonic() + 10
        while url and not (a.metrics()["agentassist_bus_connected"] and b.metrics()["agentassist_bus_connected"]):
            assert time.monotonic() < deadline, f"NATS at {url} not reached in 10 s"
            await asyncio.sleep(0.05)
        await _burst(a, b, 1000, None)  # warm-up
        return {"burst": await _burst(a, b, events, server_pid), "paced": {"rate": rate, **await _paced(a, b, rate)}}
    finally:
        await a.aclose()
        await b.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "event_bytes": len(json.dumps(_event(0).to_json()))}
    results["in_process"] = asyncio.run(_measure("", args.events, args.rate, None))
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
        try:
            time.sleep(0.5)
            results["nats"] = asyncio.run(_measure(f"nats://127.0.0.1:{port}", args.events, args.rate, server.pid))
        finally:
            server.terminate()
            server.wait(5)
    for name in ("in_process", "nats"):
        print(f"{name:10s} {results[name]}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
