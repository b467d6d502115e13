"""The wall's pure state and per-client queues, and the hub with clients that read at different speeds."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentassist.api.wall import WallClient, WallHub
from agentassist.api.wallstate import CallDetails, ClientQueue, Outgoing, WallOptions, WallState, outgoing
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from agentassist.store.db import Store

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _utt(call_id: str, uid: str, text: str, final: bool = True, channel: Channel = Channel.AGENT) -> dict[str, Any]:
    u = Utterance(uid, call_id, channel, 1.0, 2.0, text, final=final)
    return utterance_event(u).to_json()


def _ev(kind: EventType, call_id: str, **data: Any) -> dict[str, Any]:
    return Event(kind, call_id, 1.0, data).to_json()


def _details(agent: str = "alice") -> CallDetails:
    return CallDetails(agent, "sip:cust@x", "inbound", T0, {"id": "greet", "prompt": "Hello"})


def _msg(out: Outgoing | None) -> dict[str, Any]:
    assert out is not None
    result: dict[str, Any] = json.loads(out.text)
    return result


def test_tile_waits_for_its_details_then_shows_what_happened_meanwhile() -> None:
    state = WallState(WallOptions(lines=2), clock=lambda: T0 + timedelta(seconds=42))
    out, new = state.apply(_ev(EventType.CALL_STARTED, "c1", call={"id": "c1"}))
    assert out is None and new
    out, new = state.apply(_utt("c1", "u1", "hello there"))
    assert out is None and not new  # not ready: kept for the tile
    assert _msg(state.snapshot(lambda _: True))["calls"] == []
    shown = _msg(state.seed("c1", _details()))
    assert shown["type"] == "wall.call"
    tile = shown["call"]
    assert (tile["agent"], tile["duration_s"], tile["step"]) == ("alice", 42.0, {"id": "greet", "prompt": "Hello"})
    assert [line["text"] for line in tile["lines"]] == ["hello there"]
    # ready: events now become messages, utterances without their words
    msg = _msg(state.apply(_utt("c1", "u2", "how are you", final=False))[0])
    assert msg["type"] == "utterance.partial" and set(msg["utterance"]) == {"id", "channel", "start", "end", "text"}
    state.apply(_ev(EventType.ASSIST_PROMPT, "c1", prompt={"step_id": "offer", "text": "Would you like"}))
    state.apply(_ev(EventType.ASSIST_ALERT, "c1", alert={"type": "long_silence", "message": "no one spoke"}))
    state.apply(_ev(EventType.CALL_HELD, "c1", hold={}))
    state.apply(_utt("c1", "u3", "fine thanks", channel=Channel.CUSTOMER))
    tile = _msg(state.snapshot(lambda _: True))["calls"][0]
    assert [(x["id"], x["final"]) for x in tile["lines"]] == [("u1", True), ("u3", True), ("u2", False)]
    assert tile["step"] == {"id": "offer", "prompt": "Would you like"}
    assert tile["alerts"][0]["type"] == "long_silence" and tile["on_hold"] is True
    state.apply(_utt("c1", "u2", "how are you doing"))  # the partial's final: the partial goes
    state.apply(_utt("c1", "u4", "good"))  # only the last two finals stay
    tile = _msg(state.snapshot(lambda _: True))["calls"][0]
    assert [x["id"] for x in tile["lines"]] == ["u2", "u4"]
    assert state.apply(_utt("c1", "u4", "goo", final=False))[0] is None  # a partial after its final
    assert _msg(state.apply(_ev(EventType.CALL_ENDED, "c1", reason="hangup"))[0])["type"] == "call.ended"
    assert state.tiles == {} and state.seed("c1", _details()) is None


def test_snapshot_holds_only_what_the_client_may_see_and_ignores_other_events() -> None:
    state = WallState()
    for cid in ("a", "b"):
        state.apply(_ev(EventType.CALL_STARTED, cid))
        state.seed(cid, _details(cid))
    assert state.apply(_ev(EventType.ASSIST_CARD, "a", card={"title": "x"})) == (None, False)
    assert state.apply(_ev(EventType.CALL_ENDED, "never-started", reason="busy")) == (None, False)
    assert [c["call_id"] for c in _msg(state.snapshot(lambda cid: cid == "b"))["calls"]] == ["b"]


def test_client_queue_drops_partials_first_then_says_it_is_behind() -> None:
    q = ClientQueue(3)

    def partial(uid: str, text: str) -> Outgoing:
        return outgoing(_utt("c", uid, text, final=False), "c")

    def final(uid: str) -> Outgoing:
        return outgoing(_utt("c", uid, "done"), "c")

    assert q.offer(partial("u1", "a")) and q.offer(final("u0")) and q.offer(partial("u1", "a b"))
    assert len(q) == 2 and q.dropped == 1  # the newer partial of u1 replaced the older in place
    assert json.loads(q.items[0].text)["utterance"]["text"] == "a b"
    assert q.offer(final("u2")) and q.offer(final("u3"))  # full: the partial goes
    assert [json.loads(i.text)["utterance"]["id"] for i in q.items] == ["u0", "u2", "u3"] and q.dropped == 2
    assert q.offer(partial("u4", "x")) and len(q) == 3 and q.dropped == 3  # a new partial gives way
    assert not q.offer(final("u5"))  # only finals waiting: too far behind


def test_a_slow_client_does_not_delay_a_fast_one(tmp_path: Path) -> None:
    """Two clients of one hub: one sends at once, one takes 500 ms per message. The fast one has every
    final before the slow one has sent a handful; the slow one loses partials, then is told it is behind."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, T0, "")

    async def run() -> tuple[int, list[dict[str, Any]], WallClient, WallClient]:
        bus = EventBus()
        hub = WallHub(store, bus, Settings(), WallOptions(queue_size=20))
        bus.bind(asyncio.get_running_loop())
        hub.start()
        user = store.user_for_token(store.add_user("sam", "supervisor", all_teams=True))
        assert user is not None
        fast, slow = WallClient(user, True, 20), WallClient(user, True, 20)
        got: list[dict[str, Any]] = []
        slow_sent_then = -1

        async def fast_send(text: str) -> None:
            nonlocal slow_sent_then
            m = json.loads(text)
            got.append(m)
            if m["type"] == "utterance.final" and m["utterance"]["text"] == "final 99":
                slow_sent_then = slow.sent

        async def slow_send(text: str) -> None:
            await asyncio.sleep(0.5)

        await hub.connect(fast)
        await hub.connect(slow)
        tasks = [asyncio.create_task(fast.send_all(fast_send)), asyncio.create_task(slow.send_all(slow_send))]
        bus.publish(Event(EventType.CALL_STARTED, "c1", 0.0, {"call": {"id": "c1"}}))
        while not any(m["type"] == "wall.call" for m in got):
            await asyncio.sleep(0.01)
        for i in range(100):
            for k in range(3):
                bus.publish(utterance_event(Utterance(f"u{i}", "c1", Channel.AGENT, i, i + 1, f"w{k}", final=False)))
            bus.publish(utterance_event(Utterance(f"u{i}", "c1", Channel.AGENT, i, i + 1, f"final {i}")))
            await asyncio.sleep(0.002)
        while slow_sent_then < 0 and not tasks[0].done():
            await asyncio.sleep(0.01)
        for t in tasks:
            t.cancel()
        await hub.stop()
        return slow_sent_then, got, fast, slow

    slow_sent_then, got, fast, slow = asyncio.run(run())
    assert [m["utterance"]["text"] for m in got if m["type"] == "utterance.final"] == [f"final {i}" for i in range(100)]
    assert 0 <= slow_sent_then < 10, slow_sent_then  # the fast one never waited for the slow one's sends
    assert fast.behind is None
    assert slow.queue.dropped > 0  # partials went first...
    assert slow.behind is not None and "too slow" in slow.behind  # ...then it was told to go
    assert slow.gone.is_set()


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="queue_size: expected >= 1, got 0"):
        WallOptions(queue_size=0)
    with pytest.raises(ValueError, match="maxsize"):
        ClientQueue(0)


def test_a_revision_replaces_its_line_and_is_ignored_once_the_line_or_the_call_is_gone() -> None:
    state = WallState(WallOptions(lines=2), clock=lambda: T0)
    state.apply(_ev(EventType.CALL_STARTED, "c1", call={"id": "c1"}))
    state.seed("c1", _details())
    for uid, text in (("u1", "for"), ("u2", "the conference is locked"), ("u3", "goodbye")):
        state.apply(_utt("c1", uid, text))
    revised = Utterance("u2", "c1", Channel.AGENT, 1.0, 2.0, "the conference is unlocked", revised=True)
    msg = _msg(state.apply(utterance_event(revised).to_json())[0])
    assert msg["type"] == "utterance.revised" and set(msg["utterance"]) == {"id", "channel", "start", "end", "text"}
    lines = _msg(state.tile_message("c1"))["call"]["lines"]
    assert [(line["id"], line["text"]) for line in lines] == [("u2", "the conference is unlocked"), ("u3", "goodbye")]
    emptied = Utterance("u3", "c1", Channel.AGENT, 2.0, 3.0, "", revised=True)  # its words went to u2
    assert _msg(state.apply(utterance_event(emptied).to_json())[0])["utterance"]["text"] == ""
    assert [line["id"] for line in _msg(state.tile_message("c1"))["call"]["lines"]] == ["u2"]
    gone = Utterance("u1", "c1", Channel.AGENT, 0.0, 1.0, "four", revised=True)  # scrolled off the tile
    assert state.apply(utterance_event(gone).to_json()) == (None, False)
    state.apply(_ev(EventType.CALL_ENDED, "c1"))
    assert state.apply(utterance_event(revised).to_json()) == (None, False)
    assert "c1" not in state.tiles  # a late revision does not bring the call back


def test_a_call_behind_is_marked_when_it_falls_behind_each_second_it_moves_and_when_it_catches_up() -> None:
    state = WallState(WallOptions(behind_s=2.0), clock=lambda: T0)
    for call_id in ("c1", "c2"):
        state.apply(_ev(EventType.CALL_STARTED, call_id, call={"id": call_id}))
    state.seed("c1", _details())  # c2 is not ready: it is marked, but no message is sent for it
    assert state.lags({"c1": 1.9, "c2": 5.0}) == []
    assert [_msg(o) for o in state.lags({"c1": 2.1})] == [
        {"type": "wall.lag", "call_id": "c1", "behind": True, "lag_s": 2.1}
    ]
    assert state.lags({"c1": 2.8}) == []  # the same whole second
    assert [_msg(o)["lag_s"] for o in state.lags({"c1": 3.05})] == [3.0]
    assert _msg(state.tile_message("c1"))["call"]["behind"] is True
    assert [_msg(o)["behind"] for o in state.lags({})] == [False]  # no final waits any more
    assert state.lags({}) == [] and state.tiles["c2"].behind is False
    with pytest.raises(ValueError, match="behind_s: expected > 0 seconds, got 0"):
        WallOptions(behind_s=0)
