"""Dependencies shared by the routers: settings, store, bus, runtime and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.exceptions import RequestValidationError

from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.accounts import token_hash
from agentassist.store.db import Store, UserRecord
from agentassist.store.phones import check_phone
from agentassist.store.prompts import PromptStore
from agentassist.store.recordings import RecordingStore
from agentassist.store.scoring import ConflictError, FieldError, ForbiddenError, NotFoundError


class Runtime(Protocol):
    """What the API needs of the softphone and pipeline (agentassist.runtime.Runtime)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> dict[str, bool]: ...

    def dial(self, uri: str, prompt: str | None = None) -> str: ...

    def hangup(self, call_id: str) -> None: ...

    def metrics(self) -> dict[str, float]: ...


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.bus
    return bus


def get_recordings(request: Request) -> RecordingStore:
    recordings: RecordingStore = request.app.state.recordings
    return recordings


def get_prompts(request: Request) -> PromptStore:
    prompts: PromptStore = request.app.state.prompts
    return prompts


def get_runtime(request: Request) -> Runtime | None:
    runtime: Runtime | None = request.app.state.runtime
    return runtime


def token_from(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header. Never from the URL: a URL is kept by proxies'
    logs and browser history (media has signed links, WebSockets one-use tickets instead)."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


PHONE_ONLY = "a phone credential may only stream its agent's calls (/api/phone, /api/audiohook)"


def current_user(request: Request, store: Annotated[Store, Depends(get_store)]) -> UserRecord:
    token = token_from(request.headers.get("authorization"))
    if token is None:
        if "token" in request.query_params:
            raise _unauthorized("?token= is no longer accepted: send 'Authorization: Bearer <token>'")
        raise _unauthorized("missing token: send 'Authorization: Bearer <token>' (see `agentassist users add`)")
    check = store.check_token_hash(token_hash(token))
    if check.user is None:
        if check_phone(store, token).agent is not None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, PHONE_ONLY)
        raise _unauthorized("invalid or revoked token")
    if check.expired:
        raise _unauthorized("token expired: sign in again, or ask an admin for a new API token")
    request.state.token_hash = check.token_hash  # logout and ws-ticket name the token itself
    return check.user


def visible_call(store: Store, call_id: str, user: UserRecord) -> dict[str, Any]:
    """The call if this user may see it: 404 when it does not exist, 403 when it is out of their scope
    (another agent's call, another team's, a call not assigned to this checker)."""
    call = store.get_call(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no call with id {call_id!r}")
    if not store.can_see_call(user, call_id):
        if user.role == "agent":
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"call {call_id!r} belongs to another agent")
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"call {call_id!r} is outside what a {user.role} may see")
    return call


PHONE_ROLES = ("agent", "team_leader", "supervisor", "admin")


def phone_user(
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[Store, Depends(get_store)],
    user: Annotated[UserRecord, Depends(current_user)],
) -> UserRecord:
    """The user if they may use this server's softphone (dial, answer, decline, its prompts): it is the
    agent's named ``[assist] agent_name``, and its calls are theirs, so whoever may see that agent's
    calls may use it - the agent, a team leader or supervisor of one of their teams or with
    ``all_teams``, an admin. 403 otherwise, decided before whether the server has a softphone."""
    if user.role not in PHONE_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"a {user.role} may not use the phone: allowed to {', '.join(PHONE_ROLES)}"
        )
    if not store.sees_agent(user, settings.assist.agent_name):
        whose = "another agent's" if user.role == "agent" else f"an agent's outside {user.name}'s teams"
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this server's phone is {whose}")
    return user


def check_range(from_: datetime | None, to: datetime | None) -> None:
    """A from-to span of datetimes (query parameters): 422 when it runs backwards or mixes UTC offsets."""
    if from_ is not None and to is not None:
        if (from_.tzinfo is None) != (to.tzinfo is None):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "from and to: give both with a UTC offset or neither"
            )
        if to <= from_:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"to ({to}) must be after from ({from_})")


def require(*roles: str) -> Any:
    """A dependency that lets only ``roles`` through (403 naming the roles allowed)."""

    def check(user: Annotated[UserRecord, Depends(current_user)]) -> UserRecord:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"a {user.role} may not do this: allowed to {', '.join(roles)}"
            )
        return user

    return Depends(check)


@contextmanager
def answering() -> Iterator[None]:
    """Turn the quality store's errors into answers: a wrong body field 422 (the same shape as a body
    that fails its schema), unknown 404, not allowed 403, wrong state 409."""
    try:
        yield
    except FieldError as exc:
        loc = ("body", *(int(p) if p.isdigit() else p for p in exc.field.split(".")))
        raise RequestValidationError([{"loc": loc, "msg": exc.message, "type": "value_error"}]) from None
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except ForbiddenError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


ID_MAX = 2**31 - 1  # the largest row id a database holds (PostgreSQL's INTEGER): beyond it, no such row
RowId = Annotated[int, Path(ge=1, le=ID_MAX, description="a row id")]

StoreDep = Annotated[Store, Depends(get_store)]
BusDep = Annotated[EventBus, Depends(get_bus)]
RecordingsDep = Annotated[RecordingStore, Depends(get_recordings)]
PromptsDep = Annotated[PromptStore, Depends(get_prompts)]
RuntimeDep = Annotated["Runtime | None", Depends(get_runtime)]
UserDep = Annotated[UserRecord, Depends(current_user)]
AdminDep = Annotated[UserRecord, require("admin")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PhoneUserDep = Annotated[UserRecord, Depends(phone_user)]
