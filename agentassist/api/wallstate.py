"""The supervisor wall's state and per-client queues: pure, no I/O, no loop.

:class:`WallState` keeps one small tile per active call, fed with the bus's
event JSON (``apply``); it answers a snapshot for a new client and turns each
event into the message the wall's clients get. A call's tile is *ready* once
its details (agent, remote, direction, start) are known: they come from one
database read per call (``seed``), never one per event. Events of a call that
is not ready yet are kept in its tile and reach clients with it.

:class:`ClientQueue` is one client's bounded outbox. When it is full, partial
utterances go first (a newer partial of the same utterance replaces a queued
one; otherwise the oldest queued partial is dropped, or the new partial
itself); when only messages that must not be dropped are waiting, ``offer``
answers False: the client is too far behind and must be disconnected.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentassist.events import EventType
from agentassist.transcribe.engine import BEHIND_WARN_S

# Event types that change a tile; others (cards, DTMF, transfers) stay on the call's own feed.
WALL_EVENTS = frozenset(
    {
        EventType.CALL_STARTED.value,
        EventType.CALL_ENDED.value,
        EventType.UTTERANCE_PARTIAL.value,
        EventType.UTTERANCE_FINAL.value,
        EventType.UTTERANCE_REVISED.value,
        EventType.ASSIST_PROMPT.value,
        EventType.ASSIST_ALERT.value,
        EventType.CALL_HELD.value,
        EventType.CALL_UNHELD.value,
        EventType.CALL_PAUSED.value,
        EventType.CALL_RESUMED.value,
    }
)
_FLAGS = {
    EventType.CALL_HELD.value: ("on_hold", True),
    EventType.CALL_UNHELD.value: ("on_hold", False),
    EventType.CALL_PAUSED.value: ("paused", True),
    EventType.CALL_RESUMED.value: ("paused", False),
}
_PARTIAL = EventType.UTTERANCE_PARTIAL.value
_REVISED = EventType.UTTERANCE_REVISED.value
_UTTERANCES = (_PARTIAL, EventType.UTTERANCE_FINAL.value, _REVISED)


@dataclass(frozen=True, slots=True)
class WallOptions:
    lines: int = 6  # final utterances kept per tile (the current partials come on top)
    alerts: int = 5  # most recent alerts kept per tile
    queue_size: int = 256  # messages waiting for one client before partials are dropped
    behind_s: float = BEHIND_WARN_S  # a call whose oldest unfinished final waited this long is marked behind
    lag_poll_s: float = 1.0  # how often the transcription lag is read
    # an agent whose last answered call ended this recently with no disposition is in wrap-up; 5 min is
    # well past the 30-120 s of after-call work centres plan for, so a slow wrap-up still shows as one
    wrap_up_s: float = 300.0

    def __post_init__(self) -> None:
        for name in ("lines", "alerts", "queue_size", "wrap_up_s"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: expected >= 1, got {getattr(self, name)}")
        for name in ("behind_s", "lag_poll_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected > 0 seconds, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class CallDetails:
    """What the database knows of a call when it starts, and the step its script opens with."""

    agent: str
    remote: str
    direction: str
    started_at: datetime
    step: dict[str, Any] | None = None  # {"id", "prompt"}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for the wall's clients, serialized once for all of them."""

    call_id: str
    text: str
    partial_id: str | None = None  # the utterance id of a partial: may be replaced or dropped


def outgoing(message: dict[str, Any], call_id: str = "") -> Outgoing:
    partial_id = message["utterance"]["id"] if message.get("type") == _PARTIAL else None
    return Outgoing(call_id, json.dumps(message, separators=(",", ":")), partial_id)


def _line(u: dict[str, Any], final: bool) -> dict[str, Any]:
    return {
        "id": u.get("id", ""),
        "channel": u.get("channel", ""),
        "start": u.get("start"),
        "end": u.get("end"),
        "text": u.get("text", ""),
        "final": final,
    }


@dataclass
class CallTile:
    call_id: str
    lines: int
    alerts_kept: int
    details: CallDetails | None = None
    step: dict[str, Any] | None = None
    finals: deque[dict[str, Any]] = field(default_factory=deque)
    partials: dict[str, dict[str, Any]] = field(default_factory=dict)  # by channel
    finished: set[str] = field(default_factory=set)  # utterance ids already final (late partials ignored)
    alerts: deque[dict[str, Any]] = field(default_factory=deque)
    on_hold: bool = False
    paused: bool = False
    lag_s: float = 0.0  # how long its oldest unfinished final has waited, as last read
    behind: bool = False  # lag_s >= WallOptions.behind_s
    alerts_total: int = 0  # every alert of the call (``alerts`` keeps the last few)

    @property
    def ready(self) -> bool:
        return self.details is not None

    def apply(self, kind: str, item: dict[str, Any]) -> bool:
        """Update from one event; False when the event changes nothing (a partial after its final, a
        revision of a line no longer shown)."""
        if kind == _REVISED:
            u = item.get("utterance") or {}
            for i, line in enumerate(self.finals):
                if line["id"] == u.get("id"):
                    if u.get("text"):
                        self.finals[i] = _line(u, final=True)
                    else:  # revised to no text: its words went to a neighbour's line
                        del self.finals[i]
                    return True
            return False
        if kind in (EventType.UTTERANCE_PARTIAL.value, EventType.UTTERANCE_FINAL.value):
            u = item.get("utterance") or {}
            uid, channel = str(u.get("id", "")), str(u.get("channel", ""))
            if uid in self.finished:
                return False
            if kind == _PARTIAL:
                self.partials[channel] = _line(u, final=False)
                return True
            self.finished.add(uid)
            if len(self.finished) > 4 * self.lines + 64:  # only recent ids can still get a late partial
                self.finished = {line["id"] for line in self.finals}
                self.finished.add(uid)
            if self.partials.get(channel, {}).get("id") == uid:
                del self.partials[channel]
            self.finals.append(_line(u, final=True))
            while len(self.finals) > self.lines:
                self.finals.popleft()
            return True
        if kind == EventType.ASSIST_PROMPT.value:
            prompt = item.get("prompt") or {}
            self.step = {"id": prompt.get("step_id"), "prompt": prompt.get("text", "")}
        elif kind == EventType.ASSIST_ALERT.value:
            self.alerts.append(item.get("alert") or {})
            self.alerts_total += 1
            while len(self.alerts) > self.alerts_kept:
                self.alerts.popleft()
        elif kind in _FLAGS:
            name, value = _FLAGS[kind]
            setattr(self, name, value)
        return True

    def to_json(self, now: datetime) -> dict[str, Any]:
        d = self.details
        assert d is not None, "only ready tiles are shown"
        return {
            "call_id": self.call_id,
            "agent": d.agent,
            "remote": d.remote,
            "direction": d.direction,
            "started_at": d.started_at.isoformat(),
            "duration_s": round(max(0.0, (now - d.started_at).total_seconds()), 1),
            "step": self.step,
            "lines": [*self.finals, *self.partials.values()],
            "alerts": list(self.alerts),
            "on_hold": self.on_hold,
            "paused": self.paused,
            "behind": self.behind,
            "lag_s": round(self.lag_s, 1),
        }


def slim(item: dict[str, Any]) -> dict[str, Any]:
    """The event as the wall sends it: utterances without words and scores."""
    if item.get("type") in _UTTERANCES:
        u = item.get("utterance") or {}
        keep = {k: u.get(k) for k in ("id", "channel", "start", "end", "text")}
        return {"type": item["type"], "call_id": item["call_id"], "t": item.get("t"), "utterance": keep}
    return item


class WallState:
    """Tiles of the active calls, by call id; fed from the bus in order, on one thread (the loop)."""

    def __init__(self, options: WallOptions | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.options = options or WallOptions()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.tiles: dict[str, CallTile] = {}

    def apply(self, item: dict[str, Any]) -> tuple[Outgoing | None, bool]:
        """One bus event: the message for the clients (None: nothing to send yet) and whether
        the call is new to the wall (its details must be read once, then :meth:`seed`)."""
        kind, call_id = str(item.get("type", "")), str(item.get("call_id", ""))
        if kind not in WALL_EVENTS or not call_id:
            return None, False
        tile = self.tiles.get(call_id)
        if kind == EventType.CALL_ENDED.value:
            if tile is None:
                return None, False  # a call that failed before it had media never had a tile
            del self.tiles[call_id]
            return (outgoing(item, call_id) if tile.ready else None), False
        if tile is None and kind == _REVISED:
            return None, False  # a revision after call.ended: the tile is gone
        is_new = tile is None
        if tile is None:
            tile = self.tiles[call_id] = CallTile(call_id, self.options.lines, self.options.alerts)
        if not tile.apply(kind, item) or not tile.ready or kind == EventType.CALL_STARTED.value:
            return None, is_new
        return outgoing(slim(item), call_id), is_new

    def seed(self, call_id: str, details: CallDetails) -> Outgoing | None:
        """The call's details have been read: its tile is ready; the message that shows it
        (None when the call ended meanwhile)."""
        tile = self.tiles.get(call_id)
        if tile is None:
            return None
        tile.details = details
        if tile.step is None:
            tile.step = details.step
        return self.tile_message(call_id)

    def tile_message(self, call_id: str) -> Outgoing | None:
        tile = self.tiles.get(call_id)
        if tile is None or not tile.ready:
            return None
        return outgoing({"type": "wall.call", "call_id": call_id, "call": tile.to_json(self._clock())}, call_id)

    def lags(self, lags: Mapping[str, float]) -> list[Outgoing]:
        """The transcription lag of each call (``lags``; a call not in it has none): a ``wall.lag``
        message for each ready call that fell behind, caught up, or whose lag moved by a whole second
        while behind."""
        out = []
        for call_id, tile in self.tiles.items():
            lag = max(0.0, lags.get(call_id, 0.0))
            behind = lag >= self.options.behind_s
            moved = behind and int(lag) != int(tile.lag_s)
            tile.lag_s = lag
            if behind == tile.behind and not moved:
                continue
            tile.behind = behind
            if tile.ready:
                message = {"type": "wall.lag", "call_id": call_id, "behind": behind, "lag_s": round(lag, 1)}
                out.append(outgoing(message, call_id))
        return out

    def ready_ids(self) -> list[str]:
        return [cid for cid, tile in self.tiles.items() if tile.ready]

    def snapshot(self, visible: Callable[[str], bool]) -> Outgoing:
        now = self._clock()
        calls = [t.to_json(now) for cid, t in self.tiles.items() if t.ready and visible(cid)]
        calls.sort(key=lambda c: str(c["started_at"]))
        return outgoing({"type": "wall.snapshot", "calls": calls, "lines": self.options.lines})


class ClientQueue:
    """One client's outbox: bounded; partials dropped first; False from ``offer`` means too far behind."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize: expected >= 1, got {maxsize}")
        self.maxsize = maxsize
        self.items: deque[Outgoing] = deque()
        self.dropped = 0  # partials replaced or dropped

    def __len__(self) -> int:
        return len(self.items)

    def offer(self, out: Outgoing) -> bool:
        if out.partial_id is not None:
            for i, queued in enumerate(self.items):  # a newer partial of the same utterance replaces it
                if queued.partial_id == out.partial_id:
                    self.items[i] = out
                    self.dropped += 1
                    return True
        if len(self.items) >= self.maxsize:
            victim = next((i for i, q in enumerate(self.items) if q.partial_id is not None), None)
            if victim is not None:
                del self.items[victim]
                self.dropped += 1
            elif out.partial_id is not None:
                self.dropped += 1  # nothing older to give up: this partial goes
                return True
            else:
                return False
        self.items.append(out)
        return True

    def pop(self) -> Outgoing | None:
        return self.items.popleft() if self.items else None
