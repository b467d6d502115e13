"""The agent panel in a real browser (Debian's chromium via Playwright) during a real call: baresip
calls `agentassist serve`, the agent's recorded speech ticks a step, and a script saved through the
API mid-call changes the next line without losing the ticked step."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SOUNDS_EN, add_user, chromium_browser, need, need_chromium

pytestmark = [pytest.mark.sip, pytest.mark.slow]

V1 = """\
id: panel
version: 1
language: en
steps:
  - id: leave-message
    say: ["Please leave your message after the tone."]
    mandatory: true
  - id: goodbye
    say: ["Goodbye and thank you for calling {company}."]
    mandatory: true
forbidden: ["hang up"]
cards:
  - id: echo
    title: Echo test
    triggers: ["echo test"]
    body: "The echo test repeats what you say."
"""
V2 = V1.replace(
    "  - id: goodbye\n",
    '  - id: callback\n    say: ["We will call you back within one business day."]\n    mandatory: true\n'
    "  - id: goodbye\n",
)


def test_panel_follows_the_agents_call_and_a_script_saved_mid_call(
    tmp_path: Path, make_server: Any, baresip: Any
) -> None:
    need("baresip", "sox")
    need_chromium()
    from playwright.sync_api import expect

    agent = tmp_path / "agent.wav"  # "Please leave your message after the tone. When done hang up or ..." from 6 s:
    # time for the panel to find the call and show the first line before anything is said
    subprocess.run(["sox", str(SOUNDS_EN / "vm-intro.wav"), str(agent), "pad", "6", "0"], check=True)
    customer = tmp_path / "customer.wav"  # the customer speaks after the agent's first line
    subprocess.run(["sox", str(SOUNDS_EN / "demo-echotest.wav"), str(customer), "pad", "13", "0"], check=True)
    server = make_server(
        audio={"agent_audio_file": str(agent)},
        assist={"default_script": "panel", "agent_name": "Sam", "company": "Acme"},
    )
    (tmp_path / "scripts" / "panel.yaml").write_text(V1)
    sam = add_user(server.config, "Sam", "agent")
    server.start()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/agent?token={sam}")
        page.locator("#idle").wait_for(timeout=10_000)
        assert page.locator("#who").inner_text() == "Sam (agent)"
        floor = browser.new_page(viewport={"width": 1280, "height": 900})  # an admin on the calls page
        floor.goto(f"{server.url}/?token={server.token}")
        floor.wait_for_selector("#conn.on", timeout=10_000)

        phone = baresip(customer)
        phone.dial(server.sip_uri, seconds=45)
        page.locator("#call").wait_for(timeout=15_000)
        page.locator("#conn.on").wait_for(timeout=10_000)
        # the first line, before anything is heard
        page.locator('#next[data-step="leave-message"]').wait_for(timeout=10_000)
        assert page.locator("#next-text").inner_text() == "Please leave your message after the tone."
        assert page.locator("#checklist li").count() == 2

        # the agent's recorded speech ticks the step; the next line moves on, variables filled
        ticked = page.locator('#checklist li.done[data-step="leave-message"]')
        ticked.wait_for(timeout=40_000)
        assert "said at" in (ticked.get_attribute("title") or "")
        assert "message" in (ticked.get_attribute("title") or "").lower()
        page.locator('#next[data-step="goodbye"]').wait_for(timeout=10_000)
        assert page.locator("#next-text").inner_text() == "Goodbye and thank you for calling Acme."
        page.locator("#transcript li.agent:not(.partial)").first.wait_for(timeout=10_000)
        alert = page.locator('#alerts .alert[data-type="forbidden_phrase"]')  # "...when done hang up..."
        alert.wait_for(timeout=10_000)
        assert "hang up" in alert.inner_text()

        # a new version saved mid-call: the panel's next line changes, the ticked step stays ticked
        r = httpx.put(
            f"{server.url}/api/scripts/panel",
            content=V2,
            headers={"Authorization": f"Bearer {server.token}", "Content-Type": "text/yaml"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2 and len(r.json()["applied_to"]) == 1
        page.locator('#next[data-step="callback"]').wait_for(timeout=10_000)
        assert page.locator("#next-text").inner_text() == "We will call you back within one business day."
        assert page.locator('#checklist li.done[data-step="leave-message"]').count() == 1
        assert page.locator("#checklist li").count() == 3
        assert "version 2" in page.locator("#script").inner_text()
        floor.locator('#active .checklist li[data-step="callback"]').wait_for(timeout=10_000)  # there too
        assert floor.locator('#active .checklist li.done[data-step="leave-message"]').count() == 1
        hint = page.locator('#checklist li[data-step="goodbye"] .say')  # the step's line, variables filled
        expect(hint).to_have_text("Goodbye and thank you for calling Acme.", timeout=10_000)

        # the customer asks about the echo test: its card comes up
        page.locator('#cards .kcard[data-card="echo"]').wait_for(timeout=40_000)
        page.screenshot(path=str(shots / "agent-panel.png"))

        phone.wait(60)
        page.locator("#ended").wait_for(timeout=30_000)

    call_id = r.json()["applied_to"][0]
    with server.client() as c:
        report = c.get(f"/api/calls/{call_id}/adherence").json()
    assert [v["version"] for v in report["versions"]] == [1, 2]
    steps = {s["id"]: s["status"] for s in report["steps"]}
    assert steps == {"leave-message": "done", "callback": "missed", "goodbye": "missed"}
