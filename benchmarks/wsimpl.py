"""What a phone's audio message costs the center's event loop, by uvicorn WebSocket protocol and by how the
app reads it: N connections each send a 1,290-byte binary message every 20 ms (a phone's frame on the wire,
docs/wire-protocol.md) to a server in its own process, whose CPU (from /proc) per message is the figure.

    python -m benchmarks.wsimpl --calls 64 --seconds 20 --repeat 2

Protocols (uvicorn ``ws=``): ``queued`` (api/wsflow.py, what ``agentassist serve`` runs), ``websockets-sansio``
(uvicorn's own), ``websockets`` (uvicorn's legacy protocol on the ``websockets`` library) and ``wsproto`` when
that package is installed (it is not a dependency: reported as missing otherwise). Apps: ``starlette`` (a
FastAPI WebSocket route reading ``WebSocket.receive()``, as /api/phone does) and ``asgi`` (a bare ASGI app
awaiting ``receive`` itself). Each message's handling is the same small step in both (its stream number read).
The variants run interleaved, ``--repeat`` times each, on one client process (benchmarks/rawsocket.py, one
pacing loop): on a shared machine compare within a run. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from typing import Any

from fastapi import FastAPI, WebSocket

from benchmarks.common import REPO, machine, percentile
from benchmarks.ports import free_port, lifespan
from benchmarks.rawsocket import RawSocket
from benchmarks.sip_load import Process

MESSAGE = bytes(10) + bytes(1280)  # the wire's header and one 20 ms stereo frame
GROUPS = 4
PROTOCOLS = ("queued", "websockets-sansio", "websockets", "wsproto")
APPS = ("starlette", "asgi")


def _take(m: dict[str, Any], count: int) -> tuple[int, bool]:
    """A message taken: the count with it, and whether it asks for the count (a text message)."""
    data = m.get("bytes")
    if data is None:
        return count, True
    return count + int.from_bytes(data[:2], "big") + 1, False  # the stream number read, as /api/phone does


def make_app(kind: str) -> Any:
    """The server's app: it counts messages and, to a text message, answers how many came."""
    if kind == "asgi":

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if await lifespan(scope, receive, send):
                return
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            count = 0
            while (m := await receive())["type"] != "websocket.disconnect":
                count, asked = _take(m, count)
                if asked:
                    await send({"type": "websocket.send", "text": str(count)})

        return app
    api = FastAPI()

    @api.websocket("/api/phone")
    async def phone(ws: WebSocket) -> None:
        await ws.accept()
        count = 0
        while (m := await ws.receive())["type"] != "websocket.disconnect":
            count, asked = _take(m, count)
            if asked:
                await ws.send_text(str(count))

    return api


def serve(protocol: str, app: str, port: int) -> None:
    import uvicorn

    from agentassist.api.wsflow import QueuedReading

    warnings.simplefilter("ignore", DeprecationWarning)  # uvicorn's on its legacy protocol: measured all the same
    ws: Any = QueuedReading if protocol == "queued" else protocol
    uvicorn.run(make_app(app), host="127.0.0.1", port=port, log_level="warning", ws=ws, ws_max_size=1 << 20)


async def clients(port: int, calls: int, seconds: float) -> tuple[int, int, float]:
    """Every connection's messages on the frames' clock; the messages sent, those the server counted, and
    the most a frame went out late."""
    counted: list[int] = []
    answers: list[asyncio.Future[None]] = []

    def on_text(text: str) -> None:
        counted.append(int(text))
        answers.pop(0).set_result(None)

    socks = [await RawSocket.connect("127.0.0.1", port, "/api/phone", {}, on_text) for _ in range(calls)]
    groups = [socks[g::GROUPS] for g in range(GROUPS)]
    start, late, sent = time.monotonic() + 0.2, 0.0, 0
    for k in range(int(seconds * 50)):
        for g, group in enumerate(groups):
            wait = start + k * 0.02 + g * 0.02 / GROUPS - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            late = max(late, -wait)
            for s in group:
                s.send_binary(MESSAGE)
                sent += 1
        if k % 10 == 0:
            await asyncio.gather(*(s.drain() for s in socks))
    loop = asyncio.get_running_loop()
    for s in socks:
        answers.append(loop.create_future())
        waiting = answers[-1]
        s.send_text("count")
        await asyncio.wait_for(waiting, 60)
    for s in socks:
        await s.close()
    return sent, sum(counted), late


def one(protocol: str, app: str, calls: int, seconds: float) -> dict[str, Any]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.wsimpl", "--serve", protocol, app, str(port)]
    proc = subprocess.Popen(command, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while True:  # up when it accepts a connection
            try:
                asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"the {protocol}/{app} server did not start") from None
                time.sleep(0.1)
        server = Process(proc.pid)
        before = server.cpu_s()
        t0 = time.monotonic()
        sent, counted, late = asyncio.run(clients(port, calls, seconds))
        cpu_s = server.cpu_s() - before
        wall = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "protocol": protocol,
        "app": app,
        "messages": sent,
        "received": counted,
        "server_cpu_s": round(cpu_s, 3),
        "us_per_message": round(cpu_s / max(sent, 1) * 1e6, 2),
        "server_cores": round(cpu_s / wall, 3),
        "client_late_max_s": round(late, 3),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=64)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--protocols", default=",".join(PROTOCOLS))
    p.add_argument("--apps", default=",".join(APPS))
    p.add_argument("--serve", nargs=3, metavar=("PROTOCOL", "APP", "PORT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0
    protocols = [x for x in args.protocols.split(",") if x]
    missing = [x for x in protocols if x == "wsproto" and importlib.util.find_spec("wsproto") is None]
    variants = [(pr, ap) for pr in protocols if pr not in missing for ap in args.apps.split(",") if ap]
    runs = [one(pr, ap, args.calls, args.seconds) for _ in range(args.repeat) for pr, ap in variants]
    for r in runs:
        print(json.dumps(r), file=sys.stderr)
    by_variant = {}
    for pr, ap in variants:
        us = [r["us_per_message"] for r in runs if (r["protocol"], r["app"]) == (pr, ap)]
        lost = sum(r["messages"] - r["received"] for r in runs if (r["protocol"], r["app"]) == (pr, ap))
        by_variant[f"{pr}/{ap}"] = {"us_per_message": us, "median": round(percentile(us, 50), 2), "lost": lost}
    summary = {"calls": args.calls, "seconds": args.seconds, "repeat": args.repeat, "variants": by_variant}
    summary["missing"] = missing
    summary["machine"] = machine()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
