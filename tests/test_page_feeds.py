"""The pages' shared transcript lines and live feeds (common.js), in a real browser.

As in test_revised_lines, the pages talk to a real `agentassist serve` for everything but their live
feeds, which Playwright's WebSocket routing plays: an utterance id that an unescaped selector would
choke on, and the server closing a feed (a drop, too slow, not allowed, the token refused).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from agentassist.events import Channel, Utterance, utterance_event
from agentassist.store.db import Store
from tests.conftest import add_user, chromium_browser, need_chromium
from tests.test_revised_lines import CALL, Feed

pytestmark = [pytest.mark.slow]

ODD_ID = 'u"1] \\ x'  # breaks `[data-utt="${id}"]` unless escaped
PARTIAL = "the customer wants"
FINAL = "the customer wants a refund"


def _said(text: str, *, final: bool) -> str:
    u = Utterance(ODD_ID, CALL, Channel.CUSTOMER, 1.0, 3.5, text, final=final)
    return json.dumps(utterance_event(u).to_json())


def _partial_then_final(page: Any, feed: Feed, lines: str) -> None:
    """A partial shows as one line; its final replaces that line's text: one line, no longer partial."""
    feed.send(page, _said(PARTIAL, final=False))
    page.locator(f"{lines}.partial").filter(has_text=PARTIAL).wait_for(timeout=10_000)
    feed.send(page, _said(FINAL, final=True))
    page.locator(f"{lines}:not(.partial)").filter(has_text=FINAL).wait_for(timeout=10_000)
    assert page.locator(lines).count() == 1
    assert page.locator(lines).first.get_attribute("data-utt") == ODD_ID


def _wait_sockets(page: Any, feed: Feed, n: int, within_ms: int) -> None:
    for _ in range(within_ms // 100):
        if len(feed.sockets) >= n:
            return
        page.wait_for_timeout(100)
    assert len(feed.sockets) >= n, f"expected {n} feeds opened within {within_ms} ms, got {len(feed.sockets)}"


def test_lines_with_an_odd_id_show_and_update_on_every_live_page(make_server: Any) -> None:
    need_chromium()
    server = make_server()
    sam = add_user(server.config, "Sam", "agent")
    lead = add_user(server.config, "Lee", "supervisor", "--all-teams")
    server.start()
    store = Store(f"sqlite:///{server.root / 'data' / 'agentassist.db'}")
    store.create_call(CALL, "inbound", "sip:customer@127.0.0.1", "Sam", None, datetime.now(UTC), "")
    tile = f'#wall article.tile[data-call="{CALL}"]'

    with chromium_browser() as browser:
        wall = browser.new_page()
        hello = {"type": "wall.snapshot", "calls": [{"call_id": CALL, "agent": "Sam", "duration_s": 3.0}], "lines": 6}
        feed = Feed(wall, "/api/wall", hello)
        wall.goto(f"{server.url}/wall?token={lead}")
        wall.locator(tile).wait_for(timeout=10_000)
        _partial_then_final(wall, feed, f"{tile} .lines li")

        drill = Feed(wall, f"/api/calls/{CALL}/live")
        wall.locator(tile).click()
        _partial_then_final(wall, drill, "#drill-transcript li")

        calls = browser.new_page()
        feed = Feed(calls, "/api/live")
        calls.goto(f"{server.url}/?token={lead}")
        calls.locator(f'#active [data-call="{CALL}"]').wait_for(timeout=10_000)
        _partial_then_final(calls, feed, f'#active [data-call="{CALL}"] .transcript li')

        panel = browser.new_page()
        feed = Feed(panel, f"/api/calls/{CALL}/live")
        panel.goto(f"{server.url}/agent?token={sam}")
        panel.locator("#call").wait_for(timeout=15_000)
        _partial_then_final(panel, feed, "#transcript li")
        assert panel.locator("#transcript li .who").inner_text().startswith("customer · 0:01")


def test_feeds_reopen_after_a_drop_and_stop_when_refused(make_server: Any) -> None:
    need_chromium()
    server = make_server()
    sam = add_user(server.config, "Sam", "agent")
    lead = add_user(server.config, "Lee", "supervisor", "--all-teams")
    server.start()
    store = Store(f"sqlite:///{server.root / 'data' / 'agentassist.db'}")
    store.create_call(CALL, "inbound", "sip:customer@127.0.0.1", "Sam", None, datetime.now(UTC), "")

    with chromium_browser() as browser:
        # the calls page: a dropped feed shows offline, and opens again 2 s later
        calls = browser.new_page()
        feed = Feed(calls, "/api/live")
        calls.goto(f"{server.url}/?token={lead}")
        calls.locator("#conn.on").wait_for(timeout=10_000)
        _wait_sockets(calls, feed, 1, 10_000)
        feed.sockets[0].close(code=1011, reason="gone")
        calls.locator("#conn.off").filter(has_text="offline").wait_for(timeout=5_000)
        _wait_sockets(calls, feed, 2, 6_000)
        calls.locator("#conn.on").filter(has_text="live").wait_for(timeout=5_000)

        # the wall: too slow (4408) opens again at once for a fresh snapshot; not allowed (4403) ends it
        wall = browser.new_page()
        feed = Feed(wall, "/api/wall", {"type": "wall.snapshot", "calls": [], "lines": 6})
        wall.goto(f"{server.url}/wall?token={lead}")
        _wait_sockets(wall, feed, 1, 10_000)
        feed.sockets[0].close(code=4408, reason="too slow")
        _wait_sockets(wall, feed, 2, 1_500)
        feed.sockets[1].close(code=4403, reason="not for this account")
        wall.locator("#not-allowed").filter(has_text="not for this account").wait_for(timeout=5_000)
        wall.wait_for_timeout(2_500)
        assert len(feed.sockets) == 2, "a refused feed was opened again"

        # the agent panel: the token refused (4401) signs out
        panel = browser.new_page()
        feed = Feed(panel, f"/api/calls/{CALL}/live")
        panel.goto(f"{server.url}/agent?token={sam}")
        _wait_sockets(panel, feed, 1, 15_000)
        feed.sockets[0].close(code=4401, reason="token")
        panel.locator("#login:not([hidden])").wait_for(timeout=5_000)
        assert panel.locator("#login-error").inner_text() == "The token was refused: sign in again."
