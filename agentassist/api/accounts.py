"""Accounts: password login, the current user, users and teams (admin), assignments, the audit log."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from agentassist.api.deps import ID_MAX, AdminDep, StoreDep, UserDep, require, token_from
from agentassist.api.throttle import LoginThrottle
from agentassist.errors import ConfigError

router = APIRouter(prefix="/api", tags=["accounts"])

Role = Literal["agent", "team_leader", "quality_checker", "supervisor", "admin"]
LEADERS = ("team_leader", "supervisor", "admin")


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class UserOut(BaseModel):
    name: str
    role: Role
    teams: list[str]


class LoginOut(BaseModel):
    token: str
    user: UserOut


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")
    role: Role
    teams: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    password: str | None = Field(None, min_length=8, max_length=1000)


class UserCreated(BaseModel):
    name: str
    role: Role
    teams: list[str]
    token: str = Field(description="API token; shown once")


class UserListed(UserOut):
    has_password: bool
    created_at: str | None


class TeamsIn(BaseModel):
    teams: list[Annotated[str, Field(min_length=1, max_length=200)]]


class TeamOut(BaseModel):
    name: str
    members: list[str]


class AssignmentIn(BaseModel):
    call_id: str = Field(min_length=1, max_length=64)
    checker: str = Field(min_length=1, max_length=200)


class AssignmentOut(BaseModel):
    id: int
    call_id: str
    checker: str
    assigned_at: str | None
    assigned_by: str


class AuditEntry(BaseModel):
    id: int
    at: str | None
    user: str
    action: str
    call_id: str | None
    detail: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next: int | None = Field(description="pass as ?before= for the next (older) page")


def _bad(exc: ConfigError) -> HTTPException:
    text = str(exc)
    code = status.HTTP_404_NOT_FOUND if text.startswith("no ") else status.HTTP_409_CONFLICT
    if "expected" in text:
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    return HTTPException(code, text)


@router.post("/login", response_model=LoginOut, responses={429: {}, 503: {}})
async def login(body: LoginIn, request: Request, store: StoreDep) -> dict[str, Any]:
    """429 with Retry-After after too many failures for this name or from this address (checked
    before any password work); 503 with Retry-After while the password hashing pool is full."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    wait_s = throttle.check(body.name, address, time.monotonic())
    if wait_s:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins for this user name or from this address: try again in {wait_s} s",
            headers={"Retry-After": str(wait_s)},
        )
    found = await run_in_threadpool(store.login, body.name, body.password)  # HashingBusyError: 503
    if found is None:
        throttle.failed(body.name, address, time.monotonic())
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
    throttle.succeeded(body.name)
    token, user = found
    return {"token": token, "user": {"name": user.name, "role": user.role, "teams": list(user.teams)}}


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, store: StoreDep, user: UserDep) -> Response:
    token = token_from(request.headers.get("authorization"), request.query_params.get("token"))
    if token:
        store.logout(token)  # a login token ends; an API token stays until its user is deleted
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
def me(user: UserDep) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "teams": list(user.teams)}


@router.get("/users", response_model=list[UserListed])
def list_users(store: StoreDep, admin: AdminDep) -> list[dict[str, Any]]:
    return store.users()


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, store: StoreDep, admin: AdminDep) -> dict[str, Any]:
    try:
        token = store.add_user(body.name, body.role, teams=body.teams, password=body.password)
    except ConfigError as exc:
        raise _bad(exc) from None
    return {"name": body.name, "role": body.role, "teams": body.teams, "token": token}


@router.delete("/users/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(name: str, store: StoreDep, admin: AdminDep) -> Response:
    if store.user(name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user named {name!r}")
    store.delete_user(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/users/{name}/teams", response_model=UserListed)
def set_user_teams(name: str, body: TeamsIn, store: StoreDep, admin: AdminDep) -> dict[str, Any]:
    try:
        store.set_teams(name, body.teams)
    except ConfigError as exc:
        raise _bad(exc) from None
    user = store.user(name)
    assert user is not None
    return user


@router.get("/teams", response_model=list[TeamOut])
def list_teams(store: StoreDep, user: Annotated[Any, require(*LEADERS)]) -> list[dict[str, Any]]:
    teams = store.teams()
    if user.role != "admin" and user.teams:
        teams = [t for t in teams if t["name"] in user.teams]
    return teams


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(
    store: StoreDep, user: Annotated[Any, require("quality_checker", *LEADERS)], checker: str | None = None
) -> list[dict[str, Any]]:
    if user.role == "quality_checker":
        checker = user.name  # a checker sees their own work list only
    return store.assignments(checker)


@router.post("/assignments", response_model=AssignmentOut, status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentIn, store: StoreDep, user: Annotated[Any, require(*LEADERS)]) -> dict[str, Any]:
    if store.get_call(body.call_id) is not None and not store.can_see_call(user, body.call_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"call {body.call_id!r} is outside what a {user.role} may see")
    try:
        return store.assign(body.call_id, body.checker, user.name)
    except ConfigError as exc:
        raise _bad(exc) from None


@router.get("/audit", response_model=AuditPage)
def audit_log(
    store: StoreDep,
    admin: AdminDep,
    user: Annotated[str | None, Query(description="only this user's accesses")] = None,
    call_id: str | None = None,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    items, nxt = store.audit_log(user=user, call_id=call_id, before=before, limit=limit)
    return {"items": items, "next": nxt}
