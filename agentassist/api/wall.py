"""The supervisor wall: ``WS /api/wall``, a snapshot of the active calls then their updates.

::

    EventBus --one subscription--> WallHub._pump --WallState.apply--> ClientQueue x N --sender task x N--> WebSocket

One hub per app, fed from the bus on the loop; a call's details are read from
the database once, when it first appears (``_seed``, in a worker thread), and
whether a team-scoped user may see it is decided once per user and call. Each
client has its own bounded queue and its own sender task, so a slow client
never delays the others: its partials are dropped first, and when only
messages that must not be dropped are waiting it is closed with 4408.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentassist.api.live import _CLOSE_FORBIDDEN, LIVE_WALL_ROLES, accepted
from agentassist.api.sockets import Held, guarded
from agentassist.api.wallstate import CallDetails, ClientQueue, Outgoing, WallOptions, WallState
from agentassist.assist.tracker import ScriptTracker
from agentassist.assist.versions import ScriptVersions
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.errors import AgentassistError
from agentassist.events import EventType
from agentassist.store.db import Store, UserRecord

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

CLOSE_TOO_SLOW = 4408
_SEED_TRIES = 10  # a call's row may be written just after its first event (other runtimes)
_SEED_RETRY_S = 0.2
_CLOSE_TIMEOUT_S = 10.0  # the close frame waits behind what the client has not read yet


class WallClient:
    """One wall connection: what it may see, its outbox, and why it must go when it falls behind."""

    def __init__(self, user: UserRecord, sees_all: bool, maxsize: int) -> None:
        self.user = user
        self.sees_all = sees_all
        self.queue = ClientQueue(maxsize)
        self.visible: dict[str, bool] = {}  # call id -> decided (team-scoped users only)
        self.behind: str | None = None
        self.gone = asyncio.Event()  # set with ``behind``
        self._wakeup = asyncio.Event()
        self.sent = 0

    def allows(self, call_id: str) -> bool:
        return self.sees_all or self.visible.get(call_id, False)

    def offer(self, out: Outgoing | None) -> None:
        if out is None or self.behind is not None:
            return
        if not self.queue.offer(out):
            self.behind = f"too slow: {len(self.queue)} messages waiting; reconnect for a fresh snapshot"
            self.queue.items.clear()
            self.gone.set()
        self._wakeup.set()

    async def send_all(self, send: Callable[[str], Awaitable[None]]) -> None:
        """Send what is queued, in order, until cancelled."""
        while True:
            out = self.queue.pop()
            if out is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            await send(out.text)
            self.sent += 1


class WallHub:
    """The wall's state and its clients; created with the app, started by its lifespan."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        settings: Settings,
        options: WallOptions | None = None,
        scripts: ScriptVersions | None = None,
        lag: Callable[[], Mapping[str, float]] | None = None,
    ) -> None:
        """``scripts``: the runtime's (deps.get_scripts), so the wall reads the version the calls follow;
        None: the scripts directory's, read on first use. ``lag``: each call's transcription lag (the
        runtime's ``transcription_lag``), read every ``options.lag_poll_s``; None: never behind."""
        self.store = store
        self.settings = settings
        self.options = options or WallOptions()
        self.state = WallState(self.options)
        self.clients: set[WallClient] = set()
        self._bus = bus
        self._sub = bus.subscribe(maxsize=100_000)  # subscribed now: sees the events published before the loop
        self._scripts = scripts
        self._tasks: set[asyncio.Task[None]] = set()
        self._pump_task: asyncio.Task[None] | None = None
        self._lag = lag
        self._lag_task: asyncio.Task[None] | None = None
        self.disconnected_slow = 0
        self._dropped_gone = 0  # partials dropped for clients that have left

    def start(self) -> None:
        if self._sub.closed:  # the app runs again after a stop (tests start one app several times)
            self._sub = self._bus.subscribe(maxsize=100_000)
        self._pump_task = asyncio.create_task(self._pump(), name="wall-pump")
        if self._lag is not None:
            self._lag_task = asyncio.create_task(self._watch_lag(self._lag), name="wall-lag")

    async def stop(self) -> None:
        self._sub.close()
        for task in [self._pump_task, self._lag_task, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _pump(self) -> None:
        async for item in self._sub:
            try:
                self.handle(item)
            except Exception:  # one bad event must not stop the wall
                log.exception("wall: could not apply %s", item.get("type"))

    async def _watch_lag(self, lag: Callable[[], Mapping[str, float]]) -> None:
        """Mark the calls whose transcript is behind (the lag is read under the transcriber's lock: off the loop)."""
        while True:
            await asyncio.sleep(self.options.lag_poll_s)
            try:
                lags = await asyncio.to_thread(lag)
            except Exception:  # the wall goes on without the mark
                log.exception("wall: could not read the transcription lag")
                continue
            for out in self.state.lags(lags):
                self._deliver(out)

    def _deliver(self, out: Outgoing) -> None:
        for client in list(self.clients):
            if client.allows(out.call_id):
                client.offer(out)

    def handle(self, item: dict[str, Any]) -> None:
        """One bus event: update the state and queue its message for the clients that may see the call."""
        out, is_new = self.state.apply(item)
        call_id = str(item.get("call_id", ""))
        if is_new:
            self._spawn(self._seed(call_id))
        if out is not None:
            self._deliver(out)
        if item.get("type") == EventType.CALL_ENDED.value:
            for client in self.clients:
                client.visible.pop(call_id, None)

    # ---- clients -----------------------------------------------------------------------------------

    async def connect(self, client: WallClient) -> None:
        """Register ``client`` and queue its snapshot of the calls it may see."""
        if not client.sees_all:
            ids = self.state.ready_ids()
            client.visible.update(await asyncio.to_thread(self._decisions, client.user, ids))
        self.clients.add(client)  # from here to the snapshot nothing awaits: no event is missed
        client.offer(self.state.snapshot(client.allows))
        for call_id in list(client.visible):  # calls that ended while deciding
            if call_id not in self.state.tiles:
                del client.visible[call_id]
        for call_id in self.state.ready_ids():  # calls that became ready while deciding
            if not client.sees_all and call_id not in client.visible:
                self._spawn(self._decide(call_id, [client]))

    def disconnect(self, client: WallClient) -> None:
        if client in self.clients:
            self.clients.discard(client)
            self._dropped_gone += client.queue.dropped

    def metrics(self) -> dict[str, float]:
        """Read from a worker thread (the /metrics route): copies, never iterates the live set."""
        clients = list(self.clients)
        dropped = self._dropped_gone + sum(c.queue.dropped for c in clients)
        return {
            "agentassist_wall_clients": float(len(clients)),
            "agentassist_wall_calls": float(len(self.state.tiles)),
            "agentassist_wall_calls_behind": float(sum(1 for t in list(self.state.tiles.values()) if t.behind)),
            "agentassist_wall_partials_dropped_total": float(dropped),
            "agentassist_wall_slow_disconnects_total": float(self.disconnected_slow),
        }

    # ---- a call's details: once per call -----------------------------------------------------------

    async def _seed(self, call_id: str) -> None:
        details = None
        for _ in range(_SEED_TRIES):
            details = await asyncio.to_thread(self._details, call_id)
            if details is not None or call_id not in self.state.tiles:
                break
            await asyncio.sleep(_SEED_RETRY_S)
        if details is None:
            if call_id in self.state.tiles:
                log.warning("wall: call %s has events but no row in the database; it stays off the wall", call_id)
            return
        out = self.state.seed(call_id, details)
        if out is None:
            return  # it ended meanwhile
        for client in list(self.clients):
            if client.sees_all:
                client.offer(out)
        await self._decide(call_id, list(self.clients))

    async def _decide(self, call_id: str, clients: list[WallClient]) -> None:
        """Whether team-scoped ``clients`` may see ``call_id``; those who may get its tile."""
        scoped = [c for c in clients if not c.sees_all and call_id not in c.visible]
        if not scoped:
            return
        users = {c.user.id: c.user for c in scoped}
        answers = await asyncio.to_thread(
            lambda: {uid: self.store.can_see_call(u, call_id) for uid, u in users.items()}
        )
        for client in scoped:
            if client not in self.clients or call_id in client.visible or call_id not in self.state.tiles:
                continue
            client.visible[call_id] = answers[client.user.id]
            if answers[client.user.id]:
                client.offer(self.state.tile_message(call_id))

    def _decisions(self, user: UserRecord, call_ids: list[str]) -> dict[str, bool]:
        return {call_id: self.store.can_see_call(user, call_id) for call_id in call_ids}

    def _details(self, call_id: str) -> CallDetails | None:
        call = self.store.get_call(call_id)
        if call is None:
            return None
        return CallDetails(
            agent=call["agent"] or "",
            remote=call["remote"] or "",
            direction=call["direction"] or "",
            started_at=datetime.fromisoformat(call["started_at"]),
            step=self._first_step(call),
        )

    def _first_step(self, call: Mapping[str, Any]) -> dict[str, Any] | None:
        """The step a fresh call of this script starts on (later steps come with ``assist.prompt``)."""
        if not call.get("script_id"):
            return None
        try:
            if self._scripts is None:
                self._scripts = ScriptVersions(Path(self.settings.assist.scripts_dir))
            script = self._scripts.get(call["script_id"])
            a = self.settings.assist
            variables = {"agent": call["agent"] or a.agent_name, "company": a.company}
            state = ScriptTracker(script, variables, call["id"]).state()
        except (AgentassistError, ValueError) as exc:
            log.warning("wall: call %s: no first step from script %r: %s", call["id"], call["script_id"], exc)
            return None
        return {"id": state["current_step"], "prompt": state["next_prompt"]}

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# ---- the route ---------------------------------------------------------------------------------------


async def _serve(ws: WebSocket, client: WallClient) -> str | None:
    """Send until the client leaves (None) or falls behind (the reason)."""

    async def drain_client() -> None:  # notice a client that goes away while nothing is published
        while True:
            await ws.receive_text()

    sender = asyncio.create_task(client.send_all(ws.send_text))
    reader = asyncio.create_task(drain_client())
    gone = asyncio.create_task(client.gone.wait())
    try:
        await asyncio.wait({sender, reader, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, reader, gone):
            task.cancel()
        for task in (sender, reader, gone):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await task
    return client.behind


@router.websocket("/api/wall")
async def wall(ws: WebSocket) -> None:
    await accepted(ws, lambda held: _wall(ws, held))


async def _wall(ws: WebSocket, held: Held) -> None:
    store: Store = ws.app.state.store
    user: UserRecord = ws.state.user
    if user.role not in LIVE_WALL_ROLES:
        await ws.close(
            _CLOSE_FORBIDDEN,
            f"the wall is for {', '.join(LIVE_WALL_ROLES)}; follow one call at /api/calls/{{id}}/live",
        )
        return
    hub: WallHub = ws.app.state.wall
    client = WallClient(user, store.sees_all(user), hub.options.queue_size)
    await hub.connect(client)
    try:
        reason = await guarded(ws, held, _serve(ws, client))
    finally:
        hub.disconnect(client)
    if reason is not None:
        hub.disconnected_slow += 1
        log.warning("wall: %s (%s) disconnected: %s", user.name, user.role, reason)
        with contextlib.suppress(Exception):  # the client may be gone too; nothing else to do
            await asyncio.wait_for(ws.close(CLOSE_TOO_SLOW, reason), _CLOSE_TIMEOUT_S)
