"""The supervisor wall in a real browser (Debian's chromium driven by Playwright) during a real call.

baresip calls `agentassist serve`; a supervisor watches /wall. In the page, a second WebSocket on
/api/live notes when each ``utterance.final`` arrives, and a MutationObserver notes when its text
shows as a final line on the wall: the line must show within 1 s of the event.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import SOUNDS_EN, add_user, chromium_browser, need, need_chromium, voicemail_script, wait_js

pytestmark = [pytest.mark.sip, pytest.mark.slow]

SCRIPT = voicemail_script("wall")
PROBE = """async () => {
  window.finals = {};  // utterance id -> when the parallel feed got its final
  window.shown = {};  // utterance id -> when the wall first showed it as a final line
  const mark = () => {
    for (const li of document.querySelectorAll("#wall .lines li:not(.partial)")) {
      if (!(li.dataset.utt in window.shown)) window.shown[li.dataset.utt] = Date.now();
    }
  };
  new MutationObserver(mark).observe(document.getElementById("wall"),
    { subtree: true, childList: true, attributes: true, characterData: true });
  const ws = await openSocket("/api/live");  // the page's own helper: a one-use ticket
  return await new Promise((resolve, reject) => {
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "utterance.final") window.finals[m.utterance.id] = { t: Date.now(), text: m.utterance.text };
    };
    ws.onopen = () => resolve(true);
    ws.onerror = () => reject(new Error("the parallel feed did not open"));
  });
}"""


def test_wall_shows_a_live_call_within_a_second(tmp_path: Path, make_server: Any, baresip: Any) -> None:
    need("baresip")
    need_chromium()
    server = make_server(
        audio={"agent_audio_file": str(SOUNDS_EN / "vm-intro.wav")},
        assist={"default_script": "wall"},
    )
    (tmp_path / "scripts" / "wall.yaml").write_text(SCRIPT)
    supervisor = add_user(server.config, "Sam", "supervisor", "--all-teams")
    agent = add_user(server.config, "Casey", "agent")
    server.start()

    ws_url = server.url.replace("http://", "ws://")
    with connect(f"{ws_url}/api/wall", proxy=None, additional_headers={"Authorization": f"Bearer {agent}"}) as refused:
        with pytest.raises(ConnectionClosed) as closed:
            refused.recv(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/?token={supervisor}")
        page.wait_for_selector("#conn.on", timeout=10_000)
        assert page.locator("#wall-link").get_attribute("href") == "/wall"
        page.goto(f"{server.url}/wall")  # signed in from the first page
        page.wait_for_selector("#conn.on", timeout=10_000)
        assert page.evaluate(PROBE) is True

        phone = baresip(SOUNDS_EN / "demo-echotest.wav")
        phone.dial(server.sip_uri, seconds=12)
        tile = page.locator("#wall article.tile[data-call]")  # Casey, an agent with no phone, is offline
        tile.wait_for(timeout=10_000)
        assert page.locator("#wall [data-agent=Casey]").get_attribute("data-state") == "offline"
        assert tile.locator(".agent").inner_text() == "Alex"
        assert "leave-message" in tile.locator(".step").inner_text()  # the step the script opens with
        line = page.locator("#wall .lines li.agent:not(.partial)").first
        line.wait_for(timeout=30_000)
        assert "message" in line.inner_text().lower()
        timer = tile.locator(".timer").inner_text()
        wait_js(page, f"() => document.querySelector('#wall .timer').textContent !== {timer!r}")
        page.screenshot(path=str(shots / "wall-live.png"))

        tile.click()  # drill into the call: its whole transcript, live
        page.locator("#drill-transcript li").first.wait_for(timeout=10_000)
        assert "message" in page.locator("#drill-transcript").inner_text().lower()
        page.screenshot(path=str(shots / "wall-drill.png"))

        phone.wait(40)
        page.wait_for_selector("#wall article.tile[data-call]", state="detached", timeout=30_000)
        finals: dict[str, Any] = page.evaluate("window.finals")
        shown: dict[str, int] = page.evaluate("window.shown")

    spoken = {uid: f for uid, f in finals.items() if f["text"].strip()}
    assert spoken, f"no final utterance came on the feed: {finals}"
    delays_ms = {uid: shown[uid] - f["t"] for uid, f in spoken.items() if uid in shown}
    assert set(delays_ms) == set(spoken), f"finals never shown on the wall: {set(spoken) - set(shown)}"
    print(f"wall: utterance.final event -> line on the wall, ms: {sorted(delays_ms.values())}")
    assert max(delays_ms.values()) <= 1000, delays_ms
