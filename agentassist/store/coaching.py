"""Coaching: clips of calls that a trainer marks (a span, a channel, a tag, a comment) and sessions built
from them for one agent or for a team, shared with that audience, who play each clip and acknowledge it.

Who may do what (the routes check the role, these functions the rows):

- a clip is made by an evaluator (scope.EVALUATOR_ROLES) on an ended call they see; it is read (its
  audio and transcript) by whoever sees its call, and by the audience of a shared session holding it,
  who get the span and nothing else of the call (:func:`readable_clip`);
- a session is made by an evaluator from clips of calls they see, for an agent or a team within their
  reach (a quality checker: anyone; a team leader or supervisor: their teams' agents and their own
  teams; whoever sees every call: anyone). It is read by its creator, by leaders whose teams hold its
  audience, by whoever sees every call, and once shared by its audience (:func:`readable_sessions`);
  changed (while a draft) and shared by its creator, a supervisor or an admin who may read it;
- each member of the audience (the agent, or each agent of the team) acknowledges each clip of a
  shared session, once.

A clip goes with its call: the foreign keys cascade (migration 0013), and :func:`delete_call_clips`
removes a call's clips, their places in sessions and their acknowledgements explicitly, for whatever
deletes calls. Functions raise the errors of scoring.py: ``FieldError`` naming a body field,
``NotFoundError``, ``ForbiddenError``, ``ConflictError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import ColumnElement, and_, delete, false, or_, select, true
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # pydantic reads it (the API's schema) on Python 3.11

from agentassist.store.database import Database
from agentassist.store.dates import iso, seconds_between
from agentassist.store.models import CallRow, CoachingAckRow, CoachingClipRow, CoachingItemRow, CoachingSessionRow
from agentassist.store.scope import (
    EVALUATOR_ROLES,
    LEADER_ROLES,
    UserRecord,
    can_see_call,
    sees_all,
    team_agents,
    visible_calls,
)
from agentassist.store.scoring import ConflictError, FieldError, ForbiddenError, NotFoundError
from agentassist.store.transcripts import TranscriptLine, transcript

CHANNELS = ("agent", "customer", "both")
MAX_CLIP_S = 600.0  # a clip is a moment to learn from; its WAV is built in memory (10 min stereo 16 kHz: 38 MB)
END_SLACK_S = 1.0  # a clip may end this far past the call's end: the recording runs a little longer
EDITORS = ("supervisor", "admin")  # besides a session's creator


class ClipJson(TypedDict):
    """A clip as the API answers it (agentassist.api.coaching.ClipOut: the descriptions go to its schema)."""

    id: int
    call_id: Annotated[
        str | None, Field(description="null for a viewer who does not see the call (a session's audience)")
    ]
    agent: Annotated[str | None, Field(description="whose call; null as call_id")]
    start: float  # seconds from the call's start
    end: float
    duration_s: float
    channel: str
    tag: str
    comment: str
    created_by: str
    created_at: str


@dataclass(frozen=True, slots=True)
class ClipRecord:
    """What the clip routes need of a clip to serve it."""

    id: int
    call_id: str
    start_s: float
    end_s: float
    channel: str


# ---- clips ------------------------------------------------------------------------------------------


def create_clip(
    db: Database, user: UserRecord, call_id: str, start_s: float, end_s: float, channel: str, tag: str, comment: str
) -> ClipJson:
    with db.session() as s:
        call = s.get(CallRow, call_id)
        if call is None:
            raise NotFoundError(f"no call with id {call_id!r}")
        status, duration = call.status, _duration(call)
    if not can_see_call(db, user, call_id):
        raise ForbiddenError(f"call {call_id!r} is outside what a {user.role} may see")
    if status not in ("ended", "failed"):
        raise ConflictError(f"call {call_id!r} is {status}: expected an ended call")
    if channel not in CHANNELS:
        raise FieldError("channel", f"expected one of {', '.join(CHANNELS)}, got {channel!r}")
    if not 0 <= start_s < end_s:
        raise FieldError("end", f"expected 0 <= start < end, got start {start_s} s and end {end_s} s")
    if end_s - start_s > MAX_CLIP_S:
        raise FieldError("end", f"expected a clip of at most {MAX_CLIP_S:.0f} s, got {end_s - start_s:.1f} s")
    if duration is not None and end_s > duration + END_SLACK_S:
        raise FieldError("end", f"expected an end within the call's {duration:.1f} s, got {end_s} s")
    with db.session.begin() as s:
        row = CoachingClipRow(
            call_id=call_id, start_s=start_s, end_s=end_s, channel=channel, tag=tag.strip(), comment=comment,
            created_by=user.name, created_at=datetime.now(UTC),
        )  # fmt: skip
        s.add(row)
        s.flush()
        return clip_json(row, call.agent, visible=True)


def clips(db: Database, user: UserRecord, call_id: str | None = None, limit: int = 500) -> list[ClipJson]:
    """The clips of the calls ``user`` sees: of one call in the order of the call, else newest first."""
    stmt = (
        select(CoachingClipRow, CallRow.agent)
        .join(CallRow, CallRow.id == CoachingClipRow.call_id)
        .where(visible_calls(user))
    )
    if call_id is not None:
        stmt = stmt.where(CoachingClipRow.call_id == call_id).order_by(CoachingClipRow.start_s, CoachingClipRow.id)
    else:
        stmt = stmt.order_by(CoachingClipRow.id.desc())
    with db.session() as s:
        return [clip_json(row, agent, visible=True) for row, agent in s.execute(stmt.limit(limit))]


def delete_clip(db: Database, user: UserRecord, clip_id: int) -> None:
    """Its trainer, or a supervisor or admin who sees its call, deletes a clip; it leaves every session."""
    record = readable_clip(db, user, clip_id)
    with db.session() as s:
        made_by = s.get_one(CoachingClipRow, clip_id).created_by
    if made_by != user.name and not (user.role in EDITORS and can_see_call(db, user, record.call_id)):
        raise ForbiddenError(f"only the trainer who made clip {clip_id}, a supervisor or an admin may delete it")
    with db.session.begin() as s:
        _delete_clips(s, [clip_id])


def readable_clip(db: Database, user: UserRecord, clip_id: int) -> ClipRecord:
    """The clip, when ``user`` sees its call or is in the audience of a shared session holding it."""
    with db.session() as s:
        row = s.get(CoachingClipRow, clip_id)
        if row is None:
            raise NotFoundError(f"no clip with id {clip_id}")
        record = ClipRecord(row.id, row.call_id, row.start_s, row.end_s, row.channel)
        held = (
            select(CoachingItemRow.session_id)
            .join(CoachingSessionRow, CoachingSessionRow.id == CoachingItemRow.session_id)
            .where(CoachingItemRow.clip_id == clip_id, _audience(user))
        )
        shown = s.scalar(held.limit(1)) is not None
    if not shown and not can_see_call(db, user, record.call_id):
        raise ForbiddenError(f"clip {clip_id} is outside what {user.name} may see")
    return record


def clip_transcript(db: Database, clip: ClipRecord) -> list[dict[str, Any]]:
    return clip_lines(transcript(db, clip.call_id), clip.start_s, clip.end_s, clip.channel)


def clip_lines(lines: Iterable[TranscriptLine], start_s: float, end_s: float, channel: str) -> list[dict[str, Any]]:
    """What was said inside the span on the clip's channel(s), in seconds from the clip's start: a line
    wholly inside as it is; a line across an edge only with its words inside (none, when it has no word
    timings). Nothing names the call (utterance ids may)."""
    out: list[dict[str, Any]] = []
    for u in lines:
        if (channel != "both" and u["channel"] != channel) or u["end"] <= start_s or u["start"] >= end_s:
            continue
        words = [w for w in u["words"] if start_s <= w.get("start", -math.inf) and w.get("end", math.inf) <= end_s]
        inside = start_s <= u["start"] and u["end"] <= end_s
        if not inside and not words:
            continue
        text = u["text"] if inside else " ".join(str(w.get("word", "")).strip() for w in words)
        shifted = [{**w, "start": round(w["start"] - start_s, 3), "end": round(w["end"] - start_s, 3)} for w in words]
        begin, finish = max(u["start"], start_s), min(u["end"], end_s)
        out.append(
            {"channel": u["channel"], "start": round(begin - start_s, 3), "end": round(finish - start_s, 3),
             "text": text, "words": shifted}
        )  # fmt: skip
    return out


def delete_call_clips(db: Database, call_ids: Sequence[str]) -> int:
    """Remove the clips of these calls, their places in sessions and their acknowledgements (what the
    foreign keys' cascade does too); the number of clips removed."""
    with db.session.begin() as s:
        ids = list(s.scalars(select(CoachingClipRow.id).where(CoachingClipRow.call_id.in_(call_ids))))
        _delete_clips(s, ids)
        return len(ids)


def _delete_clips(s: Session, clip_ids: Sequence[int]) -> None:
    for table in (CoachingAckRow, CoachingItemRow):
        s.execute(delete(table).where(table.clip_id.in_(clip_ids)))
    s.execute(delete(CoachingClipRow).where(CoachingClipRow.id.in_(clip_ids)))


def _duration(call: CallRow) -> float | None:
    return None if call.ended_at is None else seconds_between(call.started_at, call.ended_at)


def clip_json(row: CoachingClipRow, agent: str, visible: bool) -> ClipJson:
    return {
        "id": row.id,
        "call_id": row.call_id if visible else None,
        "agent": agent if visible else None,
        "start": round(row.start_s, 3),
        "end": round(row.end_s, 3),
        "duration_s": round(row.end_s - row.start_s, 3),
        "channel": row.channel,
        "tag": row.tag,
        "comment": row.comment,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
    }


# ---- who reads sessions ---------------------------------------------------------------------------------


def _audience(user: UserRecord) -> ColumnElement[bool]:
    """Shared sessions for ``user``: for them by name, or, for an agent, for a team they are a member of
    (a team's audience is its agents, not its leader)."""
    team = CoachingSessionRow.team.in_(user.teams) if user.role == "agent" else false()
    return and_(CoachingSessionRow.status == "shared", or_(CoachingSessionRow.agent == user.name, team))


def readable_sessions(user: UserRecord) -> ColumnElement[bool]:
    """Which sessions ``user`` may read (see the module docstring), as a condition on the session row."""
    if sees_all(user):
        return true()
    made = CoachingSessionRow.created_by == user.name if user.role in EVALUATOR_ROLES else false()
    led: ColumnElement[bool] = false()
    if user.role in LEADER_ROLES:
        led = or_(CoachingSessionRow.agent.in_(team_agents(user)), CoachingSessionRow.team.in_(user.teams))
    return or_(_audience(user), made, led)


def in_audience(row: CoachingSessionRow, user: UserRecord) -> bool:
    team = user.role == "agent" and row.team in user.teams
    return row.status == "shared" and (row.agent == user.name or team)
