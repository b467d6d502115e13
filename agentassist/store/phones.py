"""Phone credentials: what an ``agentassist phone`` signs in to the center with.

A credential is bound to one agent user and lets its holder do one thing: stream that agent's calls and
take their commands (``/api/phone``, ``/api/audiohook``). Every other route answers it 403. Only the
credential's SHA-256 is stored; the credential itself is shown once, by ``agentassist users add-phone``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from agentassist.errors import ConfigError
from agentassist.store.accounts import _iso, token_hash
from agentassist.store.db import Store
from agentassist.store.models import PhoneCredentialRow, UserRow

PREFIX = "aaph_"  # says what it is in a log or a config file; the rest is 256 random bits


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """What a presented phone credential is: whose (``agent`` None: unknown, revoked, or its user gone)."""

    agent: str | None
    credential_id: int | None = None


def add_phone(store: Store, agent: str) -> tuple[int, str]:
    """A new credential for the existing agent user ``agent``: its id and the credential (shown once)."""
    credential = PREFIX + secrets.token_urlsafe(32)
    with store._session.begin() as s:
        user = s.scalar(select(UserRow).where(UserRow.name == agent, UserRow.deleted_at.is_(None)))
        if user is None:
            raise ConfigError(f"no user named {agent!r}: create the agent first (`agentassist users add`)")
        if user.role != "agent":
            raise ConfigError(
                f"user {agent!r} has role {user.role}: expected an agent (a phone streams an agent's calls)"
            )
        row = PhoneCredentialRow(user_id=user.id, token_hash=token_hash(credential), created_at=datetime.now(UTC))
        s.add(row)
        s.flush()
        return row.id, credential


def phones(store: Store, agent: str | None = None) -> list[dict[str, Any]]:
    """Every credential (or ``agent``'s), oldest first: id, agent, created_at, revoked_at."""
    with store._session() as s:
        query = select(PhoneCredentialRow, UserRow.name).join(UserRow, UserRow.id == PhoneCredentialRow.user_id)
        if agent is not None:
            query = query.where(UserRow.name == agent)
        rows = s.execute(query.order_by(PhoneCredentialRow.id)).all()
    return [
        {"id": r.id, "agent": name, "created_at": _iso(r.created_at), "revoked_at": _iso(r.revoked_at)}
        for r, name in rows
    ]


def revoke_phone(store: Store, credential_id: int) -> str:
    """Revoke a credential (a connected phone is cut off at once by the center that holds it); its agent."""
    with store._session.begin() as s:
        row = s.get(PhoneCredentialRow, credential_id)
        if row is None:
            raise ConfigError(f"no phone credential with id {credential_id}: see `agentassist users phones`")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        user = s.get(UserRow, row.user_id)
        return user.name if user is not None else ""


def check_phone(store: Store, credential: str) -> PhoneCheck:
    """Whose live phone credential ``credential`` is."""
    with store._session() as s:
        row = s.scalar(select(PhoneCredentialRow).where(PhoneCredentialRow.token_hash == token_hash(credential)))
        if row is None or row.revoked_at is not None:
            return PhoneCheck(None)
        user = s.get(UserRow, row.user_id)
        if user is None or user.deleted_at is not None:
            return PhoneCheck(None)
        return PhoneCheck(user.name, row.id)


def is_live(store: Store, credential_id: int) -> bool:
    """The credential is still good (not revoked since a phone signed in with it)."""
    with store._session() as s:
        row = s.get(PhoneCredentialRow, credential_id)
        return row is not None and row.revoked_at is None
