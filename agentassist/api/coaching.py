"""Coaching: trainers clip spans of calls (a start, an end, a channel, a tag, a comment) and build
sessions of clips, in order with their notes, for one agent or a team; the audience plays each clip
and acknowledges it.

A clip's own routes serve its span alone: its audio (a WAV of the span: api/clipmedia.py) and the
lines said inside it. The audience of a shared session reads its clips through them and nothing else
of the calls: the call's routes still answer 403 to a viewer outside its scope. Each read of a clip's
audio or transcript is written to the audit log, as a recording's is. Who may do what:
store/coaching.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentassist.api.calls import LinkOut, _media_user, media_link
from agentassist.api.clipmedia import ClipSpan, clip_response
from agentassist.api.deps import ID_MAX, RecordingsDep, RowId, StoreDep, UserDep, answering, require
from agentassist.store.coaching import MAX_CLIP_S, ClipJson, ClipRecord
from agentassist.store.coachsessions import AckJson, SessionJson
from agentassist.store.db import Store, UserRecord
from agentassist.store.scope import EVALUATOR_ROLES

router = APIRouter(prefix="/api/coaching", tags=["coaching"])

Trainer = Annotated[UserRecord, require(*EVALUATOR_ROLES)]
ClipId = Annotated[int, Field(ge=1, le=ID_MAX)]
SIGNED_LINK = {
    "parameters": [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
        for n, d in (("uid", "signed link: user"), ("exp", "signed link: expiry"), ("sig", "signed link"))
    ]
}


class ClipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(min_length=1, max_length=64)
    start: float = Field(ge=0, description="seconds from the call's start")
    end: float = Field(gt=0, description=f"seconds from the call's start; at most {MAX_CLIP_S:.0f} s after start")
    channel: Literal["agent", "customer", "both"] = Field("both", description="whose voice the clip plays")
    tag: str = Field(min_length=1, max_length=100, description="e.g. 'objection handled well'")
    comment: str = Field("", max_length=4000)


# The store's shapes under the names the OpenAPI document has always given them (clients generate code
# from it): one definition of each field, in agentassist/store/. No docstring: it would be the schema's.
class ClipOut(ClipJson):
    pass


class AckOut(AckJson):
    pass


class SessionClipOut(ClipOut):
    position: int
    acks: Annotated[list[AckOut], Field(description="who acknowledged it, when (the audience sees their own only)")]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=200)
    agent: str | None = Field(None, min_length=1, max_length=200, description="for one agent (user name)")
    team: str | None = Field(None, min_length=1, max_length=200, description="or for every member of a team")
    notes: str = Field("", max_length=20000, description="the trainer's notes")
    clip_ids: list[ClipId] = Field(default_factory=list, max_length=100, description="the clips, in order")


class SessionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=20000)
    clip_ids: list[ClipId] | None = Field(None, max_length=100, description="every clip, in the new order")


class SessionOut(BaseModel):
    id: int
    title: str
    agent: str | None
    team: str | None
    members: list[str] = Field(description="the audience: the agent, or the team's members")
    notes: str
    status: Literal["draft", "shared"]
    clips: list[SessionClipOut]
    progress: dict[str, int] = Field(description="acknowledged of expected (the audience: their own)")
    created_by: str
    created_at: str
    updated_at: str
    shared_at: str | None


class TranscriptOut(BaseModel):
    utterances: list[dict[str, Any]] = Field(
        description="the lines said inside the span on the clip's channel: channel, start, end (seconds from the"
        " clip's start), text, words"
    )


# ---- clips ------------------------------------------------------------------------------------------------


@router.post("/clips", response_model=ClipOut, status_code=status.HTTP_201_CREATED)
def create_clip(body: ClipIn, store: StoreDep, user: Trainer) -> ClipJson:
    with answering():
        clip = store.create_clip(user, body.call_id, body.start, body.end, body.channel, body.tag, body.comment)
    store.audit(user, "clip", body.call_id, f"clip {clip['id']} made ({body.start}-{body.end} s)")
    return clip


@router.get("/clips", response_model=list[ClipOut])
def list_clips(
    store: StoreDep,
    user: Trainer,
    call_id: Annotated[str | None, Query(min_length=1, max_length=64, description="the clips of this call")] = None,
) -> list[ClipJson]:
    """The clips of the calls I see: of one call in its order, else newest first (at most 500)."""
    return store.clips(user, call_id)


@router.delete("/clips/{clip_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_clip(clip_id: RowId, store: StoreDep, user: Trainer) -> Response:
    with answering():
        store.delete_clip(user, clip_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _clip(store: Store, user: UserRecord, clip_id: int) -> ClipRecord:
    with answering():
        return store.readable_clip(user, clip_id)


@router.post("/clips/{clip_id}/audio/link", response_model=LinkOut)
def clip_audio_link(clip_id: RowId, request: Request, store: StoreDep, user: UserDep) -> dict[str, Any]:
    """A URL of the clip's audio that works without a header, for this user, for 5 minutes (``<audio src>``)."""
    _clip(store, user, clip_id)
    return media_link(request, user)


@router.get(
    "/clips/{clip_id}/audio", response_model=None, responses={206: {}, 304: {}, 416: {}}, openapi_extra=SIGNED_LINK
)
def clip_audio(
    clip_id: RowId,
    request: Request,
    store: StoreDep,
    recordings: RecordingsDep,
    user: Annotated[UserRecord, Depends(_media_user)],
) -> Response:
    """The span alone, as a WAV (mono for one channel, stereo for both); Range (206, 416), ETag (304)."""
    clip = _clip(store, user, clip_id)
    span = ClipSpan(clip.id, clip.call_id, clip.start_s, clip.end_s, clip.channel)
    response = clip_response(request, recordings, span)
    store.audit(user, "clip", clip.call_id, f"clip {clip.id} {request.headers.get('range', '')}".rstrip())
    return response


@router.get("/clips/{clip_id}/transcript", response_model=TranscriptOut)
def clip_transcript(clip_id: RowId, store: StoreDep, user: UserDep) -> dict[str, Any]:
    clip = _clip(store, user, clip_id)
    lines = store.clip_transcript(clip)
    store.audit(user, "clip_transcript", clip.call_id, f"clip {clip.id}")
    return {"utterances": lines}


# ---- sessions -----------------------------------------------------------------------------------------------


@router.post("/sessions", response_model=SessionOut, status_code=status.HTTP_201_CREATED)
def create_session(body: SessionIn, store: StoreDep, user: Trainer) -> SessionJson:
    with answering():
        return store.create_coaching(user, body.title, body.agent, body.team, body.notes, body.clip_ids)


@router.get("/sessions", response_model=list[SessionOut])
def list_sessions(store: StoreDep, user: UserDep) -> list[SessionJson]:
    """The sessions I may read, newest first: mine as a trainer, my teams' as a leader, those shared with me."""
    return store.coaching_sessions(user)


@router.get("/sessions/{session_id}", response_model=SessionOut)
def get_session(session_id: RowId, store: StoreDep, user: UserDep) -> SessionJson:
    with answering():
        return store.coaching_session(user, session_id)


@router.put("/sessions/{session_id}", response_model=SessionOut)
def change_session(session_id: RowId, body: SessionChange, store: StoreDep, user: Trainer) -> SessionJson:
    """A draft's title, notes or clips; 409 once shared."""
    with answering():
        return store.update_coaching(user, session_id, body.title, body.notes, body.clip_ids)


@router.post("/sessions/{session_id}/share", response_model=SessionOut)
def share_session(session_id: RowId, store: StoreDep, user: Trainer) -> SessionJson:
    """The audience sees it from now on; it no longer changes."""
    with answering():
        session = store.share_coaching(user, session_id)
    store.audit(user, "coaching", detail=f"coaching session {session_id} shared")
    return session


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: RowId, store: StoreDep, user: Trainer) -> Response:
    """A draft or a shared session, with its acknowledgements; its clips stay."""
    with answering():
        store.delete_coaching(user, session_id)
    store.audit(user, "coaching", detail=f"coaching session {session_id} deleted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sessions/{session_id}/clips/{clip_id}/acknowledge", response_model=AckOut)
def acknowledge_clip(session_id: RowId, clip_id: RowId, store: StoreDep, user: UserDep) -> AckJson:
    """I (of the session's audience) have played and understood this clip; again: the first time stays."""
    with answering():
        return store.acknowledge_clip(user, session_id, clip_id)
