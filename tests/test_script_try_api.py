"""The script editor's tools through the API on the app's lifespan (TestClient): a text checked with
line and column, tried on pasted dialogue and on a past call's stored transcript through the real
tracker (steps tick as a live call would tick them; nothing is saved), saved versions diffed, and
two edits of one version merged after a conflict. The pure parts (the pasted dialogue's parser, the
diff and the merge) are tested on their own first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.assist.textdiff import diff, merge
from agentassist.assist.trial import WORD_S, TranscriptError, parse_transcript
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

HELPDESK = """\
id: helpdesk
title: Help desk
language: en
steps:
  - id: greet
    say: ["Thank you for calling {company}, this is {agent}."]
    mandatory: true
  - id: verify
    say: ["Let me look at your details in our system."]
    mandatory: true
  - id: close
    say: ["Is there anything else I can help you with today?"]
"""
# the unsaved edit tried: verify asks for the account number instead
EDITED = HELPDESK.replace("Let me look at your details in our system.", "Can I have your account number please?")
DIALOGUE = """\
agent: Thank you for calling Acme, this is Alex.
customer: Hi, my printer has stopped printing.

[0:20] agent: Sure. Can I have your account number
  please?
customer: It is four four five one.
"""
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


# ---- the pure parts -------------------------------------------------------------------------------


def test_pasted_dialogue_becomes_timed_utterances() -> None:
    pasted = parse_transcript(DIALOGUE)
    got = [(u.id, u.channel, u.start_s, u.text) for u in pasted.utterances]
    assert got == [
        ("line-1", Channel.AGENT, 0.0, "Thank you for calling Acme, this is Alex."),
        ("line-2", Channel.CUSTOMER, 8 * WORD_S + 0.8, "Hi, my printer has stopped printing."),
        ("line-4", Channel.AGENT, 20.0, "Sure. Can I have your account number please?"),  # line 5 continues it
        ("line-6", Channel.CUSTOMER, 20.0 + 8 * WORD_S + 0.8, "It is four four five one."),
    ]
    assert pasted.lines == {"line-1": 1, "line-2": 2, "line-4": 4, "line-6": 6}
    words = pasted.utterances[2].words
    assert [w.text for w in words][:2] == ["Sure.", "Can"] and words[1].start_s == 20.0 + WORD_S


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("hello there\nagent: hi\n", 1, "expected 'agent:' or 'customer:' at the start, got 'hello there'"),
        ("\n\n", None, "got none"),
        ("[0:30] agent: hi\n[0:10] customer: hello\n", 2, "time 10 s is before the line above's 30 s"),
        ("agent: hi\n" * 1001, None, "expected at most 1000 lines of dialogue, got 1001"),
    ],
)
def test_pasted_text_that_is_no_dialogue_names_its_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text)
    assert err.value.line == line and message in str(err.value)


def test_diff_rows_carry_both_line_numbers() -> None:
    d = diff("a\nb\nc\n", "a\nB\nc\nd\n", "v1", "v2")
    assert (d["added"], d["removed"]) == (2, 1)
    assert d["hunks"][0]["rows"] == [
        {"op": "same", "old": 1, "new": 1, "text": "a"},
        {"op": "del", "old": 2, "new": None, "text": "b"},
        {"op": "add", "old": None, "new": 2, "text": "B"},
        {"op": "same", "old": 3, "new": 3, "text": "c"},
        {"op": "add", "old": None, "new": 4, "text": "d"},
    ]
    assert d["unified"].startswith("--- v1\n+++ v2\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n")
    assert diff("same\n", "same\n")["hunks"] == []


def test_merge_keeps_both_edits_and_marks_what_both_changed() -> None:
    base = "one\ntwo\nthree\nfour\nfive\n"
    mine = "one\nTWO\nthree\nfour\nfive\n"
    theirs = "one\ntwo\nthree\nfour\nFIVE\nsix\n"
    both = merge(base, mine, theirs)
    assert (both.text, both.conflicts) == ("one\nTWO\nthree\nfour\nFIVE\nsix\n", 0)
    clash = merge(base, mine, "one\n2\nthree\nfour\nfive\n", "yours", "version 4")
    assert clash.conflicts == 1
    assert clash.text == "one\n<<<<<<< yours\nTWO\n=======\n2\n>>>>>>> version 4\nthree\nfour\nfive\n"
    assert merge(base, base, base).text == base


# ---- through the API ------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        "sue": store.add_user("sue", "supervisor", all_teams=True),
        "alex": store.add_user("Alex", "agent", teams=["red"]),
    }
    store.create_call("past", "inbound", "sip:c@x", "Alex", "helpdesk", T0, "")
    store.end_call("past", T0.replace(minute=2))
    for u in (
        Utterance("past-a1", "past", Channel.AGENT, 1.0, 3.5, "Thank you for calling Acme, this is Alex."),
        Utterance("past-c1", "past", Channel.CUSTOMER, 4.0, 6.0, "My order never came."),
        Utterance("past-a2", "past", Channel.AGENT, 7.0, 9.5, "Can I have your account number please?"),
    ):
        store.add_utterance("past", u)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "helpdesk.yaml").write_text(HELPDESK)
    settings = Settings(assist={"scripts_dir": str(scripts), "company": "Acme"})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), None)
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {tokens['sue']}"
        yield {"client": client, "store": store, "dir": scripts, "tokens": tokens}


def _steps(answer: dict[str, Any]) -> dict[str, tuple[str, float | None]]:
    return {s["id"]: (s["status"], s["t"]) for s in answer["steps"]}


def test_try_on_pasted_text_ticks_what_the_unsaved_text_would(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.post("/api/scripts/try", json={"yaml": EDITED, "transcript": DIALOGUE})
    assert r.status_code == 200, r.text
    got = r.json()
    steps = _steps(got)
    assert steps["greet"] == ("done", 0.0)
    assert steps["verify"][0] == "done" and 20.0 <= (steps["verify"][1] or 0) <= 20.0 + 2 * WORD_S
    assert steps["close"] == ("pending", None)  # not said, not mandatory: not missed either
    assert got["score"] == 1.0 and got["call_id"] is None
    verify = next(s for s in got["steps"] if s["id"] == "verify")
    assert verify["evidence"]["utterance_id"] == "line-4" and verify["line"] == 8  # the step's line in the YAML
    assert verify["say"] == "Can I have your account number please?"
    greet = next(s for s in got["steps"] if s["id"] == "greet")
    assert greet["say"] == "Thank you for calling Acme, this is Alex."  # variables filled as on a call
    lines = {u["id"]: (u["line"], u["ticked"]) for u in got["utterances"]}
    assert lines == {"line-1": (1, ["greet"]), "line-2": (2, []), "line-4": (4, ["verify"]), "line-6": (6, [])}

    # the saved version does not tick verify on the same dialogue: missed, as the call would end
    saved = c.post("/api/scripts/try", json={"yaml": HELPDESK, "transcript": DIALOGUE}).json()
    assert _steps(saved)["verify"] == ("missed", None) and saved["score"] == 0.5
    # trying saves nothing
    assert c.get("/api/scripts/helpdesk/versions").json()["current_version"] == 1
    assert (env["dir"] / "helpdesk.yaml").read_text() == HELPDESK


def test_try_on_a_past_call_uses_its_stored_transcript_and_is_audited(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.post("/api/scripts/try", json={"yaml": EDITED, "call_id": "past"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert _steps(got) == {"greet": ("done", 1.0), "verify": ("done", 7.0), "close": ("pending", None)}
    assert got["call_id"] == "past"
    assert [(u["id"], u["line"], u["ticked"]) for u in got["utterances"]] == [
        ("past-a1", None, ["greet"]),
        ("past-c1", None, []),
        ("past-a2", None, ["verify"]),
    ]
    entries, _ = env["store"].audit_log(call_id="past")
    assert [(e["action"], e["detail"]) for e in entries] == [("transcript", "script try")]

    assert c.post("/api/scripts/try", json={"yaml": EDITED, "call_id": "nope"}).status_code == 404
    agent = {"Authorization": f"Bearer {env['tokens']['alex']}"}
    assert c.post("/api/scripts/try", json={"yaml": EDITED, "call_id": "past"}, headers=agent).status_code == 403


def test_try_refuses_a_bad_script_or_transcript_by_line(env: dict[str, Any]) -> None:
    c = env["client"]
    r = c.post("/api/scripts/try", json={"yaml": HELPDESK + "  - say: [x]\n", "transcript": DIALOGUE})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["errors"]
    assert (problem["file"], problem["line"], problem["column"]) == ("script.yaml", 13, 5), problem
    assert "without 'id'" in problem["message"]
    r = c.post("/api/scripts/try", json={"yaml": HELPDESK, "transcript": "hello\nagent: hi\n"})
    assert r.status_code == 422 and r.json()["transcript_line"] == 1, r.text
    assert "expected 'agent:' or 'customer:'" in r.json()["detail"]
    both = {"yaml": HELPDESK, "transcript": DIALOGUE, "call_id": "past"}
    assert c.post("/api/scripts/try", json=both).status_code == 422
    assert c.post("/api/scripts/try", json={"yaml": HELPDESK}).status_code == 422


def test_check_gives_line_and_column_of_each_problem(env: dict[str, Any]) -> None:
    c = env["client"]
    ok = c.post("/api/scripts/check", json={"yaml": HELPDESK}).json()
    assert ok == {"valid": True, "id": "helpdesk", "steps": 3, "errors": []}
    syntax = c.post("/api/scripts/check", json={"yaml": "id: x\nsteps: [\n  - id: a\n"}).json()
    assert syntax["valid"] is False
    assert [(e["line"], e["column"] is not None) for e in syntax["errors"]] == [(3, True)], syntax
    schema = c.post(
        "/api/scripts/check", json={"yaml": HELPDESK.replace("    mandatory: true\n", "    colour: blue\n", 1)}
    )
    assert [(e["line"], e["column"]) for e in schema.json()["errors"]] == [(7, 5)], schema.json()
    # a refused save carries the column too
    r = c.put("/api/scripts/helpdesk", content="id: helpdesk\nsteps: [\n", headers={"Content-Type": "text/yaml"})
    assert r.status_code == 422 and r.json()["errors"][0]["column"] is not None, r.text


def test_diff_of_versions_and_of_a_conflict_with_its_merge(env: dict[str, Any]) -> None:
    c = env["client"]
    yaml = {"Content-Type": "text/yaml"}
    v2 = HELPDESK.replace("Is there anything else", "Anything else")
    assert c.put("/api/scripts/helpdesk", content=v2, headers={**yaml, "If-Match": '"1"'}).json()["version"] == 2
    d = c.get("/api/scripts/helpdesk/diff", params={"from": 1, "to": 2}).json()
    assert (d["from"], d["to"], d["diff"]["added"], d["diff"]["removed"]) == (1, 2, 2, 1)  # + the version: line
    changed = [(r["op"], r["old"], r["new"]) for h in d["diff"]["hunks"] for r in h["rows"] if r["op"] != "same"]
    assert changed == [("add", None, 1), ("del", 12, None), ("add", None, 13)], changed
    assert c.get("/api/scripts/helpdesk/diff").json()["from"] == 1  # default: the current against the one before
    assert c.get("/api/scripts/helpdesk/diff", params={"from": 9}).status_code == 404

    # someone loaded version 1 and changed the greeting while version 2 was saved: a 412, then the diff
    mine = HELPDESK.replace("Thank you for calling", "Thanks for calling")
    assert c.put("/api/scripts/helpdesk", content=mine, headers={**yaml, "If-Match": '"1"'}).status_code == 412
    r = c.post("/api/scripts/helpdesk/diff", json={"yaml": mine, "base": 1})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["version"] == 2
    rows = [(r["op"], r["text"].strip()) for h in got["diff"]["hunks"] for r in h["rows"] if r["op"] != "same"]
    assert ("add", 'say: ["Thanks for calling {company}, this is {agent}."]') in rows
    assert got["merge"]["conflicts"] == 0 and got["merge"]["base"] == 1
    merged = got["merge"]["yaml"]
    assert "Thanks for calling" in merged and "Anything else" in merged and "version: 2" in merged
    r = c.put("/api/scripts/helpdesk", content=merged, headers={**yaml, "If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3, r.text
    # against the current version, without a base: no merge
    assert c.post("/api/scripts/helpdesk/diff", json={"yaml": merged}).json()["merge"] is None
    assert c.post("/api/scripts/nope/diff", json={"yaml": merged}).status_code == 404
