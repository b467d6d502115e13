"""Free ports on 127.0.0.1 for the servers and peers that tests and benchmarks start, and an ASGI app
served by a real uvicorn on one of them."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _pool(low: int) -> tuple[int, int] | None:
    """The ports this process picks from: 10000 up to just below the ephemeral range, or, under
    pytest-xdist, this worker's own slice of it (``PYTEST_XDIST_WORKER`` "gw3" of
    ``PYTEST_XDIST_WORKER_COUNT``; the programs a test starts inherit both). Workers never pick the
    same port, so a port that a test picked but has not bound yet, or that it frees and binds again
    (a restart on the same port), cannot be taken by another worker in between."""
    if low - 100 <= 12_000:
        return None
    start, stop = 10_000, low - 100
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if worker.startswith("gw") and worker[2:].isdigit() and count > 1:
        size = (stop - start) // count
        start += int(worker[2:]) % count * size
        stop = start + size - 50  # baresip's RTP range reaches 40 ports past the one picked
    return start, stop


_given: set[int] = set()
# ports Chromium refuses to load a page from (its list of restricted ports; the only one in the pool's range):
# a page test given 10080 failed with net::ERR_UNSAFE_PORT
BROWSER_REFUSED = frozenset({10080})


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both).

    Picked below the kernel's ephemeral range: a port that the kernel hands out for port 0 can be
    handed out again, to any outgoing connection (a browser's, an HTTP client's), before the server
    it was picked for binds it; one below that range is only ever taken by someone who asks for it.
    No port is given twice in a process."""
    pool = _pool(_ephemeral_low())
    for _ in range(200):
        if pool is not None:
            port = random.randrange(*pool)
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
        if port in _given or port in BROWSER_REFUSED:
            continue
        try:
            with (
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
            ):
                tcp.bind(("127.0.0.1", port))
                udp.bind(("127.0.0.1", port))
        except OSError:
            continue
        _given.add(port)
        return port
    raise RuntimeError("no free port")


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> bool:
    """A bare ASGI app's lifespan, answered (True: ``scope`` was the lifespan, now over)."""
    if scope["type"] != "lifespan":
        return False
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})
    return True


@contextlib.contextmanager
def served(app: Any, start_timeout_s: float = 20.0, ws: Any = None) -> Iterator[int]:
    """``app`` under a real uvicorn (with its lifespan and WebSockets) on a thread; yields its port.
    ``ws``: uvicorn's WebSocket protocol class (None: `agentassist serve`'s, api/wsflow.py)."""
    import uvicorn

    from agentassist.api.wsflow import QueuedReading

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws=ws or QueuedReading)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(20)
