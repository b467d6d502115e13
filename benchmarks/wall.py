"""The supervisor wall under load: per-event delivery delay from the bus to many WebSocket clients.

    python -m benchmarks.wall --clients 200 --calls 10 [--seconds 30] [--record]

A child process runs the real API (uvicorn, WS /api/wall, SQLite) with a synthetic source that
publishes on its EventBus what the pipeline would for ``--calls`` active calls: partial
utterances, finals, prompts and now and then an alert. Each event carries the wall-clock time it
was published (first word of its text). This process connects ``--clients`` supervisors, waits
for every snapshot, starts the source, and measures publish -> receive for every event on every
client. No SIP, no model. Last line: {"clients", "calls", "delay_p50_ms", "delay_p99_ms",
"events", ...}; target: delay_p99_ms < 100.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from benchmarks.common import machine, percentile, record
from benchmarks.ports import free_port

WORDS = ["thank", "you", "for", "calling", "this", "call", "is", "recorded", "for", "quality", "and", "training"]
WARMUP_S = 2.0


# ---- the server side (child process) ----------------------------------------------------------------


def serve(db_url: str, port: int, calls: int, seconds: float, partials_per_s: float, final_every_s: float) -> int:
    import uvicorn

    from agentassist.api.app import create_app
    from agentassist.bus import EventBus
    from agentassist.config import Settings
    from agentassist.store.db import Store
    from agentassist.store.recordings import RecordingStore

    store = Store(db_url)
    bus = EventBus()
    with tempfile.TemporaryDirectory() as tmp:
        # every client is one supervisor: past the default cap of sockets per user
        settings = Settings.model_validate({"server": {"max_sockets_per_user": 10_000}})
        app = create_app(settings, store, bus, RecordingStore(Path(tmp)))
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
        )
        ids = [f"call-{i:03d}" for i in range(calls)]

        def source() -> None:
            while not server.started:
                time.sleep(0.05)
            for cid in ids:
                bus.publish(Event(EventType.CALL_STARTED, cid, 0.0, {"call": {"id": cid}}))
            print("ready", flush=True)
            sys.stdin.readline()  # "go": every client has its snapshot
            cpu0 = time.process_time()
            published = synthetic_calls(bus.publish, ids, seconds, partials_per_s, final_every_s)
            for cid in ids:
                bus.publish(Event(EventType.CALL_ENDED, cid, seconds, {"reason": "hangup"}))
            time.sleep(1.0)  # the last events go out
            cpu_s = time.process_time() - cpu0
            print(json.dumps({"published": published, "bus_dropped": bus.dropped, "cpu_s": cpu_s}), flush=True)

        threading.Thread(target=source, daemon=True).start()
        server.run()
    return 0


def synthetic_calls(publish: Any, ids: list[str], seconds: float, partials_per_s: float, final_every_s: float) -> int:
    """Every call speaks utterances of ``final_every_s``: a partial every 1/``partials_per_s`` s, then
    the final and a prompt; an alert every 10 s. The calls' ticks are spread evenly over the tick, as
    independent calls' would be. Returns how many timed events went out."""
    tick_s = 1.0 / partials_per_s
    per_utterance = max(1, round(final_every_s * partials_per_s))  # ticks of one utterance; the last is final
    per_alert = max(1, round(10 * partials_per_s))
    t0 = time.monotonic()
    published = 0
    n = 0
    while n * tick_s < seconds:
        for k, cid in enumerate(ids):
            time.sleep(max(0.0, t0 + (n + k / len(ids)) * tick_s - time.monotonic()))
            j = n + k  # the calls' utterances end on different ticks
            index, pos = divmod(j, per_utterance)
            final = pos == per_utterance - 1
            t = n * tick_s
            channel = Channel.AGENT if index % 2 else Channel.CUSTOMER
            text = f"{time.time():.6f} {' '.join(WORDS[: 2 + pos % 10])}"
            publish(utterance_event(Utterance(f"{cid}-u{index}", cid, channel, t, t + tick_s, text, final=final)))
            published += 1
            if final:
                prompt = {"step_id": f"step-{index % 5}", "text": f"{time.time():.6f} say the next line"}
                publish(Event(EventType.ASSIST_PROMPT, cid, t, {"prompt": prompt}))
                published += 1
            if j % per_alert == 0:
                alert = {"type": "long_silence", "message": f"{time.time():.6f} no one spoke", "t": t}
                publish(Event(EventType.ASSIST_ALERT, cid, t, {"alert": alert}))
                published += 1
        n += 1
    return published


# ---- the clients (this process) ---------------------------------------------------------------------


def _sent_at(m: dict[str, Any]) -> float | None:
    kind = m.get("type")
    if kind in ("utterance.partial", "utterance.final"):
        text = m["utterance"]["text"]
    elif kind == "assist.prompt":
        text = m["prompt"]["text"]
    elif kind == "assist.alert":
        text = m["alert"]["message"]
    else:
        return None
    return float(text.split(" ", 1)[0])


class Results:
    def __init__(self) -> None:
        self.delays_ms: list[float] = []
        self.finals_ms: list[float] = []
        self.measure_from = float("inf")
        self.closed: dict[int, int] = {}  # close code -> clients
        self.cpu0 = 0.0
        self.cpu_s = 0.0  # the clients' process, while the source publishes


async def client(url: str, token: str, calls: int, results: Results, snapshots: asyncio.Queue[int]) -> None:
    ended = 0
    auth = {"Authorization": f"Bearer {token}"}
    async with connect(url, max_size=None, compression=None, proxy=None, additional_headers=auth) as ws:
        try:
            async for raw in ws:
                m = json.loads(raw)
                now = time.time()
                if m["type"] == "wall.snapshot":
                    await snapshots.put(len(m["calls"]))
                    continue
                if m["type"] == "call.ended":
                    ended += 1
                    if ended == calls:
                        return
                    continue
                sent = _sent_at(m)
                if sent is not None and sent >= results.measure_from:
                    results.delays_ms.append((now - sent) * 1000)
                    if m["type"] == "utterance.final":
                        results.finals_ms.append((now - sent) * 1000)
        except Exception:
            pass
        if ws.close_code is not None:
            results.closed[ws.close_code] = results.closed.get(ws.close_code, 0) + 1


async def run_clients(args: argparse.Namespace, url: str, token: str, child: subprocess.Popen[str]) -> Results:
    results = Results()
    snapshots: asyncio.Queue[int] = asyncio.Queue()
    tasks = []
    for _ in range(args.clients):  # connected a few at a time: the handshakes do not pile up
        tasks.append(asyncio.create_task(client(url, token, args.calls, results, snapshots)))
        await asyncio.sleep(0.005)
    seen = [await asyncio.wait_for(snapshots.get(), 60) for _ in range(args.clients)]
    if min(seen) < args.calls:
        print(f"warning: a snapshot held {min(seen)} of {args.calls} calls", file=sys.stderr)
    results.measure_from = time.time() + WARMUP_S
    results.cpu0 = time.process_time()
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    await asyncio.wait_for(asyncio.gather(*tasks), args.seconds + 60)
    results.cpu_s = time.process_time() - results.cpu0
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--seconds", type=float, default=30.0, help="how long the source publishes")
    p.add_argument("--partials-per-s", type=float, default=2.0, help="partial utterances per call per second")
    p.add_argument("--final-every-s", type=float, default=3.0, help="a final utterance per call this often")
    p.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    p.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)  # the child: serve on this port
    p.add_argument("--db", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        return serve(args.db, args.serve, args.calls, args.seconds, args.partials_per_s, args.final_every_s)

    from agentassist.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'wall.sqlite'}"
        store = Store(db_url)
        store.migrate()
        token = store.add_user("bench-supervisor", "supervisor", all_teams=True)  # every agent's calls
        now = datetime.now(UTC)
        for i in range(args.calls):
            store.create_call(f"call-{i:03d}", "inbound", f"sip:customer-{i}@bench", f"agent-{i}", None, now, "")
        port = free_port()
        command = [sys.executable, "-m", "benchmarks.wall", "--serve", str(port), "--db", db_url]
        command += ["--calls", str(args.calls), "--seconds", str(args.seconds)]
        command += ["--partials-per-s", str(args.partials_per_s), "--final-every-s", str(args.final_every_s)]
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise SystemExit("the wall server did not start")
            time.sleep(0.5)  # the calls' tiles are seeded from the database
            results = asyncio.run(run_clients(args, f"ws://127.0.0.1:{port}/api/wall", token, child))
            source = json.loads(child.stdout.readline())
        finally:
            child.terminate()
            child.wait(20)

    summary = {
        "clients": args.clients,
        "calls": args.calls,
        "delay_p50_ms": round(percentile(results.delays_ms, 50), 1),
        "delay_p99_ms": round(percentile(results.delays_ms, 99), 1),
        "events": source["published"],
        "deliveries": len(results.delays_ms),
        "delay_max_ms": round(max(results.delays_ms, default=float("nan")), 1),
        "final_delay_p99_ms": round(percentile(results.finals_ms, 99), 1),
        "seconds": args.seconds,
        "partials_per_s": args.partials_per_s,
        "final_every_s": args.final_every_s,
        "closed_early": {str(k): v for k, v in results.closed.items() if k != 1000},
        "server_cpu_s": round(source["cpu_s"], 1),
        "clients_cpu_s": round(results.cpu_s, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "machine": machine(),
    }
    if args.record:
        command_line = (
            f"python -m benchmarks.wall --clients {args.clients} --calls {args.calls} --seconds {args.seconds:g}"
        )
        record("wall — delivery delay to many supervisors", command_line, summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "machine"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
