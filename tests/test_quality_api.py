"""Quality checking through the real app (TestClient, its lifespan) on SQLite and on PostgreSQL:
scorecards and their versions, evaluation totals, pre-fill from adherence, acknowledgement and
disputes, blind calibration and its report, distribution of calls to checkers, and the 403, 404
and 422 answers of every route."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
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
from agentassist.store.distribution import allocate
from agentassist.store.recordings import RecordingStore
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # a Sunday
USERS = [
    ("ada", "admin", []),
    ("sue", "supervisor", []),  # no team, but all_teams (ALL_TEAMS): sees the whole floor
    ("tom", "team_leader", ["red"]),
    ("alice", "agent", ["red"]),
    ("carl", "agent", ["red"]),
    ("bob", "agent", ["blue"]),
    ("qa1", "quality_checker", ["red"]),
    ("qa2", "quality_checker", ["blue"]),
    ("qa3", "quality_checker", []),
]
ALL_TEAMS = {"sue"}
# Two sections; weights 2, 1 (auto-fail), 2 (scale 1..5, n/a allowed), 1 (n/a allowed).
CARD: dict[str, Any] = {
    "name": "Helpdesk QA",
    "description": "inbound support calls",
    "sections": [
        {
            "id": "opening",
            "title": "Opening",
            "questions": [
                {"id": "greet", "text": "Greeted by the script?", "kind": "yes_no", "weight": 2,
                 "adherence_step": "greet"},
                {"id": "notice", "text": "Said the recording notice?", "kind": "yes_no", "weight": 1,
                 "auto_fail": True, "adherence_step": "notice"},
            ],
        },
        {
            "id": "manner",
            "title": "Manner",
            "questions": [
                {"id": "tone", "text": "Tone", "kind": "scale", "min": 1, "max": 5, "weight": 2, "na_allowed": True},
                {"id": "close", "text": "Closed the call properly?", "kind": "yes_no", "weight": 1,
                 "na_allowed": True, "adherence_step": "close"},
            ],
        },
    ],
}  # fmt: skip


@dataclass
class Env:
    client: TestClient
    store: Store
    tokens: dict[str, str]

    def req(self, user: str, method: str, url: str, body: Any = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return self.client.request(method, url, json=body, params=params or None, headers=headers)

    def ok(self, user: str, method: str, url: str, body: Any = None, code: int = 200) -> Any:
        r = self.req(user, method, url, body)
        assert r.status_code == code, f"{method} {url} as {user}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def add_call(self, call_id: str, agent: str, start: datetime, status: str = "ended", **kw: Any) -> None:
        self.store.create_call(call_id, "inbound", "sip:c@x", agent, "s1", start, "", **kw)
        if status != "active":
            self.store.end_call(call_id, start + timedelta(seconds=120), status=status)

    def scorecard(self, user: str = "tom", card: dict[str, Any] = CARD) -> int:
        return int(self.ok(user, "POST", "/api/scorecards", card, 201)["id"])

    def evaluate(self, user: str, call_id: str, answers: dict[str, Any], code: int = 201, **extra: Any) -> Any:
        body = {"scorecard_id": extra.pop("scorecard_id", 1), "answers": answers, **extra}
        return self.ok(user, "POST", f"/api/calls/{call_id}/evaluations", body, code)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:  # noqa: F811
    store = Store(database_url)
    store.migrate()
    tokens = {name: store.add_user(name, role, teams=teams, all_teams=name in ALL_TEAMS) for name, role, teams in USERS}
    settings = Settings(assist={"scripts_dir": str(tmp_path / "scripts")})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"))
    with TestClient(app) as client:
        e = Env(client, store, tokens)
        for i, (call_id, agent) in enumerate([("c-alice", "alice"), ("c-carl", "alice"), ("c-bob", "bob")]):
            e.add_call(call_id, agent if call_id != "c-carl" else "carl", T0 + timedelta(minutes=i))
        e.add_call("c-live", "alice", T0, status="active")
        steps = [
            {"id": "greet", "status": "done", "t": 1.5, "evidence": {}},
            {"id": "notice", "status": "missed", "t": None, "evidence": {}},
            {"id": "close", "status": "pending", "t": None, "evidence": {}},
        ]
        store.save_adherence("c-alice", {"script_id": "s1", "version": 1, "score": 0.5, "steps": steps, "alerts": []})
        yield e
    store.engine.dispose()


def _detail(r: httpx.Response) -> str:
    return str(r.json()["detail"])


def _changed(path: list[Any], value: Any) -> dict[str, Any]:
    """CARD with one field replaced (``value`` None removes it)."""
    import copy

    card = copy.deepcopy(CARD)
    node: Any = card
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return card


# ---- scorecards ---------------------------------------------------------------------------------------


def test_scorecards_are_versioned_and_validated(env: Env) -> None:
    created = env.ok("tom", "POST", "/api/scorecards", CARD, 201)
    assert created["version"] == 1 and created["versions"] == [1] and created["created_by"] == "tom"
    assert created["sections"][1]["questions"][0]["max"] == 5
    sid = created["id"]
    for who in ("qa1", "alice"):
        r = env.req(who, "POST", "/api/scorecards", CARD)
        assert r.status_code == 403 and "team_leader" in _detail(r)
    assert env.ok("qa1", "GET", f"/api/scorecards/{sid}")["name"] == "Helpdesk QA"  # checkers read
    assert env.req("alice", "GET", "/api/scorecards").status_code == 403

    # 422 names the field
    cases = [
        (["sections", 1, "questions", 0, "max"], None, "body.sections.1.questions.0.max"),
        (["sections", 1, "questions", 0, "max"], 1, "body.sections.1.questions.0.max: expected more than min"),
        (["sections", 1, "questions", 1, "id"], "greet", "body.sections.1.questions.1.id: duplicate question id"),
        (["sections", 0, "questions", 0, "min"], 0, "body.sections.0.questions.0.min"),
        (["sections", 1, "questions", 0, "auto_fail"], True, "body.sections.1.questions.0.auto_fail"),
        (["sections", 0, "questions", 0, "kind"], "stars", "body.sections.0.questions.0.kind"),
        (["sections", 0, "questions", 0, "weight"], 0, "body.sections.0.questions.0.weight"),
        (["sections", 0, "questions", 0, "colour"], "red", "body.sections.0.questions.0.colour"),
        (["sections", 1, "id"], "opening", "body.sections.1.id: duplicate section id"),
        (["name"], None, "body.name"),
    ]
    for path, value, field in cases:
        r = env.req("tom", "POST", "/api/scorecards", _changed(path, value))
        assert r.status_code == 422 and field in _detail(r), (path, r.text)
    assert env.req("tom", "POST", "/api/scorecards", {**CARD, "sections": []}).status_code == 422

    # a new version; the old one stays readable
    v2 = env.ok("sue", "PUT", f"/api/scorecards/{sid}", _changed(["sections", 0, "questions", 0, "weight"], 5))
    assert v2["version"] == 2 and v2["versions"] == [1, 2] and v2["created_by"] == "sue"
    assert env.ok("qa1", "GET", f"/api/scorecards/{sid}")["version"] == 2
    old = env.ok("qa1", "GET", f"/api/scorecards/{sid}?version=1")
    assert old["version"] == 1 and old["sections"][0]["questions"][0]["weight"] == 2
    assert [c["version"] for c in env.ok("qa1", "GET", "/api/scorecards")] == [2]
    assert env.req("qa1", "PUT", f"/api/scorecards/{sid}", CARD).status_code == 403
    assert env.req("tom", "PUT", f"/api/scorecards/{sid}", _changed(["name"], " ")).status_code == 422
    for url in ("/api/scorecards/999", f"/api/scorecards/{sid}?version=3"):
        r = env.req("qa1", "GET", url)
        assert r.status_code == 404, url
    assert env.req("tom", "PUT", "/api/scorecards/999", CARD).status_code == 404


# ---- evaluations --------------------------------------------------------------------------------------


def test_totals_weigh_answers_leave_out_na_and_auto_fail(env: Env) -> None:
    env.scorecard()
    # greet 2*1 + notice 1*1 + tone 2*(4-1)/(5-1) = 4.5 of weights 5 (close is n/a) -> 90
    ev = env.evaluate("sue", "c-alice", {"greet": "yes", "notice": "yes", "tone": 4, "close": "na"})
    assert ev["total"] == 90.0 and ev["auto_failed"] is False and ev["status"] == "submitted"
    assert ev["agent"] == "alice" and ev["evaluator"] == "sue" and ev["scorecard"]["version"] == 1
    # opening 3/3 -> 100; manner: tone 2*0.75 = 1.5 of 2 -> 75
    assert [(s["id"], s["score"]) for s in ev["section_scores"]] == [("opening", 100.0), ("manner", 75.0)]
    # greet 0 + notice 1 + tone 0 + close 1 = 2 of 6 -> 33.33
    ev = env.evaluate("sue", "c-carl", {"greet": "no", "notice": "yes", "tone": 1, "close": "yes"})
    assert ev["total"] == 33.33 and ev["auto_failed"] is False
    # a "no" to the auto-fail question: 0 whatever else, sections still scored
    body = {"greet": "yes", "notice": "no", "tone": 5, "close": "yes"}
    ev = env.evaluate("sue", "c-bob", body, comments=[{"t": 61.5, "text": "no notice", "question_id": "notice"}])
    assert ev["total"] == 0.0 and ev["auto_failed"] is True
    assert [s["score"] for s in ev["section_scores"]] == [round(200 / 3, 2), 100.0]
    assert ev["comments"] == [{"t": 61.5, "text": "no notice", "question_id": "notice"}]
    assert [e["total"] for e in env.ok("bob", "GET", "/api/calls/c-bob/evaluations")] == [0.0]

    full = {"greet": "yes", "notice": "yes", "tone": 4, "close": "yes"}
    bad = [
        ({"greet": "yes", "notice": "yes", "tone": 4}, {}, "body.answers.close: missing"),
        ({**full, "notice": "na"}, {}, "body.answers.notice: 'na' is not allowed"),
        ({**full, "tone": 6}, {}, "body.answers.tone: expected a whole number from 1 to 5"),
        ({**full, "tone": 2.5}, {}, "body.answers.tone"),
        ({**full, "greet": "maybe"}, {}, "body.answers.greet: expected 'yes' or 'no'"),
        ({**full, "speed": "yes"}, {}, "body.answers.speed: no such question"),
        (full, {"comments": [{"t": 500, "text": "late"}]}, "body.comments.0.t"),
        (full, {"comments": [{"t": -1, "text": "early"}]}, "body.comments.0.t"),
        (full, {"comments": [{"t": 3, "text": "x", "question_id": "q9"}]}, "body.comments.0.question_id"),
        (full, {"scorecard_id": 99}, "body.scorecard_id: no scorecard with id 99"),
        (full, {"colour": "red"}, "body.colour"),
    ]
    env.ok("tom", "POST", "/api/assignments", {"call_id": "c-alice", "checker": "qa1"}, 201)
    for answers, extra, field in bad:
        r = env.req("qa1", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": 1, "answers": answers, **extra})
        assert r.status_code == 422 and field in _detail(r), (answers, extra, r.text)
    r = env.req("sue", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": 1, "answers": full})
    assert r.status_code == 409 and "PUT /api/evaluations/" in _detail(r)  # sue scored it already
    r = env.req("sue", "POST", "/api/calls/c-live/evaluations", {"scorecard_id": 1, "answers": full})
    assert r.status_code == 409 and "active" in _detail(r)
    assert (
        env.req("sue", "POST", "/api/calls/nope/evaluations", {"scorecard_id": 1, "answers": full}).status_code == 404
    )
    assert (
        env.req("alice", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": 1, "answers": full}).status_code
        == 403
    )
    r = env.req("qa1", "POST", "/api/calls/c-bob/evaluations", {"scorecard_id": 1, "answers": full})
    assert r.status_code == 403  # not assigned to qa1
    env.add_call("c-tom", "tom", T0)  # a team leader who takes calls too
    r = env.req("tom", "POST", "/api/calls/c-tom/evaluations", {"scorecard_id": 1, "answers": full})
    assert r.status_code == 403 and "own" in _detail(r)
    assert env.req("qa1", "GET", "/api/calls/c-bob/evaluations").status_code == 403
    assert env.ok("qa1", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": 1, "answers": full}, 201)


def test_evaluations_keep_their_scorecard_version(env: Env) -> None:
    sid = env.scorecard()
    answers = {"greet": "no", "notice": "yes", "tone": 5, "close": "na"}
    first = env.evaluate("sue", "c-alice", answers)
    assert first["total"] == 60.0  # 0*2 + 1*1 + 1*2 = 3 of 5
    env.ok("tom", "PUT", f"/api/scorecards/{sid}", _changed(["sections", 0, "questions", 0, "weight"], 7))
    again = env.ok("sue", "GET", f"/api/evaluations/{first['id']}")
    assert again["scorecard"]["version"] == 1 and again["total"] == 60.0
    assert again["scorecard"]["sections"][0]["questions"][0]["weight"] == 2
    second = env.evaluate("sue", "c-carl", answers)
    assert second["scorecard"]["version"] == 2 and second["total"] == 30.0  # 3 of 10
    # a change is scored on the version the evaluation was made with: 2 + 1 + 2 = 5 of 5
    changed = env.ok("sue", "PUT", f"/api/evaluations/{first['id']}", {"answers": {**answers, "greet": "yes"}})
    assert changed["scorecard"]["version"] == 1 and changed["total"] == 100.0
    assert env.ok("sue", "GET", f"/api/evaluations/{first['id']}")["total"] == 100.0
    r = env.req("sue", "PUT", f"/api/evaluations/{first['id']}", {"answers": {**answers, "tone": 0}})
    assert r.status_code == 422 and "body.answers.tone" in _detail(r)
    assert env.req("ada", "PUT", f"/api/evaluations/{first['id']}", {"answers": answers}).status_code == 403
    assert env.req("sue", "PUT", "/api/evaluations/999", {"answers": answers}).status_code == 404


def test_prefill_from_the_adherence_report(env: Env) -> None:
    sid = env.scorecard()
    got = env.ok("sue", "GET", f"/api/calls/c-alice/evaluations/prefill?scorecard_id={sid}")
    # greet done -> yes, notice missed -> no, close pending -> left for the checker; tone names no step
    assert got["answers"] == {"greet": "yes", "notice": "no"} and got["report"] is True
    assert got["sources"]["greet"] == {"step": "greet", "status": "done", "t": 1.5}
    assert got["scorecard"] == {"id": sid, "version": 1}
    none = env.ok("sue", "GET", f"/api/calls/c-bob/evaluations/prefill?scorecard_id={sid}")
    assert none["answers"] == {} and none["report"] is False
    assert env.req("alice", "GET", f"/api/calls/c-alice/evaluations/prefill?scorecard_id={sid}").status_code == 403
    assert env.req("qa1", "GET", f"/api/calls/c-alice/evaluations/prefill?scorecard_id={sid}").status_code == 403
    assert env.req("sue", "GET", f"/api/calls/nope/evaluations/prefill?scorecard_id={sid}").status_code == 404
    assert env.req("sue", "GET", "/api/calls/c-alice/evaluations/prefill?scorecard_id=77").status_code == 404
    r = env.req("sue", "GET", "/api/calls/c-alice/evaluations/prefill")
    assert r.status_code == 422 and "scorecard_id" in _detail(r)


def test_acknowledge_and_dispute_only_by_the_agent_resolve_by_evaluator_or_supervisor(env: Env) -> None:
    env.scorecard()
    env.ok("tom", "POST", "/api/assignments", {"call_id": "c-alice", "checker": "qa1"}, 201)
    answers = {"greet": "yes", "notice": "yes", "tone": 1, "close": "no"}
    ev = env.evaluate("qa1", "c-alice", answers)
    url = f"/api/evaluations/{ev['id']}"
    assert [e["id"] for e in env.ok("alice", "GET", "/api/evaluations")] == [ev["id"]]  # the agent's inbox
    assert env.ok("bob", "GET", "/api/evaluations") == []
    for who in ("bob", "carl"):  # other agents do not even see it, nor learn its call from the answer
        r = env.req(who, "GET", url)
        assert r.status_code == 403 and "c-alice" not in _detail(r), r.text
        assert env.req(who, "POST", url + "/acknowledge").status_code == 403
    for who in ("tom", "qa1", "sue"):  # only the evaluated agent acknowledges or disputes
        r = env.req(who, "POST", url + "/acknowledge")
        assert r.status_code == 403 and "evaluated agent" in _detail(r) and "alice" not in _detail(r)
        assert env.req(who, "POST", url + "/dispute", {"reason": "no"}).status_code == 403
    r = env.req("alice", "POST", url + "/dispute", {"reason": ""})
    assert r.status_code == 422 and "body.reason" in _detail(r)
    disputed = env.ok("alice", "POST", url + "/dispute", {"reason": "The customer hung up before I could close"})
    assert disputed["status"] == "disputed" and disputed["dispute"]["reason"].startswith("The customer")
    assert env.req("alice", "POST", url + "/acknowledge").status_code == 409
    assert env.req("alice", "POST", url + "/dispute", {"reason": "again"}).status_code == 409
    assert env.req("qa1", "PUT", url, {"answers": answers}).status_code == 409  # a dispute is resolved instead

    assert env.req("alice", "POST", url + "/resolve", {"resolution": "x"}).status_code == 403  # an agent
    r = env.req("tom", "POST", url + "/resolve", {"resolution": "x"})  # a team leader who did not evaluate
    assert r.status_code == 403 and "supervisor" in _detail(r)
    assert env.req("qa2", "POST", url + "/resolve", {"resolution": "x"}).status_code == 403  # not their call
    r = env.req("sue", "POST", url + "/resolve", {"resolution": "fair", "answers": {**answers, "close": "maybe"}})
    assert r.status_code == 422 and "body.answers.close" in _detail(r)
    # close n/a: 2 + 1 + 0 = 3 of 5 -> 60 (was 3 of 6 -> 50)
    resolved = env.ok("sue", "POST", url + "/resolve", {"resolution": "fair", "answers": {**answers, "close": "na"}})
    assert resolved["status"] == "resolved" and resolved["total"] == 60.0 and ev["total"] == 50.0
    assert resolved["dispute"]["resolved_by"] == "sue" and resolved["dispute"]["resolution"] == "fair"
    assert env.req("qa1", "POST", url + "/resolve", {"resolution": "again"}).status_code == 409
    acked = env.ok("alice", "POST", url + "/acknowledge")
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"]
    assert env.req("alice", "POST", url + "/acknowledge").status_code == 409

    # the evaluator may resolve too
    second = env.evaluate("qa1", "c-alice", answers, scorecard_id=env.scorecard())
    env.ok("alice", "POST", f"/api/evaluations/{second['id']}/dispute", {"reason": "why"})
    assert env.ok("qa1", "POST", f"/api/evaluations/{second['id']}/resolve", {"resolution": "kept"})["total"] == 50.0
    for who, verb, body in [("alice", "acknowledge", None), ("alice", "dispute", {"reason": "x"}),
                            ("sue", "resolve", {"resolution": "x"})]:  # fmt: skip
        assert env.req(who, "POST", f"/api/evaluations/999/{verb}", body).status_code == 404
    assert env.req("alice", "GET", "/api/evaluations/999").status_code == 404


# ---- calibration --------------------------------------------------------------------------------------


def test_calibration_is_blind_until_closed_and_reports_spread_and_deviation(env: Env) -> None:
    sid = env.scorecard()
    env.tokens["qa4"] = env.store.add_user("qa4", "quality_checker")  # a checker outside the session
    body = {"scorecard_id": sid, "call_ids": ["c-alice", "c-carl"], "checker_ids": ["qa1", "qa2", "qa3"]}
    for change, field in [
        ({"checker_ids": ["qa1", "alice"]}, "body.checker_ids.1: user 'alice' is a agent"),
        ({"checker_ids": ["qa1", "nobody"]}, "body.checker_ids.1: no user named"),
        ({"checker_ids": ["qa1", "qa1"]}, "body.checker_ids.1"),
        ({"checker_ids": ["qa1"]}, "body.checker_ids"),
        ({"call_ids": ["c-alice", "nope"]}, "body.call_ids.1: no call"),
        ({"call_ids": ["c-live"]}, "body.call_ids.0: call 'c-live' is active"),
        ({"scorecard_id": 42}, "body.scorecard_id"),
    ]:
        r = env.req("tom", "POST", "/api/calibrations", {**body, **change})
        assert r.status_code == 422 and field in _detail(r), (change, r.text)
    r = env.req("tom", "POST", "/api/calibrations", {**body, "call_ids": ["c-bob"]})
    assert r.status_code == 403  # bob is not in tom's team
    r = env.req("sue", "POST", "/api/calibrations", {**body, "checker_ids": ["qa1", "tom"], "call_ids": ["c-bob"]})
    assert r.status_code == 422 and "body.checker_ids.1: tom (team_leader) may not see call 'c-bob'" in _detail(r)
    assert env.req("qa1", "POST", "/api/calibrations", body).status_code == 403
    cal = env.ok("tom", "POST", "/api/calibrations", body, 201)
    cid = cal["id"]
    assert cal["status"] == "open" and cal["scorecard"] == {"id": sid, "version": 1, "name": "Helpdesk QA"}
    assert cal["checker_ids"] == ["qa1", "qa2", "qa3"] and cal["call_ids"] == ["c-alice", "c-carl"]

    # the session gives its checkers the calls, nobody else
    assert env.ok("qa1", "GET", "/api/calls/c-carl")["agent"] == "carl"
    assert {c["id"] for c in env.ok("qa2", "GET", "/api/calls")["items"]} == {"c-alice", "c-carl"}
    assert env.req("qa4", "GET", "/api/calls/c-carl").status_code == 403
    assert env.req("qa4", "GET", f"/api/calibrations/{cid}").status_code == 403
    assert env.req("alice", "GET", f"/api/calibrations/{cid}").status_code == 403
    assert [c["id"] for c in env.ok("qa1", "GET", "/api/calibrations")] == [cid]
    assert env.ok("qa4", "GET", "/api/calibrations") == []

    scores = {  # checker -> call -> answers
        "qa1": {
            "c-alice": {"greet": "yes", "notice": "yes", "tone": 5, "close": "yes"},  # 6 of 6 -> 100
            "c-carl": {"greet": "yes", "notice": "no", "tone": 2, "close": "yes"},  # auto-fail -> 0
        },
        "qa2": {
            "c-alice": {"greet": "yes", "notice": "yes", "tone": 3, "close": "na"},  # 4 of 5 -> 80
            "c-carl": {"greet": "yes", "notice": "no", "tone": 2, "close": "yes"},  # 0
        },
        "qa3": {"c-alice": {"greet": "no", "notice": "yes", "tone": 4, "close": "no"}},  # 2.5 of 6 -> 41.67
    }
    ids: dict[tuple[str, str], int] = {}
    for who, calls in scores.items():
        for call_id, answers in calls.items():
            ev = env.evaluate(who, call_id, answers, scorecard_id=sid, calibration_id=cid)
            assert ev["calibration"] == {"id": cid, "open": True}
            ids[who, call_id] = ev["id"]
    assert env.ok("tom", "GET", f"/api/calibrations/{cid}")["progress"] == {"qa1": 2, "qa2": 2, "qa3": 1}
    full = scores["qa1"]["c-alice"]
    r = env.req("qa1", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": sid, "answers": full,
                                                                   "calibration_id": cid})  # fmt: skip
    assert r.status_code == 409  # once per checker and call
    r = env.req("sue", "POST", "/api/calls/c-alice/evaluations", {"scorecard_id": sid, "answers": full,
                                                                   "calibration_id": cid})  # fmt: skip
    assert r.status_code == 403 and "not a checker" in _detail(r)
    other = env.scorecard()
    r = env.req("qa3", "POST", "/api/calls/c-carl/evaluations", {"scorecard_id": other, "answers": full,
                                                                  "calibration_id": cid})  # fmt: skip
    assert r.status_code == 422 and "body.scorecard_id" in _detail(r)

    # blind: each checker reads only their own; so do the leaders
    assert [e["id"] for e in env.ok("qa2", "GET", "/api/calls/c-alice/evaluations")] == [ids["qa2", "c-alice"]]
    r = env.req("qa2", "GET", f"/api/evaluations/{ids['qa1', 'c-alice']}")
    assert r.status_code == 403 and "blind" in _detail(r)
    assert env.ok("tom", "GET", "/api/calls/c-alice/evaluations") == []
    assert env.req("ada", "GET", f"/api/evaluations/{ids['qa1', 'c-alice']}").status_code == 403
    r = env.req("qa1", "GET", f"/api/calibrations/{cid}/report")
    assert r.status_code == 409 and "open" in _detail(r)
    assert env.req("qa1", "POST", f"/api/calibrations/{cid}/close").status_code == 403
    assert env.ok("tom", "POST", f"/api/calibrations/{cid}/close")["status"] == "closed"
    assert env.req("tom", "POST", f"/api/calibrations/{cid}/close").status_code == 409
    r = env.req("qa3", "POST", "/api/calls/c-carl/evaluations", {"scorecard_id": sid, "answers": full,
                                                                  "calibration_id": cid})  # fmt: skip
    assert r.status_code == 409 and "closed" in _detail(r)

    # closed: everyone in scope reads them, except the agent
    assert len(env.ok("qa2", "GET", "/api/calls/c-alice/evaluations")) == 3
    assert len(env.ok("tom", "GET", f"/api/evaluations?calibration_id={cid}")) == 5
    assert env.ok("alice", "GET", "/api/calls/c-alice/evaluations") == []
    assert env.req("alice", "GET", f"/api/evaluations/{ids['qa1', 'c-alice']}").status_code == 403
    r = env.req("alice", "POST", f"/api/evaluations/{ids['qa1', 'c-alice']}/dispute", {"reason": "x"})
    assert r.status_code == 403

    report = env.ok("qa3", "GET", f"/api/calibrations/{cid}/report")
    assert report["status"] == "closed" and report["checker_ids"] == ["qa1", "qa2", "qa3"]
    spread = {q["question_id"]: {c["call_id"]: c for c in q["calls"]} for q in report["questions"]}
    # greet on c-alice: 1, 1, 0 -> mean 2/3, population variance ((1/3)² + (1/3)² + (2/3)²) / 3 = 2/9
    greet = spread["greet"]["c-alice"]
    assert greet["answers"] == {"qa1": "yes", "qa2": "yes", "qa3": "no"}
    assert (greet["min"], greet["max"]) == (0, 1) and greet["stdev"] == pytest.approx((2 / 9) ** 0.5, abs=1e-4)
    tone = spread["tone"]["c-alice"]  # 5, 3, 4 -> mean 4, variance (1 + 1 + 0) / 3
    assert (tone["min"], tone["max"]) == (3, 5) and tone["stdev"] == pytest.approx((2 / 3) ** 0.5, abs=1e-4)
    close = spread["close"]["c-alice"]  # qa2's n/a left out: 1, 0
    assert close["answers"]["qa2"] == "na" and close["stdev"] == pytest.approx(0.5)
    assert spread["tone"]["c-carl"]["stdev"] == 0 and spread["tone"]["c-carl"]["answers"] == {"qa1": 2, "qa2": 2}
    totals = {t["call_id"]: t for t in report["totals"]}
    assert totals["c-alice"]["totals"] == {"qa1": 100.0, "qa2": 80.0, "qa3": 41.67}
    assert (totals["c-alice"]["min"], totals["c-alice"]["max"]) == (41.67, 100.0)

    # deviation from consensus (mean of the others), per question on 0..100 points:
    # qa1 on c-alice: greet |100 - 50| = 50, notice 0, tone |100 - (50 + 75)/2| = 37.5, close |100 - 0| = 100
    #     on c-carl: 0, 0, 0, 0 -> 187.5 / 8
    # qa2 on c-alice: greet 50, notice 0, tone |50 - (100 + 75)/2| = 37.5, close n/a; c-carl 0 x 4 -> 87.5 / 7
    # qa3 on c-alice: greet |0 - 100| = 100, notice 0, tone |75 - 75| = 0, close |0 - 100| = 100 -> 200 / 4
    dev = {c["checker"]: c for c in report["checkers"]}
    assert dev["qa1"]["mad"] == pytest.approx(187.5 / 8, abs=1e-3)
    assert dev["qa2"]["mad"] == pytest.approx(87.5 / 7, abs=1e-3)
    assert dev["qa3"]["mad"] == pytest.approx(50.0, abs=1e-3)
    # totals: qa1 (|100 - (80 + 41.67)/2| + |0 - 0|) / 2; qa3 only scored c-alice
    assert dev["qa1"]["total_mad"] == pytest.approx((100 - (80 + 41.67) / 2) / 2, abs=1e-3)
    assert dev["qa2"]["total_mad"] == pytest.approx(abs(80 - (100 + 41.67) / 2) / 2, abs=1e-3)
    assert dev["qa3"]["total_mad"] == pytest.approx(abs(41.67 - 90.0), abs=1e-3)
    assert [dev[k]["evaluations"] for k in ("qa1", "qa2", "qa3")] == [2, 2, 1]
    for url in (f"/api/calibrations/{cid + 1}", f"/api/calibrations/{cid + 1}/report"):
        assert env.req("tom", "GET", url).status_code == 404
    assert env.req("tom", "POST", f"/api/calibrations/{cid + 1}/close").status_code == 404


# ---- distribution -------------------------------------------------------------------------------------


def test_distribution_is_even_and_keeps_checkers_off_their_own_team(env: Env) -> None:
    day1 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
    day2 = day1 + timedelta(days=1)
    for day, red, blue in ((day1, 5, 3), (day2, 4, 2)):
        for i in range(red):
            env.add_call(f"r-{day.day}-{i}", ("alice", "carl")[i % 2], day + timedelta(minutes=i))
        for i in range(blue):
            env.add_call(f"b-{day.day}-{i}", "bob", day + timedelta(minutes=i))
    env.add_call("r-live", "alice", day1, status="active")  # never distributed

    for body, field in [
        ({"scope": "room", "target": "red", "per_period": 3, "period": "day"}, "body.scope"),
        ({"scope": "team", "target": "red", "per_period": 0, "period": "day"}, "body.per_period"),
        ({"scope": "team", "target": "red", "per_period": 3, "period": "month"}, "body.period"),
        ({"scope": "team", "target": "green", "per_period": 3, "period": "day"}, "body.target: no team named"),
        ({"scope": "agent", "target": "zed", "per_period": 3, "period": "day"}, "body.target: no user named"),
    ]:
        r = env.req("sue", "POST", "/api/assignment-rules", body)
        assert r.status_code == 422 and field in _detail(r), (body, r.text)
    red = {"scope": "team", "target": "red", "per_period": 3, "period": "day"}
    assert env.req("qa1", "POST", "/api/assignment-rules", red).status_code == 403
    assert env.req("alice", "GET", "/api/assignment-rules").status_code == 403
    rule = env.ok("sue", "POST", "/api/assignment-rules", red, 201)
    assert rule["allow_own_team"] is False and rule["created_by"] == "sue"
    env.ok("tom", "POST", "/api/assignment-rules", {"scope": "team", "target": "blue", "per_period": 2,
                                                    "period": "day"}, 201)  # fmt: skip
    assert len(env.ok("tom", "GET", "/api/assignment-rules")) == 2

    span = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-04T00:00:00Z"}
    assert env.req("qa1", "POST", "/api/assignments/distribute", span).status_code == 403
    r = env.req("sue", "POST", "/api/assignments/distribute", {**span, "to": "2026-11-01T00:00:00Z"})
    assert r.status_code == 422 and "body.to" in _detail(r)
    r = env.req("sue", "POST", "/api/assignments/distribute", {"to": span["to"]})
    assert r.status_code == 422 and "body.from" in _detail(r)
    out = env.ok("sue", "POST", "/api/assignments/distribute", span)

    # 3 red + 2 blue per day over two days: 10 calls over 3 checkers, none to a checker of the agent's team
    got = {a["call_id"]: a["checker"] for a in out["assigned"]}
    per_day = Counter((cid[0], cid.split("-")[1]) for cid in got)
    assert per_day == {("r", "2"): 3, ("b", "2"): 2, ("r", "3"): 3, ("b", "3"): 2}, got
    assert all(who != "qa1" for cid, who in got.items() if cid.startswith("r-"))  # qa1 is in red
    assert all(who != "qa2" for cid, who in got.items() if cid.startswith("b-"))  # qa2 is in blue
    load = Counter(got.values())
    assert sum(load.values()) == 10 and max(load.values()) - min(load.values()) <= 1, load
    assert out["load"] == dict(load) and out["skipped"] == []
    assert all(a["assigned_by"] == "sue" for a in out["assigned"])

    # nothing new the second time: the day's quota is filled
    assert env.ok("sue", "POST", "/api/assignments/distribute", span)["assigned"] == []

    # a checker sees exactly the calls assigned to them
    mine = {cid for cid, who in got.items() if who == "qa3"}
    listed = env.ok("qa3", "GET", "/api/assignments?checker=qa1")  # a checker's own list, whatever they ask
    assert {a["call_id"] for a in listed} == mine and {a["checker"] for a in listed} == {"qa3"}
    assert {c["id"] for c in env.ok("qa3", "GET", "/api/calls?limit=100")["items"]} == mine
    theirs = next(cid for cid, who in got.items() if who != "qa3")
    assert env.req("qa3", "GET", f"/api/calls/{theirs}").status_code == 403
    assert {a["call_id"] for a in env.ok("tom", "GET", "/api/assignments?checker=qa3")} == mine

    # own team allowed: carl's call may go to qa1 (all loads 0 that day, ties by name); otherwise not
    for r in env.ok("sue", "GET", "/api/assignment-rules"):
        env.ok("sue", "DELETE", f"/api/assignment-rules/{r['id']}", code=204)
    assert env.req("sue", "DELETE", f"/api/assignment-rules/{rule['id']}").status_code == 404
    assert env.ok("sue", "GET", "/api/assignment-rules") == []
    env.add_call("r-own", "carl", day1 + timedelta(days=2))
    carl = env.ok("sue", "POST", "/api/assignment-rules", {"scope": "agent", "target": "carl", "per_period": 1,
                                                           "period": "day", "allow_own_team": True}, 201)  # fmt: skip
    own = env.ok("sue", "POST", "/api/assignments/distribute", {"from": "2026-11-04T00:00:00Z",
                                                                "to": "2026-11-05T00:00:00Z"})  # fmt: skip
    assert [(a["call_id"], a["checker"]) for a in own["assigned"]] == [("r-own", "qa1")]
    env.ok("sue", "DELETE", f"/api/assignment-rules/{carl['id']}", code=204)
    env.store.add_user("qa0", "quality_checker", teams=["red"])  # first by name, but in carl's team
    env.ok("sue", "POST", "/api/assignment-rules", {"scope": "campaign", "target": "promo", "per_period": 5,
                                                    "period": "week"}, 201)  # fmt: skip
    env.add_call("p-1", "carl", day1 + timedelta(days=3), campaign="promo")
    env.add_call("p-2", "bob", day1 + timedelta(days=3, minutes=1), campaign="promo")
    nxt = env.ok("sue", "POST", "/api/assignments/distribute", {"from": "2026-11-05T00:00:00+01:00",
                                                                "to": "2026-11-06T00:00:00Z"})  # fmt: skip
    got = {a["call_id"]: a["checker"] for a in nxt["assigned"]}
    assert got["p-1"] in ("qa2", "qa3") and got["p-2"] in ("qa0", "qa1", "qa3") and got["p-1"] != got["p-2"]


def test_no_checker_outside_the_team_leaves_the_call_unassigned(env: Env) -> None:
    env.store.set_teams("qa2", ["red"])
    env.store.set_teams("qa3", ["red"])
    env.add_call("r-1", "alice", datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    env.ok("tom", "POST", "/api/assignment-rules", {"scope": "agent", "target": "alice", "per_period": 1,
                                                    "period": "day"}, 201)  # fmt: skip
    # tom distributes within his scope (team red): the call is sampled, but every checker is in red
    out = env.ok("tom", "POST", "/api/assignments/distribute", {"from": "2026-11-02T00:00:00",
                                                                "to": "2026-11-03T00:00:00"})  # fmt: skip
    assert out["assigned"] == [] and out["skipped"] == [
        {"call_id": "r-1", "reason": "no quality checker outside the agent's team"}
    ]


def test_allocation_evens_loads_as_far_as_eligibility_allows() -> None:
    # 4 calls only qa1 or qa3 may take, 6 only qa2 or qa3: least-loaded first would end 2/4/4
    demands = [(f"b{i}", ["qa1", "qa3"]) for i in range(4)] + [(f"r{i}", ["qa2", "qa3"]) for i in range(6)]
    given, nobody = allocate(demands, {"qa1": 0, "qa2": 0, "qa3": 0})
    assert sorted(Counter(given.values()).values()) == [3, 3, 4] and nobody == []
    assert all(given[c] in dict(demands)[c] for c in given)
    # existing load counts; a call nobody may take is returned
    given, nobody = allocate([("x", ["a", "b"]), ("y", ["a", "b"]), ("z", [])], {"a": 3, "b": 0})
    assert given == {"x": "b", "y": "b"} and nobody == ["z"]


# ---- every route: the wrong role, an unknown id ------------------------------------------------------


def test_every_quality_route_checks_roles_and_ids(env: Env) -> None:
    sid = env.scorecard()
    answers = {"greet": "yes", "notice": "yes", "tone": 3, "close": "yes"}
    eid = env.evaluate("sue", "c-alice", answers)["id"]
    cal = env.ok("sue", "POST", "/api/calibrations", {"scorecard_id": sid, "call_ids": ["c-bob"],
                                                      "checker_ids": ["qa1", "qa2"]}, 201)["id"]  # fmt: skip
    rule = {"scope": "team", "target": "red", "per_period": 1, "period": "day"}
    span = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}
    # (method, url, body, a role that may not, unknown-id url or None)
    routes: list[tuple[str, str, Any, str, str | None]] = [
        ("POST", "/api/scorecards", CARD, "qa1", None),
        ("GET", "/api/scorecards", None, "alice", None),
        ("GET", f"/api/scorecards/{sid}", None, "alice", "/api/scorecards/999"),
        ("PUT", f"/api/scorecards/{sid}", CARD, "qa1", "/api/scorecards/999"),
        ("POST", "/api/calls/c-alice/evaluations", {"scorecard_id": sid, "answers": answers}, "alice",
         "/api/calls/nope/evaluations"),
        ("GET", "/api/calls/c-alice/evaluations", None, "bob", "/api/calls/nope/evaluations"),
        ("GET", f"/api/calls/c-alice/evaluations/prefill?scorecard_id={sid}", None, "alice",
         f"/api/calls/nope/evaluations/prefill?scorecard_id={sid}"),
        ("GET", f"/api/evaluations/{eid}", None, "bob", "/api/evaluations/999"),
        ("PUT", f"/api/evaluations/{eid}", {"answers": answers}, "alice", "/api/evaluations/999"),
        ("POST", f"/api/evaluations/{eid}/acknowledge", None, "tom", "/api/evaluations/999/acknowledge"),
        ("POST", f"/api/evaluations/{eid}/dispute", {"reason": "x"}, "tom", "/api/evaluations/999/dispute"),
        ("POST", f"/api/evaluations/{eid}/resolve", {"resolution": "x"}, "alice", "/api/evaluations/999/resolve"),
        ("POST", "/api/calibrations", {"scorecard_id": sid, "call_ids": ["c-bob"], "checker_ids": ["qa1", "qa2"]},
         "qa1", None),
        ("GET", "/api/calibrations", None, "alice", None),
        ("GET", f"/api/calibrations/{cal}", None, "qa3", "/api/calibrations/999"),
        ("POST", f"/api/calibrations/{cal}/close", None, "qa1", "/api/calibrations/999/close"),
        ("GET", f"/api/calibrations/{cal}/report", None, "qa3", "/api/calibrations/999/report"),
        ("POST", "/api/assignment-rules", rule, "qa1", None),
        ("GET", "/api/assignment-rules", None, "bob", None),
        ("DELETE", "/api/assignment-rules/1", None, "qa2", "/api/assignment-rules/999"),
        ("POST", "/api/assignments/distribute", span, "alice", None),
    ]  # fmt: skip
    for method, url, body, denied, unknown in routes:
        r = env.req(denied, method, url, body)
        assert r.status_code == 403, (method, url, denied, r.text)
        if unknown is not None:
            r = env.req("ada", method, unknown, body)
            assert r.status_code == 404, (method, unknown, r.text)
        assert env.client.request(method, url, json=body).status_code == 401  # no token
    # 422 carries the field in the app's usual shape
    r = env.req("ada", "POST", "/api/scorecards", {"name": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "sections"]
    r = env.req("ada", "POST", "/api/calls/c-bob/evaluations", {"scorecard_id": sid, "answers": {}})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "answers"]
    # the audit log tells who scored what, and who was refused a look at the call's evaluations
    audit = env.ok("ada", "GET", "/api/audit?call_id=c-alice")["items"]
    assert sorted((a["user"], a["action"]) for a in audit) == [("bob", "refused"), ("sue", "evaluation")]
