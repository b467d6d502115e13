"""The correction loop in a real browser (Debian's chromium driven by Playwright) on a real `agentassist
serve` with real speech: the agent of call 1 says a step's line in words the checklist does not
match, a quality checker marks the step said on the replay page picking that utterance, the editor
accepts the offered wording on the scripts page, and call 2, with the same words, ticks the step."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SOUNDS_EN, chromium_browser, need, need_chromium

pytestmark = [pytest.mark.sip, pytest.mark.slow]

# The agent plays vm-intro ("Please leave your message after the tone. When done hang up or press the
# pound key."): not one content word of this line, nor its meaning.
SCRIPT = """id: refunds
version: 1
language: en
steps:
  - id: refund
    say: ["Your refund has been approved and is on its way to your card."]
    mandatory: true
"""


def _call(server: Any, baresip: Any, audio: Path, admin: httpx.Client) -> dict[str, Any]:
    """A call from the customer's phone, once it ended and its checklist is stored: its adherence report."""
    before = {c["id"] for c in admin.get("/api/calls").json()["items"]}
    phone = baresip(audio)
    phone.dial(server.sip_uri, seconds=9)  # vm-intro is 5.7 s
    phone.wait(40)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [c for c in admin.get("/api/calls").json()["items"] if c["id"] not in before]
        if new and new[0]["status"] == "ended":
            r = admin.get(f"/api/calls/{new[0]['id']}/adherence")
            if r.status_code == 200:
                return {"call_id": new[0]["id"], **r.json()}
        time.sleep(0.3)
    raise AssertionError(f"the call did not end with a checklist: {server.log()}")


def test_a_checkers_mark_becomes_a_wording_that_the_next_call_ticks(
    tmp_path: Path, make_server: Any, baresip: Any
) -> None:
    need("baresip", "sox")
    need_chromium()
    server = make_server(
        audio={"agent_audio_file": str(SOUNDS_EN / "vm-intro.wav")}, assist={"default_script": "refunds"}
    )
    (tmp_path / "scripts" / "refunds.yaml").write_text(SCRIPT)
    server.start(timeout_s=240)  # the migrations alone take a minute on a loaded machine
    silence = tmp_path / "customer.wav"  # the customer only listens
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(silence), "trim", "0", "10"], check=True)
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))

    with server.client() as admin:
        first = _call(server, baresip, silence, admin)
        call_id = first["call_id"]
        [step] = first["steps"]
        assert step["status"] != "done", step  # the checklist missed it
        said = [
            u for u in admin.get(f"/api/calls/{call_id}/transcript").json()["utterances"] if u["channel"] == "agent"
        ]
        assert said and "message" in said[0]["text"].lower(), said
        r = admin.post("/api/users", json={"name": "quinn", "role": "quality_checker"})
        assert r.status_code == 201, r.text
        quinn = r.json()["token"]
        assert admin.post("/api/assignments", json={"call_id": call_id, "checker": "quinn"}).status_code == 201
        question = {"id": "refund", "text": "Refund confirmed?", "kind": "yes_no", "adherence_step": "refund"}
        card = {"name": "QA", "description": "", "sections": [{"id": "s", "title": "S", "questions": [question]}]}
        assert admin.post("/api/scorecards", json=card).status_code == 201

        with chromium_browser() as browser:
            # the checker marks the step said, picking the agent's line that said it
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{server.url}/static/replay.html?call={call_id}&token={quinn}")
            page.wait_for_selector("body[data-ready]", timeout=30_000)
            assert page.locator('#eval-form [name="q-refund"][value="no"]').is_checked()  # from the checklist
            page.click('#steps button.mark-step[data-step="refund"]')
            picker = page.locator("#steps .mark-picker")
            picker.locator(f'input[value="{said[0]["id"]}"]').check()
            picker.locator("button.offer").click()
            page.locator('#steps .mark.said[data-status="pending"]').wait_for(timeout=10_000)
            assert "quinn" in page.locator("#steps .mark.said").inner_text()
            assert page.locator('#eval-form [name="q-refund"][value="yes"]').is_checked()  # the form follows it
            page.screenshot(path=str(shots / "replay-mark.png"), full_page=True)

            [offer] = admin.get("/api/scripts/refunds/offers", params={"status": "pending"}).json()
            assert (offer["mark"], offer["step_id"], offer["checker"]) == ("said", "refund", "quinn")
            assert offer["utterance_ids"] == [said[0]["id"]] and offer["text"] == " ".join(said[0]["text"].split())

            # the editor sees it waiting on the scripts page and accepts it
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/scripts?token={server.token}")
            page.click('#pending-offers li[data-script="refunds"]', timeout=10_000)
            page.wait_for_selector('#editor[data-version="1"]')
            item = page.locator(f'#offers li[data-offer="{offer["id"]}"]')
            assert item.locator("input.wording").input_value() == offer["text"]
            page.screenshot(path=str(shots / "scripts-offer.png"), full_page=True)
            item.locator("button.accept").click()
            page.wait_for_selector('#editor[data-version="2"]', timeout=10_000)
            assert "Accepted" in page.locator("#save-status").inner_text()
            assert offer["text"] in page.locator("#yaml").input_value()
            # nothing pending any more: the list is fetched again after the new version and its history
            page.wait_for_selector("#offers-box", state="hidden", timeout=10_000)

        v2 = admin.get("/api/scripts/refunds").json()
        assert v2["version"] == 2 and v2["summary"]["steps"][0]["say"][-1] == offer["text"]
        marks = admin.get(f"/api/calls/{call_id}/step-marks").json()
        assert [(m["status"], m["accepted_version"], m["decided_by"]) for m in marks] == [("accepted", 2, "Alex")]

        # the next call, with the same words, ticks the step on the new wording
        second = _call(server, baresip, silence, admin)
        assert second["version"] == 2
        [step] = second["steps"]
        assert step["status"] == "done", (step, second)
        assert "message" in step["evidence"]["text"].lower()
