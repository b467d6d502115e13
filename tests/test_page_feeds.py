"""The pages' live feeds (liveFeed in common.js) as the server closes them, in a real browser.

As in test_revised_lines, the pages talk to a real `agentassist serve` for everything but their live
feeds, which Playwright's WebSocket routing plays: a drop, too slow, not allowed, the token refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import chromium_browser
from tests.test_revised_lines import CALL, Feed, serve_with_a_call

pytestmark = [pytest.mark.slow]


def _wait_sockets(page: Any, feed: Feed, n: int, within_ms: int) -> None:
    for _ in range(within_ms // 100):
        if len(feed.sockets) >= n:
            return
        page.wait_for_timeout(100)
    assert len(feed.sockets) >= n, f"expected {n} feeds opened within {within_ms} ms, got {len(feed.sockets)}"


def test_feeds_reopen_after_a_drop_and_stop_when_refused(make_server: Any) -> None:
    server, sam, lead = serve_with_a_call(make_server)
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
