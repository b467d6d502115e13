"""The live assist state of an active call: what a panel opened mid-call shows before the next event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from agentassist.api.deps import RuntimeDep, StoreDep, UserDep, visible_call
from agentassist.errors import AgentassistError

router = APIRouter(prefix="/api/calls", tags=["assist"])


@router.get("/{call_id}/assist")
def get_assist(call_id: str, store: StoreDep, runtime: RuntimeDep, user: UserDep) -> dict[str, Any]:
    """The adherence report of the call so far plus ``current_step``, ``next_prompt`` (variables filled),
    ``cards`` shown, ``intents`` heard and ``dispositions``; 409 once the call has ended."""
    call = visible_call(store, call_id, user)
    if call["status"] != "active":
        raise HTTPException(status.HTTP_409_CONFLICT, f"call {call_id!r} is not active: see its adherence report")
    try:
        state = runtime.assist_state(call_id)
    except AgentassistError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} follows no script")
    return state
