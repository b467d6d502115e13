"""Checkers' marks offered to script editors (API, the app's lifespan through TestClient): a missed step
marked said offers the agent's words; accepted, they are a ``say:`` line of the script's next version,
saved as an edit is (applied to running calls, audited); a false tick is shown and dismissed; every
refusal says what was expected. And the script text edit that keeps every other line as written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.deps import NullRuntime
from agentassist.assist.parsing import parse_script
from agentassist.assist.script import Script
from agentassist.assist.wording import with_say
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.errors import ScriptError
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SCRIPT = """\
id: sales
version: 1
language: en
steps:
  - id: greet   # the opening line
    say:
      - "Thank you for calling."
    mandatory: true
  - id: notice
    say: This call is recorded for quality purposes.
    mandatory: true
"""
WORDS = "Just so you know, we record these calls."
ROLES = {"ada": "admin", "tess": "team_leader", "quinn": "quality_checker", "alice": "agent", "bob": "agent"}


class Recording(NullRuntime):
    """A runtime whose one running call follows every script: what apply_script was given."""

    applied: list[Script]

    def apply_script(self, script: Script) -> list[str]:
        self.applied.append(script)
        return ["running-call"]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "sales.yaml").write_text(SCRIPT)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        name: store.add_user(name, role, teams=["red"] if role != "admin" else None) for name, role in ROLES.items()
    }
    for call_id, agent in (("c1", "alice"), ("c2", "alice"), ("b1", "bob"), ("live", "alice")):
        store.create_call(call_id, "inbound", "sip:c@x", agent, "sales", T0, "")
        if call_id != "live":
            store.end_call(call_id, T0 + timedelta(seconds=30))
    for call_id in ("c1", "c2", "b1", "live"):
        store.add_utterance(
            call_id, Utterance(f"{call_id}-a1", call_id, Channel.AGENT, 0.5, 2.0, "Thank you for calling.")
        )
        store.add_utterance(call_id, Utterance(f"{call_id}-a2", call_id, Channel.AGENT, 3.0, 4.0, "Just so you know,"))
        store.add_utterance(
            call_id, Utterance(f"{call_id}-a3", call_id, Channel.AGENT, 4.2, 5.0, "we record these calls.")
        )
        store.add_utterance(call_id, Utterance(f"{call_id}-c1", call_id, Channel.CUSTOMER, 5.5, 6.0, "Okay."))
        greet = {"utterance_id": f"{call_id}-a1", "text": "Thank you for calling.", "score": 1.0, "t": 0.5}
        steps = [
            {"id": "greet", "status": "done", "t": 0.5, "evidence": greet},
            {"id": "notice", "status": "missed", "t": None, "evidence": {}},
        ]
        store.save_adherence(call_id, {"script_id": "sales", "version": 1, "score": 0.5, "steps": steps, "alerts": []})
    for call_id in ("c1", "c2"):
        store.assign(call_id, "quinn", "ada")
    runtime = Recording(Settings(assist={"scripts_dir": str(scripts)}))  # type: ignore[arg-type]
    runtime.applied = []
    settings = Settings(assist={"scripts_dir": str(scripts)})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), runtime)
    with TestClient(app) as client:
        yield {"client": client, "tokens": tokens, "store": store, "runtime": runtime, "dir": scripts}


def _as(env: dict[str, Any], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {env['tokens'][user]}"}


def _mark(env: dict[str, Any], user: str, call_id: str, **body: Any) -> Any:
    return env["client"].post(f"/api/calls/{call_id}/step-marks", json=body, headers=_as(env, user))


def test_a_missed_step_marked_said_becomes_a_say_line_of_the_next_version(env: dict[str, Any]) -> None:
    c = env["client"]
    r = _mark(env, "quinn", "c1", step_id="notice", mark="said", utterance_ids=["c1-a3", "c1-a2"])
    assert r.status_code == 201, r.text
    offer = r.json()
    assert (offer["mark"], offer["status"], offer["checker"], offer["agent"]) == ("said", "pending", "quinn", "alice")
    assert (offer["script_id"], offer["script_version"], offer["step_id"]) == ("sales", 1, "notice")
    assert offer["utterance_ids"] == ["c1-a2", "c1-a3"] and offer["text"] == WORDS  # in time order
    assert c.get("/api/calls/c1/step-marks", headers=_as(env, "alice")).json() == [offer]  # the agent reads it

    listed = c.get("/api/scripts/sales/offers", params={"status": "pending"}, headers=_as(env, "tess")).json()
    assert [o["id"] for o in listed] == [offer["id"]]
    r = c.post(f"/api/scripts/sales/offers/{offer['id']}/accept", headers=_as(env, "tess"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["saved"] == {"id": "sales", "version": 2, "changed": True, "applied_to": ["running-call"]}
    assert body["offer"]["status"] == "accepted" and body["offer"]["accepted_version"] == 2
    assert body["offer"]["decided_by"] == "tess"
    [applied] = env["runtime"].applied  # the same save as an edit: the running calls take it
    assert applied.version == 2 and applied.step("notice").say == (
        "This call is recorded for quality purposes.",
        WORDS,
    )
    v2 = c.get("/api/scripts/sales", headers=_as(env, "alice")).json()
    assert v2["yaml"] == SCRIPT.replace("version: 1", "version: 2").replace(
        "say: This call is recorded for quality purposes.",
        f'say: ["This call is recorded for quality purposes.", "{WORDS}"]',
    )
    assert c.get("/api/scripts/sales/versions", headers=_as(env, "tess")).json()["items"][-1]["by"] == "tess"
    actions = [(a["user"], a["action"]) for a in c.get("/api/audit", headers=_as(env, "ada")).json()["items"]]
    for entry in (("quinn", "step_mark"), ("tess", "script_saved"), ("tess", "offer_accepted")):
        assert entry in actions, actions

    # decided: not again; the same words offered from another call need no new version
    assert c.post(f"/api/scripts/sales/offers/{offer['id']}/accept", headers=_as(env, "tess")).status_code == 409
    again = _mark(env, "quinn", "c2", step_id="notice", mark="said", utterance_ids=["c2-a2", "c2-a3"]).json()
    r = c.post(f"/api/scripts/sales/offers/{again['id']}/accept", headers=_as(env, "ada"))
    assert r.status_code == 200 and r.json()["saved"] == {
        "id": "sales",
        "version": 2,
        "changed": False,
        "applied_to": [],
    }


def test_an_edited_wording_a_rejection_and_a_false_tick(env: dict[str, Any]) -> None:
    c = env["client"]
    said = _mark(env, "tess", "c1", step_id="notice", mark="said", utterance_ids=["c1-a2"]).json()
    r = _mark(env, "tess", "c1", step_id="notice", mark="said", utterance_ids=["c1-a3"])  # marked again: replaced
    assert r.status_code == 200 and r.json()["id"] == said["id"] and r.json()["text"] == "we record these calls."
    r = c.post(
        f"/api/scripts/sales/offers/{said['id']}/accept",
        json={"text": "We record these calls."},
        headers=_as(env, "ada"),
    )
    assert r.status_code == 200, r.text
    assert parse_script((env["dir"] / "sales.yaml").read_text()).step("notice").say[-1] == "We record these calls."

    tick = _mark(env, "quinn", "c2", step_id="greet", mark="not_said").json()
    assert tick["mark"] == "not_said" and tick["text"] == "Thank you for calling." and tick["evidence"]["score"] == 1.0
    assert tick["utterance_ids"] == ["c2-a1"]
    r = c.post(f"/api/scripts/sales/offers/{tick['id']}/accept", headers=_as(env, "ada"))
    assert r.status_code == 409 and "false tick" in r.json()["detail"]
    r = c.post(
        f"/api/scripts/sales/offers/{tick['id']}/reject", json={"reason": "it was said"}, headers=_as(env, "ada")
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "it was said"
    assert c.get("/api/scripts/sales", headers=_as(env, "ada")).json()["version"] == 2  # the tick changed nothing
    r = _mark(env, "quinn", "c2", step_id="greet", mark="not_said")
    assert r.status_code == 409 and "rejected already" in r.json()["detail"]


def test_the_prefill_follows_the_checkers_own_marks(env: dict[str, Any]) -> None:
    c = env["client"]
    questions = [
        {"id": q, "text": f"{q}?", "kind": "yes_no", "adherence_step": q} for q in ("greet", "notice")
    ]  # fmt: skip
    card = {"name": "QA", "description": "", "sections": [{"id": "s", "title": "S", "questions": questions}]}
    assert c.post("/api/scorecards", json=card, headers=_as(env, "ada")).status_code == 201
    _mark(env, "quinn", "c1", step_id="notice", mark="said", utterance_ids=["c1-a2", "c1-a3"])
    _mark(env, "quinn", "c1", step_id="greet", mark="not_said")
    mine = c.get("/api/calls/c1/evaluations/prefill?scorecard_id=1", headers=_as(env, "quinn")).json()
    assert mine["answers"] == {"greet": "no", "notice": "yes"}
    assert mine["sources"]["notice"] == {"step": "notice", "status": "done", "t": None, "marked": "said"}
    theirs = c.get("/api/calls/c1/evaluations/prefill?scorecard_id=1", headers=_as(env, "tess")).json()
    assert theirs["answers"] == {"greet": "yes", "notice": "no"} and "marked" not in theirs["sources"]["greet"]


def test_a_checker_marks_an_unsure_step_said_or_not_said(env: dict[str, Any]) -> None:
    # the recording notice left unsure: a compliance line near ("Just so you know,"), not surely said
    c, store = env["client"], env["store"]
    near = {"utterance_id": "c1-a2", "text": "Just so you know,", "score": 0.84, "t": 3.0, "unsure": True}
    for call_id in ("c1", "c2"):
        report = store.adherence(call_id)
        report["steps"][1] = {
            "id": "notice",
            "status": "unsure",
            "t": 3.0,
            "evidence": {**near, "utterance_id": f"{call_id}-a2"},
        }
        store.save_adherence(call_id, report)
    no = _mark(env, "quinn", "c1", step_id="notice", mark="not_said")
    assert no.status_code == 201, no.text
    assert (no.json()["mark"], no.json()["text"], no.json()["utterance_ids"]) == ("not_said", near["text"], ["c1-a2"])
    assert no.json()["evidence"]["unsure"] is True  # the editors see the sentence the tracker doubted
    yes = _mark(env, "quinn", "c2", step_id="notice", mark="said", utterance_ids=["c2-a2", "c2-a3"])
    assert yes.status_code == 201 and yes.json()["text"] == WORDS
    questions = [{"id": "notice", "text": "Notice?", "kind": "yes_no", "adherence_step": "notice"}]
    card = {"name": "QA", "description": "", "sections": [{"id": "s", "title": "S", "questions": questions}]}
    assert c.post("/api/scorecards", json=card, headers=_as(env, "ada")).status_code == 201
    for call_id, answer in (("c1", "no"), ("c2", "yes")):  # the checker's mark answers what unsure left open
        r = c.get(f"/api/calls/{call_id}/evaluations/prefill?scorecard_id=1", headers=_as(env, "quinn")).json()
        assert r["answers"] == {"notice": answer}, r
    assert c.get("/api/calls/c1/evaluations/prefill?scorecard_id=1", headers=_as(env, "tess")).json()["answers"] == {}
    r = c.post(f"/api/scripts/sales/offers/{no.json()['id']}/accept", headers=_as(env, "ada"))
    assert r.status_code == 409  # no wording takes a step away: dismissed, as a false tick is
    r = c.post(f"/api/scripts/sales/offers/{no.json()['id']}/reject", headers=_as(env, "ada"))
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_refusals_say_what_was_expected(env: dict[str, Any]) -> None:
    c = env["client"]
    cases = [
        ("quinn", "c1", {"step_id": "greet", "mark": "said", "utterance_ids": ["c1-a1"]}, 409, "ticked already"),
        ("quinn", "c1", {"step_id": "notice", "mark": "not_said"}, 409, "expected a ticked or unsure step"),
        ("quinn", "c1", {"step_id": "close", "mark": "said", "utterance_ids": ["c1-a1"]}, 422, "steps: greet, notice"),
        ("quinn", "c1", {"step_id": "notice", "mark": "said"}, 422, "expected the agent's utterance"),
        ("quinn", "c1", {"step_id": "notice", "mark": "said", "utterance_ids": ["c1-c1"]}, 422, "customer's"),
        ("quinn", "c1", {"step_id": "notice", "mark": "said", "utterance_ids": ["c2-a2"]}, 422, "no utterance"),
        ("quinn", "b1", {"step_id": "notice", "mark": "said", "utterance_ids": ["b1-a2"]}, 403, "outside"),
        ("tess", "live", {"step_id": "notice", "mark": "said", "utterance_ids": ["live-a2"]}, 409, "ended call"),
        ("alice", "c1", {"step_id": "notice", "mark": "said", "utterance_ids": ["c1-a2"]}, 403, "allowed to"),
    ]
    for user, call_id, body, code, words in cases:
        r = _mark(env, user, call_id, **body)
        assert r.status_code == code and words in r.text, (user, call_id, body, r.status_code, r.text)
    offer = _mark(env, "quinn", "c1", step_id="notice", mark="said", utterance_ids=["c1-a2"]).json()
    assert c.get("/api/scripts/sales/offers", headers=_as(env, "quinn")).status_code == 403  # checkers offer only
    assert c.post(f"/api/scripts/other/offers/{offer['id']}/accept", headers=_as(env, "ada")).status_code == 404
    assert c.post("/api/scripts/sales/offers/99/reject", headers=_as(env, "ada")).status_code == 404
    (env["dir"] / "sales.yaml").write_text(SCRIPT.replace("id: notice", "id: recorded"))  # edited on disk
    r = c.post(f"/api/scripts/sales/offers/{offer['id']}/accept", headers=_as(env, "ada"))
    assert r.status_code == 409 and "gone from script" in r.json()["detail"]


def test_with_say_keeps_every_other_line() -> None:
    text = SCRIPT + "  - id: flow\n    say: [\"Bye.\", 'Goodbye.']  # two\n  - id: block\n    say: |\n      See you.\n"
    block = with_say(text, "greet", 'Thanks for "calling", friend')
    assert block == text.replace(
        '      - "Thank you for calling."\n',
        '      - "Thank you for calling."\n      - "Thanks for \\"calling\\", friend"\n',
    )
    assert with_say(text, "flow", "Ciao.") == text.replace("'Goodbye.']", "'Goodbye.', \"Ciao.\"]")
    assert parse_script(with_say(text, "block", "Later.")).step("block").say == ("See you.", "Later.")
    with pytest.raises(ScriptError, match="no step 'nope'"):
        with_say(text, "nope", "x")
    with pytest.raises(ScriptError, match="unknown variable"):
        with_say(text, "greet", "Hello {nobody}")
