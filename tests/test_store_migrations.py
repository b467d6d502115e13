"""Migrations on real SQLite and PostgreSQL: a 0.1.0 database is upgraded with its data, the models
match the migrated schema, and search works on rows written before the upgrade."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext

from agentassist.events import Channel, Utterance
from agentassist.store.database import MIGRATIONS
from agentassist.store.db import Store
from agentassist.store.models import Base
from tests.databases import database_url, pg_admin_url, pg_url  # noqa: F401 - fixtures

HEAD = "0015"


def _make_010_database(url: str) -> None:
    """The schema exactly as 0.1.0's ``create_all`` made it, with a call, two utterances and a report."""
    md = sa.MetaData()
    tz = sa.DateTime(timezone=True)
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), unique=True, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True, nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("deleted_at", tz),
    )
    sa.Table(
        "calls",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), index=True, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("remote", sa.String(400), nullable=False),
        sa.Column("agent", sa.String(200), index=True, nullable=False),
        sa.Column("campaign", sa.String(200)),
        sa.Column("script_id", sa.String(200)),
        sa.Column("started_at", tz, index=True, nullable=False),
        sa.Column("ended_at", tz),
        sa.Column("end_reason", sa.String(200)),
        sa.Column("recording_path", sa.Text, nullable=False),
        sa.Column("adherence_score", sa.Float),
    )
    sa.Table(
        "utterances",
        md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.ForeignKey("calls.id"), index=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Index("ix_utterances_call_start", "call_id", "start_s"),
    )
    sa.Table(
        "adherence",
        md,
        sa.Column("call_id", sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("updated_at", tz, nullable=False),
    )
    engine = sa.create_engine(url)
    md.create_all(engine)
    t0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(
            md.tables["users"].insert().values(id=1, name="old", role="agent", token_hash="h" * 64, created_at=t0)
        )
        c.execute(
            md.tables["calls"]
            .insert()
            .values(
                id="old-call",
                status="ended",
                direction="inbound",
                remote="sip:x@y",
                agent="old",
                started_at=t0,
                ended_at=t0.replace(minute=2),
                recording_path="",
                adherence_score=0.25,
            )
        )
        for uid, text in [("u1", "Добрый день, чем могу помочь?"), ("u2", "I want a refund please")]:
            c.execute(
                md.tables["utterances"]
                .insert()
                .values(
                    id=uid,
                    call_id="old-call",
                    channel="agent",
                    start_s=1.0,
                    end_s=2.0,
                    text=text,
                    words=[],
                    language="",
                    confidence=0.5,
                )
            )
        report = {"score": 0.25, "steps": [], "alerts": [{"type": "forbidden_phrase"}, {"type": "forbidden_phrase"}]}
        c.execute(md.tables["adherence"].insert().values(call_id="old-call", report=report, updated_at=t0))
    engine.dispose()


def test_a_010_database_is_upgraded_with_its_data(database_url: str) -> None:  # noqa: F811
    _make_010_database(database_url)
    store = Store(database_url)
    assert store.revision() is None
    store.migrate()
    assert store.revision() == HEAD
    call = store.get_call("old-call")
    assert call is not None and call["duration_s"] == 120.0 and call["adherence_score"] == 0.25
    assert [u["text"] for u in store.transcript("old-call")][1] == "I want a refund please"
    # rows written before the upgrade are searchable, in Cyrillic too, and their alert types filterable
    assert [c["id"] for c in store.list_calls(q="refund")[0]] == ["old-call"]
    assert [c["id"] for c in store.list_calls(q="помочь")[0]] == ["old-call"]
    assert store.list_calls(q="invoice")[0] == []
    assert [c["id"] for c in store.list_calls(alert="forbidden_phrase")[0]] == ["old-call"]
    # 0006: a token issued before tokens expired gets one rotation period from the upgrade, not forever
    check = store.check_token_hash("h" * 64)
    assert check.user is not None and check.user.name == "old" and check.expires_at is not None
    assert timedelta(days=89, hours=23) < check.expires_at - datetime.now(UTC) <= timedelta(days=90)
    store.migrate()  # again: nothing to do, nothing lost
    assert store.revision() == HEAD and store.get_call("old-call") is not None


def test_0006_leaves_old_tokens_without_expiry_when_tokens_never_expire(database_url: str) -> None:  # noqa: F811
    _make_010_database(database_url)
    store = Store(database_url)
    store.api_token_ttl = None  # [server] api_token_ttl_days = 0
    store.migrate()
    check = store.check_token_hash("h" * 64)
    assert check.user is not None and check.expires_at is None and not check.expired


def test_the_models_match_the_migrated_schema(database_url: str) -> None:  # noqa: F811
    store = Store(database_url)
    store.migrate()

    def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        return not (name or "").startswith(("utterances_fts", "alembic_version", "ix_utterances_text_tsv"))

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": ours, "compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_a_revision_replaces_the_stored_utterance_and_its_search_words(database_url: str) -> None:  # noqa: F811
    store = Store(database_url)
    store.migrate()
    store.create_call("c1", "inbound", "sip:cust@x", "alice", "", datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "")
    live = Utterance("c1-a1", "c1", Channel.CUSTOMER, 1.0, 2.0, "I want a refurb")
    store.add_utterance("c1", live)
    store.update_utterance("c1", dataclasses.replace(live, text="I want a refund", end_s=2.2, revised=True))
    assert [(u["id"], u["text"], u["end"]) for u in store.transcript("c1")] == [("c1-a1", "I want a refund", 2.2)]
    assert [c["id"] for c in store.list_calls(q="refund")[0]] == ["c1"]
    assert store.list_calls(q="refurb")[0] == []
    store.update_utterance("c1", Utterance("c1-a2", "c1", Channel.AGENT, 3.0, 4.0, "sure"))  # missing: stored
    assert [u["text"] for u in store.transcript("c1")] == ["I want a refund", "sure"]
    store.update_utterance("c1", Utterance("c1-a2", "c1", Channel.AGENT, 3.0, 4.0, "", revised=True))  # no text
    assert [u["id"] for u in store.transcript("c1")] == ["c1-a1"]
    assert store.list_calls(q="sure")[0] == []
    store.update_utterance("c1", Utterance("c1-a9", "c1", Channel.AGENT, 5.0, 6.0, "", revised=True))  # nothing
    assert [u["id"] for u in store.transcript("c1")] == ["c1-a1"]


def test_supervisors_of_no_team_keep_seeing_every_team_after_0005(database_url: str) -> None:  # noqa: F811
    """0005 makes "sees every team" a flag of its own; supervisors who had no team (and so saw every
    call before it) get the flag, so that nobody's view changes on upgrade."""
    store, cfg = _at_revision(database_url, "0004")
    with store.engine.begin() as conn:
        t0 = datetime(2026, 11, 1, tzinfo=UTC)
        for i, (name, role) in enumerate([("floor", "supervisor"), ("red-sup", "supervisor"), ("lead", "team_leader"),
                                          ("ann", "agent"), ("ada", "admin")], start=1):  # fmt: skip
            conn.execute(
                sa.text("INSERT INTO users (id, name, role, token_hash, created_at) VALUES (:i, :n, :r, :h, :t)"),
                {"i": i, "n": name, "r": role, "h": f"{i:064d}", "t": t0},
            )
        conn.execute(sa.text("INSERT INTO teams (id, name) VALUES (1, 'red')"))
        conn.execute(sa.text("INSERT INTO team_members (user_id, team_id) VALUES (2, 1), (4, 1)"))
    store.migrate()
    assert store.revision() == HEAD
    assert {u["name"]: u["all_teams"] for u in store.users()} == {
        "floor": True,  # a supervisor of no team saw everything before: still does
        "red-sup": False,
        "lead": False,  # a team leader of no team saw only their own calls before: still does
        "ann": False,
        "ada": False,  # an admin sees everything without the flag
    }
    with store.engine.begin() as conn:  # down and up again, with rows pointing at users (SQLite's foreign keys)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    store.migrate()
    assert store.revision() == HEAD and (store.user("floor") or {})["all_teams"] is True
    store.engine.dispose()


def test_0015_marks_the_calls_with_spans_for_the_first_starts_look(database_url: str) -> None:  # noqa: F811
    """A database at 0014: its calls with a redaction span are marked ``spans_unchecked`` by the upgrade
    (the first start looks at each once, as every start did before), the others are not."""
    store, cfg = _at_revision(database_url, "0014")
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        for call_id in ("with-span", "without"):
            conn.execute(
                sa.text(
                    "INSERT INTO calls (id, status, direction, remote, agent, started_at, ended_at, recording_path)"
                    " VALUES (:id, 'ended', 'inbound', '', 'a', :at, :at, '')"
                ),
                {"id": call_id, "at": at},
            )
        conn.execute(
            sa.text(
                "INSERT INTO redactions (call_id, utterance_id, channel, kind, start_s, end_s, by)"
                " VALUES ('with-span', 'u1', 'customer', 'card', 1.0, 2.0, 'text')"
            )
        )
    store.migrate()
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, spans_unchecked FROM calls ORDER BY id")).all()
    assert [(i, bool(m)) for i, m in rows] == [("with-span", True), ("without", False)]
    with store.engine.begin() as conn:  # down and up again, the rows kept
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
    store.migrate()
    assert store.revision() == HEAD and store.get_call("with-span") is not None
    store.engine.dispose()


def _at_revision(url: str, revision: str) -> tuple[Store, AlembicConfig]:
    """A new database upgraded to ``revision``, and the Alembic config that did it."""
    store = Store(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return store, cfg
