"""schemathesis against the app's own OpenAPI: every operation is called with data generated from its
schema (and with data that breaks it), as an admin, on a seeded SQLite database. No answer may be a
500 (an unhandled exception fails the call outright), every error must be a JSON body whose
``detail`` says what was wrong, and a success must match the response schema the route declares."""

from __future__ import annotations

import json
import os
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

pytestmark = pytest.mark.slow

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("AGENTASSIST_SCHEMA_EXAMPLES", 10))  # per operation, mode and id choice
KNOWN_IDS = {
    "call_id": "c1",
    "name": "bob",
    "scorecard_id": 1,
    "evaluation_id": 1,
    "calibration_id": 1,
    "rule_id": 1,
    "script_id": "s1",
    "offer_id": 1,  # ada's mark: c1's ticked step greet not said
    "clip_id": 1,  # ada's clip of c1, in coaching session 1 (a draft)
    "session_id": 1,
}
SCRIPT = 'id: s1\nversion: 1\nlanguage: en\nsteps:\n  - id: greet\n    say: ["Hello, thank you for calling."]\n'
CARD = {
    "name": "QA",
    "description": "",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "greet", "text": "Greeted?", "kind": "yes_no"}]}],
}


@pytest.fixture
def app_and_token(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    token = store.add_user("ada", "admin")
    store.add_user("alice", "agent", teams=["red"], password="alice-password")
    store.add_user("bob", "agent", teams=["blue"])
    store.add_user("qa", "quality_checker")
    for i, call_id in enumerate(("c1", "c2")):
        store.create_call(call_id, "inbound", "sip:c@x", "alice", "s1", T0 + timedelta(minutes=i), "", campaign="x")
        store.end_call(call_id, T0 + timedelta(minutes=i, seconds=30))
    steps = [{"id": "greet", "status": "done", "t": 0.5, "evidence": {}}]
    store.save_adherence("c1", {"script_id": "s1", "version": 1, "score": 1.0, "steps": steps, "alerts": []})
    store.assign("c1", "qa", "ada")
    recordings = RecordingStore(tmp_path / "recordings")
    with wave.open(str(recordings.path_for("c1")), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(4 * 16000))
    scripts = tmp_path / "scripts"  # PUT /api/scripts writes here, never into the repository
    scripts.mkdir()
    (scripts / "s1.yaml").write_text(SCRIPT)
    settings = Settings(
        assist={"scripts_dir": str(scripts)},  # type: ignore[arg-type]
        server={"data_dir": str(tmp_path / "data")},  # type: ignore[arg-type]  # POST /api/prompts stores here
    )
    app = create_app(settings, store, EventBus(), recordings)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        h = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/scorecards", json=CARD, headers=h).status_code == 201
        client.post("/api/users", json={"name": "tom", "role": "team_leader", "teams": ["red"]}, headers=h)
        body = {"scorecard_id": 1, "call_ids": ["c1"], "checker_ids": ["qa", "ada"]}
        assert client.post("/api/calibrations", json=body, headers=h).status_code == 201
        r = client.post("/api/calls/c1/evaluations", json={"scorecard_id": 1, "answers": {"greet": "no"}}, headers=h)
        assert r.status_code == 201, r.text
        rule = {"scope": "agent", "target": "alice", "per_period": 1, "period": "day"}
        assert client.post("/api/assignment-rules", json=rule, headers=h).status_code == 201
        mark = {"step_id": "greet", "mark": "not_said"}
        assert client.post("/api/calls/c1/step-marks", json=mark, headers=h).status_code == 201
        clip = {"call_id": "c1", "start": 0.5, "end": 2.0, "tag": "t"}
        assert client.post("/api/coaching/clips", json=clip, headers=h).status_code == 201
        coaching = {"agent": "alice", "clip_ids": [1]}
        assert client.post("/api/coaching/sessions", json=coaching, headers=h).status_code == 201
        yield app, token
    store.engine.dispose()


def _error_problem(response: Any) -> str | None:
    """What is wrong with an error answer: None when it is JSON with a non-empty ``detail`` message."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):  # schemathesis keeps every value of a header
        content_type = ",".join(content_type)
    if "json" not in content_type:
        return f"error {response.status_code} is not JSON: {content_type!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"error {response.status_code} body is not valid JSON: {response.content[:200]!r}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, str) or not detail.strip():
        return f"error {response.status_code} has no message in 'detail': {body!r:.300}"
    return None


def test_no_operation_fails_or_answers_an_error_without_a_message(app_and_token: tuple[Any, str]) -> None:
    app, token = app_and_token
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=headers)  # behind a sign-in
    problems: dict[str, str] = {}  # what went wrong -> the first request that showed it
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        known = {p.name: KNOWN_IDS[p.name] for p in operation.path_parameters if p.name in KNOWN_IDS}
        variants: list[tuple[GenerationMode, dict[str, Any] | None]] = [
            (GenerationMode.POSITIVE, None),
            (GenerationMode.NEGATIVE, None),
        ]
        if known and len(known) == len(list(operation.path_parameters)):
            variants += [(GenerationMode.POSITIVE, known), (GenerationMode.NEGATIVE, known)]
        for mode, path_parameters in variants:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                label = f"{operation.label} ({mode.value}{', known ids' if path_parameters else ''})"  # noqa: B023
                try:
                    response = case.call(headers=headers)
                except Exception as exc:  # an unhandled exception in the app: the 500 of a real server
                    problems.setdefault(f"{label}: {type(exc).__name__}: {exc}", case.as_curl_command())
                    return
                if response.status_code == 200 and operation.path == "/api/me/token":  # noqa: B023
                    headers["Authorization"] = f"Bearer {json.loads(response.content)['token']}"  # the old one ended
                if response.status_code >= 500 and response.status_code != 503:
                    problems.setdefault(f"{label}: {response.status_code}", case.as_curl_command())
                problem = _error_problem(response)
                if problem:
                    problems.setdefault(f"{label}: {problem}", case.as_curl_command())
                if 200 <= response.status_code < 300:
                    try:
                        case.validate_response(response, checks=[response_schema_conformance])
                    except Exception as exc:
                        problems.setdefault(f"{label}: answer does not match its schema: {str(exc)[:300]}", "")

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be made"
                # nothing in this operation's request can be made invalid (no parameters, no body)
    assert operations >= 50
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(f"{p}\n    {c}" for p, c in problems.items())
