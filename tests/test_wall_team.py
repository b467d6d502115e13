"""A team leader's wall in a real browser (Debian's chromium driven by Playwright) over a real center:
`agentassist serve` with no softphone (``[sip] listen = ""``) and nine phones on the wire
(benchmarks/wirephone.py, written from docs/wire-protocol.md) that stream real calls to it.

Twelve agents in two teams, in every state: three in a call (one of them past its step's time budget,
so alerting), one holding, one with a call ringing on their phone, two in wrap-up (calls ended with no
disposition), two idle (one after a call that has its disposition), three offline (no phone; one of
them with an undispositioned call: offline comes first). An agent of a third team is out of the
leader's scope. The page shows a tile per agent, filters and sorts them, remembers the filters across
a reload, opens a call from the keyboard, and shows the day's numbers as the API answers them. The same
wall in Russian (a Russian browser): the tiles found by their data, the words from the dictionary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.store.db import Store
from agentassist.store.phones import add_phone
from benchmarks.wirephone import FRAME, WirePhone
from tests.conftest import Server, chromium_browser, need_chromium, new_server, wait_js
from tests.i18n_strings import tr

pytestmark = [pytest.mark.slow]

SCRIPT = """id: team
version: 1
steps:
  - id: greet
    say: ["Thank you for calling, this is {agent}."]
    time_budget_s: 1
  - id: goodbye
    say: ["Goodbye."]
"""
RED = ["r1", "r2", "r3", "r4", "r5", "r6"]
BLUE = ["b1", "b2", "b3", "b4", "b5", "b6"]
EXPECTED = {
    "r1": "in_call", "r2": "in_call", "b1": "in_call", "b2": "on_hold", "r4": "ringing",
    "r3": "wrap_up", "b3": "wrap_up", "r5": "idle", "b4": "idle", "r6": "offline", "b6": "offline", "b5": "offline",
}  # fmt: skip
SHORT = bytes(25 * FRAME)  # half a second of silence: inside the step's budget
LONG = bytes(150 * FRAME)  # three seconds: past it, a step_time alert
KPIS = ("calls", "aht", "adherence", "alerts")  # the header strip's numbers, by data-kpi
LOCALES = {"en": "en-US", "ru": "ru-RU"}  # the browser's language: the page's


class Team:
    def __init__(self, server: Server, store: Store, credentials: dict[str, str]) -> None:
        self.server, self.store, self.credentials = server, store, credentials
        self.phones: dict[str, WirePhone] = {}
        self.calls: dict[str, tuple[str, int, int]] = {}  # agent -> (call id, stream, next frame)

    def phone(self, agent: str) -> WirePhone:
        p = WirePhone(self.server.http_port, self.credentials[agent], agent)
        p.hello()
        self.phones[agent] = p
        return p

    def call(self, agent: str, pcm: bytes) -> str:
        p = self.phones[agent]
        call_id, stream, frame = p.open()
        self.calls[agent] = (call_id, stream, p.audio(stream, frame, pcm))
        return call_id

    def hang_up(self, agent: str) -> str:
        call_id, _, frames = self.calls[agent]
        self.phones[agent].close_call(call_id, frames)
        return call_id

    def get(self, path: str, token: str, **params: Any) -> Any:
        r = httpx.get(self.server.url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Team, str]]:
    need_chromium()
    server = new_server(
        tmp_path,
        sip={"listen": ""},
        transcribe={"enabled": False},  # a recorder only: the states need no words
        assist={"default_script": "team"},
        recorder={"format": "wav"},
    )
    (tmp_path / "scripts" / "team.yaml").write_text(SCRIPT)
    store = Store(f"sqlite:///{tmp_path / 'data' / 'agentassist.db'}")  # the server's, migrated by users add
    leader = store.add_user("lea", "team_leader", teams=["red", "blue"])
    credentials = {}
    for team_name, names in (("red", RED), ("blue", BLUE), ("green", ["g1"])):
        for name in names:
            store.add_user(name, "agent", teams=[team_name])
            credentials[name] = add_phone(store, name)[1]
    ended = datetime.now(UTC) - timedelta(seconds=60)  # b5's call: no disposition, but b5 has no phone
    store.create_call("b5-call", "inbound", "sip:c@x", "b5", None, ended - timedelta(seconds=42), "")
    store.end_call("b5-call", ended)
    server.start()
    t = Team(server, store, credentials)
    try:
        yield t, leader
    finally:
        for p in t.phones.values():
            p.close()
        server.stop()


def _states(team: Team, token: str) -> dict[str, str]:
    return {a["name"]: a["state"] for a in team.get("/api/wall/agents", token)["agents"]}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_team_leaders_wall_shows_twelve_agents_in_every_state(team: tuple[Team, str], lang: str) -> None:
    t, leader = team
    for agent in ("r1", "r2", "r3", "r4", "r5", "b1", "b2", "b3", "b4", "g1"):
        t.phone(agent)
    for agent in ("r3", "b3", "b4"):  # calls that end: wrap-up, then idle once b4's has its disposition
        t.call(agent, SHORT)
        t.hang_up(agent)
    admin = {"Authorization": f"Bearer {t.server.token}"}
    b4_call = t.calls["b4"][0]
    r = httpx.put(f"{t.server.url}/api/calls/{b4_call}/disposition", json={"disposition": "resolved"}, headers=admin)
    assert r.status_code == 200, r.text
    for agent, pcm in (("r1", SHORT), ("r2", LONG), ("b1", SHORT), ("b2", SHORT), ("g1", SHORT)):
        t.call(agent, pcm)
    t.phones["b2"].send("hold", t.calls["b2"][0], held=True, by="agent")
    since = datetime.now(UTC).isoformat()
    t.phones["r4"].send("ringing", calls=[{"id": "ring-r4", "remote": "sip:someone@127.0.0.1", "since": since}])

    deadline = time.monotonic() + 30
    while (states := _states(t, leader)) != EXPECTED and time.monotonic() < deadline:
        time.sleep(0.2)
    assert states == EXPECTED  # g1 is green: outside lea's teams

    shots = Path(t.server.root)
    suffix = "" if lang == "en" else f"-{lang}"
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale=LOCALES[lang])
        page.goto(f"{t.server.url}/wall?token={leader}")
        page.wait_for_selector("#conn.on", timeout=10_000)
        tiles = page.locator("#wall article.tile")
        wait_js(page, "() => document.querySelectorAll('#wall article.tile').length === 12", timeout=15_000)
        wait_js(page, "() => document.querySelector('#wall [data-agent=r2]').classList.contains('alerting')")
        shown = {tiles.nth(i).get_attribute("data-agent"): tiles.nth(i).get_attribute("data-state") for i in range(12)}
        assert shown == EXPECTED
        r2 = page.locator("#wall [data-agent=r2]")
        assert r2.locator(".step").inner_text().startswith("greet")
        assert r2.locator(".alert").first.get_attribute("data-alert") == "step_time"
        assert page.locator("#wall [data-agent=b2] .badge").inner_text() == tr(lang, "on hold")
        assert tiles.first.get_attribute("data-agent") == "r2"  # sorted by alert first
        if lang == "ru":
            assert page.locator("#wall [data-agent=b2] .badge").inner_text() == "на удержании"
            assert page.locator("#wall [data-agent=r5] .state").inner_text() == "свободен"
            assert page.locator('[data-kpi="aht"] .k').inner_text() == "среднее время обработки"
        page.screenshot(path=str(shots / f"wall-team{suffix}.png"))

        def names() -> list[str]:
            return [tiles.nth(i).get_attribute("data-agent") or "" for i in range(tiles.count())]

        page.select_option("#filter-state", "offline")
        assert sorted(names()) == ["b5", "b6", "r6"]
        page.select_option("#filter-state", "")
        page.select_option("#filter-team", "blue")
        assert sorted(names()) == BLUE
        page.select_option("#filter-team", "")
        page.select_option("#sort", "name")
        assert names() == sorted(EXPECTED)
        page.check("#filter-alerts")
        assert names() == ["r2"]
        assert page.locator("#wall-count").inner_text() == tr(lang, "{shown} of {n}", shown=1, n=12)

        page.reload()  # the filters are remembered
        page.wait_for_selector("#conn.on", timeout=10_000)
        wait_js(page, "() => document.querySelectorAll('#wall article.tile').length === 1")
        assert names() == ["r2"] and page.locator("#filter-alerts").is_checked()
        assert page.locator("#sort").input_value() == "name"

        r2.focus()  # a tile is reached by keyboard and opened with Enter
        assert r2.get_attribute("tabindex") == "0"
        page.evaluate("loadAgents()")  # the roster's refresh keeps the keyboard's place
        assert page.evaluate("document.activeElement.dataset.agent") == "r2"
        page.keyboard.press("Enter")
        assert not page.locator("#drill").is_hidden()
        assert page.locator("#drill").get_attribute("data-call") == t.calls["r2"][0]

        midnight = page.evaluate("localMidnight()")
        wait_js(page, "() => document.querySelector('[data-kpi=calls] .v').textContent !== '—'")
        kpis = t.get("/api/wall/kpis", leader, **{"from": midnight})
        assert (kpis["calls"], kpis["active"], kpis["handled"]) == (8, 4, 4), kpis  # b5's, r3, b3, b4; four live
        assert kpis["alerts"] == 1 and kpis["aht_s"] is not None  # r2's step_time alert, live
        shown_kpis = {
            k: page.locator(f"[data-kpi={k}] .v").inner_text() for k in ("calls", "aht", "adherence", "alerts")
        }
        assert shown_kpis["calls"] == "8" and shown_kpis["alerts"] == str(kpis["alerts"])
        aht = int(kpis["aht_s"])
        assert shown_kpis["aht"] == f"{aht // 60}:{aht % 60:02d}", (shown_kpis, kpis)
        adherence = "—" if kpis["adherence_mean"] is None else f"{round(kpis['adherence_mean'] * 100)} %"
        assert shown_kpis["adherence"] == adherence
        counts = page.locator("#state-counts").inner_text()
        for n, words in ((3, "in call"), (1, "on hold"), (1, "ringing"), (2, "wrap-up"), (2, "idle"), (3, "offline")):
            assert f"{n} {tr(lang, words)}" in counts, counts
        page.screenshot(path=str(shots / f"wall-team-filtered{suffix}.png"))
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, nothing off the side
        page.uncheck("#filter-alerts")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(shots / f"wall-team-390{suffix}.png"), full_page=True)
        assert width <= 390, f"the wall is {width} px wide at 390 px"
