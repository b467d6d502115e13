"""Calls: list, one call, its recording (HTTP Range, If-Range), waveform peaks, transcript and adherence;
placing a call. Each read of a recording (once per play: store/audit.py's audit_read), its peaks or a
transcript is written to the audit log, and so is each of them refused."""

from __future__ import annotations

import os
import wave
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from agentassist.api.deps import (
    PHONE_ROLES,
    PromptsDep,
    RecordingsDep,
    RuntimeDep,
    SettingsDep,
    StoreDep,
    UserDep,
    check_range,
    current_user,
    desk_agent,
    require,
    visible_call,
)
from agentassist.api.objects import locate, object_peaks, object_response, sealed_file_response
from agentassist.api.originals import with_originals
from agentassist.api.signing import LinkError, Signer
from agentassist.audio.encode import MEDIA_TYPES
from agentassist.audio.peaks import peaks
from agentassist.audio.sealed import is_sealed
from agentassist.desk import NoDeskError
from agentassist.errors import AgentassistError, AudioError
from agentassist.store.accounts import UserRecord
from agentassist.store.calls import CallJson
from agentassist.store.objects import StoredObject
from agentassist.store.prompts import PROMPT_ID_PATTERN, UnknownPromptError
from agentassist.subtitles import subtitles

router = APIRouter(prefix="/api/calls", tags=["calls"])


class CallOut(BaseModel):
    id: str
    status: Literal["ringing", "active", "ended", "failed"]
    direction: str
    remote: str
    agent: str
    campaign: str | None = None
    script_id: str | None
    started_at: str
    ended_at: str | None
    duration_s: float | None
    end_reason: str | None = None
    adherence_score: float | None = None
    pauses: list[dict[str, Any]] = Field(default_factory=list, description="card-data pauses: start, end, by")
    holds: list[dict[str, Any]] = Field(default_factory=list, description="holds: start, end, by agent|customer")
    mutes: list[dict[str, Any]] = Field(default_factory=list)
    dtmf: list[dict[str, Any]] = Field(default_factory=list, description="digits received outside pauses")
    media: dict[str, Any] | None = Field(None, description="sip_call_id, codec, RTP loss and jitter, mos")
    disposition: str | None = None
    redactions: list[dict[str, Any]] | None = Field(
        None,
        description="card data masked in what was said: utterance_id, channel, kind (card|expiry|cvv), start, end,"
        " by ('text'); the recording is silent over each after the call. GET /api/calls/{id} only (null in lists)",
    )


class CallList(BaseModel):
    items: list[CallOut]
    next: str | None


class DialIn(BaseModel):
    uri: str = Field(pattern=r"^sips?:\S+$", description="SIP URI to call, e.g. sip:100@pbx.example.com")
    prompt: str | None = Field(
        None,
        pattern=PROMPT_ID_PATTERN,
        description="id of a stored prompt (POST /api/prompts) played as the agent (this server's softphone only)",
    )
    agent: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="whose desk dials: default your own (an agent) or [assist] agent_name (this server's softphone)",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_server_paths(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("audio") is not None:  # a server path, taken until prompts came
            raise PydanticCustomError(
                "audio_removed",
                "audio (a file on the server) is no longer accepted: upload the WAV with POST /api/prompts"
                " and send the id it answers as prompt",
            )
        return data


class DialOut(BaseModel):
    id: str


class DispositionIn(BaseModel):
    disposition: str | None = Field(max_length=100, description="outcome of the call, e.g. 'sale'; null clears it")


class LinkOut(BaseModel):
    url: str = Field(description="path and signed query: GET it without a header until expires_at")
    expires_at: str


class PeaksOut(BaseModel):
    sample_rate_hz: int
    duration_s: float
    bucket_s: float
    channels: dict[str, list[float]] = Field(description="'agent' (left) and 'customer' (right): 0..1 per bucket")


@router.get("", response_model=CallList)
def list_calls(
    store: StoreDep,
    user: UserDep,
    agent: str | None = None,
    team: Annotated[str | None, Query(description="calls of this team's members")] = None,
    campaign: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    q: Annotated[str | None, Query(description="words said in the call (full text)", max_length=500)] = None,
    min_adherence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_adherence: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_duration_s: Annotated[float | None, Query(ge=0)] = None,
    max_duration_s: Annotated[float | None, Query(ge=0)] = None,
    direction: Literal["inbound", "outbound"] | None = None,
    disposition: str | None = None,
    alert: Annotated[str | None, Query(description="calls that raised this alert type, e.g. forbidden_phrase")] = None,
    status_: Annotated[Literal["ringing", "active", "ended", "failed"] | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    check_range(from_, to)
    try:
        items, nxt = store.list_calls(
            user=user,
            agent=agent,
            team=team,
            campaign=campaign,
            from_=from_,
            to=to,
            q=q,
            min_adherence=min_adherence,
            max_adherence=max_adherence,
            min_duration_s=min_duration_s,
            max_duration_s=max_duration_s,
            direction=direction,
            disposition=disposition,
            alert=alert,
            status=status_,
            cursor=cursor,
            limit=limit,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return {"items": items, "next": nxt}


@router.post("", response_model=DialOut, status_code=status.HTTP_201_CREATED)
def place_call(
    body: DialIn, runtime: RuntimeDep, prompts: PromptsDep, settings: SettingsDep, store: StoreDep, user: UserDep
) -> dict[str, str]:
    """Dial from the desk of the agent concerned (deps.desk_agent); 409 when that desk is not connected."""
    agent = desk_agent(settings, store, user, body.agent)
    if body.prompt is not None:
        if agent != settings.assist.agent_name:
            raise _invalid_prompt(
                f"prompts play only on this server's own softphone ({settings.assist.agent_name!r}'s desk), "
                f"not on {agent!r}'s"
            )
        try:
            prompts.path(body.prompt)
        except UnknownPromptError as exc:
            raise _invalid_prompt(str(exc)) from None
    try:
        return {"id": runtime.dial(body.uri, body.prompt, agent=agent)}
    except NoDeskError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except AgentassistError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


def _invalid_prompt(message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", "prompt"), "msg": message, "type": "value_error"}])


@router.post("/{call_id}/hangup", status_code=status.HTTP_204_NO_CONTENT)
def hangup_call(
    call_id: str, store: StoreDep, runtime: RuntimeDep, user: Annotated[Any, require(*PHONE_ROLES)]
) -> Response:
    call = visible_call(store, call_id, user)
    if call["status"] not in ("ringing", "active"):  # hanging up a placed call that rings cancels it
        raise HTTPException(status.HTTP_409_CONFLICT, f"call {call_id!r} is not active (status {call['status']!r})")
    try:
        runtime.hangup(call_id)
    except AgentassistError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{call_id}", response_model=CallOut)
def get_call(call_id: str, store: StoreDep, user: UserDep) -> dict[str, Any]:
    return {**visible_call(store, call_id, user), "redactions": store.redactions(call_id)}


@router.put("/{call_id}/disposition", response_model=CallOut)
def set_disposition(
    call_id: str, body: DispositionIn, store: StoreDep, user: Annotated[Any, require(*PHONE_ROLES)]
) -> CallJson:
    visible_call(store, call_id, user)
    store.set_disposition(call_id, body.disposition)
    return visible_call(store, call_id, user)


def _media_user(request: Request, store: StoreDep) -> UserRecord:
    """Who GETs a recording: the signer of its link (``?uid=&exp=&sig=``, for ``<audio src>``) or the
    bearer of a token. A link that is tampered with or expired: 403."""
    q = request.query_params
    if "sig" not in q:
        return current_user(request, store)
    signer: Signer = request.app.state.signer
    try:
        uid = signer.check_media(request.url.path, q.get("uid", ""), q.get("exp", ""), q["sig"])
    except LinkError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    user = store.user_by_id(uid)
    if user is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the user this link was made for no longer exists")
    return user


@router.post("/{call_id}/recording/link", response_model=LinkOut)
def recording_link(call_id: str, request: Request, store: StoreDep, user: UserDep) -> dict[str, Any]:
    """A URL of this call's recording that works without a header, for this user, for 5 minutes
    (an ``<audio src>``: its Range requests reuse it). Ask again once it has expired."""
    visible_call(store, call_id, user, "recording link")
    return media_link(request, user)


def media_link(request: Request, user: UserRecord) -> dict[str, Any]:
    """A signed link, for ``user``, of the route this ``POST .../link`` request names less its ``/link``."""
    path = request.url.path.removesuffix("/link")
    signer: Signer = request.app.state.signer
    query, exp = signer.media_query(path, user.id)
    return {"url": f"{path}?{query}", "expires_at": datetime.fromtimestamp(exp, UTC).isoformat().replace("+00:00", "Z")}


@router.get(
    "/{call_id}/recording",
    response_model=None,
    responses={206: {}, 304: {}, 416: {}},
    openapi_extra={
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
            for n, d in (("uid", "signed link: user"), ("exp", "signed link: expiry"), ("sig", "signed link"))
        ]
    },
)
def get_recording(
    call_id: str,
    request: Request,
    store: StoreDep,
    recordings: RecordingsDep,
    user: Annotated[UserRecord, Depends(_media_user)],
) -> Response:
    call = visible_call(store, call_id, user, "recording")
    path = locate(recordings, call_id)  # the Ogg once an Opus conversion is done, else the WAV
    wanted = request.headers.get("range", "")
    from_start = not wanted or wanted.replace(" ", "").startswith("bytes=0-")  # a play or a download begins
    if isinstance(path, StoredObject):  # uploaded after hangup ([storage] url)
        store.audit_read(user, "recording", call_id, wanted, from_start=from_start)
        return object_response(request, recordings, path, call_id)
    try:
        if path is None:
            raise FileNotFoundError(call_id)
        stat = os.stat(path)
        encrypted = is_sealed(path)
    except FileNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} has no recording") from None
    store.audit_read(user, "recording", call_id, wanted, from_start=from_start)
    if encrypted:  # decrypted as it is served, only the records a Range spans
        return sealed_file_response(request, recordings, path, call_id, call["status"] in ("ended", "failed"))
    response = FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        stat_result=stat,
        filename=f"{call_id}{path.suffix}",
        content_disposition_type="inline",
    )
    if request.headers.get("if-none-match") == response.headers.get("etag"):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"etag": response.headers["etag"]})
    return response


@router.get("/{call_id}/transcript", response_model=None)
def get_transcript(
    call_id: str,
    store: StoreDep,
    user: UserDep,
    format: Literal["json", "vtt", "srt"] = "json",
    originals: Annotated[bool, Query(description="what was masked, for the roles the call's script names")] = False,
) -> Response | dict[str, Any]:
    visible_call(store, call_id, user, "transcript")
    utterances = store.transcript(call_id)
    if originals:
        return {"utterances": with_originals(store, user, call_id, utterances, format)}
    store.audit(user, "transcript", call_id, format)
    if format == "json":
        return {"utterances": utterances}
    media = "text/vtt" if format == "vtt" else "application/x-subrip"
    cues = ((u["start"], u["end"], f"{u['channel']}: {u['text']}") for u in utterances)
    return PlainTextResponse(subtitles(cues, format), media_type=media)


@router.get("/{call_id}/adherence")
def get_adherence(call_id: str, store: StoreDep, user: UserDep) -> dict[str, Any]:
    visible_call(store, call_id, user)
    report = store.adherence(call_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} has no script, so no adherence report")
    return report


@router.get("/{call_id}/peaks", response_model=PeaksOut)
def get_peaks(
    call_id: str,
    store: StoreDep,
    recordings: RecordingsDep,
    user: UserDep,
    buckets: Annotated[int, Query(ge=1, le=20000, description="number of spans the recording is cut into")] = 1000,
) -> dict[str, Any]:
    visible_call(store, call_id, user, "peaks")
    path = locate(recordings, call_id)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} has no recording")
    try:
        p = (
            object_peaks(recordings, path, call_id, buckets)
            if isinstance(path, StoredObject)
            else peaks(path, buckets, recordings.keys)
        )
    except (ValueError, EOFError, wave.Error, AudioError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"recording of call {call_id!r} is unreadable: {exc}") from None
    store.audit(user, "peaks", call_id)
    names = ["agent", "customer"] if len(p.channels) == 2 else [f"channel{i}" for i in range(len(p.channels))]
    return {
        "sample_rate_hz": p.sample_rate_hz,
        "duration_s": p.duration_s,
        "bucket_s": p.bucket_s,
        "channels": dict(zip(names, p.channels, strict=True)),
    }
