"""Call control while a call runs: card-data pause, hold, mute, DTMF, blind transfer; inbound calls
ringing (a second call while one is up): answer or decline them.

Control of a call: allowed to the agent whose call it is and to supervisors, team leaders and admins
who may see it; the command goes to the desk that carries the call. Ringing calls: on the desk of the
agent concerned (deps.desk_agent: an agent's own, or ``?agent=NAME`` for those who may see them); a desk
not connected answers 409, a server that carries no calls 503 (deps.NullRuntime).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, Field, model_validator

from agentassist.api.deps import RingingDeskDep, Runtime, RuntimeDep, StoreDep, UserDep, visible_call
from agentassist.errors import AgentassistError, NotRingingError

router = APIRouter(prefix="/api/calls", tags=["call control"])

CONTROL_ROLES = ("supervisor", "team_leader", "admin")


class RingingOut(BaseModel):
    id: str
    remote: str
    since: datetime


class SpanOut(BaseModel):
    start: float
    end: float | None
    by: str


class DtmfIn(BaseModel):
    digits: str = Field(pattern=r"^[0-9*#A-Da-d]{1,32}$", description="digits to send: 0-9 * # A-D")
    method: Literal["rfc4733", "info"] = "rfc4733"


class TransferIn(BaseModel):
    uri: str | None = Field(
        None, pattern=r"^sips?:\S+$", description="blind transfer: where the peer is sent, e.g. sip:200@pbx.example.com"
    )
    replaces: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="attended transfer: the id of the agent's call with the target (a consultation call), which "
        "the peer's new call replaces (REFER with Replaces)",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> TransferIn:
        if (self.uri is None) == (self.replaces is None):
            raise ValueError("give either uri (blind transfer) or replaces (attended transfer), not both or neither")
        return self


def _controllable(call_id: str, store: StoreDep, runtime: RuntimeDep, user: UserDep) -> Runtime:
    call = visible_call(store, call_id, user)
    if user.role != "agent" and user.role not in CONTROL_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"role {user.role!r} cannot control calls: the call's agent or a supervisor can"
        )
    if call["status"] != "active":
        raise HTTPException(status.HTTP_409_CONFLICT, f"call {call_id!r} is not active (status {call['status']!r})")
    return runtime


ControlDep = Annotated[Runtime, Depends(_controllable)]


def _conflict(exc: AgentassistError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


@router.post("/{call_id}/pause", response_model=SpanOut)
@router.post("/{call_id}/recording/pause", response_model=SpanOut, include_in_schema=False)
def pause(call_id: str, control: ControlDep, user: UserDep) -> dict[str, Any]:
    """Card-data pause: both channels are recorded as silence and nothing is transcribed until resume."""
    try:
        return control.pause(call_id, user.name)
    except AgentassistError as exc:
        raise _conflict(exc) from None


@router.post("/{call_id}/resume", response_model=SpanOut)
@router.post("/{call_id}/recording/resume", response_model=SpanOut, include_in_schema=False)
def resume(call_id: str, control: ControlDep) -> dict[str, Any]:
    try:
        span = control.resume(call_id)
    except AgentassistError as exc:
        raise _conflict(exc) from None
    if span is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"call {call_id!r} is not paused")
    return span


def _simple(action: Any) -> Response:
    try:
        action()
    except AgentassistError as exc:
        raise _conflict(exc) from None
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/{call_id}/hold", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def hold(call_id: str, control: ControlDep) -> Response:
    """Put the call on hold by re-INVITE; the hold span starts when the peer agrees (event call.held)."""
    return _simple(lambda: control.hold(call_id, True))


@router.post("/{call_id}/unhold", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def unhold(call_id: str, control: ControlDep) -> Response:
    return _simple(lambda: control.hold(call_id, False))


@router.post("/{call_id}/mute", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def mute(call_id: str, control: ControlDep, user: UserDep) -> Response:
    """The agent's microphone is replaced by silence, in the call and in the recording."""
    return _simple(lambda: control.mute(call_id, True, user.name))


@router.post("/{call_id}/unmute", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def unmute(call_id: str, control: ControlDep, user: UserDep) -> Response:
    return _simple(lambda: control.mute(call_id, False, user.name))


@router.post("/{call_id}/dtmf", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def send_dtmf(call_id: str, body: DtmfIn, control: ControlDep) -> Response:
    """Send DTMF digits to the peer (RFC 4733 telephone-events or SIP INFO)."""
    return _simple(lambda: control.send_dtmf(call_id, body.digits, body.method))


@router.post("/{call_id}/transfer", status_code=status.HTTP_202_ACCEPTED, response_class=Response)
def transfer(call_id: str, body: TransferIn, control: ControlDep, store: StoreDep, user: UserDep) -> Response:
    """Blind transfer (REFER to ``uri``) or attended transfer (REFER with Replaces: the peer's new call
    takes the place of the agent's consultation call ``replaces``). Progress comes as call.transfer
    events; the call ends "transferred", and so does the consultation call."""
    if body.replaces is not None:
        consult = visible_call(store, body.replaces, user)
        if consult["status"] != "active" or body.replaces == call_id:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"call {body.replaces!r} is not another active call to transfer to"
            )
        consult_id = body.replaces
        return _simple(lambda: control.transfer_attended(call_id, consult_id))
    uri = body.uri or ""
    return _simple(lambda: control.transfer(call_id, uri))


# ---- inbound calls ringing ---------------------------------------------------------------------------
ringing_router = APIRouter(prefix="/api/ringing", tags=["call control"])


@ringing_router.get("", response_model=list[RingingOut])
def list_ringing(runtime: RuntimeDep, agent: RingingDeskDep) -> list[dict[str, Any]]:
    """Inbound calls ringing now on the agent's desk, oldest first: with ``[sip] second_call = "ring"``
    a call that comes in while another is up, and every inbound call when ``auto_answer`` is off."""
    try:
        return runtime.ringing(agent)
    except AgentassistError as exc:  # the agent's desk is not connected
        raise _conflict(exc) from None


def _ringing(action: Any) -> Response:
    try:
        action()
    except NotRingingError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except AgentassistError as exc:
        raise _conflict(exc) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@ringing_router.post("/{call_id}/answer", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def answer_ringing(call_id: str, runtime: RuntimeDep, agent: RingingDeskDep) -> Response:
    """Answer it; the agent's calls that are up go on hold first."""
    return _ringing(lambda: runtime.answer(call_id, agent))


@ringing_router.post("/{call_id}/decline", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def decline_ringing(call_id: str, runtime: RuntimeDep, agent: RingingDeskDep) -> Response:
    """Turn it away with 486 Busy Here; it is kept as a failed call, reason "declined"."""
    return _ringing(lambda: runtime.decline(call_id, agent))
