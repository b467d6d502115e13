"""Phone credentials in the store: bound to an existing agent, kept only as a hash, revocable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentassist.errors import ConfigError
from agentassist.store.accounts import token_hash
from agentassist.store.db import Store
from agentassist.store.phones import add_phone, check_phone, is_live, phones, revoke_phone


def test_a_credential_is_an_agents_kept_hashed_and_revocable(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.add_user("alice", "agent")
    store.add_user("ada", "admin")
    with pytest.raises(ConfigError, match="no user named 'nobody'"):
        add_phone(store, "nobody")
    with pytest.raises(ConfigError, match="user 'ada' has role admin: expected an agent"):
        add_phone(store, "ada")
    credential_id, credential = add_phone(store, "alice")
    assert credential.startswith("aaph_") and len(credential) > 40
    assert check_phone(store, credential).agent == "alice" and is_live(store, credential_id)
    assert check_phone(store, "aaph_" + "x" * 43).agent is None
    listed = phones(store, "alice")
    assert [(p["id"], p["agent"], p["revoked_at"]) for p in listed] == [(credential_id, "alice", None)]
    assert credential not in repr(listed)
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT token_hash FROM phone_credentials").fetchall()
    assert stored == [(token_hash(credential),)]  # the hash, never the credential
    _, second = add_phone(store, "alice")
    assert revoke_phone(store, credential_id) == "alice"
    assert check_phone(store, credential).agent is None and not is_live(store, credential_id)
    assert phones(store)[0]["revoked_at"] is not None
    with pytest.raises(ConfigError, match="no phone credential with id 99"):
        revoke_phone(store, 99)
    assert check_phone(store, second).agent == "alice"
    store.delete_user("alice")  # a deleted agent's phone signs in no more
    assert check_phone(store, second).agent is None
    store.engine.dispose()
