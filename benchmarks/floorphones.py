"""The phones of the floor benchmark (benchmarks/floor.py): one asyncio task per call, each a desk of its
own that speaks the wire (benchmarks/wirephone.py builds the messages) and streams its call as a live
phone does: one 20 ms frame a binary message, on the frame's clock, from one connection per desk.

Besides the audio, each phone measures what the wire lets a phone see:

- the capture-to-pipeline delay: after every ``PROBE_EVERY``-th frame it sends ``ping`` at once; the center
  reads a connection in order and hands each audio message to the call's session (its queue) before it
  reads the next message, so the ``pong`` leaves only after that frame is in the session. The delay is
  ``pong`` arrival minus the frame's send time: an upper bound (it includes the ``pong``'s way back and
  this process's own wait to read it), measured without any change to the center;
- ``ack``: how many came, the last one's frame (every frame, when the call is whole), and how much audio
  the phone would hold in its spool when each came (frames sent but not yet acknowledged).

A feed watcher on ``/api/live`` stamps every ``utterance.final`` with its arrival time: final latency is
computed from those as benchmarks.load computes it (the prompt's true end to its final).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.wirephone import FRAME, audio_message, envelope, open_parameters

PROBE_EVERY = 50  # frames: one delay probe a second a call
CLOSED_TIMEOUT_S = 300.0  # a center far behind transcribes the calls' ends for a long while


@dataclass
class CallFigures:
    """What one phone saw of its call."""

    call_id: str = ""
    frames: int = 0  # frames sent
    started: float = 0.0  # monotonic time frame 0 was sent
    late_s: float = 0.0  # the most a frame went out behind its clock (this process too busy)
    delays_s: list[float] = field(default_factory=list)  # capture-to-pipeline probes
    acks: int = 0
    last_ack: int = 0
    spool_s: list[float] = field(default_factory=list)  # audio sent and not yet acknowledged, at each ack
    errors: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False


@dataclass
class Feed:
    """``utterance.final`` and ``call.ended`` events of every call, stamped on arrival."""

    finals: list[tuple[str, str, float, float, float]] = field(default_factory=list)  # call, channel, start, end, t
    ended: set[str] = field(default_factory=set)


class Phone:
    """One desk with one call."""

    def __init__(self, port: int, credential: str, agent: str, pcm: bytes) -> None:
        self.url = f"ws://127.0.0.1:{port}/api/phone"
        self.headers = {"Authorization": f"Bearer {credential}"}
        self.agent = agent
        self.pcm = pcm
        self.figures = CallFigures()
        self._seq = 0
        self._last = 0
        self._pongs: asyncio.Queue[float] = asyncio.Queue()
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def send(self, ws: ClientConnection, kind: str, ident: str = "desk", **params: Any) -> None:
        self._seq += 1
        await ws.send(envelope(kind, ident, self._seq, self._last, params))

    def _wait_for(self, kind: str) -> asyncio.Future[dict[str, Any]]:
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[kind] = reply
        return reply

    async def _read(self, ws: ClientConnection) -> None:
        f = self.figures
        async for raw in ws:
            now = time.monotonic()
            m = json.loads(raw)
            self._last = m["seq"]
            kind = m["type"]
            if kind == "pong":
                self._pongs.put_nowait(now)
            elif kind == "ack":
                f.acks += 1
                f.last_ack = max(f.last_ack, m["parameters"]["frame"])
                f.spool_s.append((f.frames - f.last_ack) * 0.02)
            elif kind == "error":
                f.errors.append(m["parameters"])
            reply = self._replies.pop(kind, None)
            if reply is not None and not reply.done():
                reply.set_result(m)

    async def run(self, start_at: float) -> CallFigures:
        f = self.figures
        async with connect(self.url, additional_headers=self.headers, compression=None, open_timeout=60) as ws:
            reader = asyncio.create_task(self._read(ws))
            try:
                welcome = self._wait_for("welcome")
                await self.send(ws, "hello", software="benchmarks/floor", ringing=[])
                await asyncio.wait_for(welcome, 60)
                opened = self._wait_for("opened")
                f.call_id = f"floor-{self.agent}-{int(time.time() * 1000)}"
                await self.send(ws, "open", f.call_id, **open_parameters(f.call_id, self.agent))
                stream = (await asyncio.wait_for(opened, 60))["parameters"]["stream"]
                await self._stream(ws, stream, start_at)
                closed = self._wait_for("closed")
                await self.send(ws, "close", f.call_id, reason="hangup", frames=f.frames)
                await asyncio.wait_for(closed, CLOSED_TIMEOUT_S)
                f.closed = True
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        return f

    async def _stream(self, ws: ClientConnection, stream: int, start_at: float) -> None:
        f = self.figures
        frames = len(self.pcm) // FRAME
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        f.started = start_at
        probe: tuple[int, float] | None = None  # the frame whose pong is awaited, and its send time
        for k in range(frames):
            due = start_at + k * 0.02
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                f.late_s = max(f.late_s, -wait)
            sent = time.monotonic()
            await ws.send(audio_message(stream, k, self.pcm[k * FRAME : (k + 1) * FRAME]))
            f.frames = k + 1
            if probe is not None and not self._pongs.empty():
                f.delays_s.append(self._pongs.get_nowait() - probe[1])
                probe = None
            if probe is None and k % PROBE_EVERY == 0:
                await self.send(ws, "ping")
                probe = (k, sent)


async def watch(port: int, token: str, feed: Feed, ready: asyncio.Event) -> None:
    """Follow ``/api/live`` (every call's events) until cancelled."""
    url = f"ws://127.0.0.1:{port}/api/live"
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None) as ws:
        ready.set()
        async for raw in ws:
            now = time.monotonic()
            e = json.loads(raw)
            if e.get("type") == "utterance.final":
                u = e["utterance"]
                feed.finals.append((e["call_id"], u["channel"], u["start"], u["end"], now))
            elif e.get("type") == "call.ended":
                feed.ended.add(e["call_id"])


async def run_floor(
    port: int, token: str, phones: list[Phone], on_start: Callable[[], None], stagger_s: float = 0.02
) -> tuple[list[CallFigures | BaseException], Feed, float, float]:
    """Every phone's call at once (starts spread over ``stagger_s``, as desks are not in step), with the
    feed watched; ``on_start`` is called as the first frame is due. The figures, the feed, and the
    monotonic times the first call started and the last ``closed`` came."""
    feed = Feed()
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch(port, token, feed, ready))
    await asyncio.wait_for(ready.wait(), 30)
    start = time.monotonic() + 2.0 + 0.01 * len(phones)  # every connection opened before the first frame
    asyncio.get_running_loop().call_later(start - time.monotonic(), on_start)
    n = max(1, len(phones))
    results = await asyncio.gather(
        *(p.run(start + i * stagger_s / n) for i, p in enumerate(phones)), return_exceptions=True
    )
    done = time.monotonic()
    ids = {r.call_id for r in results if isinstance(r, CallFigures)}
    deadline = time.monotonic() + 10
    while not ids <= feed.ended and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await watcher
    return list(results), feed, start, done
