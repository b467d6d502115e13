"""A quality checker's day on the replay page in a real browser (Debian's chromium driven by
Playwright) against the real app under a real uvicorn: three ended calls with real stereo recordings,
transcripts and checklists are assigned to the checker, who opens the first from "my queue" on the
calls page and evaluates all three with the keyboard only - speed, a skip, the transcript search,
answering, a comment, saving with ctrl+enter and "n" for the next call. The evaluations the API then
returns are the ones typed; the form is read-only after each save; the agent of the auto-failed call
sees the answer that failed it. A leader builds a calibration session by ticking calls and checkers,
and reads its report against a reference checker's answers. Both run in Russian too (a Russian
browser): everything found by id, role and data, the page's words from the dictionary."""

from __future__ import annotations

import math
import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served
from tests.conftest import chromium_browser, need_chromium, wait_js
from tests.i18n_strings import tr

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
USERS = {"ada": "admin", "alice": "agent", "quinn": "quality_checker", "rae": "quality_checker"}
CALL_S = 12.0
RATE_HZ = 8000
LOCALES = {"en": "en-US", "ru": "ru-RU"}  # the browser's language: the page's
IN_QUEUE = "{n} more call in my queue after this one|{n} more calls in my queue after this one"


def _yes_no(qid: str, text: str, **more: Any) -> dict[str, Any]:
    return {"id": qid, "text": text, "kind": "yes_no", **more}


CARD: dict[str, Any] = {
    "name": "Refunds QA",
    "description": "",
    "sections": [
        {"id": "script", "title": "Script", "questions": [
            _yes_no("greet", "Greeted by the script?", adherence_step="greet"),
            _yes_no("notice", "Recording notice?", auto_fail=True, adherence_step="notice"),
        ]},
        {"id": "manner", "title": "Manner", "questions": [_yes_no("polite", "Polite throughout?")]},
    ],
}  # fmt: skip
LINES = [  # (channel, start_s, end_s, text)
    (Channel.AGENT, 0.5, 2.5, "Thank you for calling, this call is recorded."),
    (Channel.CUSTOMER, 3.0, 5.5, "I want a refund for my order."),
    (Channel.AGENT, 6.0, 9.0, "The refund is on its way to your card."),
    (Channel.CUSTOMER, 9.5, 11.0, "Thanks, bye."),
]


@dataclass
class Day:
    url: str
    store: Store
    tokens: dict[str, str]
    calls: list[str]
    shots: Path

    def api(self, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[user]}"}, timeout=10)


def _stereo_wav(path: Path) -> None:
    """The agent's tone on the left for the first half, the customer's on the right for the second."""
    frames = bytearray()
    for i in range(int(CALL_S * RATE_HZ)):
        t = i / RATE_HZ
        tone = int(8000 * math.sin(2 * math.pi * 440 * t))
        frames += struct.pack("<hh", tone if t < CALL_S / 2 else 0, tone if t >= CALL_S / 2 else 0)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(bytes(frames))


def _report(notice_said: bool) -> dict[str, Any]:
    steps = [
        {"id": "greet", "status": "done", "t": 0.5, "evidence": {"text": LINES[0][3], "score": 0.9}},
        {"id": "notice", "status": "done" if notice_said else "missed", "t": 1.5 if notice_said else None,
         "evidence": {}},
    ]  # fmt: skip
    alerts = [{"type": "long_silence", "message": "silence of 4 s", "t": 7.5}]
    return {"script_id": "refunds", "version": 1, "score": 1.0 if notice_said else 0.5, "steps": steps,
            "alerts": alerts, "versions": []}  # fmt: skip


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Day]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {name: store.add_user(name, role) for name, role in USERS.items()}
    recordings = RecordingStore(tmp_path / "rec")
    recordings.directory.mkdir(parents=True, exist_ok=True)
    calls = [f"call-{i}" for i in range(3)]
    for i, call_id in enumerate(calls):
        wav = recordings.path_for(call_id)
        _stereo_wav(wav)
        started = T0 + timedelta(minutes=i)
        store.create_call(call_id, "inbound", f"sip:cust{i}@x", "alice", "refunds", started, str(wav))
        for n, (channel, start, end, text) in enumerate(LINES):
            store.add_utterance(call_id, Utterance(f"{call_id}-u{n}", call_id, channel, start, end, text))
        store.save_adherence(call_id, _report(notice_said=i != 1))
        store.end_call(call_id, started + timedelta(seconds=CALL_S))
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    app = create_app(settings, store, EventBus(), recordings)
    with served(app) as port:
        shots = Path(os.environ.get("AGENTASSIST_SCREENSHOTS", tmp_path))
        day = Day(f"http://127.0.0.1:{port}", store, tokens, calls, shots)
        with day.api("ada") as ada:
            assert ada.post("/api/scorecards", json=CARD).status_code == 201
            for call_id in calls:
                r = ada.post("/api/assignments", json={"call_id": call_id, "checker": "quinn"})
                assert r.status_code == 201, r.text
        yield day
    store.engine.dispose()


def _ready(page: Any, call_id: str) -> None:
    page.wait_for_url(lambda url: url.endswith(f"replay.html?call={call_id}"), timeout=30_000)
    page.wait_for_selector("body[data-ready]", timeout=30_000)


def _press(page: Any, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def _saved(page: Any) -> None:
    page.wait_for_selector("#eval-result[data-evaluation]", timeout=15_000)
    assert page.locator("#eval-save").is_hidden()
    assert page.locator('#eval-form [name="q-polite"][value="yes"]').is_disabled()  # read-only once saved
    assert page.locator("#eval-edit").is_visible()  # still submitted: its evaluator may change it


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_checker_evaluates_three_queued_calls_with_next_and_the_keyboard(day: Day, lang: str) -> None:
    need_chromium()
    first, second, third = day.calls
    with day.api("ada") as ada:  # someone else's evaluation of the first call: it stays in quinn's queue
        card = ada.get("/api/scorecards").json()[0]["id"]
        answers = {"greet": "yes", "notice": "yes", "polite": "yes"}
        r = ada.post(f"/api/calls/{first}/evaluations", json={"scorecard_id": card, "answers": answers})
        assert r.status_code == 201, r.text
    suffix = "" if lang == "en" else f"-{lang}"
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 1000}, locale=LOCALES[lang])
        page.goto(f"{day.url}/?token={day.tokens['quinn']}")
        page.wait_for_selector("#queue-line:not([hidden])", timeout=30_000)
        assert page.inner_text("#queue-count") == "3"
        page.wait_for_selector("#past tr[data-evaluated]", timeout=10_000)
        assert page.inner_text(f'#past tr[data-call="{first}"] .evaluated') == tr(lang, "evaluated ×{n}", n=1)
        page.click("#queue-open")  # the one click: the day starts from "my queue"
        _ready(page, first)
        assert page.inner_text("#queue-left") == tr(lang, IN_QUEUE, 2)
        if lang == "ru":
            assert page.inner_text("#queue-left") == "ещё 2 звонка в моей очереди после этого"
            assert page.inner_text("#next-call") == "Следующий звонок →"

        # the waveform's markers: two steps ticked and one alert, each seeking to its moment
        assert page.locator("#wave-marks .marker.step").count() == 2
        assert page.locator("#wave-marks .marker.alert").count() == 1
        page.evaluate(  # where the player went as the seek started: later playback does not count
            """() => { window.seeks = []; const a = document.getElementById('player');
                a.addEventListener('seeking', () => window.seeks.push(a.currentTime)); }"""
        )
        page.click("#wave-marks .marker.alert")
        assert abs(wait_js(page, "() => window.seeks[0]") - 7.5) < 0.3
        page.evaluate("document.getElementById('player').pause()")

        keys = page.keyboard
        # speed and skips: "]" faster, "[" slower, arrows 5 s
        keys.press("]")
        keys.press("]")
        assert page.evaluate("document.getElementById('player').playbackRate") == 1.5
        keys.press("[")
        assert page.evaluate("document.getElementById('player').playbackRate") == 1.25
        keys.press("ArrowLeft")  # 5 s back from where the pause left it
        assert wait_js(page, "() => window.seeks[1]") < 7.5 - 5 + 1
        keys.press("?")
        assert page.locator("#shortcuts").is_visible()
        keys.press("Escape")
        assert page.locator("#shortcuts").is_hidden()

        # search in the transcript: "/" focuses it, both hits are marked, enter jumps to the next
        keys.press("/")
        keys.type("refund")
        assert page.locator("#transcript mark").count() == 2
        assert page.inner_text("#search-count") == tr(lang, "{shown} of {n}", shown=1, n=2)
        keys.press("Enter")
        assert page.inner_text("#search-count") == tr(lang, "{shown} of {n}", shown=2, n=2)
        assert page.locator("#transcript mark.current").evaluate("m => m.closest('li').dataset.start") == "6"
        keys.press("Escape")

        # call 1: the checklist answered two questions; "a" goes to the open one, space says yes
        _press(page, "a", "Space", "Control+Enter")
        _saved(page)
        keys.press("n")

        # call 2: the notice was missed (pre-filled no: auto-fail); the arrow picks "no" for polite
        _ready(page, second)
        assert page.evaluate("document.getElementById('player').playbackRate") == 1.25  # the speed stays
        _press(page, "a", "ArrowRight", "Control+Enter")
        _saved(page)
        assert tr(lang, "auto-failed by:") in page.inner_text("#evaluations")
        keys.press("n")

        # call 3: a comment at the moment the player is at, enter adds it (and saves nothing)
        _ready(page, third)
        assert page.inner_text("#queue-left") == tr(lang, "the last call in my queue")
        keys.press("ArrowRight")
        wait_js(page, "() => Math.abs(document.getElementById('player').currentTime - 5) < 0.3")
        keys.press("c")
        keys.type("clear and calm")
        keys.press("Enter")
        assert page.locator("#comments li").count() == 1
        assert page.locator("#eval-result[data-evaluation]").count() == 0
        _press(page, "Escape", "a", "Space", "Control+Enter")
        _saved(page)
        keys.press("n")
        assert page.inner_text("#queue-left") == tr(lang, "my queue is empty")
        page.screenshot(path=str(day.shots / f"checker-replay{suffix}.png"), full_page=True)

        # the calls list marks what is evaluated: all three by quinn, the first by someone else too
        page.goto(f"{day.url}/")
        page.wait_for_selector("#past tr[data-evaluated]:nth-child(3)", timeout=15_000)
        marks = {c: page.inner_text(f'#past tr[data-call="{c}"] .evaluated') for c in day.calls}
        by_me = tr(lang, "evaluated by me")
        assert marks == {first: f"{by_me} +1", second: by_me, third: by_me}
        assert page.inner_text("#queue-count") == "0"
        page.screenshot(path=str(day.shots / f"checker-calls{suffix}.png"))

        # the agent of the auto-failed call reads which answer failed it
        agent = browser.new_page(viewport={"width": 1366, "height": 900}, locale=LOCALES[lang])
        agent.goto(f"{day.url}/static/replay.html?call={second}&token={day.tokens['alice']}")
        _ready(agent, second)
        failed_by = tr(lang, "“{question}” answered no", question="Recording notice?")
        assert failed_by in agent.inner_text("#evaluations .auto-failed-by")
        assert agent.locator("#eval-form").is_hidden()
        agent.screenshot(path=str(day.shots / f"checker-agent-view{suffix}.png"), full_page=True)

    with day.api("quinn") as quinn:
        assert quinn.get("/api/quality/queue").json() == []
        saved = {c: quinn.get(f"/api/calls/{c}/evaluations").json() for c in day.calls}
    assert [len(v) for v in saved.values()] == [2, 1, 1]
    one, two, three = (next(e for e in saved[c] if e["evaluator"] == "quinn") for c in day.calls)
    assert one["evaluator"] == "quinn" and one["answers"] == {"greet": "yes", "notice": "yes", "polite": "yes"}
    assert one["total"] == 100 and one["comments"] == []
    assert two["answers"] == {"greet": "yes", "notice": "no", "polite": "no"}
    assert two["auto_failed"] and two["total"] == 0
    assert three["answers"] == {"greet": "yes", "notice": "yes", "polite": "yes"}
    assert three["comments"] == [{"t": 5.0, "text": "clear and calm", "question_id": None}]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_leader_builds_a_calibration_session_by_picking_and_reads_it_against_a_reference(day: Day, lang: str) -> None:
    need_chromium()
    suffix = "" if lang == "en" else f"-{lang}"
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 1000}, locale=LOCALES[lang])
        page.goto(f"{day.url}/calibrations?token={day.tokens['ada']}")
        page.click("#new-calibration")
        page.wait_for_selector("#pick-checkers li", timeout=30_000)
        assert page.locator("#pick-calls li[data-call]").count() == 3
        assert [page.locator("#pick-checkers li").nth(i).get_attribute("data-checker") for i in range(3)] == [
            "quinn",
            "rae",
            "ada",
        ]  # quality checkers first
        page.fill("#create-title", "Refunds, November")
        page.check(f'#pick-calls input[value="{day.calls[2]}"]')
        page.fill("#pick-calls-q", "nothing anyone said")
        page.press("#pick-calls-q", "Enter")  # a search, not the form's submit; the ticked call stays
        page.wait_for_selector("#pick-calls li[data-call]:only-child", timeout=10_000)
        page.fill("#pick-calls-q", "")
        page.click("#pick-calls-find")
        page.wait_for_selector("#pick-calls li:nth-child(3)", timeout=10_000)
        page.check(f'#pick-calls input[value="{day.calls[0]}"]')
        assert page.inner_text("#picked-count") == tr(lang, "{n} call chosen|{n} calls chosen", 2)
        if lang == "ru":
            assert page.inner_text("#picked-count") == "выбрано 2 звонка"
        page.check('#pick-checkers input[value="quinn"]')
        page.check('#pick-checkers input[value="rae"]')
        page.screenshot(path=str(day.shots / f"checker-calibration-new{suffix}.png"), full_page=True)
        page.click("#create button[type=submit]")
        page.wait_for_selector("#session:not([hidden])", timeout=15_000)
        with day.api("ada") as ada:
            [cal] = ada.get("/api/calibrations").json()
        assert cal["title"] == "Refunds, November"
        assert sorted(cal["call_ids"]) == [day.calls[0], day.calls[2]] and cal["checker_ids"] == ["quinn", "rae"]

        # scored and closed, its report measures each checker against the reference chosen
        for who, polite in (("quinn", "yes"), ("rae", "no")):
            with day.api(who) as checker:
                for call_id in cal["call_ids"]:
                    answers = {"greet": "yes", "notice": "yes", "polite": polite}
                    body = {"scorecard_id": cal["scorecard"]["id"], "answers": answers, "calibration_id": cal["id"]}
                    r = checker.post(f"/api/calls/{call_id}/evaluations", json=body)
                    assert r.status_code == 201, r.text
        with day.api("ada") as ada:
            assert ada.post(f"/api/calibrations/{cal['id']}/close").status_code == 200
            expected = ada.get(f"/api/calibrations/{cal['id']}/report", params={"reference": "quinn"}).json()
        page.goto(f"{day.url}/calibrations?id={cal['id']}")
        page.wait_for_selector("#report:not([hidden])", timeout=15_000)
        assert page.locator('#report-checkers td[data-field="reference_mad"]').count() == 0
        page.select_option("#reference", "quinn")
        page.wait_for_selector('#report-checkers td[data-field="reference_mad"]', timeout=10_000)
        rae = next(c for c in expected["checkers"] if c["checker"] == "rae")
        cell = page.locator('#report-checkers tr[data-checker="rae"] td[data-field="reference_total_mad"]')
        assert float(cell.get_attribute("data-value") or "nan") == rae["reference_total_mad"] > 0
