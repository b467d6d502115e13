"""The API of a checker's day through the real app (TestClient, its lifespan) on SQLite: the work
queue holds the calls assigned to me that I have not evaluated, oldest assignment first (a calibration
score leaves the call queued; another checker's evaluation does not take it off mine);
GET /api/quality/evaluated counts mine and everyone's that I may read; leaders list who may score
calls; a calibration report measures each checker against a reference checker's answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CARD: dict[str, Any] = {
    "name": "QA",
    "description": "",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "greet", "text": "Greeted?", "kind": "yes_no"}]}],
}
YES = {"greet": "yes"}


class Env:
    def __init__(self, client: TestClient, store: Store, tokens: dict[str, str]) -> None:
        self.client, self.store, self.tokens = client, store, tokens

    def req(self, user: str, method: str, url: str, body: Any = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return self.client.request(method, url, json=body, params=params or None, headers=headers)

    def ok(self, user: str, method: str, url: str, body: Any = None, code: int = 200, **params: Any) -> Any:
        r = self.req(user, method, url, body, **params)
        assert r.status_code == code, f"{method} {url} as {user}: {r.status_code} {r.text}"
        return r.json()

    def queue(self, user: str) -> list[str]:
        return [q["call_id"] for q in self.ok(user, "GET", "/api/quality/queue")]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        "ada": store.add_user("ada", "admin"),
        "tom": store.add_user("tom", "team_leader", teams=["red"]),
        "alice": store.add_user("alice", "agent", teams=["red"]),
        "qa1": store.add_user("qa1", "quality_checker"),
        "qa2": store.add_user("qa2", "quality_checker"),
    }
    for i in range(4):
        store.create_call(f"c{i}", "inbound", f"sip:cust{i}@x", "alice", None, T0 + timedelta(minutes=i), "")
        store.end_call(f"c{i}", T0 + timedelta(minutes=i, seconds=30 + i))
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"))
    with TestClient(app) as client:
        yield Env(client, store, tokens)
    store.engine.dispose()


def test_the_queue_holds_my_assigned_calls_not_yet_evaluated_by_me(env: Env) -> None:
    for call_id in ("c2", "c0", "c1"):  # assigned in this order: the queue's order
        env.ok("ada", "POST", "/api/assignments", {"call_id": call_id, "checker": "qa1"}, code=201)
    env.ok("ada", "POST", "/api/assignments", {"call_id": "c3", "checker": "qa2"}, code=201)
    card = env.ok("ada", "POST", "/api/scorecards", CARD, code=201)["id"]
    assert env.queue("qa1") == ["c2", "c0", "c1"]
    assert env.queue("qa2") == ["c3"]
    head = env.ok("qa1", "GET", "/api/quality/queue")[0]
    assert head["agent"] == "alice" and head["remote"] == "sip:cust2@x" and head["assigned_by"] == "ada"
    assert head["duration_s"] == 32.0 and head["started_at"] == "2026-11-02T09:02:00Z"
    assert env.queue("tom") == [] and env.queue("ada") == []  # only quality checkers are assigned calls

    # a calibration score is no evaluation of the assignment: c0 stays queued
    session = {"scorecard_id": card, "call_ids": ["c0"], "checker_ids": ["qa1", "qa2"], "title": "Nov"}
    cal = env.ok("ada", "POST", "/api/calibrations", session, code=201)["id"]
    body = {"scorecard_id": card, "answers": YES, "calibration_id": cal}
    env.ok("qa1", "POST", "/api/calls/c0/evaluations", body, code=201)
    assert env.queue("qa1") == ["c2", "c0", "c1"]

    # my evaluation takes the call off my queue; another's evaluation does not
    env.ok("qa1", "POST", "/api/calls/c2/evaluations", {"scorecard_id": card, "answers": YES}, code=201)
    env.ok("ada", "POST", "/api/calls/c1/evaluations", {"scorecard_id": card, "answers": YES}, code=201)
    assert env.queue("qa1") == ["c0", "c1"]

    # the calls list's marks: mine (the calibration score included) and all that I may read
    marks = env.ok("qa1", "GET", "/api/quality/evaluated", call_id=["c0", "c1", "c2", "c3"])
    assert marks == [
        {"call_id": "c0", "by_me": 1, "by_anyone": 1},
        {"call_id": "c1", "by_me": 0, "by_anyone": 1},
        {"call_id": "c2", "by_me": 1, "by_anyone": 1},
    ]
    # the blind calibration score is the admin's to read only once the session is closed
    assert env.ok("ada", "GET", "/api/quality/evaluated", call_id=["c0", "c2"]) == [
        {"call_id": "c2", "by_me": 0, "by_anyone": 1}
    ]


def test_the_routes_refuse_agents_and_a_missing_call_list(env: Env) -> None:
    assert env.req("alice", "GET", "/api/quality/queue").status_code == 403
    assert env.req("alice", "GET", "/api/quality/evaluated", call_id=["c0"]).status_code == 403
    r = env.req("qa1", "GET", "/api/quality/evaluated")
    assert r.status_code == 422 and "call_id" in r.text


def test_leaders_list_who_may_score_calls(env: Env) -> None:
    listed = env.ok("tom", "GET", "/api/quality/checkers")
    assert [(u["name"], u["role"]) for u in listed] == [
        ("qa1", "quality_checker"),
        ("qa2", "quality_checker"),
        ("ada", "admin"),
        ("tom", "team_leader"),
    ]
    assert listed[3]["teams"] == ["red"]
    assert env.req("qa1", "GET", "/api/quality/checkers").status_code == 403


def test_a_calibration_report_measures_checkers_against_a_reference(env: Env) -> None:
    card = env.ok("ada", "POST", "/api/scorecards", CARD, code=201)["id"]
    session = {"scorecard_id": card, "call_ids": ["c0", "c1"], "checker_ids": ["tom", "qa1", "qa2"], "title": "R"}
    cal = env.ok("ada", "POST", "/api/calibrations", session, code=201)["id"]
    for who, answers in (("tom", ["yes", "yes"]), ("qa1", ["yes", "yes"]), ("qa2", ["no", "yes"])):
        for call_id, answer in zip(("c0", "c1"), answers, strict=True):
            body = {"scorecard_id": card, "answers": {"greet": answer}, "calibration_id": cal}
            env.ok(who, "POST", f"/api/calls/{call_id}/evaluations", body, code=201)
    env.ok("ada", "POST", f"/api/calibrations/{cal}/close")
    plain = env.ok("ada", "GET", f"/api/calibrations/{cal}/report")
    assert plain["reference"] is None and all(c["reference_mad"] is None for c in plain["checkers"])
    report = env.ok("ada", "GET", f"/api/calibrations/{cal}/report", reference="tom")
    assert report["reference"] == "tom"
    dev = {c["checker"]: c for c in report["checkers"]}
    assert (dev["qa1"]["reference_mad"], dev["qa1"]["reference_total_mad"]) == (0, 0)
    assert (dev["qa2"]["reference_mad"], dev["qa2"]["reference_total_mad"]) == (50, 50)  # c0 100 apart, c1 0
    assert dev["tom"]["reference_mad"] is None  # the reference has nobody to differ from
    assert dev["qa2"]["mad"] == plain["checkers"][1]["mad"] == 50  # the consensus numbers stay as they were
    r = env.req("ada", "GET", f"/api/calibrations/{cal}/report", reference="alice")
    assert r.status_code == 422 and "reference" in r.text, r.text
