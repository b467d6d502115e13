"""API token rotation: a user's own (``POST /api/me/token``) and, for an admin, anyone's.

The old token stops working at once, on HTTP and on the sockets it opened (closed with 4401); the new
one is answered once, with its expiry (``[server] api_token_ttl_days``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from agentassist.api.deps import AdminDep, StoreDep, UserDep
from agentassist.api.sockets import SocketRegistry
from agentassist.errors import ConfigError
from agentassist.store.dates import iso

router = APIRouter(prefix="/api", tags=["accounts"])


class TokenOut(BaseModel):
    name: str
    token: str = Field(description="the new API token; shown once")
    expires_at: str | None = Field(description="when it stops working (UTC); null: never")


def _rotate(request: Request, store: StoreDep, name: str) -> dict[str, Any]:
    try:
        new = store.rotate_token(name)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    sockets: SocketRegistry = request.app.state.sockets
    sockets.revoke_token(new.old_hash, "API token rotated")
    return {"name": new.user.name, "token": new.token, "expires_at": iso(new.expires_at)}


@router.post("/me/token", response_model=TokenOut)
def rotate_own_token(request: Request, store: StoreDep, user: UserDep) -> dict[str, Any]:
    """A new API token for the caller; the old one stops working now."""
    return _rotate(request, store, user.name)


@router.post("/users/{name}/token", response_model=TokenOut)
def rotate_user_token(name: str, request: Request, store: StoreDep, admin: AdminDep) -> dict[str, Any]:
    """A new API token for ``name`` (a lost or leaked one); the old one stops working now."""
    return _rotate(request, store, name)
