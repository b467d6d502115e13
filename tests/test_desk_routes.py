"""The phone routes on a floor: dial, ringing, answer and decline act on the desk of the agent
concerned (an agent's own; the one a team leader, supervisor or admin names, else ``[assist]
agent_name``'s), through the real app and the real :class:`~agentassist.desk.Desks`, with desks that
obey the :class:`~agentassist.desk.Desk` protocol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.deps import NullRuntime
from agentassist.audio.devices import Microphone
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.desk import CallInfo, Desks
from agentassist.errors import NotRingingError
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

URI = "sip:100@127.0.0.1"


@dataclass
class Desk:
    """A desk that obeys the protocol: keeps what it dialled and answered, rings what it is told."""

    agent: str
    dialled: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    ringing_calls: list[CallInfo] = field(default_factory=list)

    def call(self, uri: str, microphone: Microphone | None = None) -> str:
        self.dialled.append(uri)
        return f"{self.agent}-out-{len(self.dialled)}"

    def ring(self, call_id: str) -> None:
        self.ringing_calls.append(CallInfo(call_id, "inbound", URI, call_id, datetime.now(UTC), self.agent))

    def ringing(self) -> list[CallInfo]:
        return list(self.ringing_calls)

    def answer(self, call_id: str) -> None:
        if not any(c.call_id == call_id for c in self.ringing_calls):
            raise NotRingingError(f"call {call_id!r} is not ringing")
        self.ringing_calls = [c for c in self.ringing_calls if c.call_id != call_id]
        self.answered.append(call_id)

    def decline(self, call_id: str) -> None:
        self.answer(call_id)

    def hangup(self, call_id: str) -> None: ...
    def hold(self, call_id: str, on: bool) -> None: ...
    def mute(self, call_id: str, on: bool) -> None: ...
    def send_dtmf(self, call_id: str, digits: str, method: str = "rfc4733") -> None: ...
    def transfer(self, call_id: str, uri: str) -> None: ...
    def transfer_attended(self, call_id: str, consult_id: str) -> None: ...

    def active_calls(self) -> list[str]:
        return []


class Floor(NullRuntime):
    """A center whose phones are the desks attached: the runtime's phone commands, no pipeline."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.settings = settings
        self.desks = Desks()

    def dial(self, uri: str, prompt: str | None = None, agent: str | None = None) -> str:
        return self.desks.for_agent(agent or "alice").call(uri)

    def ringing(self, agent: str | None = None) -> list[dict[str, Any]]:
        calls = self.desks.for_agent(agent or "alice").ringing()
        return [{"id": c.call_id, "remote": c.remote, "since": c.started_at} for c in calls]

    def answer(self, call_id: str, agent: str | None = None) -> None:
        self.desks.for_agent(agent or "alice").answer(call_id)

    def decline(self, call_id: str, agent: str | None = None) -> None:
        self.desks.for_agent(agent or "alice").decline(call_id)


@dataclass
class Env:
    client: TestClient
    tokens: dict[str, str]
    floor: Floor

    def req(self, user: str, method: str, url: str, **kw: Any) -> Any:
        return self.client.request(method, url, headers={"Authorization": f"Bearer {self.tokens[user]}"}, **kw)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    people = [("alice", "agent", "red"), ("bob", "agent", "blue"), ("tom", "team_leader", "red")]
    people += [("tina", "team_leader", "blue"), ("qa", "quality_checker", "")]
    tokens = {name: store.add_user(name, role, teams=[team] if team else []) for name, role, team in people}
    assist = {"agent_name": "alice", "scripts_dir": str(tmp_path / "scripts")}  # alice: this server's softphone
    floor = Floor(Settings(assist=assist, server={"data_dir": str(tmp_path / "data")}))  # type: ignore[arg-type]
    settings = floor.settings
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), floor)
    with TestClient(app) as client:
        yield Env(client, tokens, floor)
    store.engine.dispose()


def test_an_agent_dials_from_their_own_desk(env: Env) -> None:
    r = env.req("bob", "POST", "/api/calls", json={"uri": URI})
    assert r.status_code == 409 and r.json()["detail"] == "agent 'bob' has no phone connected", r.text
    bob, alice = Desk("bob"), Desk("alice")
    env.floor.desks.attach("bob", bob)
    env.floor.desks.attach("alice", alice)
    assert env.req("bob", "POST", "/api/calls", json={"uri": URI}).json() == {"id": "bob-out-1"}
    assert env.req("alice", "POST", "/api/calls", json={"uri": URI}).json() == {"id": "alice-out-1"}
    assert env.req("alice", "POST", "/api/calls", json={"uri": URI, "agent": "alice"}).status_code == 201
    r = env.req("alice", "POST", "/api/calls", json={"uri": URI, "agent": "bob"})
    assert r.status_code == 403 and "own phone" in r.json()["detail"], r.text
    assert (bob.dialled, alice.dialled) == ([URI], [URI, URI])


def _ringing_desks(env: Env) -> tuple[Desk, Desk]:
    """bob's and alice's desks connected, b1 ringing on bob's and a1 on alice's."""
    bob, alice = Desk("bob"), Desk("alice")
    env.floor.desks.attach("bob", bob)
    env.floor.desks.attach("alice", alice)
    bob.ring("b1")
    alice.ring("a1")
    return bob, alice


def test_a_leader_names_an_agent_of_their_team_else_gets_agent_name(env: Env) -> None:
    bob, alice = _ringing_desks(env)
    assert [c["id"] for c in env.req("tina", "GET", "/api/ringing", params={"agent": "bob"}).json()] == ["b1"]
    assert [c["id"] for c in env.req("tom", "GET", "/api/ringing").json()] == ["a1"]  # agent_name's desk
    assert env.req("tina", "GET", "/api/ringing").status_code == 403  # alice is not in tina's team
    r = env.req("tom", "GET", "/api/ringing", params={"agent": "bob"})
    assert r.status_code == 403 and "outside tom's teams" in r.json()["detail"], r.text
    assert env.req("qa", "GET", "/api/ringing", params={"agent": "bob"}).status_code == 403
    assert env.req("tina", "POST", "/api/calls", json={"uri": URI, "agent": "bob"}).status_code == 201
    assert bob.dialled == [URI] and alice.dialled == []


def test_answer_and_decline_act_on_the_named_desk_only(env: Env) -> None:
    bob, alice = _ringing_desks(env)
    r = env.req("bob", "POST", "/api/ringing/a1/answer")  # alice's call does not ring on bob's desk
    assert r.status_code == 404, r.text
    assert env.req("bob", "POST", "/api/ringing/b1/answer").status_code == 204
    assert env.req("tom", "POST", "/api/ringing/a1/decline").status_code == 204
    assert (bob.answered, alice.answered) == (["b1"], ["a1"])
    env.floor.desks.detach("bob", bob)
    r = env.req("tina", "GET", "/api/ringing", params={"agent": "bob"})
    assert r.status_code == 409 and r.json()["detail"] == "agent 'bob' has no phone connected", r.text
