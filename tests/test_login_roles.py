"""Signing in through the form as every role, in a real browser (Debian's chromium driven by
Playwright) against a real `agentassist serve`: each role lands on the calls page and sees the
calls in its scope and the links its role may follow, then opens the page that role works on
(agent panel, live wall, replay). A wrong password is named on the form and stores nothing; signing
out ends the token on the server.

The calls are written into the server's own SQLite database with the Store, as the softphone would
write them; the users are added through the API, as an admin would."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.store.db import Store
from tests.conftest import chromium_browser, need_chromium, wait_js

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
USERS = {  # name -> (role, teams)
    "alice": ("agent", ["red"]),
    "bob": ("agent", ["blue"]),
    "tom": ("team_leader", ["red"]),
    "quinn": ("quality_checker", []),
    "sue": ("supervisor", ["red"]),
    "ada": ("admin", []),
}
# who sees which calls on the calls page: alice's call (red team, assigned to quinn) and bob's (blue)
SEES = {
    "alice": {"call-alice"},
    "tom": {"call-alice"},
    "quinn": {"call-alice"},
    "sue": {"call-alice"},
    "ada": {"call-alice", "call-bob"},
}
WALL_ROLES = {"team_leader", "supervisor", "admin"}


def password(name: str) -> str:
    return f"{name}-secret-pw"


@pytest.fixture
def floor(make_server: Any) -> Any:
    server = make_server()
    server.start()
    with server.client() as admin:
        for name, (role, teams) in USERS.items():
            r = admin.post("/api/users", json={"name": name, "role": role, "teams": teams, "password": password(name)})
            assert r.status_code == 201, r.text
    store = Store(f"sqlite:///{(server.root / 'data' / 'agentassist.db').resolve()}")
    for call_id, agent in (("call-alice", "alice"), ("call-bob", "bob")):
        store.create_call(call_id, "inbound", f"sip:{agent}-customer@example.org", agent, "", T0, "")
        store.end_call(call_id, T0 + timedelta(seconds=42))
    store.assign("call-alice", "quinn", "ada")
    return server


def _sign_in(page: Any, url: str, name: str, secret: str) -> None:
    page.goto(f"{url}/")
    page.locator("#login-form").wait_for(timeout=10_000)
    assert page.locator("#app").is_hidden()
    page.fill("#login-name", name)
    page.fill("#login-password", secret)
    page.click("#login-form button[type=submit]")


def test_each_role_signs_in_through_the_form(floor: Any) -> None:
    need_chromium()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", floor.root))
    with chromium_browser() as browser:
        for name, (role, _teams) in USERS.items():
            if name == "bob":
                continue  # alice stands for the agents
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # a browser of one's own
            page = context.new_page()
            _sign_in(page, floor.url, name, password(name))
            wait_js(page, f"document.getElementById('who').textContent === '{name} ({role})'", timeout=10_000)
            page.wait_for_selector("#past tbody tr", timeout=10_000)
            shown = set(page.eval_on_selector_all("#past tbody tr", "rows => rows.map((r) => r.dataset.call)"))
            assert shown == SEES[name], (name, shown)
            # the header offers what the role may use, and only that
            assert page.locator("#wall-link").is_visible() == (role in WALL_ROLES), name
            assert page.locator("#agent-link").is_visible() == (role != "quality_checker"), name
            assert page.locator("#scripts-link").is_visible() == (role in WALL_ROLES), name
            assert page.locator("#outcomes-link").is_visible() == (role in WALL_ROLES), name
            assert page.locator("#calibrations-link").is_visible() == (role != "agent"), name
            assert page.locator("#active-box").is_visible() == (role in WALL_ROLES), name
            token = page.evaluate("localStorage.getItem('agentassist.token')")
            assert token, name
            page.screenshot(path=str(shots / f"login-{role}.png"))

            if role == "agent":  # on to the agent panel, signed in there too
                page.click("#agent-link")
                page.locator("#idle").wait_for(timeout=10_000)
                assert page.locator("#who").inner_text() == f"{name} ({role})"
                page.goto(f"{floor.url}/wall")  # not an agent's page: said so, and the session stays
                page.locator("#not-allowed").wait_for(timeout=10_000)
                assert "team wall is for team leaders, supervisors and admins" in page.inner_text("#not-allowed")
                assert page.evaluate("localStorage.getItem('agentassist.token')") == token
            elif role == "quality_checker":  # on to the assigned call's replay page
                page.click('#past tbody tr[data-call="call-alice"] a.replay-link')
                page.wait_for_selector("body[data-ready]", timeout=20_000)
                assert "alice" in page.inner_text("#call-title")
                assert page.locator("#who").inner_text() == f"{name} ({role})"
            elif role in ("team_leader", "supervisor"):  # on to the live wall
                page.wait_for_selector("#conn.on", timeout=10_000)  # the calls page's live feed
                page.click("#wall-link")
                page.wait_for_selector("#conn.on", timeout=10_000)
                assert page.locator("#app").is_visible()
                assert page.locator("#who").inner_text() == f"{name} ({role})"
            else:  # the admin signs out: the form is back and the token is dead on the server
                # signing out loads the page afresh; the old page may show its form first (its feed closed
                # by the logout), so wait for the new page before reading its storage
                with page.expect_navigation(timeout=10_000):
                    page.click("#sign-out")
                page.locator("#login-form").wait_for(timeout=10_000)
                assert page.evaluate("localStorage.getItem('agentassist.token')") is None
                r = httpx.get(f"{floor.url}/api/me", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, r.text
            context.close()


def test_a_wrong_password_is_named_and_stores_nothing(floor: Any) -> None:
    need_chromium()
    with chromium_browser() as browser:
        page = browser.new_page()
        _sign_in(page, floor.url, "alice", "not-her-password")
        wait_js(page, "document.getElementById('login-error').textContent !== ''", timeout=10_000)
        assert "password" in page.inner_text("#login-error").lower()
        assert page.locator("#app").is_hidden()
        assert page.evaluate("localStorage.getItem('agentassist.token')") is None
        # nothing typed: the form says what it needs
        page.fill("#login-name", "")
        page.click("#login-form button[type=submit]")
        wait_js(
            page, "document.getElementById('login-error').textContent.includes('user name and password')", timeout=5_000
        )
        # the right password after a wrong one: in
        page.fill("#login-name", "alice")
        page.fill("#login-password", password("alice"))
        page.click("#login-form button[type=submit]")
        wait_js(page, "document.getElementById('who').textContent === 'alice (agent)'", timeout=10_000)
