"""The bus between center nodes: :class:`NatsBus`, an :class:`~agentassist.bus.EventBus` on NATS (``[bus] url``).

::

    pipeline thread --publish--> loop: local subscribers (as EventBus) + outbox --sender--> NATS
    NATS --agentassist.events.<call_id>--> loop: local subscribers of every other node
    NATS --agentassist.scripts----------> a thread: runtime.apply_script on every other node

Subjects: ``agentassist.events.<call_id>`` carries one live event, the JSON that /api/live sends;
``agentassist.scripts`` carries a saved script version, ``{"id", "version", "yaml"}``.

A node's own events reach its subscribers directly, as in one process, and never come back from
NATS (``no_echo``). Order per call: every event of a call is published by the one node carrying it,
by one sender task over one connection, and NATS delivers one connection's messages on a subject
in order; the receiving subscription handles one message at a time.

Publishing never waits on the network: EventBus hands the event to the loop, where it joins a
bounded outbox (``OUTBOX_EVENTS``; when full the oldest is dropped and counted) that one task
drains into the client. While NATS is away (not reached yet, or a restart) the sender waits and the
outbox holds what comes meanwhile; nats-py reconnects by itself, forever, and the outbox is sent in
order when it is back. What was in flight on the dead connection is lost, uncounted (the client
cannot know it); the subscribers of other nodes miss those events, those of this node miss none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import deque
from typing import Any, Protocol
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import OutboundBufferLimitError, SlowConsumerError

from agentassist.assist.parsing import parse_script
from agentassist.assist.script import Script
from agentassist.assist.versions import ScriptVersions
from agentassist.bus import EventBus
from agentassist.errors import ScriptError

log = logging.getLogger(__name__)

EVENTS = "agentassist.events"
SCRIPTS = "agentassist.scripts"
# 10 000 events: a minute of 40 busy calls (about 4 events a second each) or a 30 s NATS restart under
# a full node; about 3 MB at the measured 300 bytes an event
OUTBOX_EVENTS = 10_000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")  # a subject token: no '.', '*', '>' or white space
_CLOSE_FLUSH_S = 2.0  # at shutdown, the most spent sending what the outbox still holds
_RECONNECT_WAIT_S = 1  # nats-py's default is 2 s; a restarted nats-server is back in well under 1 s here


def subject_for(call_id: str) -> str:
    """``agentassist.events.<call_id>``; an id that is not a plain token is sent hex-encoded."""
    return f"{EVENTS}.{call_id if _TOKEN.fullmatch(call_id) else 'x' + call_id.encode().hex()[:400]}"


class ScriptTaker(Protocol):
    """What applies a script version to the running calls: the runtime (agentassist.api.deps.Runtime)."""

    scripts: ScriptVersions

    def apply_script(self, script: Script) -> list[str]: ...


class NatsBus(EventBus):
    """EventBus whose events, and saved scripts, also travel to every other node on ``url``."""

    def __init__(self, url: str, name: str = "agentassist") -> None:
        super().__init__()
        self.url = url
        self.name = name
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._wake = asyncio.Event()
        self._up = asyncio.Event()  # connected now
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._taker: ScriptTaker | None = None
        self.sent = self.received = self.outbox_dropped = self.inbound_dropped = 0
        self.reconnects = self.scripts_received = 0
        self._closing = False

    # ---- the EventBus side -----------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._wake, self._up = asyncio.Event(), asyncio.Event()  # bound to this loop
        self._task = loop.create_task(self._run(), name="nats-bus")
        self._task.add_done_callback(_report)
        super().bind(loop)

    def _deliver(self, item: dict[str, Any]) -> None:
        self._fan_out(item)
        self._send(subject_for(str(item.get("call_id", ""))), json.dumps(item, separators=(",", ":")).encode())

    def _send(self, subject: str, payload: bytes) -> None:
        """On the loop: into the outbox, never waiting."""
        if len(self._outbox) >= OUTBOX_EVENTS:
            self._outbox.popleft()
            self.outbox_dropped += 1
        self._outbox.append((subject, payload))
        self._wake.set()

    def announce_script(self, script_id: str, version: int, text: str) -> None:
        payload = {"id": script_id, "version": version, "yaml": text}
        self._send(SCRIPTS, json.dumps(payload).encode())

    def follow_scripts(self, taker: ScriptTaker) -> None:
        self._taker = taker

    def metrics(self) -> dict[str, float]:
        return {
            "agentassist_bus_connected": float(self._up.is_set()),
            "agentassist_bus_sent_total": float(self.sent),
            "agentassist_bus_received_total": float(self.received),
            "agentassist_bus_outbox": float(len(self._outbox)),
            "agentassist_bus_outbox_dropped_total": float(self.outbox_dropped),
            "agentassist_bus_inbound_dropped_total": float(self.inbound_dropped),
            "agentassist_bus_reconnects_total": float(self.reconnects),
            "agentassist_bus_scripts_received_total": float(self.scripts_received),
        }

    def reach(self) -> dict[str, Any]:
        where = _without_credentials(self.url)
        if self._up.is_set():
            return {"engine": "nats", "at": where, "ok": True}
        return {"engine": "nats", "at": where, "ok": False, "error": "not connected: reconnecting every 2 s"}

    async def aclose(self) -> None:
        self._closing = True
        deadline = asyncio.get_running_loop().time() + _CLOSE_FLUSH_S
        while self._outbox and self._up.is_set() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)  # the last events (calls ended by the shutdown) go out first
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        client, self._client = self._client, None
        if client is not None and not client.is_closed:
            with contextlib.suppress(Exception):  # flushes what nats-py holds, at most its flush timeout
                await asyncio.wait_for(client.drain(), 2.0)
        self._up.clear()

    # ---- NATS ------------------------------------------------------------------------------------

    async def _run(self) -> None:
        client = await self._connect()
        await client.subscribe(f"{EVENTS}.>", cb=self._on_event)
        await client.subscribe(SCRIPTS, cb=self._on_script)
        while True:
            while not self._outbox:
                self._wake.clear()
                await self._wake.wait()
            await self._up.wait()  # NATS away: the outbox holds the events (bounded), in order
            subject, payload = self._outbox[0]
            try:
                await client.publish(subject, payload)
            except OutboundBufferLimitError:  # disconnected since the check: sent when it is back
                await asyncio.sleep(_RECONNECT_WAIT_S / 10)
                continue
            except NatsError as exc:  # this message cannot go (over NATS's max_payload): the next can
                log.warning("bus: %s not sent: %s", subject, exc or type(exc).__name__)
                self._outbox.popleft()
                self.outbox_dropped += 1
                continue
            self._outbox.popleft()
            self.sent += 1

    async def _connect(self) -> Client:
        """The first connection, retried until NATS answers; later ones are nats-py's."""
        waited = False
        while True:
            client = Client()
            try:
                await client.connect(
                    self.url,
                    name=self.name,
                    no_echo=True,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,  # forever: a node outlives a NATS restart
                    reconnect_time_wait=_RECONNECT_WAIT_S,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
            except Exception as exc:  # nats-py raises several kinds (NoServersError, OSError, TimeoutError)
                if not waited:
                    log.warning("bus: NATS at %s not reached (%s); retrying every 2 s", self.url, exc or type(exc))
                    waited = True
                await asyncio.sleep(2.0)
                continue
            log.info("bus: connected to NATS at %s", self.url)
            self._client = client
            self._up.set()
            return client

    async def _on_error(self, exc: Exception) -> None:
        if isinstance(exc, SlowConsumerError):  # nats-py's own pending limit for a subscription
            self.inbound_dropped += 1
        else:
            log.debug("bus: NATS: %s", exc)

    async def _on_disconnected(self) -> None:
        if self._up.is_set() and not self._closing:
            log.warning("bus: NATS at %s lost; live events wait in the outbox (%d max)", self.url, OUTBOX_EVENTS)
        self._up.clear()

    async def _on_reconnected(self) -> None:
        self.reconnects += 1
        log.info("bus: NATS at %s back; %d events waiting go out now", self.url, len(self._outbox))
        self._up.set()
        self._wake.set()

    async def _on_event(self, msg: Msg) -> None:
        try:
            item = json.loads(msg.data)
        except ValueError:
            log.warning("bus: %s: not JSON, ignored", msg.subject)
            return
        self.received += 1
        self._fan_out(item)

    async def _on_script(self, msg: Msg) -> None:
        self.scripts_received += 1
        try:
            data = json.loads(msg.data)
            script_id, version, text = str(data["id"]), int(data["version"]), str(data["yaml"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("bus: %s: expected {id, version, yaml}, got an unreadable message (%s)", msg.subject, exc)
            return
        if self._taker is not None:
            await asyncio.to_thread(_apply, self._taker, script_id, version, text)


def _without_credentials(url: str) -> str:
    """``nats://user:password@host:4222`` -> ``nats://host:4222``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def _report(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("bus: the NATS sender stopped; live events no longer leave this node", exc_info=task.exception())


def _apply(taker: ScriptTaker, script_id: str, version: int, text: str) -> None:
    """A version saved on another node, for this node's calls. A shared scripts_dir holds it already
    (read again now, so new calls get it too); otherwise the text that came is applied."""
    taker.scripts.refresh()  # what it finds changed, the runtime's listener applies (ScriptVersions.on_change)
    current = taker.scripts.current(script_id)
    if current is not None and current[0].version >= version:
        return
    try:
        script = parse_script(text, f"{script_id}.yaml@{version} (from the bus)")
    except ScriptError as exc:
        log.error("bus: script %s version %d from another node is invalid here: %s", script_id, version, exc)
        return
    applied = taker.apply_script(script)
    if applied:
        log.info("bus: script %s version %d applied to %d call(s)", script_id, version, len(applied))
