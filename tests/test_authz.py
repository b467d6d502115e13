"""The authorization matrix: every route of the app (enumerated from the app itself, so a new route
cannot be forgotten) asked by every role, by no token and by a deleted user's token, against the
answer this table expects. A route missing from the table fails the test, naming it.

Each request runs on its own copy of one seeded SQLite database, so what one request changes (a
user deleted, an evaluation acknowledged) never decides another's answer; so do the stored prompts.
The server has no softphone: a call-control route that lets a user through answers 503 ("no
softphone"), which is past the authorization this test is about. Its phone is alice's ([assist]
agent_name), in team red with tom and sue; bob is in team blue, and so is tina, a team leader.
WebSocket routes answer "open" (the feed delivers an event) or their close code.

No answer of 403 or 404 names a user or a call that the request did not name itself.
"""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel, Event, EventType, Utterance
from agentassist.store.db import Store
from agentassist.store.phones import add_phone
from agentassist.store.prompts import PromptStore
from agentassist.store.recordings import RecordingStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ROLES = ("agent", "team_leader", "quality_checker", "supervisor", "admin")
PRINCIPALS = (*ROLES, "client", "none", "deleted")  # the client's answers are in CLIENT below
USER_OF = {"agent": "alice", "team_leader": "tom", "quality_checker": "qa", "supervisor": "sue", "admin": "ada"}
USER_OF["client"] = "cleo"  # a client of campaign acme, c1's: c1 is shared with them
# principals beside the table's columns: bob and tina are of team blue, flo sees every team (all_teams)
NAME_OF = {**USER_OF, "other_agent": "bob", "other_leader": "tina", "floor_supervisor": "flo", "deleted": "gone"}
PASSWORD = "alice-password"
CARD: dict[str, Any] = {
    "name": "QA",
    "description": "",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "greet", "text": "Greeted?", "kind": "yes_no"}]}],
}
YES = {"greet": "yes"}
OPEN = "open"  # a WebSocket that stays open and delivers the feed
SCRIPT = 'id: s1\nversion: 1\nlanguage: en\nsteps:\n  - id: greet\n    say: ["Hello, thank you for calling."]\n'

OFFERS = "/api/scripts/s1/offers"
CALL_IDS = ("c1", "c2", "c3", "live", "b1")
P = "0123456789abcdef0123456789abcdef"  # the stored prompt's id
CLIP, SESSIONS, COACHING = "/api/coaching/clips/1", "/api/coaching/sessions", {"agent": "alice", "clip_ids": [1]}
CLIPPED = {"call_id": "c1", "start": 0, "end": 0.1, "tag": "t"}  # clip 1


def _wav(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join((i % 200 * 50).to_bytes(2, "little") * 2 for i in range(int(seconds * 16000))))
    return out.getvalue()


WAV = _wav(0.2)


@dataclass(frozen=True)
class Case:
    """One route's request and its expected answer per role (agent, team_leader, quality_checker,
    supervisor, admin, in that order); no token and a deleted user's token answer ``anonymous``
    (401, or 4401 on a WebSocket) unless the route is public."""

    expect: str
    path: str = ""
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    content: bytes | None = None  # a raw body (a WAV), sent instead of ``body`` as JSON
    public: bool = False
    websocket: bool = False

    def expected(self, principal: str, key: str = "") -> str:
        if principal in ("none", "deleted"):
            return self.expect.split()[0] if self.public else ("4401" if self.websocket else "401")
        if principal == "client":
            return CLIENT[key]
        return self.expect.split()[ROLES.index(principal)]


def _ws(expect: str, path: str = "") -> Case:
    return Case(expect, path, websocket=True)


ALL_200 = "200 200 200 200 200"
ADMIN = "403 403 403 403 {}"
LEADERS = "403 {0} 403 {0} {0}"
EVALUATORS = "403 {0} {0} {0} {0}"
PHONE = "{0} {0} 403 {0} {0}"  # the phone's agent, the leaders of their team (tom, sue), an admin
CONTROL = "503 503 403 503 503"  # the live call is alice's, in tom's team; qa is not assigned to it

# "METHOD path" as the app declares it -> the request and its answers. Path ids: c1 and c2 are
# alice's ended calls (c1 recorded, both assigned to qa), c3 another of hers nobody has scored,
# live her active call; evaluation 1 is qa's on c1 (submitted), 2 qa's on c2 (disputed by alice);
# calibration 1 is tom's, open, 2 closed, both with checkers qa and tom; rule 1 exists; prompt P is
# stored.
TABLE: dict[str, Case] = {
    "GET /openapi.json": Case(ALL_200),  # [server] public_docs = true opens these four
    "GET /docs": Case(ALL_200),
    "GET /docs/oauth2-redirect": Case(ALL_200),
    "GET /redoc": Case(ALL_200),
    "GET /": Case(ALL_200, public=True),
    "MOUNT /static": Case(ALL_200, "/static/replay.html", public=True),
    "GET /healthz": Case(ALL_200, public=True),
    "GET /metrics": Case(ADMIN.format(200)),  # or [server] metrics_token; public_metrics = true opens it
    "POST /api/login": Case(ALL_200, body={"name": "alice", "password": PASSWORD}, public=True),
    "POST /api/logout": Case("204 204 204 204 204"),
    "GET /api/me": Case(ALL_200),
    # a wrong current password: 403 for everyone signed in (the right one: tests/test_passwords.py)
    "PUT /api/me/password": Case("403 403 403 403 403", body={"current": "not-it-at-all", "new": "new-password"}),
    "PUT /api/me/language": Case(ALL_200, body={"language": "pl"}),
    "GET /api/calls": Case(ALL_200),
    "POST /api/calls": Case(PHONE.format(503), body={"uri": "sip:100@127.0.0.1"}),
    "POST /api/prompts": Case(PHONE.format(201), content=WAV),
    "GET /api/prompts": Case(PHONE.format(200)),
    "DELETE /api/prompts/{prompt_id}": Case(PHONE.format(204), f"/api/prompts/{P}"),
    "GET /api/calls/{call_id}": Case(ALL_200, "/api/calls/c1"),
    "POST /api/calls/{call_id}/hangup": Case(CONTROL, "/api/calls/live/hangup"),
    "PUT /api/calls/{call_id}/disposition": Case(PHONE.format(200), "/api/calls/c1/disposition", {"disposition": "x"}),
    "GET /api/calls/{call_id}/recording": Case(ALL_200, "/api/calls/c1/recording"),
    "GET /api/calls/{call_id}/transcript": Case(ALL_200, "/api/calls/c1/transcript"),
    "GET /api/calls/{call_id}/adherence": Case(ALL_200, "/api/calls/c1/adherence"),
    "GET /api/calls/{call_id}/peaks": Case(ALL_200, "/api/calls/c1/peaks"),
    "POST /api/calls/{call_id}/pause": Case(CONTROL, "/api/calls/live/pause"),
    "POST /api/calls/{call_id}/recording/pause": Case(CONTROL, "/api/calls/live/recording/pause"),
    "POST /api/calls/{call_id}/resume": Case(CONTROL, "/api/calls/live/resume"),
    "POST /api/calls/{call_id}/recording/resume": Case(CONTROL, "/api/calls/live/recording/resume"),
    "POST /api/calls/{call_id}/hold": Case(CONTROL, "/api/calls/live/hold"),
    "POST /api/calls/{call_id}/unhold": Case(CONTROL, "/api/calls/live/unhold"),
    "POST /api/calls/{call_id}/mute": Case(CONTROL, "/api/calls/live/mute"),
    "POST /api/calls/{call_id}/unmute": Case(CONTROL, "/api/calls/live/unmute"),
    "POST /api/calls/{call_id}/dtmf": Case(CONTROL, "/api/calls/live/dtmf", {"digits": "12"}),
    "POST /api/calls/{call_id}/transfer": Case(CONTROL, "/api/calls/live/transfer", {"uri": "sip:200@127.0.0.1"}),
    "GET /api/ringing": Case(PHONE.format(503)),
    "POST /api/ringing/{call_id}/answer": Case(PHONE.format(503), "/api/ringing/r1/answer"),
    "POST /api/ringing/{call_id}/decline": Case(PHONE.format(503), "/api/ringing/r1/decline"),
    # a user's token is no phone credential: 401 before the socket opens, as without one
    "WS /api/phone": Case("401 401 401 401 401", websocket=True, public=True),
    "WS /api/audiohook": Case("401 401 401 401 401", websocket=True, public=True),  # X-API-KEY, not Bearer
    "WS /api/live": _ws(f"4403 {OPEN} 4403 {OPEN} {OPEN}"),
    "WS /api/calls/{call_id}/live": _ws(f"{OPEN} {OPEN} {OPEN} {OPEN} {OPEN}", "/api/calls/c1/live"),
    # leaders who see the call; "live" is alice's active call, which this server does not carry (4409)
    "WS /api/calls/{call_id}/listen": _ws("4403 4409 4403 4409 4409", "/api/calls/live/listen"),
    "GET /api/users": Case(ADMIN.format(200)),
    "POST /api/users": Case(ADMIN.format(201), body={"name": "newbie", "role": "agent"}),
    "DELETE /api/users/{name}": Case(ADMIN.format(204), "/api/users/bob"),
    "PUT /api/users/{name}/teams": Case(ADMIN.format(200), "/api/users/bob/teams", {"teams": ["red"]}),
    "POST /api/users/{name}/token": Case(ADMIN.format(200), "/api/users/bob/token"),
    "POST /api/me/token": Case(ALL_200),
    "POST /api/ws-ticket": Case(ALL_200),
    "POST /api/calls/{call_id}/recording/link": Case(ALL_200, "/api/calls/c1/recording/link"),
    "PUT /api/users/{name}/all-teams": Case(ADMIN.format(200), "/api/users/tom/all-teams", {"all_teams": True}),
    "PUT /api/users/{name}/campaigns": Case(ADMIN.format(200), "/api/users/cleo/campaigns", {"campaigns": ["acme"]}),
    "PUT /api/users/{name}/password": Case(ADMIN.format(204), "/api/users/bob/password", {"new": "bob-password"}),
    "GET /api/teams": Case(LEADERS.format(200)),
    "GET /api/assignments": Case(EVALUATORS.format(200)),
    "POST /api/assignments": Case(LEADERS.format(201), body={"call_id": "c3", "checker": "qa"}),
    "GET /api/quality/queue": Case(EVALUATORS.format(200)),
    "GET /api/quality/checkers": Case(LEADERS.format(200)),
    "GET /api/quality/evaluated": Case(EVALUATORS.format(200), params={"call_id": ["c1", "c2"]}),
    "GET /api/audit": Case(ADMIN.format(200)),
    "GET /api/audit.csv": Case(ADMIN.format(200)),
    # a person's data, legal holds, retention (docs/privacy.md): admins only; no hold stands in the seed
    "POST /api/privacy/find": Case(ADMIN.format(200), body={"q": "+48 600 123 456"}),
    "POST /api/privacy/export": Case(ADMIN.format(200), body={"q": "+48 600 123 456"}),
    "POST /api/privacy/erase": Case(ADMIN.format(200), body={"q": "+48 600 123 456"}),
    "GET /api/privacy/receipts": Case(ADMIN.format(200)),
    "POST /api/privacy/receipts/search": Case(ADMIN.format(404), body={"q": "+48 600 123 456"}),
    "GET /api/holds": Case(ADMIN.format(200)),
    "POST /api/holds": Case(ADMIN.format(201), body={"call_id": "c1", "reason": "case 1"}),
    "DELETE /api/holds/{hold_id}": Case(ADMIN.format(404), "/api/holds/1"),
    "GET /api/retention": Case(ADMIN.format(200)),
    "POST /api/retention/run": Case(ADMIN.format(200)),
    "GET /privacy": Case(ALL_200, public=True),
    "POST /api/scorecards": Case(LEADERS.format(201), body=CARD),
    "GET /api/scorecards": Case(EVALUATORS.format(200)),
    "GET /api/scorecards/{scorecard_id}": Case(EVALUATORS.format(200), "/api/scorecards/1"),
    "PUT /api/scorecards/{scorecard_id}": Case(LEADERS.format(200), "/api/scorecards/1", CARD),
    "GET /api/calls/{call_id}/evaluations/prefill": Case(
        EVALUATORS.format(200), "/api/calls/c1/evaluations/prefill", params={"scorecard_id": 1}
    ),
    "POST /api/calls/{call_id}/evaluations": Case(
        EVALUATORS.format(201), "/api/calls/c3/evaluations", {"scorecard_id": 1, "answers": YES}
    ),
    "GET /api/calls/{call_id}/evaluations": Case(ALL_200, "/api/calls/c1/evaluations"),
    "GET /api/evaluations": Case(ALL_200),
    "GET /api/evaluations/{evaluation_id}": Case(ALL_200, "/api/evaluations/1"),
    "PUT /api/evaluations/{evaluation_id}": Case("403 403 200 403 403", "/api/evaluations/1", {"answers": YES}),
    "POST /api/evaluations/{evaluation_id}/acknowledge": Case("200 403 403 403 403", "/api/evaluations/1/acknowledge"),
    "POST /api/evaluations/{evaluation_id}/dispute": Case(
        "200 403 403 403 403", "/api/evaluations/1/dispute", {"reason": "I did greet"}
    ),
    "POST /api/evaluations/{evaluation_id}/resolve": Case(
        "403 403 200 200 200", "/api/evaluations/2/resolve", {"resolution": "heard it again"}
    ),
    "POST /api/calibrations": Case(
        LEADERS.format(201), body={"scorecard_id": 1, "call_ids": ["c1"], "checker_ids": ["qa", "tom"]}
    ),
    "GET /api/calibrations": Case(EVALUATORS.format(200)),
    "GET /api/calibrations/{calibration_id}": Case(EVALUATORS.format(200), "/api/calibrations/1"),
    "POST /api/calibrations/{calibration_id}/close": Case(LEADERS.format(200), "/api/calibrations/1/close"),
    "GET /api/calibrations/{calibration_id}/report": Case(EVALUATORS.format(200), "/api/calibrations/2/report"),
    "POST /api/assignment-rules": Case(
        LEADERS.format(201), body={"scope": "agent", "target": "alice", "per_period": 1, "period": "day"}
    ),
    "GET /api/assignment-rules": Case(LEADERS.format(200)),
    "DELETE /api/assignment-rules/{rule_id}": Case(LEADERS.format(204), "/api/assignment-rules/1"),
    "GET /api/reports/agents": Case("200 200 403 200 200"),
    "GET /api/reports/teams": Case(LEADERS.format(200)),
    "GET /api/outcomes": Case(LEADERS.format(200), params={"campaign": "acme"}),
    "GET /api/outcomes/campaigns": Case(LEADERS.format(200)),
    "PUT /api/calls/{call_id}/shared": Case(LEADERS.format(200), "/api/calls/c1/shared"),
    "DELETE /api/calls/{call_id}/shared": Case(LEADERS.format(200), "/api/calls/c1/shared"),
    "GET /outcomes": Case(ALL_200, public=True),
    "GET /agent": Case(ALL_200, public=True),
    "GET /favicon.ico": Case(ALL_200, public=True),
    "GET /wall": Case(ALL_200, public=True),
    "GET /scripts": Case(ALL_200, public=True),
    "GET /calibrations": Case(ALL_200, public=True),
    "GET /api/scripts": Case(ALL_200),
    "GET /api/scripts/{script_id}": Case(ALL_200, "/api/scripts/s1"),
    "GET /api/scripts/{script_id}/versions": Case(ALL_200, "/api/scripts/s1/versions"),
    # qa's pending mark on c1's step greet is replaced (200); offer 1 is qa's said mark on c2, 2 the one on c1
    "POST /api/calls/{call_id}/step-marks": Case(
        "403 201 200 201 201", "/api/calls/c1/step-marks", {"step_id": "greet", "mark": "not_said"}
    ),
    "GET /api/calls/{call_id}/step-marks": Case(ALL_200, "/api/calls/c1/step-marks"),
    "GET /api/scripts/{script_id}/offers": Case(LEADERS.format(200), "/api/scripts/s1/offers"),
    "POST /api/scripts/{script_id}/offers/{offer_id}/accept": Case(LEADERS.format(200), f"{OFFERS}/1/accept"),
    "POST /api/scripts/{script_id}/offers/{offer_id}/reject": Case(LEADERS.format(200), f"{OFFERS}/2/reject"),
    "PUT /api/scripts/{script_id}": Case(LEADERS.format(200), "/api/scripts/s1", {"yaml": SCRIPT + "# v2\n"}),
    "POST /api/scripts/check": Case(LEADERS.format(200), "/api/scripts/check", {"yaml": SCRIPT}),
    # c2 is alice's (team red: tom and sue see it) and has a transcript; nothing is saved
    "POST /api/scripts/try": Case(LEADERS.format(200), "/api/scripts/try", {"yaml": SCRIPT, "call_id": "c2"}),
    "GET /api/scripts/{script_id}/diff": Case(ALL_200, "/api/scripts/s1/diff"),
    "POST /api/scripts/{script_id}/diff": Case(LEADERS.format(200), "/api/scripts/s1/diff", {"yaml": SCRIPT + "#\n"}),
    # "live" is active but this server runs no calls: no tracker to read (409), once past the scope check
    "GET /api/calls/{call_id}/assist": Case("409 409 403 409 409", "/api/calls/live/assist"),
    "WS /api/wall": _ws(f"4403 {OPEN} 4403 {OPEN} {OPEN}"),
    "GET /api/wall/agents": Case(LEADERS.format(200)),
    "GET /api/wall/kpis": Case(LEADERS.format(200)),
    "POST /api/assignments/distribute": Case(
        LEADERS.format(200), body={"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}
    ),
    # coaching: clip 1 is tom's on c1; session 1 his for alice, shared; session 2 the same, a draft
    "POST /api/coaching/clips": Case(EVALUATORS.format(201), body=CLIPPED),
    "GET /api/coaching/clips": Case(EVALUATORS.format(200)),
    "DELETE /api/coaching/clips/{clip_id}": Case("403 204 403 204 204", CLIP),
    "POST /api/coaching/clips/{clip_id}/audio/link": Case(ALL_200, f"{CLIP}/audio/link"),
    "GET /api/coaching/clips/{clip_id}/audio": Case(ALL_200, f"{CLIP}/audio"),
    "GET /api/coaching/clips/{clip_id}/transcript": Case(ALL_200, f"{CLIP}/transcript"),
    "POST /api/coaching/sessions": Case(EVALUATORS.format(201), body=COACHING),
    "GET /api/coaching/sessions": Case(ALL_200),
    "GET /api/coaching/sessions/{session_id}": Case("200 200 403 200 200", f"{SESSIONS}/1"),
    "PUT /api/coaching/sessions/{session_id}": Case(LEADERS.format(200), f"{SESSIONS}/2", {"notes": "n"}),
    "POST /api/coaching/sessions/{session_id}/share": Case(LEADERS.format(200), f"{SESSIONS}/2/share"),
    "DELETE /api/coaching/sessions/{session_id}": Case(LEADERS.format(204), f"{SESSIONS}/1"),
    "POST /api/coaching/sessions/{session_id}/clips/{clip_id}/acknowledge": Case(
        "200 403 403 403 403", f"{SESSIONS}/1/clips/1/acknowledge"
    ),
    "GET /coaching": Case(ALL_200, public=True),
    "GET /scorecards": Case(ALL_200, public=True),
    "GET /distribution": Case(ALL_200, public=True),
    "GET /reports": Case(ALL_200, public=True),
}  # fmt: skip

# The client column (cleo, of campaign acme; c1 is acme's and shared with her): their account, their
# campaign's reports and outcomes, the shared call's recording and transcript; 403 (4403) elsewhere.
# Public routes answer them as everyone.
CLIENT_ALLOWED = {
    "POST /api/logout": "204",
    "GET /api/me": "200",
    "PUT /api/me/password": "403",  # the current password sent is wrong, as for everyone
    "PUT /api/me/language": "200",
    "POST /api/me/token": "200",
    "GET /api/calls": "200",
    "GET /api/calls/{call_id}": "200",
    "GET /api/calls/{call_id}/recording": "200",
    "POST /api/calls/{call_id}/recording/link": "200",
    "GET /api/calls/{call_id}/peaks": "200",
    "GET /api/calls/{call_id}/transcript": "200",
    "GET /api/reports/agents": "200",
    "GET /api/reports/teams": "200",
    "GET /api/outcomes": "200",
    "GET /api/outcomes/campaigns": "200",
    "WS /api/phone": "401",
    "WS /api/audiohook": "401",
}
CLIENT = {
    key: CLIENT_ALLOWED.get(key) or (case.expect.split()[0] if case.public else "4403" if case.websocket else "403")
    for key, case in TABLE.items()
}


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every (key, path) the app answers: "METHOD path" for HTTP routes (HEAD left out where GET is
    there: it is GET without a body), "WS path" for WebSocket routes, "MOUNT path" for mounts."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        path = str(route.path)
        if isinstance(original, Mount):
            found.append((f"MOUNT {path}", path))
        elif route.methods:
            methods = set(route.methods)
            if "GET" in methods:
                methods.discard("HEAD")
            found.extend((f"{m} {path}", path) for m in sorted(methods))
        else:
            found.append((f"WS {path}", path))
    return found


def _write_wav(path: Path, seconds: float = 1.0) -> None:
    path.write_bytes(_wav(seconds))


@dataclass
class World:
    """The app under test, the seeded database every request gets a copy of, and everyone's token."""

    client: TestClient
    bus: EventBus
    seed: Path
    tmp: Path
    tokens: dict[str, str]
    copies: int = 0
    leaks: list[str] = field(default_factory=list)

    def on_copy(self, ask: Callable[[], Any]) -> Any:
        """``ask`` answered on a fresh copy of the seeded database and stored prompts."""
        self.copies += 1
        path = self.tmp / f"copy-{self.copies}.sqlite"
        with sqlite3.connect(self.seed) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        prompts = shutil.copytree(self.tmp / "data" / "prompts", self.tmp / f"copy-{self.copies}-prompts")
        store = Store(f"sqlite:///{path}")
        app: Any = self.client.app
        app.state.store = store
        app.state.prompts = PromptStore(prompts)
        try:
            return ask()
        finally:
            store.engine.dispose()

    def headers(self, principal: str) -> dict[str, str]:
        return {} if principal == "none" else {"Authorization": f"Bearer {self.tokens[principal]}"}

    def http(self, method: str, path: str, case: Case, principal: str) -> str:
        json = case.body if case.content is None else None
        r = self.client.request(
            method, path, json=json, content=case.content, params=case.params, headers=self.headers(principal)
        )
        if r.status_code in (403, 404):
            sent = f"{path} {case.body} {case.params}"
            for name in (*NAME_OF.values(), *CALL_IDS):
                named = re.compile(rf"\b{name}\b")
                if name != NAME_OF.get(principal) and named.search(r.json()["detail"]) and not named.search(sent):
                    self.leaks.append(f"{method} {path} as {principal}: {r.text} names {name!r}")
        return str(r.status_code)

    def websocket(self, path: str, principal: str, call_id: str = "c1") -> str:
        """ "open" when the feed delivers an event (published until one arrives), else the close code."""
        stop = threading.Event()

        def publish() -> None:
            while not stop.wait(0.05):
                self.bus.publish(Event(EventType.CALL_STARTED, call_id, 0.0))

        publisher = threading.Thread(target=publish, daemon=True)
        publisher.start()
        try:
            with self.client.websocket_connect(path, headers=self.headers(principal)) as ws:
                event = ws.receive_json()
                if event.get("type") == "wall.snapshot":
                    return OPEN  # the live wall opens with a snapshot of the calls in scope
                assert event["call_id"] == call_id, event
                return OPEN
        except WebSocketDenialResponse as exc:  # refused before the accept, with an HTTP answer
            return str(exc.status_code)
        except WebSocketDisconnect as exc:
            return str(exc.code)
        finally:
            stop.set()
            publisher.join()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("authz")
    seed = tmp / "seed.sqlite"
    prompts = PromptStore(tmp / "data" / "prompts")
    prompts.add(WAV, name="seeded", by="ada")
    seeded = prompts.directory / f"{prompts.all()[0]['id']}.wav"
    for suffix in (".wav", ".json"):  # under the id the table names
        seeded.with_suffix(suffix).rename(prompts.directory / f"{P}{suffix}")
    store = Store(f"sqlite:///{seed}")
    store.migrate()
    tokens = {
        "agent": store.add_user("alice", "agent", teams=["red"], password=PASSWORD),
        "team_leader": store.add_user("tom", "team_leader", teams=["red"]),
        "quality_checker": store.add_user("qa", "quality_checker"),
        "supervisor": store.add_user("sue", "supervisor", teams=["red"]),
        "admin": store.add_user("ada", "admin"),
        "deleted": store.add_user("gone", "agent", teams=["red"]),
        "other_agent": store.add_user("bob", "agent", teams=["blue"]),
        "other_leader": store.add_user("tina", "team_leader", teams=["blue"]),
        "floor_supervisor": store.add_user("flo", "supervisor", all_teams=True),
        "client": store.add_user("cleo", "client", campaigns=["acme"]),
    }
    store.delete_user("gone")
    tokens["phone"] = add_phone(store, "alice")[1]  # alice's phone: streams her calls, nothing else
    for i, call_id in enumerate(("c1", "c2", "c3", "live")):
        campaign = "acme" if call_id == "c1" else None
        store.create_call(call_id, "inbound", "sip:c@x", "alice", "s1", T0 + timedelta(minutes=i), "", campaign)
        if call_id != "live":
            store.end_call(call_id, T0 + timedelta(minutes=i, seconds=30))
    store.create_call("b1", "inbound", "sip:c@x", "bob", "s1", T0, "")
    store.end_call("b1", T0 + timedelta(seconds=30))
    steps = [{"id": "greet", "status": "done", "t": 0.5, "evidence": {}}]
    store.save_adherence("c1", {"script_id": "s1", "version": 1, "score": 1.0, "steps": steps, "alerts": []})
    missed = [{"id": "greet", "status": "missed", "t": None, "evidence": {}}]
    store.save_adherence("c2", {"script_id": "s1", "version": 1, "score": 0.0, "steps": missed, "alerts": []})
    store.add_utterance("c2", Utterance("c2-a1", "c2", Channel.AGENT, 0.5, 2.0, "Hello, thank you for calling."))
    for call_id in ("c1", "c2", "c3"):
        store.assign(call_id, "qa", "tom")
    store.share_call("c1", "ada")
    recordings = RecordingStore(tmp / "recordings")
    for call_id in ("c1", "b1"):
        _write_wav(recordings.path_for(call_id))
    bus = EventBus()
    scripts = tmp / "scripts"  # PUT /api/scripts writes here, never into the repository
    scripts.mkdir()
    (scripts / "s1.yaml").write_text(SCRIPT)
    settings = Settings(
        assist={"scripts_dir": str(scripts), "agent_name": "alice"},  # type: ignore[arg-type]
        server={"data_dir": str(tmp / "data")},  # type: ignore[arg-type]
    )
    app = create_app(settings, store, bus, recordings)
    with TestClient(app) as client:
        w = World(client, bus, seed, tmp, tokens)

        def ok(principal: str, method: str, path: str, body: Any = None) -> None:
            r = client.request(method, path, json=body, headers=w.headers(principal))
            assert r.is_success, f"seeding {method} {path}: {r.status_code} {r.text}"

        ok("team_leader", "POST", "/api/scorecards", CARD)
        ok("quality_checker", "POST", "/api/calls/c1/evaluations", {"scorecard_id": 1, "answers": YES})
        ok("quality_checker", "POST", "/api/calls/c2/evaluations", {"scorecard_id": 1, "answers": YES})
        ok("agent", "POST", "/api/evaluations/2/dispute", {"reason": "I did greet"})
        session = {"scorecard_id": 1, "call_ids": ["c1"], "checker_ids": ["qa", "tom"]}
        ok("team_leader", "POST", "/api/calibrations", session)
        ok("team_leader", "POST", "/api/calibrations", session)
        ok("team_leader", "POST", "/api/calibrations/2/close")
        ok("team_leader", "POST", "/api/assignment-rules", TABLE["POST /api/assignment-rules"].body)
        said = {"step_id": "greet", "mark": "said", "utterance_ids": ["c2-a1"]}
        ok("quality_checker", "POST", "/api/calls/c2/step-marks", said)
        ok("quality_checker", "POST", "/api/calls/c1/step-marks", {"step_id": "greet", "mark": "not_said"})
        ok("team_leader", "POST", "/api/coaching/clips", CLIPPED)
        for _ in range(2):
            ok("team_leader", "POST", SESSIONS, COACHING)
        ok("team_leader", "POST", f"{SESSIONS}/1/share")
        store.engine.dispose()
        yield w
    store.engine.dispose()


def test_every_route_is_in_the_table(world: World) -> None:
    keys = [key for key, _ in app_routes(world.client.app)]
    missing = [key for key in keys if key not in TABLE]
    assert not missing, f"routes without an expected answer in tests/test_authz.py TABLE: {missing}"
    stale = sorted(set(TABLE) - set(keys))
    assert not stale, f"TABLE names routes the app does not have: {stale}"


def test_every_route_answers_every_role_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    asked = 0
    for key, declared in app_routes(world.client.app):
        case = TABLE.get(key)
        if case is None:
            continue  # named by test_every_route_is_in_the_table
        method, _, _ = key.partition(" ")
        path = case.path or declared
        assert "{" not in path, f"{key}: the table must give concrete path parameters"
        for principal in PRINCIPALS:
            if method == "WS":
                got = world.on_copy(lambda: world.websocket(path, principal))  # noqa: B023 - called at once
            else:
                http_method = "GET" if method == "MOUNT" else method
                got = world.on_copy(lambda: world.http(http_method, path, case, principal))  # noqa: B023
            asked += 1
            want = case.expected(principal, key)
            if got != want:
                wrong.append(f"{key} as {principal}: expected {want}, got {got}")
    assert asked >= 8 * len(TABLE)
    assert not wrong, "\n".join(wrong)
    assert not world.leaks, "refusals that name what the caller did not send:\n" + "\n".join(world.leaks)


def test_a_phone_credential_gets_403_on_every_route_but_the_phones(world: World) -> None:
    wrong: list[str] = []
    for key, declared in app_routes(world.client.app):
        case = TABLE[key]
        method, _, _ = key.partition(" ")
        path = case.path or declared
        if key == "WS /api/phone":
            want = "503"  # signed in; this app runs no calls
        elif key == "WS /api/audiohook":
            want = "401"  # its credential comes in X-API-KEY: a Bearer header is no sign-in there
        elif case.public and not case.websocket:
            continue  # answers everyone alike (pages, sign-in, health)
        else:
            want = "4403" if method == "WS" else "403"
        if method == "WS":
            got = world.on_copy(lambda: world.websocket(path, "phone"))  # noqa: B023 - called at once
        else:
            http_method = "GET" if method == "MOUNT" else method
            got = world.on_copy(lambda: world.http(http_method, path, case, "phone"))  # noqa: B023
        if got != want:
            wrong.append(f"{key}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_an_agent_may_not_fetch_another_agents_recording(world: World) -> None:
    for principal, want in (("agent", 403), ("other_agent", 200), ("team_leader", 403), ("admin", 200)):
        code = world.on_copy(lambda: world.http("GET", "/api/calls/b1/recording", Case(""), principal))  # noqa: B023
        assert code == str(want), (principal, code)
    detail = world.on_copy(
        lambda: world.client.get("/api/calls/b1/recording", headers=world.headers("agent")).json()["detail"]
    )
    assert "another agent" in detail


def _asked(world: World, principal: str, method: str, path: str, **case: Any) -> str:
    return str(world.on_copy(lambda: world.http(method, path, Case("", path, **case), principal)))


def test_only_the_phones_agent_and_the_leaders_of_their_team_use_the_phone(world: World) -> None:
    """The phone is alice's: another agent (bob) and the leader of another team (tina) may not dial
    from it, answer it or keep prompts on it; a supervisor of every team (flo) may. The phone routes
    act on the desk of the agent concerned: bob's own unless he names alice's (``agent``), a leader's
    ``[assist] agent_name``'s (alice's) unless they name another."""
    leaks = len(world.leaks)
    alice = {"agent": "alice"}
    asks = [
        ("POST", "/api/calls", {"body": {"uri": "sip:100@127.0.0.1", **alice}}, "503"),  # let through: no softphone
        ("GET", "/api/ringing", {"params": alice}, "503"),
        ("POST", "/api/ringing/r1/answer", {"params": alice}, "503"),
        ("POST", "/api/prompts", {"content": WAV}, "201"),
        ("GET", "/api/prompts", {}, "200"),
        ("DELETE", f"/api/prompts/{P}", {}, "204"),
    ]
    for method, path, case, allowed in asks:
        got = {p: _asked(world, p, method, path, **case) for p in ("other_agent", "other_leader", "floor_supervisor")}
        assert got == {"other_agent": "403", "other_leader": "403", "floor_supervisor": allowed}, (method, path)
    for method, path, case, _ in asks[:3]:  # alice not named: bob's own desk (none here), tina's default alice's
        case = {k: v for k, v in case.items() if k != "params"}
        case.get("body", {}).pop("agent", None)
        got = {p: _asked(world, p, method, path, **case) for p in ("other_agent", "other_leader")}
        assert got == {"other_agent": "503", "other_leader": "403"}, (method, path)
    assert world.leaks[leaks:] == []  # "this server's phone is another agent's": alice is not named


def test_a_leader_reads_only_the_calibrations_of_calls_in_their_scope(world: World) -> None:
    """Sessions 1 and 2 score alice's c1 (team red): tina, who leads blue, neither lists nor reads them;
    tom (a checker of both) keeps them after he moves to blue; sue (red, no checker) loses them."""

    def ask() -> None:
        c = world.client

        def sessions(principal: str) -> list[int]:
            r = c.get("/api/calibrations", headers=world.headers(principal))
            assert r.status_code == 200, r.text
            return [s["id"] for s in r.json()]

        assert sessions("other_leader") == []
        for method, path in [("GET", "/api/calibrations/1"), ("GET", "/api/calibrations/2/report"),
                             ("POST", "/api/calibrations/1/close")]:  # fmt: skip
            r = c.request(method, path, headers=world.headers("other_leader"))
            assert r.status_code == 403 and "c1" not in r.text and "tom" not in r.text, (path, r.text)
        assert sessions("team_leader") == sessions("supervisor") == sessions("floor_supervisor") == [2, 1]
        admin = world.headers("admin")
        assert c.put("/api/users/tom/teams", json={"teams": ["blue"]}, headers=admin).status_code == 200
        assert c.put("/api/users/sue/teams", json={"teams": ["blue"]}, headers=admin).status_code == 200
        assert sessions("team_leader") == [2, 1]  # a checker keeps seeing the sessions they score in
        assert c.get("/api/calibrations/2/report", headers=world.headers("team_leader")).status_code == 200
        assert sessions("supervisor") == []
        assert c.get("/api/calibrations/1", headers=world.headers("supervisor")).status_code == 403

    world.on_copy(ask)


def test_a_supervisor_whose_last_team_is_removed_sees_less_not_more(world: World) -> None:
    def ask() -> None:
        c, sue, admin = world.client, world.headers("supervisor"), world.headers("admin")

        def calls() -> list[str]:
            return sorted(i["id"] for i in c.get("/api/calls", headers=sue).json()["items"])

        def teams() -> list[str]:
            return [t["name"] for t in c.get("/api/teams", headers=sue).json()]

        assert (calls(), teams()) == (["c1", "c2", "c3", "live"], ["red"])
        r = c.put("/api/users/sue/teams", json={"teams": []}, headers=admin)
        assert r.status_code == 200 and r.json()["teams"] == [] and r.json()["all_teams"] is False
        assert (calls(), teams()) == ([], [])
        for path in ("/api/calls/c1", "/api/calls/b1", "/api/calibrations/1"):
            assert c.get(path, headers=sue).status_code == 403, path
        assert c.get("/api/reports/teams", headers=sue).json()["items"] == []
        assert c.get("/api/calls", headers=sue, params={"status": "active"}).json()["items"] == []
        assert c.post("/api/calls", json={"uri": "sip:100@127.0.0.1"}, headers=sue).status_code == 403  # alice's phone
        # seeing every team is a flag an admin sets, never the side effect of having none
        r = c.put("/api/users/sue/all-teams", json={"all_teams": True}, headers=admin)
        assert r.status_code == 200 and r.json()["all_teams"] is True
        assert c.get("/api/me", headers=sue).json()["all_teams"] is True
        assert (calls(), teams()) == (["b1", "c1", "c2", "c3", "live"], ["blue", "red"])
        r = c.put("/api/users/alice/all-teams", json={"all_teams": True}, headers=admin)
        assert r.status_code == 422 and "supervisor or team_leader" in r.json()["detail"]

    world.on_copy(ask)


def test_refusals_name_only_what_the_caller_sent(world: World) -> None:
    """bob asks for evaluation 1 (of alice's call c1): the 403 names the evaluation, not the call."""
    leaks = len(world.leaks)
    assert _asked(world, "other_agent", "GET", "/api/evaluations/1") == "403"
    assert _asked(world, "other_leader", "POST", "/api/evaluations/1/acknowledge") == "403"
    assert _asked(world, "other_leader", "GET", "/api/calibrations/1/report") == "403"
    # tina dials from [assist] agent_name's desk (alice's, outside her team): the 403 does not name alice
    assert _asked(world, "other_leader", "POST", "/api/calls", body={"uri": "sip:1@x"}) == "403"
    assert world.leaks[leaks:] == []
