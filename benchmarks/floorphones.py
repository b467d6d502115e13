"""The phones of the floor benchmark (benchmarks/floor.py): every desk in one asyncio process, each with
its own connection that speaks the wire (benchmarks/wirephone.py builds the messages) and streams its
call as a live phone does: one 20 ms frame a binary message, on the frame's clock.

The simulator shares the machine with the center it measures, so it is built to cost little: one pacing
loop sends every desk's frame of the moment (desks in four groups 5 ms apart, as desks are not in step),
and each connection is a minimal RFC 6455 client on an asyncio stream (benchmarks/rawsocket.py): a frame
is one ``write`` of a header and the payload, masked in C. With ``websockets``' client and one task a desk,
the phones of 100 calls took 0.19 of a core (session 12).

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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from benchmarks.rawsocket import RawSocket
from benchmarks.wirephone import FRAME, audio_message, envelope, open_parameters

PROBE_EVERY = 50  # frames: one delay probe a second a call
CLOSED_TIMEOUT_S = 300.0  # a center far behind transcribes the calls' ends for a long while
GROUPS = 4  # desks send in this many groups, 20 ms / GROUPS apart
OPENING = 20  # desks connecting and opening their calls at once: a floor does not start 400 calls in a second


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
    """``utterance.final`` and ``call.ended`` events of every call, stamped on arrival; every event counted
    by type (what a wall watching the whole floor receives)."""

    finals: list[tuple[str, str, float, float, float]] = field(default_factory=list)  # call, channel, start, end, t
    ended: set[str] = field(default_factory=set)
    events: Counter[str] = field(default_factory=Counter)
    event_bytes: int = 0


class Phone:
    """One desk with one call."""

    def __init__(self, port: int, credential: str, agent: str, pcm: bytes) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {credential}"}
        self.agent = agent
        self.pcm = pcm
        self.frames = len(pcm) // FRAME
        self.figures = CallFigures()
        self.ws: RawSocket | None = None
        self.stream = 0
        self._seq = 0
        self._last = 0
        self._probe: float | None = None  # the send time of the frame whose pong is awaited
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def send(self, kind: str, ident: str = "desk", **params: Any) -> None:
        assert self.ws is not None
        self._seq += 1
        self.ws.send_text(envelope(kind, ident, self._seq, self._last, params))

    def _wait_for(self, kind: str) -> asyncio.Future[dict[str, Any]]:
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[kind] = reply
        return reply

    def _text(self, raw: str) -> None:
        try:
            self._message(raw)
        except Exception as exc:  # the reader goes on (else no pong: the center would cut the phone off)
            self.figures.errors.append({"code": "phone", "message": repr(exc)})

    def _message(self, raw: str) -> None:
        now = time.monotonic()
        f = self.figures
        m = json.loads(raw)
        self._last = m["seq"]
        kind = m["type"]
        if kind == "pong" and self._probe is not None:
            f.delays_s.append(now - self._probe)
            self._probe = None
        elif kind == "ack":
            f.acks += 1
            f.last_ack = max(f.last_ack, m["parameters"]["frame"])
            f.spool_s.append((f.frames - f.last_ack) * 0.02)
        elif kind == "error":
            f.errors.append(m["parameters"])
        reply = self._replies.pop(kind, None)
        if reply is not None and not reply.done():
            reply.set_result(m)

    async def open(self) -> None:
        """Connect, ``hello``, ``open`` the call: ready to stream."""
        self.ws = await RawSocket.connect("127.0.0.1", self.port, "/api/phone", self.headers, self._text)
        welcome = self._wait_for("welcome")
        self.send("hello", software="benchmarks/floor", ringing=[])
        await asyncio.wait_for(welcome, 60)
        opened = self._wait_for("opened")
        f = self.figures
        f.call_id = f"floor-{self.agent}-{int(time.time() * 1000)}"
        self.send("open", f.call_id, **open_parameters(f.call_id, self.agent))
        self.stream = (await asyncio.wait_for(opened, 60))["parameters"]["stream"]

    def frame(self, k: int) -> None:
        """Send frame ``k`` now (and a probe after it, every ``PROBE_EVERY``-th while none is awaited)."""
        assert self.ws is not None
        f = self.figures
        sent = time.monotonic()
        self.ws.send_binary(audio_message(self.stream, k, self.pcm[k * FRAME : (k + 1) * FRAME]))
        f.frames = k + 1
        if self._probe is None and k % PROBE_EVERY == 0:
            self.send("ping")
            self._probe = sent

    async def close(self) -> None:
        """``close`` the call, wait for ``closed``, hang up."""
        assert self.ws is not None
        f = self.figures
        try:
            closed = self._wait_for("closed")
            self.send("close", f.call_id, reason="hangup", frames=f.frames)
            await asyncio.wait_for(closed, CLOSED_TIMEOUT_S)
            f.closed = True
        finally:
            await self.ws.close()


async def stream(phones: list[Phone], start_at: float) -> None:
    """Every phone's frames on the frames' clock, from one loop: group ``g`` sends frame ``k`` at
    ``start_at + k * 0.02 + g * 0.02 / GROUPS``."""
    for i, p in enumerate(phones):
        p.figures.started = start_at + (i % GROUPS) * 0.02 / GROUPS
    frames = max((p.frames for p in phones), default=0)
    groups = [phones[g::GROUPS] for g in range(GROUPS)]
    for k in range(frames):
        for g, group in enumerate(groups):
            due = start_at + k * 0.02 + g * 0.02 / GROUPS
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            for p in group:
                if k < p.frames:
                    p.figures.late_s = max(p.figures.late_s, -wait)
                    p.frame(k)
        if k % 10 == 0:  # a center that reads slower than real time: wait for the sockets to drain
            await asyncio.gather(*(p.ws.drain() for p in phones if p.ws is not None))


async def watch(port: int, token: str, feed: Feed, ready: asyncio.Event) -> None:
    """Follow ``/api/live`` (every call's events) until cancelled."""
    url = f"ws://127.0.0.1:{port}/api/live"
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None) as ws:
        ready.set()
        async for raw in ws:
            now = time.monotonic()
            e = json.loads(raw)
            feed.events[e.get("type", "?")] += 1
            feed.event_bytes += len(raw)
            if e.get("type") == "utterance.final":
                u = e["utterance"]
                feed.finals.append((e["call_id"], u["channel"], u["start"], u["end"], now))
            elif e.get("type") == "call.ended":
                feed.ended.add(e["call_id"])


async def run_floor(
    port: int,
    token: str,
    phones: list[Phone],
    on_start: Callable[[], None],
    on_streamed: Callable[[], None] | None = None,
) -> tuple[list[CallFigures | BaseException], Feed, float, float]:
    """Every phone's call at once, with the feed watched; ``on_start`` is called as the first frame is
    due, ``on_streamed`` once the last frame is sent (before the calls close). The figures, the feed, and
    the monotonic times the first call started and the last ``closed`` came. A phone that fails to
    connect or open is reported as its exception; the others go on."""
    feed = Feed()
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch(port, token, feed, ready))
    await asyncio.wait_for(ready.wait(), 30)
    gate = asyncio.Semaphore(OPENING)

    async def open_one(p: Phone) -> None:
        async with gate:
            await p.open()

    opened = await asyncio.gather(*(open_one(p) for p in phones), return_exceptions=True)
    live = [p for p, o in zip(phones, opened, strict=True) if not isinstance(o, BaseException)]
    start = time.monotonic() + 0.5
    asyncio.get_running_loop().call_later(0.5, on_start)
    await stream(live, start)
    if on_streamed is not None:
        on_streamed()
    closed = dict(zip(live, await asyncio.gather(*(p.close() for p in live), return_exceptions=True), strict=True))
    results: list[CallFigures | BaseException] = []
    for p, o in zip(phones, opened, strict=True):
        why = o if isinstance(o, BaseException) else closed[p]
        results.append(why if isinstance(why, BaseException) else p.figures)
    done = time.monotonic()
    ids = {r.call_id for r in results if isinstance(r, CallFigures)}
    deadline = time.monotonic() + 10
    while not ids <= feed.ended and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await watcher
    return list(results), feed, start, done
