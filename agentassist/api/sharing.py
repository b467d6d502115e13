"""Sharing a call with its campaign's clients (docs/outcomes.md#clients): leaders and admins who see
the call share it or stop sharing it; a client then lists it, plays its recording and reads its
transcript, and nothing else of it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from agentassist.api.accounts import LEADERS
from agentassist.api.deps import StoreDep, answering, require, visible_call
from agentassist.store.db import UserRecord
from agentassist.store.sharing import share_call, unshare_call

router = APIRouter(prefix="/api/calls", tags=["clients"])

Sharer = Annotated[UserRecord, require(*LEADERS)]


class SharedOut(BaseModel):
    call_id: str
    campaign: str | None = Field(description="whose clients see it")
    shared: bool
    shared_by: str | None
    shared_at: str | None


@router.put("/{call_id}/shared", response_model=SharedOut)
def share(call_id: str, store: StoreDep, user: Sharer) -> Any:
    """Share the call with its campaign's clients; 409 for a call of no campaign."""
    visible_call(store, call_id, user)
    with answering():
        shared = share_call(store, call_id, user.name)
    store.audit(user, "call_shared", call_id, shared["campaign"] or "")
    return shared


@router.delete("/{call_id}/shared", response_model=SharedOut)
def unshare(call_id: str, store: StoreDep, user: Sharer) -> Any:
    """Stop sharing the call: its clients no longer list it, play it or read it."""
    visible_call(store, call_id, user)
    shared = unshare_call(store, call_id)
    store.audit(user, "call_unshared", call_id, shared["campaign"] or "")
    return shared
