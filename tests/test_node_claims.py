"""Which node carries a call (agentassist/store/claims.py): PostgreSQL session advisory locks, given back
when a node's connection ends; on SQLite every claim succeeds. And the small pieces of several nodes:
the phone's list of centers, /healthz's text without secrets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agentassist.api.engines import without_secrets
from agentassist.cli import build_parser
from agentassist.phone.uplink import center_urls
from agentassist.store.claims import Claims, claim_key, node_id
from agentassist.store.database import Database
from tests.databases import pg_admin_url, pg_url  # noqa: F401 - fixtures


def test_on_postgresql_a_call_is_claimed_by_one_node_until_its_connection_ends(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    a_db, b_db = Database(pg_url), Database(pg_url)
    a, b = Claims(a_db.engine, tmp_path / "a"), Claims(b_db.engine, tmp_path / "b")
    try:
        assert a.shared and a.facts() == {"node": node_id(tmp_path / "a")} != b.facts()
        assert a.take("call-1") and a.take("call-1")  # held already: no second lock
        assert not b.take("call-1")  # node A lives: the call is A's
        assert b.take("call-2")
        a.drop("call-1")
        assert b.take("call-1")  # given back by A
        assert not a.take("call-1")
        assert a.metrics()["agentassist_calls_claimed"] == 0 and b.metrics()["agentassist_calls_claimed"] == 2
        b.close()  # as a killed node's connection ends: every claim goes with it
        deadline = time.monotonic() + 5  # the server's backend ends a moment after the socket closes
        while not a.take("call-1"):
            assert time.monotonic() < deadline, "node B's claims not given back with its connection"
            time.sleep(0.05)
        assert a.take("call-2")
    finally:
        a.close()
        b.close()
        a_db.engine.dispose()
        b_db.engine.dispose()


def test_on_sqlite_every_claim_succeeds_and_nothing_is_recorded(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    claims = Claims(db.engine, tmp_path / "data")
    assert not (tmp_path / "data").exists()  # no node id where there is one node
    assert not claims.shared and claims.take("x") and claims.take("x") and claims.facts() == {}
    assert claims.metrics() == {}
    claims.drop("x")
    claims.close()


def test_the_node_id_is_made_once_and_kept(tmp_path: Path) -> None:
    first = node_id(tmp_path / "data")
    assert len(first) == 12 and node_id(tmp_path / "data") == first
    assert (tmp_path / "data" / "node-id").stat().st_mode & 0o777 == 0o600
    assert node_id(tmp_path / "other") != first


def test_claim_keys_are_signed_64_bit_and_differ() -> None:
    keys = {claim_key(f"call-{n}") for n in range(1000)}
    assert len(keys) == 1000 and all(-(2**63) <= k < 2**63 for k in keys)


def test_a_phone_takes_several_servers_repeated_or_comma_separated() -> None:
    args = build_parser().parse_args(["phone", "--server", "https://a:8000", "--server", "b:8000,https://c"])
    assert args.server == ["https://a:8000", "b:8000,https://c"]
    with pytest.raises(Exception, match="expected a URL"):
        center_urls(",".join(args.server))  # "b:8000" has no scheme
    urls = center_urls(",".join(["https://a:8000", "http://b:8000/", "wss://c/api/phone"]))
    assert urls == ["wss://a:8000/api/phone", "ws://b:8000/api/phone", "wss://c/api/phone"]


def test_healthz_text_loses_credentials() -> None:
    assert without_secrets("connection to postgresql://aa:s3cret@db:5432/x failed") == (
        "connection to postgresql://db:5432/x failed"
    )
    assert without_secrets("nats://u:p@10.0.0.5:4222") == "nats://10.0.0.5:4222"
