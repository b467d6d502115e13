"""The replay page in a real browser (Debian's chromium driven by Playwright) on a real recorded call:
a quality checker signs in, plays the call, seeks from the transcript and the checklist, sees the
paused span and both channels' waveforms, and saves an evaluation that the API then returns; the
call's agent disputes it on the same page."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SOUNDS_EN, chromium_browser, need, need_chromium, voicemail_script, wait_js

pytestmark = [pytest.mark.sip, pytest.mark.slow]

CARD: dict[str, Any] = {
    "name": "Voicemail QA",
    "description": "",
    "sections": [
        {"id": "script", "title": "Script", "questions": [
            {"id": "message", "text": "Asked to leave a message?", "kind": "yes_no", "adherence_step": "leave-message"},
            {"id": "bye", "text": "Said goodbye?", "kind": "yes_no", "adherence_step": "goodbye", "na_allowed": True},
        ]},
        {"id": "manner", "title": "Manner", "questions": [
            {"id": "tone", "text": "Tone", "kind": "scale", "min": 1, "max": 5},
        ]},
    ],
}  # fmt: skip
SEEK_TOLERANCE_S = 0.3


def _recorded_call(server: Any, phone: Any, admin: httpx.Client) -> str:
    """Place the call; pause the recording for a second while it runs; the call's id once it ended."""
    deadline = time.monotonic() + 20
    call_id = ""
    while not call_id and time.monotonic() < deadline:
        active = admin.get("/api/calls", params={"status": "active"}).json()["items"]
        call_id = active[0]["id"] if active else ""
        time.sleep(0.2)
    assert call_id, "the call never became active"
    time.sleep(4.5)  # after the agent's "leave your message" line, before the customer speaks (6 s)
    assert admin.post(f"/api/calls/{call_id}/pause").status_code == 200
    time.sleep(1)
    assert admin.post(f"/api/calls/{call_id}/resume").status_code == 200
    phone.wait(40)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        call = admin.get(f"/api/calls/{call_id}").json()
        if call["status"] == "ended" and admin.get(f"/api/calls/{call_id}/adherence").status_code == 200:
            return call_id
        time.sleep(0.3)
    raise AssertionError(f"call {call_id} did not end: {server.log()}")


def _jumped_to(page: Any) -> float:
    """Where the player went at the last seek the page made (read as the seek starts, so a busy
    machine's delay before the test looks does not count playback after it)."""
    found = wait_js(page, "() => window.seeks.length ? [window.seeks.pop()] : null", timeout=10_000)
    return float(found[0])


def test_checker_replays_seeks_and_evaluates(tmp_path: Path, make_server: Any, baresip: Any) -> None:
    need("baresip", "sox")
    need_chromium()
    server = make_server(
        audio={"agent_audio_file": str(SOUNDS_EN / "vm-intro.wav")},
        assist={"default_script": "page"},
    )
    (tmp_path / "scripts" / "page.yaml").write_text(voicemail_script("page"))
    server.start()
    customer = tmp_path / "customer.wav"  # the customer speaks from 6 s: a line worth seeking to
    subprocess.run(["sox", str(SOUNDS_EN / "demo-echotest.wav"), str(customer), "pad", "6", "0"], check=True)
    phone = baresip(customer)
    phone.dial(server.sip_uri, seconds=12)
    with server.client() as admin:
        call_id = _recorded_call(server, phone, admin)
        r = admin.post("/api/users", json={"name": "quinn", "role": "quality_checker", "password": "quinn-secret"})
        assert r.status_code == 201, r.text
        assert admin.post("/api/assignments", json={"call_id": call_id, "checker": "quinn"}).status_code == 201
        assert admin.post("/api/scorecards", json=CARD).status_code == 201
        pause = admin.get(f"/api/calls/{call_id}").json()["pauses"][0]

    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{server.url}/static/replay.html?call={call_id}")
        page.fill("#login-name", "quinn")
        page.fill("#login-password", "quinn-secret")
        page.click("#login-form button")
        page.wait_for_selector("body[data-ready]", timeout=30_000)
        assert "quinn" in page.inner_text("#who")

        # both channels are drawn, each in its own lane; the paused second is marked where it was
        inked = page.evaluate(
            """() => { const c = document.getElementById('wave-canvas'); const g = c.getContext('2d');
                const ink = (y0, y1) => { const d = g.getImageData(0, y0, c.width, y1 - y0).data; let n = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i + 2] !== d[i]) n++; return n; };
                return [ink(0, c.height / 2 - 2), ink(c.height / 2 + 2, c.height)]; }"""
        )
        assert inked[0] > 0 and inked[1] > 0, inked
        span = page.locator("#wave-spans .span.pause")
        assert span.count() == 1
        assert abs(float(span.get_attribute("data-start") or -1) - pause["start"]) < 0.01

        # it plays
        page.evaluate("document.getElementById('player').play()")
        wait_js(page, "() => document.getElementById('player').currentTime > 1", timeout=20_000)

        # a click on a transcript line seeks to its start, and the line is highlighted
        page.evaluate(
            """() => { window.seeks = []; const a = document.getElementById('player'); a.pause();
                a.addEventListener('seeking', () => window.seeks.push(a.currentTime)); }"""
        )
        line = page.locator("#transcript li.customer").first
        start = float(line.get_attribute("data-start") or 0)
        assert start > 4, start
        line.click()
        at = _jumped_to(page)
        assert abs(at - start) <= SEEK_TOLERANCE_S, (at, start)
        wait_js(
            page,
            "(start) => { const li = document.querySelector('#transcript li.playing');"
            " return li && Number(li.dataset.start) === start; }",
            arg=start,
            timeout=5_000,
        )

        # the checklist's evidence is linked to its moment
        step = page.locator('#steps li.done[data-step="leave-message"]')
        t = float(step.get_attribute("data-t") or -1)
        step.click()
        at = _jumped_to(page)
        assert abs(at - t) <= SEEK_TOLERANCE_S, (at, t)

        # the form comes pre-filled from the checklist; the checker changes one answer, scores tone,
        # and leaves a remark at the moment the player is at
        page.evaluate("document.getElementById('player').pause()")
        assert page.locator('#eval-form [name="q-message"][value="yes"]').is_checked()
        assert page.locator('#eval-form [name="q-bye"][value="no"]').is_checked()
        page.check('#eval-form [name="q-bye"][value="na"]')
        page.select_option('#eval-form select[name="q-tone"]', "4")
        page.evaluate("document.getElementById('player').currentTime = 3.2")
        wait_js(page, "() => Math.abs(document.getElementById('player').currentTime - 3.2) < 0.05")
        page.fill("#comment-text", "calm and clear")
        page.select_option("#comment-question", "tone")
        page.click("#comment-add")
        page.click("#eval-save")
        page.wait_for_selector("#eval-result[data-evaluation]", timeout=20_000)
        page.locator("#evaluations li[data-evaluation]").wait_for(timeout=5_000)
        page.screenshot(path=str(shots / "replay.png"), full_page=True)
        token = page.evaluate("localStorage.getItem('agentassist.token')")

        # the call's agent (Alex, the server's first user) reads it on the same page and disputes it
        agent_page = browser.new_page(viewport={"width": 1280, "height": 1000})
        agent_page.goto(f"{server.url}/static/replay.html?call={call_id}&token={server.token}")
        agent_page.wait_for_selector("body[data-ready]", timeout=30_000)
        agent_page.fill("#evaluations .dispute-reason", "the tone was fine")
        agent_page.click("#evaluations button.dispute")
        agent_page.wait_for_selector('#evaluations li[data-status="disputed"]', timeout=10_000)

    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as quinn:
        saved = quinn.get(f"/api/calls/{call_id}/evaluations").json()
    assert len(saved) == 1
    ev = saved[0]
    assert ev["evaluator"] == "quinn" and ev["answers"] == {"message": "yes", "bye": "na", "tone": 4}
    assert ev["total"] == 87.5  # message 1 of 1, tone (4-1)/(5-1) of 1; bye n/a
    assert ev["comments"] == [{"t": 3.2, "text": "calm and clear", "question_id": "tone"}]
    assert ev["status"] == "disputed" and ev["dispute"]["reason"] == "the tone was fine"
