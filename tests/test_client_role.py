"""A campaign's client: made with `agentassist users add --role client --campaign`, they read their
campaigns' reports and outcomes (every call of those campaigns, added up), list and play the calls a
leader shared with them, and get 403 on everything else - another campaign, a call not shared, a
shared call's checklist or evaluations, a live feed, the scripts. Sharing is a leader's or admin's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import add_user, chromium_browser, need_chromium, wait_js, write_config
from tests.test_authz import _wav

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# (call id, agent, campaign, disposition): a1-a3 acme's, b1 beta's, n1 of no campaign
CALLS = [
    ("a1", "alice", "acme", "sale"),
    ("a2", "alice", "acme", "refused"),
    ("a3", "bob", "acme", "sale"),
    ("b1", "alice", "beta", "sale"),
    ("n1", "bob", None, None),
]


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    again: Any  # () -> another app on the same store and recordings, for a real uvicorn

    def ask(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    config = write_config(tmp_path, 5999, 8999)
    tokens = {"cleo": add_user(config, "cleo", "client", "--campaign", "acme", "--campaign", "gamma")}  # the CLI
    store = Store(f"sqlite:///{(tmp_path / 'data' / 'agentassist.db').resolve()}")
    store.migrate()
    for name, role, team in (("ada", "admin", None), ("tom", "team_leader", "red"), ("alice", "agent", "red")):
        tokens[name] = store.add_user(name, role, teams=[team] if team else None)
    store.add_user("bob", "agent", teams=["blue"])
    recordings = RecordingStore(tmp_path / "rec")
    recordings.directory.mkdir(parents=True, exist_ok=True)
    for i, (call_id, agent, campaign, disposition) in enumerate(CALLS):
        started = T0 + timedelta(minutes=i)
        recordings.path_for(call_id).write_bytes(_wav(0.5))
        store.create_call(call_id, "outbound", "sip:c@x", agent, "sales", started, "", campaign=campaign)
        store.add_utterance(call_id, Utterance(f"{call_id}-u", call_id, Channel.AGENT, 0.1, 0.4, "Hello."))
        steps = [{"id": "greet", "status": "done", "t": 0.1, "evidence": {}}]
        store.save_adherence(call_id, {"script_id": "sales", "version": 1, "score": 1.0, "steps": steps, "alerts": []})
        store.set_disposition(call_id, disposition)
        store.end_call(call_id, started + timedelta(seconds=60))
    settings = Settings(server={"data_dir": str(tmp_path / "data")})  # type: ignore[arg-type]

    def app() -> Any:
        return create_app(settings, store, EventBus(), recordings)

    with TestClient(app()) as client:
        yield World(client, tokens, app)
    store.engine.dispose()


def test_the_cli_makes_a_client_of_their_campaigns(world: World) -> None:
    me = world.ask("cleo", "GET", "/api/me").json()
    assert (me["role"], me["campaigns"], me["teams"]) == ("client", ["acme", "gamma"], [])
    listed = {u["name"]: u for u in world.ask("ada", "GET", "/api/users").json()}
    assert listed["cleo"]["role"] == "client"
    r = world.ask("ada", "POST", "/api/users", json={"name": "carl", "role": "client"})
    assert r.status_code == 422 and "campaign" in r.json()["detail"]
    r = world.ask("ada", "POST", "/api/users", json={"name": "al", "role": "agent", "campaigns": ["acme"]})
    assert r.status_code == 422 and "client" in r.json()["detail"]
    r = world.ask("ada", "POST", "/api/users", json={"name": "carl", "role": "client", "campaigns": ["beta"]})
    assert r.status_code == 201 and r.json()["campaigns"] == ["beta"]
    r = world.ask("ada", "PUT", "/api/users/carl/campaigns", json={"campaigns": ["beta", "acme"]})
    assert r.status_code == 200 and r.json()["campaigns"] == ["acme", "beta"]
    assert world.ask("ada", "PUT", "/api/users/tom/campaigns", json={"campaigns": ["acme"]}).status_code == 422
    assert world.ask("cleo", "PUT", "/api/users/carl/campaigns", json={"campaigns": ["beta"]}).status_code == 403


def test_a_client_reads_their_campaigns_reports_and_outcomes(world: World) -> None:
    rows = world.ask("cleo", "GET", "/api/reports/agents").json()["items"]
    assert {r["agent"]: r["calls"] for r in rows} == {"alice": 2, "bob": 1}  # acme's calls, not beta's
    teams = world.ask("cleo", "GET", "/api/reports/teams").json()["items"]
    assert {t["team"]: t["calls"] for t in teams} == {"red": 2, "blue": 1}  # only teams that took their calls
    a = world.ask("cleo", "GET", "/api/outcomes", params={"campaign": "acme"}).json()
    assert (a["calls"], a["versions"][0]["outcome"]["count"]) == (3, 2)
    assert world.ask("cleo", "GET", "/api/outcomes/campaigns").json() == ["acme", "gamma"]
    csv = world.ask("cleo", "GET", "/api/reports/agents", params={"format": "csv", "campaign": "acme"})
    assert csv.status_code == 200 and "alice" in csv.text
    for path, params in [("/api/outcomes", {"campaign": "beta"}), ("/api/reports/agents", {"campaign": "beta"}),
                         ("/api/outcomes", {"campaign": "nobody"})]:  # fmt: skip
        r = world.ask("cleo", "GET", path, params=params)
        assert r.status_code == 403 and "not one of this client's" in r.json()["detail"], (path, params)


def test_a_client_sees_only_the_calls_shared_with_them(world: World) -> None:
    def listed() -> list[str]:
        return sorted(c["id"] for c in world.ask("cleo", "GET", "/api/calls").json()["items"])

    assert listed() == []
    assert world.ask("cleo", "GET", "/api/calls/a1").status_code == 403
    assert world.ask("alice", "PUT", "/api/calls/a1/shared").status_code == 403  # an agent shares nothing
    r = world.ask("tom", "PUT", "/api/calls/a1/shared")
    assert (
        r.status_code == 200
        and r.json()["shared"]
        and r.json()["campaign"] == "acme"
        and r.json()["shared_by"] == "tom"
    )
    assert world.ask("tom", "PUT", "/api/calls/a3/shared").status_code == 403  # bob's: outside tom's team
    assert world.ask("ada", "PUT", "/api/calls/a3/shared").status_code == 200
    assert world.ask("ada", "PUT", "/api/calls/b1/shared").status_code == 200  # beta's: cleo is no client of it
    r = world.ask("ada", "PUT", "/api/calls/n1/shared")
    assert r.status_code == 409 and "no campaign" in r.json()["detail"]
    assert listed() == ["a1", "a3"]
    for path in ("/api/calls/a1", "/api/calls/a1/transcript", "/api/calls/a1/recording", "/api/calls/a1/peaks"):
        assert world.ask("cleo", "GET", path).status_code == 200, path
    link = world.ask("cleo", "POST", "/api/calls/a1/recording/link").json()["url"]
    assert world.client.get(link).status_code == 200  # the page's <audio src>
    for path in ("/api/calls/a2", "/api/calls/b1", "/api/calls/b1/recording", "/api/calls/n1/transcript"):
        assert world.ask("cleo", "GET", path).status_code == 403, path
    # a shared call's checklist, evaluations and step marks are the center's own
    for path in ("/api/calls/a1/adherence", "/api/calls/a1/evaluations", "/api/calls/a1/step-marks"):
        r = world.ask("cleo", "GET", path)
        assert r.status_code == 403 and "nothing else" in r.json()["detail"], path
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        world.client.websocket_connect(
            "/api/calls/a1/live", headers={"Authorization": f"Bearer {world.tokens['cleo']}"}
        ) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403
    r = world.ask("tom", "DELETE", "/api/calls/a1/shared")
    assert r.status_code == 200 and not r.json()["shared"]
    assert listed() == ["a3"]
    assert world.ask("cleo", "GET", "/api/calls/a1/recording").status_code == 403
    audit = [e["action"] for e in world.ask("ada", "GET", "/api/audit").json()["items"]]
    assert audit.count("call_shared") == 3 and audit.count("call_unshared") == 1


def test_a_client_gets_403_beyond_their_routes(world: World) -> None:
    for method, path in [("GET", "/api/scripts"), ("GET", "/api/evaluations"), ("POST", "/api/ws-ticket"),
                         ("GET", "/api/wall/agents"), ("GET", "/api/teams"), ("GET", "/api/quality/queue"),
                         ("GET", "/openapi.json"), ("PUT", "/api/calls/a1/shared")]:  # fmt: skip
        assert world.ask("cleo", method, path).status_code == 403, (method, path)
    assert world.client.get("/outcomes").status_code == 200  # the page itself is public; its data is not


@pytest.mark.slow
def test_a_client_in_the_browser_sees_their_shared_calls_and_outcomes(world: World) -> None:
    need_chromium()
    assert world.ask("ada", "PUT", "/api/calls/a3/shared").status_code == 200
    with served(world.again()) as port, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/?token={world.tokens['cleo']}")
        wait_js(page, "document.getElementById('who').textContent === 'cleo (client)'", timeout=15_000)
        page.wait_for_selector("#past tbody tr[data-call]", timeout=15_000)
        assert page.eval_on_selector_all("#past tbody tr[data-call]", "rows => rows.map((r) => r.dataset.call)") == [
            "a3"
        ]
        assert page.locator("#outcomes-link").is_visible()
        for other in ("#wall-link", "#scripts-link", "#calibrations-link", "#agent-link"):
            assert page.locator(other).is_hidden(), other
        page.click("#outcomes-link")
        page.wait_for_selector("body[data-ready]", timeout=15_000)
        assert page.eval_on_selector_all("#campaign option", "os => os.map((o) => o.value)") == ["acme", "gamma"]
        page.fill("#from", "2026-11-02")
        page.fill("#to", "2026-11-02")
        page.click("#period button[type=submit]")
        wait_js(page, "document.querySelector('#versions td.outcome')?.dataset.count === '2'", timeout=15_000)
        assert page.inner_text("#summary").startswith("3 ended calls of acme")
