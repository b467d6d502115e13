"""Calls: list, one call, its recording (HTTP Range), transcript and adherence; placing a call."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, Field

from agentassist.api.deps import RecordingsDep, RuntimeDep, StoreDep, UserDep, visible_call
from agentassist.errors import AgentassistError
from agentassist.subtitles import subtitles

router = APIRouter(prefix="/api/calls", tags=["calls"])


class CallOut(BaseModel):
    id: str
    status: Literal["active", "ended", "failed"]
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


class CallList(BaseModel):
    items: list[CallOut]
    next: str | None


class DialIn(BaseModel):
    uri: str = Field(pattern=r"^sips?:\S+$", description="SIP URI to call, e.g. sip:100@pbx.example.com")
    audio: str | None = Field(None, description="server-side WAV played as the agent's voice in this call")


class DialOut(BaseModel):
    id: str


@router.get("", response_model=CallList)
def list_calls(
    store: StoreDep,
    user: UserDep,
    agent: str | None = None,
    campaign: str | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    q: Annotated[str | None, Query(description="text said in the call")] = None,
    min_adherence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_adherence: Annotated[float | None, Query(ge=0, le=1)] = None,
    status_: Annotated[Literal["active", "ended", "failed"] | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    if user.role == "agent":
        agent = user.name
    try:
        items, nxt = store.list_calls(
            agent=agent,
            campaign=campaign,
            from_=from_,
            to=to,
            q=q,
            min_adherence=min_adherence,
            max_adherence=max_adherence,
            status=status_,
            cursor=cursor,
            limit=limit,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return {"items": items, "next": nxt}


@router.post("", response_model=DialOut, status_code=status.HTTP_201_CREATED)
def place_call(body: DialIn, runtime: RuntimeDep, user: UserDep) -> dict[str, str]:
    if runtime is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no softphone in this server")
    try:
        return {"id": runtime.dial(body.uri, body.audio)}
    except AgentassistError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


@router.post("/{call_id}/hangup", status_code=status.HTTP_204_NO_CONTENT)
def hangup_call(call_id: str, store: StoreDep, runtime: RuntimeDep, user: UserDep) -> Response:
    call = visible_call(store.get_call(call_id), call_id, user)
    if call["status"] != "active" or runtime is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"call {call_id!r} is not active")
    try:
        runtime.hangup(call_id)
    except AgentassistError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{call_id}", response_model=CallOut)
def get_call(call_id: str, store: StoreDep, user: UserDep) -> dict[str, Any]:
    return visible_call(store.get_call(call_id), call_id, user)


@router.get("/{call_id}/recording", response_model=None, responses={206: {}, 304: {}, 416: {}})
def get_recording(
    call_id: str, request: Request, store: StoreDep, recordings: RecordingsDep, user: UserDep
) -> Response:
    visible_call(store.get_call(call_id), call_id, user)
    path = recordings.path_for(call_id)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} has no recording") from None
    response = FileResponse(
        path, media_type="audio/wav", stat_result=stat, filename=f"{call_id}.wav", content_disposition_type="inline"
    )
    if request.headers.get("if-none-match") == response.headers.get("etag"):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"etag": response.headers["etag"]})
    return response


@router.get("/{call_id}/transcript", response_model=None)
def get_transcript(
    call_id: str, store: StoreDep, user: UserDep, format: Literal["json", "vtt", "srt"] = "json"
) -> Response | dict[str, Any]:
    visible_call(store.get_call(call_id), call_id, user)
    utterances = store.transcript(call_id)
    if format == "json":
        return {"utterances": utterances}
    media = "text/vtt" if format == "vtt" else "application/x-subrip"
    cues = ((u["start"], u["end"], f"{u['channel']}: {u['text']}") for u in utterances)
    return PlainTextResponse(subtitles(cues, format), media_type=media)


@router.get("/{call_id}/adherence")
def get_adherence(call_id: str, store: StoreDep, user: UserDep) -> dict[str, Any]:
    visible_call(store.get_call(call_id), call_id, user)
    report = store.adherence(call_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id!r} has no script, so no adherence report")
    return report
