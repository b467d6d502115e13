"""The page in a real browser (Debian's chromium driven by Playwright) during and after a real call."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN, chromium_browser, need, need_chromium, voicemail_script, wait_js

pytestmark = [pytest.mark.sip, pytest.mark.slow]

SCRIPT = voicemail_script("page")


def test_page_shows_live_call_then_replays_it(tmp_path: Path, make_server: Any, baresip: Any) -> None:
    need("baresip", "sox")
    need_chromium()
    server = make_server(
        audio={"agent_audio_file": str(SOUNDS_EN / "vm-intro.wav")},
        assist={"default_script": "page"},
    )
    (tmp_path / "scripts" / "page.yaml").write_text(SCRIPT)
    server.start()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/?token={server.token}")
        page.wait_for_selector("#conn.on", timeout=10_000)  # live feed connected

        customer = tmp_path / "customer.wav"  # the customer speaks from 6 s: a line worth seeking to
        subprocess.run(["sox", str(SOUNDS_EN / "demo-echotest.wav"), str(customer), "pad", "6", "0"], check=True)
        phone = baresip(customer)
        phone.dial(server.sip_uri, seconds=12)
        card = page.locator("#active article.call")
        card.wait_for(timeout=10_000)
        assert card.locator(".call-head .agent").inner_text() == "Alex"  # whose call it is (issue 23)
        # the agent's line shows up live, and its step ticks on the checklist
        final_line = page.locator("#active .transcript li.agent:not(.partial)").first
        final_line.wait_for(timeout=20_000)
        assert "message" in final_line.inner_text().lower()
        page.locator('#active .checklist li.done[data-step="leave-message"]').wait_for(timeout=10_000)
        page.screenshot(path=str(shots / "page-live.png"))

        phone.wait(40)
        row = page.locator("#past tbody tr").first
        row.wait_for(timeout=30_000)
        assert page.locator("#active article.call").count() == 0
        row.click()
        page.locator("#replay-transcript li").first.wait_for(timeout=10_000)
        duration = wait_js(
            page,
            "() => { const a = document.getElementById('player'); return a.duration > 5 ? a.duration : null; }",
            timeout=10_000,
        )
        assert duration > 10
        target = page.locator("#replay-transcript li.customer").first
        start = float(target.get_attribute("data-start") or 0)
        assert start > 4, start
        target.click()
        wait_js(page, f"() => Math.abs(document.getElementById('player').currentTime - {start}) < 1.5", timeout=10_000)
        assert page.locator('#replay-steps li.missed[data-step="goodbye"]').count() == 1
        page.screenshot(path=str(shots / "page-replay.png"))
