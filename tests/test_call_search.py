"""Searching past calls on the calls page, in a real browser (Debian's chromium driven by Playwright)
against a real `agentassist serve`: words said, agent, team, campaign with direction, adherence, status,
days, alert; the filters ride in the page's address, so a reload and the back button show the same
search; Clear shows every call again; More loads the next page by cursor; a bad filter is named by the
form and the rest of the page keeps working.

Six calls of two agents (with transcripts and adherence reports) and 24 older calls of a third agent
are written into the server's own SQLite database with the Store, as the softphone would write them."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from tests.conftest import chromium_browser, need_chromium, wait_js

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# id: agent, campaign, direction, adherence score, what the customer said, status, alert types
CALLS: dict[str, tuple[str, str, str, float | None, str, str, list[str]]] = {
    "a1": ("alice", "sales", "inbound", 0.90, "I would like a refund for my order", "ended", []),
    "a2": ("alice", "sales", "outbound", 0.50, "tell me about the upgrade offer", "ended", []),
    "a3": ("alice", "support", "inbound", 0.95, "my router keeps dropping the line", "ended", []),
    "b1": ("bob", "support", "inbound", 0.70, "the router light is blinking red", "ended", []),
    "b2": ("bob", "sales", "outbound", 0.85, "no, I want my money back, a refund now", "ended", ["forbidden_phrase"]),
    "b3": ("bob", "support", "outbound", None, "hello? hello?", "failed", []),
}
FILLERS = [f"old-{i:02d}" for i in range(24)]  # carol's, two days before: 30 calls, more than a page of 25
ALL = set(CALLS) | set(FILLERS)
# the form's fields, as the page's query string names them
FIELDS = ("q", "agent", "team", "campaign", "from", "to", "direction", "status", "disposition", "min_adherence",
          "alert")  # fmt: skip
SELECTS = ("direction", "status")


@pytest.fixture
def floor(make_server: Any) -> Any:
    server = make_server()
    server.start(timeout_s=180)  # the tiny model loads first: slow on a busy machine
    with server.client() as admin:
        for name, team in (("alice", "red"), ("bob", "blue")):
            r = admin.post(
                "/api/users", json={"name": name, "role": "agent", "teams": [team], "password": "pw-12345678"}
            )
            assert r.status_code == 201, r.text
    store = Store(f"sqlite:///{(server.root / 'data' / 'agentassist.db').resolve()}")
    for i, (call_id, (agent, campaign, direction, score, said, status, alerts)) in enumerate(CALLS.items()):
        started = T0 + timedelta(minutes=i)
        store.create_call(call_id, direction, f"sip:{call_id}@example.org", agent, "s1", started, "", campaign)
        store.add_utterance(call_id, Utterance(f"{call_id}-u1", call_id, Channel.CUSTOMER, 1.0, 3.0, said))
        store.end_call(call_id, started + timedelta(seconds=40), status=status)
        if score is not None:
            report = {
                "script_id": "s1",
                "version": 1,
                "score": score,
                "steps": [],
                "alerts": [{"type": a} for a in alerts],
            }
            store.save_adherence(call_id, report)
    for i, call_id in enumerate(FILLERS):
        started = T0 - timedelta(days=2, minutes=i)
        store.create_call(call_id, "inbound", "sip:old@example.org", "carol", "", started, "", "old")
        store.end_call(call_id, started + timedelta(seconds=20))
    store.engine.dispose()
    return server


def _rows(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("#past tbody tr", "rows => rows.map((r) => r.dataset.call)"))


def _shows(page: Any, want: set[str]) -> None:
    """Wait until the table holds exactly ``want`` (and its count says so)."""
    try:
        wait_js(
            page,
            """want => {
                 const got = [...document.querySelectorAll('#past tbody tr')].map((r) => r.dataset.call).sort();
                 return JSON.stringify(got) === JSON.stringify(want)
                   && document.getElementById('past-count').textContent === String(want.length);
               }""",
            arg=sorted(want),
            timeout=10_000,
        )
    except Exception:
        raise AssertionError(f"the table shows {sorted(_rows(page))}, expected {sorted(want)}") from None


def _search(page: Any, **fields: str) -> None:
    """Fill the whole form (fields not named are emptied) and press Search."""
    for name in FIELDS:
        selector = f'#search [name="{name}"]'
        if name in SELECTS:
            page.select_option(selector, fields.get(name, ""))
        else:
            page.fill(selector, fields.get(name, ""))
    page.click("#search-go")


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_search_past_calls(floor: Any) -> None:
    need_chromium()
    with floor.client() as c:  # the API the form asks: a span that runs backwards is a 422
        r = c.get("/api/calls", params={"from": "2026-11-03T00:00:00Z", "to": "2026-11-02T00:00:00Z"})
        assert r.status_code == 422 and "must be after" in r.json()["detail"]
        r = c.get("/api/calls", params={"from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"})
        assert r.status_code == 200 and {call["id"] for call in r.json()["items"]} == set(CALLS)
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", floor.root))
    with chromium_browser() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, timezone_id="UTC")
        page = context.new_page()
        page.goto(f"{floor.url}/?token={floor.token}")

        # no filter: the newest page of 25, then More brings the other 5 and goes away
        newest = set(CALLS) | set(FILLERS[:19])
        _shows(page, newest)
        assert page.locator("#more").is_visible() and page.locator("#past-empty").is_hidden()
        page.click("#more")
        _shows(page, ALL)
        assert page.locator("#more").is_hidden()

        # words said: only the calls whose transcript has them; the address carries the search
        _search(page, q="refund")
        _shows(page, {"a1", "b2"})
        assert _query(page) == {"q": ["refund"]}
        _search(page, q="router keeps")
        _shows(page, {"a3"})

        _search(page, agent="alice")
        _shows(page, {"a1", "a2", "a3"})
        _search(page, team="blue")
        _shows(page, {"b1", "b2", "b3"})
        _search(page, campaign="sales", direction="outbound")
        _shows(page, {"a2", "b2"})
        _search(page, min_adherence="80")
        _shows(page, {"a1", "a3", "b2"})
        _search(page, status="failed")
        _shows(page, {"b3"})
        _search(page, alert="forbidden_phrase")
        _shows(page, {"b2"})
        _search(page, **{"from": "2026-11-02", "to": "2026-11-02"})  # one day: carol's are two days before
        _shows(page, set(CALLS))

        # a combined search survives a reload, and fills the form again
        _search(page, q="refund", min_adherence="86")
        _shows(page, {"a1"})
        assert _query(page) == {"q": ["refund"], "min_adherence": ["86"]}
        page.screenshot(path=str(shots / "call-search.png"))
        page.reload()
        _shows(page, {"a1"})
        assert page.input_value('#search [name="q"]') == "refund"
        assert page.input_value('#search [name="min_adherence"]') == "86"

        # the back button goes to the search before
        page.go_back()
        _shows(page, set(CALLS))
        assert page.input_value('#search [name="from"]') == "2026-11-02"
        assert page.input_value('#search [name="q"]') == ""

        # nothing found is said so
        _search(page, q="zebra")
        _shows(page, set())
        page.locator("#past-empty").wait_for(state="visible")
        assert page.inner_text("#past-empty") == "No calls match."
        assert page.locator("#more").is_hidden()

        # Clear: every call again, and a bare address
        page.click("#search-clear")
        _shows(page, newest)
        assert page.input_value('#search [name="q"]') == ""
        assert urlsplit(page.url).query == ""
        assert page.locator("#past-empty").is_hidden() and page.locator("#more").is_visible()

        # a bad filter: the API's 422 is named by the form, and the next search works
        _search(page, **{"from": "2026-11-03", "to": "2026-11-02"})
        wait_js(page, "document.getElementById('search-error').textContent.includes('must be after')")
        _shows(page, set())
        assert page.locator("#past-empty").is_hidden()  # not "No calls match": the search did not run
        _search(page, agent="bob")
        _shows(page, {"b1", "b2", "b3"})
        assert page.inner_text("#search-error") == ""
        page.goto(f"{floor.url}/?direction=sideways")  # a value no form field offers, from the address
        wait_js(page, "document.getElementById('search-error').textContent.includes('direction')")
        _shows(page, set())
        assert page.locator("#app").is_visible()

        # a hidden page size from the address: More pages through it
        page.goto(f"{floor.url}/?agent=bob&limit=2")
        _shows(page, {"b3", "b2"})
        page.click("#more")
        _shows(page, {"b1", "b2", "b3"})
        assert page.locator("#more").is_hidden()
        context.close()
