"""The calibration page (/calibrations) in a real browser (Debian's chromium driven by Playwright) on a
real `agentassist serve`: two seeded calls, a scorecard, a session with two checkers whose scores come
through the API and through the page's own scoring form, closed from the page; the report tables must
show exactly the numbers GET /api/calibrations/{id}/report gives.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.store.db import Store
from tests.conftest import add_user, chromium_browser

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CARD: dict[str, Any] = {
    "name": "Helpdesk QA",
    "description": "",
    "sections": [
        {
            "id": "opening",
            "title": "Opening",
            "questions": [{"id": "greet", "text": "Greeted by the script?", "kind": "yes_no", "weight": 2}],
        },
        {
            "id": "manner",
            "title": "Manner",
            "questions": [{"id": "tone", "text": "Tone", "kind": "scale", "min": 1, "max": 5, "weight": 2}],
        },
    ],
}


def shown(x: float | None) -> str:
    """A number as the page shows it: JavaScript's String(Math.round(x * 100) / 100)."""
    return "—" if x is None else f"{math.floor(x * 100 + 0.5) / 100:g}"


def test_sessions_listed_scored_closed_and_reported(make_server: Any) -> None:
    server = make_server()
    quinn = add_user(server.config, "Quinn", "quality_checker")
    rae = add_user(server.config, "Rae", "quality_checker")
    agent = add_user(server.config, "alice", "agent")
    server.start(timeout_s=240)  # the migrations alone take a minute on a loaded machine
    store = Store(f"sqlite:///{(server.root / 'data' / 'agentassist.db').resolve()}")
    for i, call_id in enumerate(("c1", "c2")):
        store.create_call(call_id, "inbound", "sip:customer@example.org", "alice", "", T0 + timedelta(minutes=i), "")
        store.end_call(call_id, T0 + timedelta(minutes=i, seconds=90))
    store.engine.dispose()
    shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", server.root))

    def as_user(token: str) -> httpx.Client:
        return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    admin = server.client()
    r = admin.post("/api/scorecards", json=CARD)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    body = {"scorecard_id": sid, "call_ids": ["c1", "c2"], "checker_ids": ["Quinn", "Rae"], "title": "November"}
    r = admin.post("/api/calibrations", json=body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = admin.post("/api/calibrations", json={**body, "title": "December"})
    assert r.status_code == 201, r.text
    still_open = r.json()["id"]
    for token, call_id, answers in (
        (quinn, "c1", {"greet": "yes", "tone": 5}),
        (quinn, "c2", {"greet": "yes", "tone": 4}),
        (rae, "c1", {"greet": "no", "tone": 3}),
    ):
        r = as_user(token).post(
            f"/api/calls/{call_id}/evaluations", json={"scorecard_id": sid, "answers": answers, "calibration_id": cid}
        )
        assert r.status_code == 201, r.text

    with chromium_browser() as browser:
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/calibrations?token={agent}")
        page.locator("#not-allowed").wait_for(timeout=10_000)
        assert "quality checkers, team leaders, supervisors and admins" in page.locator("#not-allowed").inner_text()

        # Rae, a checker, scores c2 on the page: blind (her own score only), for the session
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/calibrations?token={rae}")
        page.locator(f'#calibrations tr[data-calibration="{cid}"]').wait_for(timeout=10_000)
        assert page.locator("#new-calibration").is_hidden()  # checkers do not open sessions
        page.click(f'#calibrations tr[data-calibration="{cid}"]')
        page.wait_for_selector(f'#session[data-calibration="{cid}"][data-status="open"]')
        assert page.locator("#close-session").is_hidden()
        c1 = page.locator('#session-calls tr[data-call="c1"]')
        # a checker of an open session scores there too: the link says for which session
        assert c1.locator("a.replay").get_attribute("href") == f"/static/replay.html?call=c1&calibration={cid}"
        assert c1.locator("td.mine").inner_text() == "scored: total 25"  # greet no: 0 of 2, tone 3 of 1..5: 0.5 × 2
        assert page.locator('#progress tr[data-checker="Quinn"] td').nth(1).inner_text() == "2 of 2"
        page.click('#session-calls tr[data-call="c2"] button.score-call')
        page.wait_for_selector('#score[data-call="c2"]')
        page.screenshot(path=str(shots / "calibration-score.png"), full_page=True)
        page.check('#score [name="q-greet"][value="yes"]')
        page.locator("#score").get_by_role("button", name="Save this score").click()
        assert "Answer every question" in page.locator("#score-error").inner_text()
        page.select_option('#score select[name="q-tone"]', "2")
        page.locator("#score").get_by_role("button", name="Save this score").click()
        page.wait_for_selector('#session-calls tr[data-call="c2"] td.mine:has-text("scored: total 62.5")')
        assert page.locator('#progress tr[data-checker="Rae"] td').nth(1).inner_text() == "2 of 2"
        assert page.locator("#report").is_hidden()

        # the other, open session: Rae follows its replay link and scores c1 there, for the session
        page.goto(f"{server.url}/calibrations?id={still_open}")
        link = page.locator('#session-calls tr[data-call="c1"] a.replay')
        link.wait_for(timeout=10_000)
        assert f"calibration={still_open}" in (link.get_attribute("href") or "")
        page.goto(f"{server.url}{link.get_attribute('href')}")
        page.wait_for_selector("body[data-ready]", timeout=20_000)
        assert "December" in page.inner_text("#calibration-note")
        page.check('#questions [name="q-greet"][value="no"]')
        page.select_option('#questions select[name="q-tone"]', "1")
        page.click("#eval-save")
        page.wait_for_selector("#eval-result[data-evaluation]", timeout=10_000)
        mine = as_user(rae).get("/api/evaluations", params={"calibration_id": still_open}).json()
        assert [(e["call_id"], e["calibration"]["id"]) for e in mine] == [("c1", still_open)], mine
        evs = as_user(rae).get("/api/evaluations", params={"calibration_id": cid}).json()
        assert {(e["call_id"], e["evaluator"], e["total"]) for e in evs} == {("c1", "Rae", 25.0), ("c2", "Rae", 62.5)}

        # the admin lists open and closed sessions, and closes one from the page
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{server.url}/calibrations?token={server.token}")
        page.locator(f'#calibrations tr[data-calibration="{still_open}"]').wait_for(timeout=10_000)
        assert page.locator("#new-calibration").is_visible()
        page.click(f'#calibrations tr[data-calibration="{cid}"]')
        page.wait_for_selector(f'#session[data-calibration="{cid}"][data-status="open"]')
        page.click("#close-session")
        page.wait_for_selector(f'#session[data-calibration="{cid}"][data-status="closed"]')
        page.locator("#report").wait_for()
        page.screenshot(path=str(shots / "calibration-report.png"), full_page=True)
        page.select_option("#status-filter", "closed")
        assert page.locator("#calibrations tbody tr[data-calibration]").evaluate_all(
            "rows => rows.map(r => [r.dataset.calibration, r.dataset.status])"
        ) == [[str(cid), "closed"]]
        page.select_option("#status-filter", "open")
        assert page.locator("#calibrations tbody tr[data-calibration]").evaluate_all(
            "rows => rows.map(r => r.dataset.calibration)"
        ) == [str(still_open)]

        report = admin.get(f"/api/calibrations/{cid}/report").json()
        assert report["status"] == "closed"
        assert [c["checker"] for c in report["checkers"]] == ["Quinn", "Rae"]

        def cell(selector: str) -> tuple[str, str]:
            node = page.locator(selector)
            assert node.count() == 1, selector
            return node.inner_text().strip(), node.get_attribute("data-value") or ""

        def same(selector: str, value: float | None) -> None:
            text, raw = cell(selector)
            assert text == shown(value), (selector, text, value)
            assert (float(raw) if raw else None) == value, (selector, raw, value)

        for c in report["checkers"]:
            row = f'#report-checkers tr[data-checker="{c["checker"]}"]'
            assert page.locator(f"{row} td").nth(1).inner_text() == str(c["evaluations"])
            same(f'{row} td[data-field="mad"]', c["mad"])
            same(f'{row} td[data-field="total_mad"]', c["total_mad"])
        for t in report["totals"]:
            row = f'#report-totals tr[data-call="{t["call_id"]}"]'
            for name, total in t["totals"].items():
                same(f'{row} td[data-checker="{name}"]', total)
            for key in ("min", "max", "stdev"):
                same(f'{row} td[data-field="{key}"]', t[key])
        for q in report["questions"]:
            first = f'#report-questions tr[data-question="{q["question_id"]}"]'
            same(f'{first}[data-call="{q["calls"][0]["call_id"]}"] td[data-field="mean_stdev"]', q["mean_stdev"])
            for c in q["calls"]:
                row = f'{first}[data-call="{c["call_id"]}"]'
                for name, answer in c["answers"].items():
                    assert page.locator(f'{row} td[data-checker="{name}"]').inner_text() == str(answer)
                for key in ("min", "max", "stdev"):
                    same(f'{row} td[data-field="{key}"]', c[key])

        # the numbers themselves: tone c1 5 vs 3, c2 4 vs 2; greet c1 yes vs no, c2 yes vs yes
        tone = next(q for q in report["questions"] if q["question_id"] == "tone")
        assert [c["stdev"] for c in tone["calls"]] == [1.0, 1.0]
        assert (
            page.locator(
                '#report-questions tr[data-question="tone"][data-call="c1"] td[data-field="stdev"]'
            ).inner_text()
            == "1"
        )
        assert (
            page.locator('#report-checkers tr[data-checker="Quinn"] td[data-field="total_mad"]').inner_text() == "50"
        )  # |100 - 25| and |87.5 - 62.5|

        # a checker reads the report once the session is closed
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/calibrations?id={cid}&token={quinn}")
        page.wait_for_selector(f'#session[data-calibration="{cid}"][data-status="closed"]', timeout=10_000)
        page.locator("#report").wait_for()
        same('#report-checkers tr[data-checker="Rae"] td[data-field="mad"]', report["checkers"][1]["mad"])
