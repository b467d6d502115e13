"""What was masked in a call's transcript, for the roles its script names (``keep_originals``): read
only here, each read audited, a refusal too. Security codes were never kept (PCI DSS 3.3.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import HTTPException, status

from agentassist.store.accounts import UserRecord
from agentassist.store.db import Store


def with_originals(
    store: Store, user: UserRecord, call_id: str, utterances: Sequence[Mapping[str, Any]], format: str
) -> list[dict[str, Any]]:
    """``utterances``, each masked one with its ``original`` text; 403 for a role the script does not name
    (admin always may), 422 for subtitles (the originals come as JSON only)."""
    if format != "json":
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"originals=true: expected format=json, got {format}"
        )
    kept = store.originals(call_id)
    readable = {uid: text for uid, (text, roles) in kept.items() if user.role == "admin" or user.role in roles}
    if not readable and (kept or user.role != "admin"):
        allowed = sorted({r for _, roles in kept.values() for r in roles} | {"admin"})
        store.audit(user, "transcript.originals.refused", call_id, f"role {user.role}")
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"originals of call {call_id}: a {user.role} may not read them (allowed: {', '.join(allowed)})",
        )
    store.audit(user, "transcript.originals", call_id, f"{len(readable)} utterances")
    return [{**u, "original": readable[u["id"]]} if u["id"] in readable else dict(u) for u in utterances]
