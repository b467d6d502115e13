"""Dependencies shared by the routers: settings, store, bus, runtime and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError

from agentassist.assist.script import Script
from agentassist.assist.versions import ScriptVersions
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.errors import AgentassistError
from agentassist.pipeline.late import RecordingEdits
from agentassist.store.accounts import token_hash
from agentassist.store.calls import CallJson
from agentassist.store.db import Store, UserRecord
from agentassist.store.phones import check_phone
from agentassist.store.prompts import PromptStore
from agentassist.store.recordings import RecordingStore
from agentassist.store.scope import CLIENT
from agentassist.store.scoring import ConflictError, FieldError, ForbiddenError, NotFoundError

if TYPE_CHECKING:  # the pipeline (numpy and all) is the runtime's to import, not every route's
    from agentassist.pipeline.tap import AudioTap


class Runtime(Protocol):
    """What the API needs of the center's runtime (:class:`agentassist.runtime.Runtime`), the one seam
    between the routes and the calls: :class:`NullRuntime` where this app carries no calls.

    Call commands raise :class:`~agentassist.errors.AgentassistError` with the reason when they cannot
    (the routes answer 409, :class:`~agentassist.desk.NoDeskError` "agent X has no phone connected"
    among them); ``agent`` names the desk (None: ``[assist] agent_name``'s)."""

    scripts: ScriptVersions  # the scripts the calls follow; the scripts routes and the wall read these

    @property
    def uploads(self) -> RecordingEdits | None:
        """The upload worker of recordings to the object store (None: no store, or no calls carried here),
        held off a recording while an erasure silences it."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> dict[str, bool]: ...

    def metrics(self) -> dict[str, float]: ...

    def transcription_lag(self) -> dict[str, float]:
        """Per active call: how long its oldest unfinished final has waited, in seconds (the wall marks
        a call behind with it)."""
        ...

    def dial(self, uri: str, prompt: str | None = None, agent: str | None = None) -> str: ...

    def hangup(self, call_id: str) -> None: ...

    def ringing(self, agent: str | None = None) -> list[dict[str, Any]]: ...

    def answer(self, call_id: str, agent: str | None = None) -> None: ...

    def decline(self, call_id: str, agent: str | None = None) -> None: ...

    def pause(self, call_id: str, by: str) -> dict[str, Any]: ...

    def resume(self, call_id: str) -> dict[str, Any] | None: ...

    def hold(self, call_id: str, on: bool) -> None: ...

    def mute(self, call_id: str, on: bool, by: str) -> dict[str, Any] | None: ...

    def send_dtmf(self, call_id: str, digits: str, method: str) -> None: ...

    def transfer(self, call_id: str, uri: str) -> None: ...

    def transfer_attended(self, call_id: str, consult_id: str) -> None: ...

    def assist_state(self, call_id: str) -> dict[str, Any] | None: ...

    def apply_script(self, script: Script) -> list[str]: ...

    def tap(self, call_id: str) -> AudioTap:
        """An active call's audio as it is recorded, for listening in; AgentassistError when this
        process does not carry the call."""
        ...


class NullRuntime:
    """The runtime of an app that carries no calls (no model, no desks: tests, benchmarks, a database
    served alone). Routes that need calls carried answer 503 with ``reason``; scripts are still read
    and saved, and a saved version applies to no call."""

    def __init__(self, settings: Settings, reason: str = "no softphone in this server") -> None:
        self.reason = reason
        self.scripts = ScriptVersions(FilePath(settings.assist.scripts_dir))
        self.uploads: RecordingEdits | None = None  # no calls ended here to upload

    def _unavailable(self, *args: Any, **kwargs: Any) -> Any:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, self.reason)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> dict[str, bool]:
        return {}

    def metrics(self) -> dict[str, float]:
        return {}

    def transcription_lag(self) -> dict[str, float]:
        return {}

    dial = hangup = ringing = answer = decline = _unavailable
    pause = resume = hold = mute = send_dtmf = transfer = transfer_attended = _unavailable

    def assist_state(self, call_id: str) -> dict[str, Any] | None:
        raise AgentassistError(f"call {call_id!r} is not carried here ({self.reason}): see its adherence report")

    def apply_script(self, script: Script) -> list[str]:
        return []

    def tap(self, call_id: str) -> AudioTap:
        raise AgentassistError(f"call {call_id!r} is not carried here ({self.reason}): nothing to listen to")


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


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_scripts(request: Request) -> ScriptVersions:
    """The scripts the calls follow: the runtime's, so a version saved reaches the calls it runs."""
    return get_runtime(request).scripts


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
    if check.user.role == CLIENT:
        _client_route(request)
    return check.user


# What a client may ask (docs/outcomes.md#clients): their account, their campaigns' reports and
# outcomes, and the calls shared with them (list, recording, its waveform, transcript). Every other
# route answers them 403 before it runs, a route added later included: a client is outside the center.
CLIENT_ROUTES = frozenset(
    {
        "GET /api/me",
        "PUT /api/me/password",
        "PUT /api/me/language",
        "POST /api/me/token",
        "POST /api/logout",
        "GET /api/calls",
        "GET /api/calls/{call_id}",
        "POST /api/calls/{call_id}/recording/link",
        "GET /api/calls/{call_id}/recording",
        "GET /api/calls/{call_id}/peaks",
        "GET /api/calls/{call_id}/transcript",
        "GET /api/reports/agents",
        "GET /api/reports/teams",
        "GET /api/outcomes",
        "GET /api/outcomes/campaigns",
    }
)


def _client_route(request: Request) -> None:
    method = "GET" if request.method == "HEAD" else request.method
    route = request.scope.get("route")  # FastAPI's matched route: its path as declared, {call_id} and all
    if f"{method} {getattr(route, 'path', '')}" not in CLIENT_ROUTES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "a client may read their campaigns' reports and outcomes and the calls shared with them, nothing else",
        )


def visible_call(store: Store, call_id: str, user: UserRecord, reading: str = "call") -> CallJson:
    """The call if this user may see it: 404 when it does not exist, 403 when it is out of their scope
    (another agent's call, another team's, a call not assigned to this checker), written to the audit
    log as ``refused`` with what was asked (``reading``: "recording", "transcript", ...)."""
    call = store.get_call(call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no call with id {call_id!r}")
    if not store.can_see_call(user, call_id):
        store.audit(user, "refused", call_id, reading)
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
    """The user if they may use this server's own softphone's prompts: it is the agent's named
    ``[assist] agent_name``, and its calls are theirs, so whoever may see that agent's calls may use
    it - the agent, a team leader or supervisor of one of their teams or with ``all_teams``, an admin.
    403 otherwise, decided before whether the server has a softphone."""
    _phone_role(user)
    if not store.sees_agent(user, settings.assist.agent_name):
        whose = "another agent's" if user.role == "agent" else f"an agent's outside {user.name}'s teams"
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this server's phone is {whose}")
    return user


def _phone_role(user: UserRecord) -> None:
    if user.role not in PHONE_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"a {user.role} may not use the phone: allowed to {', '.join(PHONE_ROLES)}"
        )


def desk_agent(settings: Settings, store: Store, user: UserRecord, agent: str | None) -> str:
    """The agent whose desk a phone route (dial, ringing, answer, decline) acts on: an agent's own; for a
    team leader, supervisor or admin the agent they name, if they may see that agent's calls, else
    ``[assist] agent_name`` (this server's softphone). 403 otherwise, decided before whether that desk
    is connected."""
    _phone_role(user)
    if agent is None:
        if user.role == "agent":
            return user.name
        agent = settings.assist.agent_name
        if not store.sees_agent(user, agent):  # the agent is not named: neither is it here
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this server's phone is an agent's outside {user.name}'s teams"
            )
        return agent
    if user.role == "agent" and agent != user.name:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"an agent uses their own phone, not {agent!r}'s")
    if not store.sees_agent(user, agent):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"agent {agent!r} is outside {user.name}'s teams")
    return agent


def ringing_desk(
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[Store, Depends(get_store)],
    user: Annotated[UserRecord, Depends(current_user)],
    agent: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="whose desk: default your own (an agent) or [assist] agent_name"
        ),
    ] = None,
) -> str:
    """``?agent=NAME`` of the ringing routes, checked (:func:`desk_agent`)."""
    return desk_agent(settings, store, user, agent)


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
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ScriptsDep = Annotated[ScriptVersions, Depends(get_scripts)]
UserDep = Annotated[UserRecord, Depends(current_user)]
AdminDep = Annotated[UserRecord, require("admin")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PhoneUserDep = Annotated[UserRecord, Depends(phone_user)]
RingingDeskDep = Annotated[str, Depends(ringing_desk)]
