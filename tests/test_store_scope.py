"""Which calls a user sees is decided once (store/scope.py) and every reader of calls agrees with it:
the call list, the single-call check, the reports and distribution, on SQLite and PostgreSQL.

Each role's visible set is written out by hand below; a quality checker sees assigned calls and the
calls of the calibration sessions they score in (once chosen by the order of the Store's mixins).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agentassist.store import calls, reports, scope
from agentassist.store.db import Store
from agentassist.store.models import CallRow
from agentassist.store.scope import UserRecord
from agentassist.store.scoring import Scorecard
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USERS = [
    ("ada", "admin", []),
    ("sue", "supervisor", ["blue"]),
    ("tom", "team_leader", ["red"]),
    ("nel", "team_leader", []),  # a leader of no team: their own calls only, never more
    ("alice", "agent", ["red"]),
    ("bob", "agent", ["blue"]),
    ("qa1", "quality_checker", []),
    ("qa2", "quality_checker", ["red"]),
    ("ann", "auditor", []),  # a role the store does not know (add_user refuses it; made by hand): nothing
]
CALLS = {"a1": "alice", "a2": "alice", "b1": "bob", "t1": "tom", "n1": "nel"}
VISIBLE = {
    "ada": {"a1", "a2", "b1", "t1", "n1"},
    "sue": {"b1"},
    "tom": {"a1", "a2", "t1"},
    "nel": {"n1"},
    "alice": {"a1", "a2"},
    "bob": {"b1"},
    "qa1": {"a1", "b1"},  # assigned a1; scores b1 in a calibration session
    "qa2": {"a2"},
    "ann": set(),
}
CARD = {
    "name": "QA",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "q", "text": "Q?", "kind": "yes_no"}]}],
}


@dataclass
class Env:
    store: Store
    users: dict[str, UserRecord]


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:  # noqa: F811
    store = Store(database_url)
    store.migrate()
    users: dict[str, UserRecord] = {}
    for name, role, teams in USERS:
        if role == "auditor":
            users[name] = UserRecord(10_000, name, role)
            continue
        found = store.user_for_token(store.add_user(name, role, teams=teams))
        assert found is not None
        users[name] = found
    for i, (call_id, agent) in enumerate(CALLS.items()):
        started = T0 + timedelta(minutes=i)
        store.create_call(call_id, "inbound", "sip:c@x", agent, None, started, "")
        store.end_call(call_id, started + timedelta(seconds=30))
    store.assign("a1", "qa1", "ada")
    store.assign("a2", "qa2", "ada")
    card = store.create_scorecard(Scorecard.model_validate(CARD), "ada")
    store.create_calibration(users["ada"], card["id"], ["b1"], ["qa1"], "blind")
    yield Env(store, users)
    store.engine.dispose()


def test_every_reader_of_calls_sees_what_visible_calls_allows(env: Env) -> None:
    store = env.store
    for name, user in env.users.items():
        with store.session() as s:
            decided = set(s.scalars(select(CallRow.id).where(scope.visible_calls(user))))
        assert decided == VISIBLE[name], name
        listed = {c["id"] for c in calls.list_calls(store, user=user)[0]}
        assert listed == decided, name
        assert {c for c in CALLS if store.can_see_call(user, c)} == decided, name
        facts = reports.call_facts(store, user, from_=None, to=None, campaign=None)
        assert sorted(f.agent for f in facts) == sorted(CALLS[c] for c in decided), name
        assert store.sees_agent(user, "alice") == (scope.sees_all(user) or name in ("tom", "alice")), name


def test_distribution_samples_only_calls_the_distributor_sees(env: Env) -> None:
    store = env.store
    store.add_rule("agent", "alice", 5, "day", True, "tom")
    store.add_rule("agent", "bob", 5, "day", True, "tom")
    done = store.distribute(env.users["tom"], T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    # tom sees alice's and his own calls; a1 and a2 are taken already, bob's b1 is outside his scope
    assert done["assigned"] == [] and done["skipped"] == []
    done = store.distribute(env.users["ada"], T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert [a["call_id"] for a in done["assigned"]] == ["b1"]
