"""Accounts: password login, the current user, users and teams (admin), assignments (the audit log: audit.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from agentassist.api.deps import AdminDep, StoreDep, UserDep, require, token_from
from agentassist.api.throttle import LoginThrottle
from agentassist.errors import ConfigError
from agentassist.store.accounts import TeamJson, UserJson
from agentassist.store.db import Store, UserRecord
from agentassist.store.distribution import AssignmentJson

router = APIRouter(prefix="/api", tags=["accounts"])

Role = Literal["agent", "team_leader", "quality_checker", "supervisor", "admin", "client"]
# the pages' languages: static/i18n/<language>.json for each but English (tests/test_i18n.py keeps them in step)
Language = Literal["en", "ru", "uk", "pl"]
LANGUAGE_DOC = "the language the pages show for this user; null: the browser's (navigator.languages)"
LEADERS = ("team_leader", "supervisor", "admin")


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


ALL_TEAMS_DOC = (
    "sees every team's calls (a supervisor or team_leader; an admin always does). Without it a leader sees"
    " their teams' calls and their own, and a leader of no team only their own"
)


CAMPAIGNS_DOC = "a client's campaigns: their reports and outcomes, and the calls shared with them"
Campaigns = list[Annotated[str, Field(min_length=1, max_length=200)]]


class UserOut(BaseModel):
    name: str
    role: Role
    teams: list[str]
    all_teams: bool = Field(False, description=ALL_TEAMS_DOC)
    language: Language | None = Field(None, description=LANGUAGE_DOC)
    campaigns: list[str] = Field([], description=CAMPAIGNS_DOC)


class LanguageIn(BaseModel):
    language: Language | None = Field(description=LANGUAGE_DOC)


class LoginOut(BaseModel):
    token: str
    user: UserOut


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")
    role: Role
    teams: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    password: str | None = Field(None, min_length=8, max_length=1000)
    all_teams: bool = Field(False, description=ALL_TEAMS_DOC)
    campaigns: Campaigns = Field([], description=CAMPAIGNS_DOC + " (one or more for a client)")


class PasswordIn(BaseModel):
    current: str = Field(min_length=1, max_length=1000)
    new: str = Field(min_length=8, max_length=1000)


class NewPasswordIn(BaseModel):
    new: str = Field(min_length=8, max_length=1000)


class UserCreated(BaseModel):
    name: str
    role: Role
    teams: list[str]
    all_teams: bool
    campaigns: list[str] = []
    token: str = Field(description="API token; shown once")


class UserListed(UserOut):
    has_password: bool
    created_at: str | None
    token_expires_at: str | None = Field(None, description="when the API token stops working (UTC); null: never")


class TeamsIn(BaseModel):
    teams: list[Annotated[str, Field(min_length=1, max_length=200)]]


class AllTeamsIn(BaseModel):
    all_teams: bool = Field(description=ALL_TEAMS_DOC)


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


def _bad(exc: ConfigError) -> HTTPException:
    text = str(exc)
    code = status.HTTP_404_NOT_FOUND if text.startswith("no ") else status.HTTP_409_CONFLICT
    if "expected" in text:
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    return HTTPException(code, text)


def _throttled(request: Request, name: str) -> tuple[LoginThrottle, str]:
    """The login throttle and the client's address; 429 with Retry-After, before any password work, while
    ``name`` or the address is locked out by earlier failures (of logins and of current-password checks)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    wait_s = throttle.check(name, address, time.monotonic())
    if wait_s:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins for this user name or from this address: try again in {wait_s} s",
            headers={"Retry-After": str(wait_s)},
        )
    return throttle, address


@router.post("/login", response_model=LoginOut, responses={429: {}, 503: {}})
async def login(body: LoginIn, request: Request, store: StoreDep) -> dict[str, Any]:
    """429 with Retry-After after too many failures for this name or from this address (checked
    before any password work); 503 with Retry-After while the password hashing pool is full."""
    throttle, address = _throttled(request, body.name)
    found = await run_in_threadpool(store.login, body.name, body.password)  # HashingBusyError: 503
    if found is None:
        throttle.failed(body.name, address, time.monotonic())
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
    throttle.succeeded(body.name)
    token, user = found
    return {"token": token, "user": _me(user)}


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, store: StoreDep, user: UserDep) -> Response:
    token = token_from(request.headers.get("authorization"))
    if token:
        store.logout(token)  # a login token ends; an API token stays until rotated, expired or deleted
        request.app.state.sockets.revoke_token(request.state.token_hash, "logged out")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
def me(user: UserDep) -> dict[str, Any]:
    return _me(user)


def _me(user: UserRecord) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role,
        "teams": list(user.teams),
        "all_teams": user.all_teams,
        "language": user.language,
        "campaigns": list(user.campaigns),
    }


@router.put("/me/language", response_model=UserOut)
def set_my_language(body: LanguageIn, store: StoreDep, user: UserDep) -> dict[str, Any]:
    """The language the pages show for the signed-in user, remembered across browsers (null: the browser's)."""
    store.set_language(user.name, body.language)
    return {**_me(user), "language": body.language}


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_my_password(body: PasswordIn, request: Request, store: StoreDep, user: UserDep) -> Response:
    """Change one's own password: the current one is asked (403 when wrong, so a client does not take it
    for an ended session); every other login of the user ends, this one and the API token stay."""
    throttle, address = _throttled(request, user.name)  # a stolen session guesses no faster than a login
    if not store.check_password(user.name, body.current):
        throttle.failed(user.name, address, time.monotonic())
        raise HTTPException(status.HTTP_403_FORBIDDEN, "current password is wrong: nothing changed")
    store.set_password(user.name, body.new)
    ended = store.end_logins(user.name, keep_token=token_from(request.headers.get("authorization")))
    request.app.state.sockets.revoke_tokens(ended, "password changed")
    store.audit(user, "password.change")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/users/{name}/password", status_code=status.HTTP_204_NO_CONTENT)
def set_user_password(name: str, body: NewPasswordIn, request: Request, store: StoreDep, admin: AdminDep) -> Response:
    """An admin sets another user's password (a reset): every login of that user ends."""
    try:
        store.set_password(name, body.new)
        ended = store.end_logins(name)
        request.app.state.sockets.revoke_tokens(ended, "password changed")
    except ConfigError as exc:
        raise _bad(exc) from None
    store.audit(admin, "password.set", detail=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users", response_model=list[UserListed])
def list_users(store: StoreDep, admin: AdminDep) -> list[UserJson]:
    return store.users()


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, store: StoreDep, admin: AdminDep) -> dict[str, Any]:
    try:
        token = store.add_user(
            body.name,
            body.role,
            teams=body.teams,
            password=body.password,
            all_teams=body.all_teams,
            campaigns=body.campaigns,
        )
    except ConfigError as exc:
        raise _bad(exc) from None
    created = {"name": body.name, "role": body.role, "teams": body.teams, "all_teams": body.all_teams}
    return {**created, "campaigns": body.campaigns, "token": token}


@router.delete("/users/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(name: str, request: Request, store: StoreDep, admin: AdminDep) -> Response:
    if store.user(name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user named {name!r}")
    user_id = store.delete_user(name)
    request.app.state.sockets.revoke_user(user_id, "user deleted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/users/{name}/teams", response_model=UserListed)
def set_user_teams(name: str, body: TeamsIn, store: StoreDep, admin: AdminDep) -> UserJson:
    return _changed(store, name, lambda: store.set_teams(name, body.teams))


@router.put("/users/{name}/all-teams", response_model=UserListed)
def set_user_all_teams(name: str, body: AllTeamsIn, store: StoreDep, admin: AdminDep) -> UserJson:
    """Let a supervisor or team leader see every team's calls (true), or only their teams' (false)."""
    return _changed(store, name, lambda: store.set_all_teams(name, body.all_teams))


class CampaignsIn(BaseModel):
    campaigns: Campaigns = Field(description=CAMPAIGNS_DOC)


@router.put("/users/{name}/campaigns", response_model=UserListed)
def set_user_campaigns(name: str, body: CampaignsIn, store: StoreDep, admin: AdminDep) -> UserJson:
    """A client's campaigns, replacing theirs (422 for a user of another role given campaigns)."""
    return _changed(store, name, lambda: store.set_campaigns(name, body.campaigns))


def _changed(store: Store, name: str, change: Callable[[], None]) -> UserJson:
    """Apply an admin's ``change`` to user ``name``; the user as it is now (the store's refusal as 404/409/422)."""
    try:
        change()
    except ConfigError as exc:
        raise _bad(exc) from None
    user = store.user(name)
    assert user is not None
    return user


@router.get("/teams", response_model=list[TeamOut])
def list_teams(store: StoreDep, user: Annotated[UserRecord, require(*LEADERS)]) -> list[TeamJson]:
    """Every team for an admin or a leader with all_teams; a leader's own teams otherwise (none: [])."""
    teams = store.teams()
    if not store.sees_all(user):
        teams = [t for t in teams if t["name"] in user.teams]
    return teams


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(
    store: StoreDep, user: Annotated[Any, require("quality_checker", *LEADERS)], checker: str | None = None
) -> list[AssignmentJson]:
    if user.role == "quality_checker":
        checker = user.name  # a checker sees their own work list only
    return store.assignments(checker)


@router.post("/assignments", response_model=AssignmentOut, status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentIn, store: StoreDep, user: Annotated[Any, require(*LEADERS)]) -> AssignmentJson:
    if store.get_call(body.call_id) is not None and not store.can_see_call(user, body.call_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"call {body.call_id!r} is outside what a {user.role} may see")
    try:
        return store.assign(body.call_id, body.checker, user.name)
    except ConfigError as exc:
        raise _bad(exc) from None
