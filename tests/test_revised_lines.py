"""A revised final replaces its line on every page that shows live lines, in a real browser.

The pages (Debian's chromium via Playwright) talk to a real `agentassist serve` and a real call row
for everything but their live feeds. Those are played by Playwright's WebSocket routing with events
made by agentassist's own classes (``utterance_event``), so the revision surely comes, after its final:
the wall's tile and its drill-down, the calls page's live card, and the agent panel. The same pages
show a line whose id needs escaping in a selector, and replace its partial with its final.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentassist.events import Channel, Utterance, utterance_event
from agentassist.store.db import Store
from tests.conftest import add_user, chromium_browser, need_chromium

pytestmark = [pytest.mark.slow]

CALL = "c0ffee00-0000-4000-8000-000000000001"
LIVE = "the customer wants a refund for the order"
REVISED = "the customer wants a refund for the border"  # what the turn's revision heard instead
CUT = "dot org"  # a word cut in two at a pause: the revision gives it whole to the line before


def _event(text: str, *, revised: bool = False, utterance_id: str = "u1", final: bool = True) -> str:
    u = Utterance(utterance_id, CALL, Channel.CUSTOMER, 1.0, 3.5, text, final=final, revised=revised)
    return json.dumps(utterance_event(u).to_json())


class Feed:
    """One page's live WebSocket, answered by the test instead of the server."""

    def __init__(self, page: Any, path: str, hello: dict[str, Any] | None = None) -> None:
        self.sockets: list[Any] = []
        self.hello = hello

        def accept(ws: Any) -> None:
            self.sockets.append(ws)
            if self.hello is not None:
                ws.send(json.dumps(self.hello))

        page.route_web_socket(re.compile(re.escape(path) + r"(\?|$)"), accept)

    def send(self, page: Any, message: str) -> None:
        for _ in range(100):  # the page asks for a ticket (POST /api/ws-ticket) before it opens the feed
            if self.sockets:
                break
            page.wait_for_timeout(100)
        assert self.sockets, "the page did not open its feed"
        self.sockets[-1].send(message)


def _revision_replaces_the_line(page: Any, feed: Feed, line: str) -> None:
    """final → the line shows it; a revision of another id adds nothing; the revision replaces the text."""
    feed.send(page, _event(LIVE))
    page.locator(line).filter(has_text=LIVE).wait_for(timeout=10_000)
    feed.send(page, _event("never shown", revised=True, utterance_id="u-gone"))
    feed.send(page, _event(REVISED, revised=True))
    page.locator(line).filter(has_text=REVISED).wait_for(timeout=10_000)
    texts = page.locator(line).all_inner_texts()
    assert len(texts) == 1 and REVISED in texts[0] and "never shown" not in texts[0], texts
    # a line revised to no text (its words went to a neighbour's word) goes
    feed.send(page, _event(CUT, utterance_id="u2"))
    page.locator(line).filter(has_text=CUT).wait_for(timeout=10_000)
    feed.send(page, _event("", revised=True, utterance_id="u2"))
    page.locator(line).filter(has_text=CUT).wait_for(state="detached", timeout=10_000)
    texts = page.locator(line).all_inner_texts()
    assert len(texts) == 1 and REVISED in texts[0], texts


ODD_ID = 'u"1] \\ x'  # breaks a selector `[data-utt="${id}"]` that does not escape it
PARTIAL = "please hold"
FINAL = "please hold the line"


def _partial_then_final(page: Any, feed: Feed, line: str) -> None:
    """An utterance whose id needs escaping: its partial shows, its final replaces that line's text."""
    feed.send(page, _event(PARTIAL, utterance_id=ODD_ID, final=False))
    page.locator(f"{line}.partial").filter(has_text=PARTIAL).wait_for(timeout=10_000)
    feed.send(page, _event(FINAL, utterance_id=ODD_ID))
    page.locator(f"{line}:not(.partial)").filter(has_text=FINAL).wait_for(timeout=10_000)
    odd = page.locator(line).filter(has_text=PARTIAL)
    assert odd.count() == 1 and odd.get_attribute("data-utt") == ODD_ID


def serve_with_a_call(make_server: Any) -> tuple[Any, str, str]:
    """A served floor with agent Sam, supervisor Lee (every team) and an active call of Sam's, CALL.

    Returns the server and the API tokens of Sam and Lee.
    """
    need_chromium()
    server = make_server()
    sam = add_user(server.config, "Sam", "agent")
    lead = add_user(server.config, "Lee", "supervisor", "--all-teams")
    server.start()
    store = Store(f"sqlite:///{server.root / 'data' / 'agentassist.db'}")
    store.create_call(CALL, "inbound", "sip:customer@127.0.0.1", "Sam", None, datetime.now(UTC), "")
    return server, sam, lead


def test_a_revised_final_replaces_its_line_on_every_live_page(tmp_path: Path, make_server: Any) -> None:
    server, sam, lead = serve_with_a_call(make_server)

    with chromium_browser() as browser:
        wall = browser.new_page()
        tile = {"call_id": CALL, "agent": "Sam", "remote": "sip:customer@127.0.0.1", "duration_s": 3.0}
        feed = Feed(wall, "/api/wall", {"type": "wall.snapshot", "calls": [tile], "lines": 6})
        wall.goto(f"{server.url}/wall?token={lead}")
        wall.locator(f'#wall article.tile[data-call="{CALL}"]').wait_for(timeout=10_000)
        _revision_replaces_the_line(wall, feed, f'#wall article.tile[data-call="{CALL}"] .lines li:not(.partial)')
        _partial_then_final(wall, feed, f'#wall article.tile[data-call="{CALL}"] .lines li')

        drill = Feed(wall, f"/api/calls/{CALL}/live")
        wall.locator(f'#wall article.tile[data-call="{CALL}"]').click()
        wall.locator("#drill:not([hidden])").wait_for(timeout=10_000)
        _revision_replaces_the_line(wall, drill, "#drill-transcript li:not(.partial)")
        _partial_then_final(wall, drill, "#drill-transcript li")

        calls = browser.new_page()
        feed = Feed(calls, "/api/live")
        calls.goto(f"{server.url}/?token={lead}")
        calls.locator(f'#active [data-call="{CALL}"]').wait_for(timeout=10_000)
        _revision_replaces_the_line(calls, feed, f'#active [data-call="{CALL}"] .transcript li')
        _partial_then_final(calls, feed, f'#active [data-call="{CALL}"] .transcript li')

        panel = browser.new_page()
        feed = Feed(panel, f"/api/calls/{CALL}/live")
        panel.goto(f"{server.url}/agent?token={sam}")
        panel.locator("#call").wait_for(timeout=15_000)
        _revision_replaces_the_line(panel, feed, "#transcript li:not(.partial)")
        _partial_then_final(panel, feed, "#transcript li")
