"""A served floor with real data on every page, for the checks that open every page in a browser
(tests/test_axe.py: axe-core and the 390 px layout) and for the screenshots (benchmarks/screenshots.py).

The app is the real one under a real uvicorn, on a SQLite store filled through its own methods and
API: ended calls with stereo recordings, transcripts, checklists, dispositions and an evaluation; a
call still going on alice's desk; a script with two versions and a checker's offer; a scorecard,
a checker's queue and a calibration session. Its runtime carries no SIP (:class:`ShowcaseDesk`): the
live assist state of the active call comes from the real :class:`ScriptTracker` over the lines said.

Every page is found from the app (``PAGES`` and the static directory), so a page added later is opened
too: :data:`VISITS` says how to open the known ones (which role, which query, what shows once loaded);
any other is opened by the admin with no query.
"""

from __future__ import annotations

import contextlib
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from agentassist.api.app import PAGES, STATIC, create_app
from agentassist.api.deps import NullRuntime
from agentassist.assist.tracker import ScriptTracker
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Event, EventType, Utterance, utterance_event
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.ports import served

USERS = {  # name: (role, teams)
    "ada": ("admin", []),
    "lee": ("team_leader", ["refunds"]),
    "alice": ("agent", ["refunds"]),
    "bob": ("agent", ["refunds"]),
    "quinn": ("quality_checker", []),
    "rae": ("quality_checker", []),
}
SCRIPT = """\
id: refunds
version: {version}
title: Refunds and returns
campaign: spring-returns
language: en
handle_time_s: 300
dispositions: [refunded, exchanged, callback, no-sale]
steps:
  - id: greet
    say: ["Thank you for calling {{company}}, my name is {{agent}}."]
    mandatory: true
  - id: notice
    say: ["This call is recorded for quality and training."]
    mandatory: true
    compliance: true
    say_within_s: 120
  - id: order
    say: ["Can I have your order number, please?"]
    mandatory: true
  - id: close
    say: ["Is there anything else I can help you with today?"]
forbidden: ["guaranteed profit"]
cards:
  - id: returns
    title: Returns policy
    triggers: ["refund", "return"]
    body: "Refunds within 30 days of delivery, to the card that paid."
"""
LINES = [  # (channel, start_s, end_s, text): what every call in the showcase said
    (Channel.AGENT, 0.5, 2.5, "Thank you for calling Acme, my name is Alice."),
    (Channel.AGENT, 2.7, 4.6, "This call is recorded for quality and training."),
    (Channel.CUSTOMER, 5.0, 7.0, "Hi, I want a refund for my order."),
    (Channel.AGENT, 7.3, 9.2, "Can I have your order number, please?"),
    (Channel.CUSTOMER, 9.5, 11.5, "It is four five seven one, thanks."),
]
CALL_S = 12.0
RATE_HZ = 8000
QUESTIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [  # (section, id, text, kind, more)
    ("Script", "greet", "Greeted by the script?", "yes_no", {"adherence_step": "greet"}),
    ("Script", "notice", "Recording notice?", "yes_no", {"adherence_step": "notice", "auto_fail": True}),
    ("Manner", "polite", "Polite throughout?", "yes_no", {}),
    ("Manner", "clarity", "How clear was the agent?", "scale", {"min": 1, "max": 5}),
]
CARD: dict[str, Any] = {
    "name": "Refunds QA",
    "description": "The refunds team's checks",
    "sections": [
        {"id": title.lower(), "title": title, "questions": [
            {"id": qid, "text": text, "kind": kind, **more} for s, qid, text, kind, more in QUESTIONS if s == title
        ]}
        for title in ("Script", "Manner")
    ],
}  # fmt: skip
ACTIVE = "call-live"  # alice's call that is still going
RINGING = "call-ringing"  # and one that rings on her desk meanwhile
ENDED = [f"call-{i}" for i in range(4)]
REMOTES = [
    '"Dana Smith" <sip:+4930555010@pbx.example.com>',
    "<sip:+4930555011@pbx.example.com>",
    '"Jan Kowalski" <sip:+48225550112@pbx.example.com>',
    '"Olena" <sip:+380445550113@pbx.example.com>',
]


@dataclass(frozen=True)
class Visit:
    """How to open one page with its data: ``path`` (with the query), as ``user`` ("" signed out), shown
    once ``ready`` (a selector) is in the page; then ``clicks`` (selectors, in turn) open the parts
    that show on demand (a form, a drill-down, the help), each once the one before has settled."""

    name: str  # the screenshot's file name
    page: str  # its HTML file in the static directory
    path: str
    user: str
    ready: str
    clicks: tuple[str, ...] = ()


def route(page: str) -> str:
    """The address the app serves ``page`` at: its own route, else under /static/."""
    return next((path for path, html in PAGES.items() if html == page), f"/static/{page}")


ROW = f'#past tr[data-call="{ENDED[1]}"]'
TILE = f'.tile[data-call="{ACTIVE}"]'
VISITS = [
    Visit("sign-in", "calls.html", "/", "", "#login-form"),
    Visit("calls", "calls.html", "/", "ada", f'#past tr[data-call="{ENDED[0]}"] .evaluated'),
    Visit("calls-agent", "calls.html", "/", "alice", f'#past tr[data-call="{ENDED[0]}"]'),
    Visit("agent", "agent.html", "/agent", "alice", '#checklist li[data-step="order"].done'),
    Visit("wall", "wall.html", "/wall", "lee", f"{TILE} .lines li"),
    Visit("scripts", "scripts.html", "/scripts?script=refunds", "ada", "#versions li:nth-child(2)"),
    Visit("calibrations", "calibrations.html", "/calibrations?id=1", "lee", "#session-calls tbody tr"),
    Visit("replay", "replay.html", f"/static/replay.html?call={ENDED[0]}", "quinn", "body[data-ready]"),
    # the parts that open on demand
    Visit("calls-player", "calls.html", "/", "ada", ROW, (ROW,)),
    Visit("agent-tools", "agent.html", "/agent", "alice", "#checklist li.done",
          ("#help-toggle", "#keypad-toggle", "#transfer-toggle", '#checklist li[data-step="notice"] .say')),
    Visit("wall-drill", "wall.html", "/wall", "lee", f"{TILE} .lines li", (TILE,)),
    Visit("scripts-new", "scripts.html", "/scripts?script=refunds", "ada", "#versions li:nth-child(2)",
          ("#new-script", "#versions li:nth-child(2) .view")),
    Visit("calibrations-new", "calibrations.html", "/calibrations", "lee", "#calibrations tbody tr",
          ("#new-calibration",)),
    Visit("replay-tools", "replay.html", f"/static/replay.html?call={ENDED[0]}", "quinn", "body[data-ready]",
          ("#shortcuts-toggle", "#evaluations details summary")),
]  # fmt: skip


def visits() -> list[Visit]:
    """The visits of :data:`VISITS`, then one for each page served that they do not open (the admin's)."""
    known = {v.page for v in VISITS}
    extra = [
        Visit(p.stem, p.name, route(p.name), "ada", "[data-app]:not([hidden])")
        for p in sorted(STATIC.glob("*.html"))
        if p.name not in known
    ]
    return [*VISITS, *extra]


class ShowcaseDesk(NullRuntime):
    """A runtime with no softphone whose active calls still have a live assist state: the real
    ScriptTracker's, over the lines said so far (what ``agentassist serve`` answers mid-call); one call
    rings on alice's desk. Commands (answer, hold...) answer 503 as NullRuntime's do."""

    def __init__(self, settings: Settings, said: dict[str, list[Utterance]]) -> None:
        super().__init__(settings, "a showcase floor: no softphone here")
        self.said = said

    def ringing(self, agent: str | None = None) -> list[dict[str, Any]]:
        """A second caller waits on alice's desk (the agent panel's Answer and Decline)."""
        since = datetime.now(UTC) - timedelta(seconds=8)
        return [{"id": RINGING, "remote": REMOTES[2], "since": since}] if agent == "alice" else []

    def assist_state(self, call_id: str) -> dict[str, Any] | None:
        current = self.scripts.current("refunds")
        if call_id not in self.said or current is None:
            return super().assist_state(call_id)
        tracker = ScriptTracker(current[0], {"agent": "Alice", "company": "Acme"}, call_id)
        for u in self.said[call_id]:
            tracker.on_utterance(u)
        return {**tracker.state(), "variables": dict(tracker.variables)}


@dataclass
class Showcase:
    url: str
    tokens: dict[str, str]

    def address(self, visit: Visit) -> str:
        """The visit's URL, signed in as its user through ``?token=`` (the pages keep it, then drop it)."""
        if not visit.user:
            return f"{self.url}{visit.path}"
        return f"{self.url}{visit.path}{'&' if '?' in visit.path else '?'}token={self.tokens[visit.user]}"

    def open(self, page: Any, visit: Visit, timeout_ms: float = 30_000) -> None:
        """``page`` at the visit, once its data shows and its fonts and pictures are loaded."""
        flying: set[Any] = set()
        page.on("request", lambda r: flying.add(r))  # Playwright wraps a handler: a builtin cannot be one
        page.on("requestfinished", lambda r: flying.discard(r))
        page.on("requestfailed", lambda r: flying.discard(r))
        page.goto(self.address(visit))
        page.wait_for_selector(visit.ready, timeout=timeout_ms)
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
        for selector in visit.clicks:
            page.click(selector, timeout=timeout_ms)
            _quiet(page, flying, timeout_ms)


def _quiet(page: Any, flying: set[Any], timeout_ms: float, quiet_s: float = 0.5) -> None:
    """Until no request has been in flight for ``quiet_s``: what a click fetched has come. (Playwright's
    "networkidle" is a state a page reaches once: waiting for it again returns at once.)"""
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < quiet_s:
        if time.monotonic() > deadline:
            raise TimeoutError(f"requests still in flight after {timeout_ms:.0f} ms: {[r.url for r in flying]}")
        page.wait_for_timeout(50)
        if flying:
            quiet_since = time.monotonic()


def _stereo_wav(path: Path) -> None:
    """Each line of LINES as a 220/330 Hz tone on its speaker's channel (agent left, customer right)."""
    t = np.arange(int(CALL_S * RATE_HZ)) / RATE_HZ
    left, right = np.zeros_like(t), np.zeros_like(t)
    for channel, start, end, _ in LINES:
        on = (t >= start) & (t < end)
        side, hz = (left, 220) if channel == Channel.AGENT else (right, 330)
        side[on] = 6000 * np.sin(2 * np.pi * hz * t[on])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(np.stack([left, right], axis=1).astype("<i2").tobytes())


def _utterances(call_id: str) -> list[Utterance]:
    return [Utterance(f"{call_id}-u{n}", call_id, ch, a, b, text) for n, (ch, a, b, text) in enumerate(LINES)]


def _report(notice_said: bool) -> dict[str, Any]:
    """The checklist of an ended call as the tracker reports it; the notice missed on request."""
    steps: list[dict[str, Any]] = [
        {"id": "greet", "status": "done", "t": 0.5, "evidence": {"text": LINES[0][3], "score": 0.93}},
        {"id": "notice", "status": "done" if notice_said else "missed", "t": 2.7 if notice_said else None,
         "evidence": {"text": LINES[1][3], "score": 1.0} if notice_said else {}},
        {"id": "order", "status": "done", "t": 7.3, "evidence": {"text": LINES[3][3], "score": 1.0}},
        {"id": "close", "status": "missed", "t": None, "evidence": {}},
    ]  # fmt: skip
    alerts = [{"type": "long_silence", "message": "silence of 4 s", "t": 11.5}] if not notice_said else []
    done = sum(s["status"] == "done" for s in steps)
    return {"script_id": "refunds", "version": 2, "score": done / len(steps), "steps": steps, "alerts": alerts,
            "versions": []}  # fmt: skip


def _fill(store: Store, recordings: RecordingStore, now: datetime) -> None:
    for i, call_id in enumerate(ENDED):
        wav = recordings.path_for(call_id)
        _stereo_wav(wav)
        agent = "alice" if i % 2 == 0 else "bob"
        started = now - timedelta(hours=3 - i * 0.5)
        store.create_call(
            call_id, "inbound", REMOTES[i], agent, "refunds", started, str(wav), campaign="spring-returns"
        )
        for u in _utterances(call_id):
            store.add_utterance(call_id, u)
        store.save_adherence(call_id, _report(notice_said=i != 1))
        store.end_call(call_id, started + timedelta(seconds=CALL_S))
        store.set_disposition(call_id, ["refunded", "callback", "exchanged", "refunded"][i])
    started = now - timedelta(seconds=40)
    store.create_call(ACTIVE, "inbound", REMOTES[0], "alice", "refunds", started, "", campaign="spring-returns")
    for u in _utterances(ACTIVE)[:4]:
        store.add_utterance(ACTIVE, u)


def _through_the_api(api: httpx.Client) -> None:
    """What people make on the pages: two versions of the script, a scorecard, assignments, an
    evaluation, a calibration session, a checker's offer."""
    for version in (1, 2):
        text = SCRIPT.format(version=version)
        if version == 1:
            text = text.replace("    say_within_s: 120\n", "")
        r = api.put("/api/scripts/refunds", content=text, headers={"Content-Type": "text/yaml"})
        assert r.status_code in (200, 201), r.text
    r = api.post("/api/scorecards", json=CARD)
    assert r.status_code == 201, r.text
    card = r.json()["id"]
    for call_id in ENDED[:3]:
        r = api.post("/api/assignments", json={"call_id": call_id, "checker": "quinn"})
        assert r.status_code == 201, r.text
    answers = {"greet": "yes", "notice": "yes", "polite": "yes", "clarity": 4}
    comments = [{"t": 5.0, "text": "calm when the customer asked for a refund", "question_id": "polite"}]
    r = api.post(
        f"/api/calls/{ENDED[0]}/evaluations", json={"scorecard_id": card, "answers": answers, "comments": comments}
    )
    assert r.status_code == 201, r.text
    body = {"scorecard_id": card, "call_ids": ENDED[:2], "checker_ids": ["quinn", "rae"], "title": "Refunds, week 48"}
    r = api.post("/api/calibrations", json=body)
    assert r.status_code == 201, r.text


def _live(bus: EventBus) -> None:
    """What the softphone publishes of the active call: it started, its lines, the next line, an alert."""
    bus.publish(Event(EventType.CALL_STARTED, ACTIVE, 0.0, {"call": {"id": ACTIVE}}))
    for u in _utterances(ACTIVE)[:4]:
        bus.publish(utterance_event(u))
    prompt = {"step_id": "close", "text": "Is there anything else I can help you with today?"}
    bus.publish(Event(EventType.ASSIST_PROMPT, ACTIVE, 9.2, {"prompt": prompt}))
    alert = {"type": "talk_ratio", "message": "the agent talked 70 % of the call", "t": 9.2}
    bus.publish(Event(EventType.ASSIST_ALERT, ACTIVE, 9.2, {"alert": alert}))


def _offer(api: httpx.Client) -> None:
    mark = {"step_id": "notice", "mark": "said", "utterance_ids": [f"{ENDED[1]}-u1"]}  # its checklist missed it
    r = api.post(f"/api/calls/{ENDED[1]}/step-marks", json=mark)
    assert r.status_code == 201, r.text


@contextlib.contextmanager
def showcase(root: Path) -> Iterator[Showcase]:
    """The floor served from ``root`` (a fresh directory) on 127.0.0.1; yields its URL and tokens."""
    store = Store(f"sqlite:///{root / 'db.sqlite'}")
    store.migrate()
    tokens = {name: store.add_user(name, role, teams=teams) for name, (role, teams) in USERS.items()}
    recordings = RecordingStore(root / "rec")
    recordings.directory.mkdir(parents=True, exist_ok=True)
    _fill(store, recordings, datetime.now(UTC))
    settings = Settings.model_validate(
        {
            "server": {"data_dir": str(root / "data")},
            "assist": {"scripts_dir": str(root / "scripts"), "company": "Acme"},
        }
    )
    desk = ShowcaseDesk(settings, {ACTIVE: _utterances(ACTIVE)[:4]})
    bus = EventBus()
    app = create_app(settings, store, bus, recordings, desk)
    try:
        with served(app) as port:
            site = Showcase(f"http://127.0.0.1:{port}", tokens)
            with httpx.Client(base_url=site.url, timeout=30) as api:
                api.headers["Authorization"] = f"Bearer {tokens['ada']}"
                _through_the_api(api)
                api.headers["Authorization"] = f"Bearer {tokens['quinn']}"
                _offer(api)
            _live(bus)
            yield site
    finally:
        store.engine.dispose()
