"""In-process EventBus on the API's asyncio loop.

Threads publish with :meth:`EventBus.publish` (handed to the loop with
``call_soon_threadsafe``); each subscriber has its own bounded queue, so a
slow WebSocket client never delays the others. When a queue is full, the
oldest partial utterance is dropped first, otherwise the oldest event; drops
are counted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from agentassist.errors import ConfigError
from agentassist.events import Event

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, bus: EventBus, call_id: str | None, maxsize: int) -> None:
        self._bus = bus
        self.call_id = call_id
        self.maxsize = maxsize
        self._items: deque[dict[str, Any]] = deque()
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.dropped = 0
        self.closed = False

    def _offer(self, item: dict[str, Any]) -> None:
        if self.call_id is not None and item.get("call_id") != self.call_id:
            return
        if len(self._items) >= self.maxsize:
            victim = next((i for i, e in enumerate(self._items) if e.get("type") == "utterance.partial"), 0)
            del self._items[victim]
            self.dropped += 1
            self._bus.dropped += 1
        self._items.append(item)
        self._wakeup.set()

    async def get(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # an app started again on a new loop (tests): the old Event is bound
            self._loop, self._wakeup = loop, asyncio.Event()
        while not self._items:
            if self.closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._items.popleft()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.get()

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()
        self._bus._unsubscribe(self)


class EventBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._subscribers: set[Subscription] = set()
        self.published = 0
        self.dropped = 0
        self._early: deque[dict[str, Any]] = deque(maxlen=1000)  # published before bind()
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the running loop (call from it); events published earlier are delivered now."""
        with self._lock:
            self._loop = loop
            self._loop_thread = threading.get_ident()
            early, self._early = list(self._early), deque(maxlen=1000)
        for item in early:
            self._deliver(item)

    def subscribe(self, call_id: str | None = None, maxsize: int = 1000) -> Subscription:
        sub = Subscription(self, call_id, maxsize)
        self._subscribers.add(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber; callable from any thread."""
        item = event.to_json()
        with self._lock:
            loop = self._loop
            if loop is None:
                self._early.append(item)
                return
        if loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._deliver(item)
        else:
            loop.call_soon_threadsafe(self._deliver, item)

    def _deliver(self, item: dict[str, Any]) -> None:
        """An event published on this node (on the loop); a bus between nodes also sends it on."""
        self._fan_out(item)

    def _fan_out(self, item: dict[str, Any]) -> None:
        self.published += 1
        for sub in list(self._subscribers):
            sub._offer(item)

    # ---- between nodes: nothing to do in one process (agentassist.natsbus does it on NATS) --------

    def announce_script(self, script_id: str, version: int, text: str) -> None:
        """A script version saved here; in one process the runtime has already applied it."""

    def follow_scripts(self, taker: Any) -> None:
        """Apply the script versions that other nodes save to ``taker``'s calls (none in one process)."""

    def metrics(self) -> dict[str, float]:
        return {}

    def reach(self) -> dict[str, Any]:
        """For /healthz: the bus engine, where it is (no credentials), and whether this node reaches it."""
        return {"engine": "in-process", "ok": True}

    async def aclose(self) -> None:
        """Let go of the connection to other nodes, if any (the app's lifespan ends)."""


def make_bus(url: str) -> EventBus:
    """The bus of ``[bus] url``: in-process when empty, else NATS (agentassist.natsbus)."""
    if not url:
        return EventBus()
    try:
        from agentassist.natsbus import NatsBus  # nats-py is needed only when configured
    except ModuleNotFoundError as exc:
        raise ConfigError(f"[bus] url = {url!r} needs the NATS client: pip install nats-py==2.16.0 ({exc})") from None

    return NatsBus(url)
