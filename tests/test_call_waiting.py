"""A second inbound call while one is up (`[sip] second_call = "ring"`, the default), against real
customer phones (baresip): it rings instead of being answered; answering it puts the first call on
hold (the agent clicks Answer on the agent panel, in Chromium); a third is declined with 486 and
kept as a failed call, reason "declined". Only the phone's own agent (or a supervisor, team leader,
admin) may see and answer what rings; another agent's requests go to their own desk."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN, add_user, chromium_browser, need_chromium
from tests.test_call_control import _wait

pytestmark = [pytest.mark.sip, pytest.mark.slow]


def test_a_second_call_rings_and_answering_holds_the_first(make_server: Any, baresip: Any) -> None:
    need_chromium()
    server = make_server(sip={"second_call": "ring"}, assist={"agent_name": "sam"})
    server.start()
    sam = add_user(server.config, "sam", "agent")
    other = add_user(server.config, "olga", "agent")
    first, second, third = (baresip(SOUNDS_EN / "demo-congrats.wav") for _ in range(3))
    with server.client() as client:

        def active() -> list[dict[str, Any]]:
            return list(client.get("/api/calls", params={"status": "active"}).json()["items"])

        def ringing(token: str = server.token) -> list[dict[str, Any]]:
            r = client.get("/api/ringing", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
            return list(r.json())

        first.dial(server.sip_uri, seconds=40)
        one = _wait(active, 15, "the first call was not answered")[0]
        assert ringing() == []

        second.dial(server.sip_uri, seconds=30)
        waiting = _wait(ringing, 10, "the second call did not ring")
        assert len(waiting) == 1 and second.uri.split("@")[0] in waiting[0]["remote"], waiting
        time.sleep(1)
        assert [c["id"] for c in active()] == [one["id"]], "the second call was answered by itself"
        assert ringing(sam) == waiting  # the phone's agent sees it; another agent may not
        own = client.get("/api/ringing", headers={"Authorization": f"Bearer {other}"})
        detail = own.json()["detail"]  # olga's own desk, not connected: nothing of sam's phone is said
        assert own.status_code == 409 and "olga" in detail and "sam" not in detail, own.text
        denied = client.get("/api/ringing", params={"agent": "sam"}, headers={"Authorization": f"Bearer {other}"})
        assert denied.status_code == 403 and "own phone" in denied.json()["detail"], denied.text

        # sam answers on the agent panel, in a real browser
        with chromium_browser() as browser:
            page = browser.new_page()
            page.goto(f"{server.url}/agent?token={sam}")
            ring = page.locator(f'#ringing .ring[data-call="{waiting[0]["id"]}"]')
            ring.wait_for(timeout=10_000)
            assert "Incoming call from" in ring.inner_text()
            ring.locator("button.answer").click()
            page.locator("#ringing").wait_for(state="hidden", timeout=10_000)
        both = _wait(lambda: len(active()) == 2 and active(), 10, "the second call was not answered")
        assert {c["id"] for c in both} == {one["id"], waiting[0]["id"]}
        holds = _wait(lambda: client.get(f"/api/calls/{one['id']}").json()["holds"], 5, "the first call was not held")
        assert holds[0]["by"] == "agent" and holds[0]["end"] is None, holds
        assert ringing() == []
        gone = client.post(f"/api/ringing/{waiting[0]['id']}/answer")
        assert gone.status_code == 404 and "ringing" in gone.json()["detail"], gone.text

        third.dial(server.sip_uri, seconds=20)
        waiting = _wait(ringing, 10, "the third call did not ring")
        assert client.post(f"/api/ringing/{waiting[0]['id']}/decline").status_code == 204

        def declined() -> dict[str, Any] | None:
            call = client.get(f"/api/calls/{waiting[0]['id']}")
            return call.json() if call.status_code == 200 else None

        call = _wait(declined, 10, "the declined call was not kept")
        assert call["status"] == "failed" and call["end_reason"] == "declined", call
        assert len(active()) == 2
    for phone in (first, second, third):
        phone.stop()
