"""Coaching sessions: a trainer's clips in order with notes, for one agent or a team, a draft until
shared; the audience acknowledges each clip. Who may do what: store/coaching.py's docstring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # pydantic reads AckJson (the API's AckOut) on Python 3.11

from agentassist.store.coaching import EDITORS, ClipJson, clip_json, in_audience, readable_sessions
from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import (
    CallRow,
    CoachingAckRow,
    CoachingClipRow,
    CoachingItemRow,
    CoachingSessionRow,
    TeamRow,
    UserRow,
)
from agentassist.store.scope import (
    EVALUATOR_ROLES,
    LEADER_ROLES,
    UserRecord,
    sees_agent,
    sees_all,
    team_members,
    visible_calls,
)
from agentassist.store.scoring import ConflictError, FieldError, ForbiddenError, NotFoundError


class AckJson(TypedDict):
    user: str
    at: str


class SessionClipJson(ClipJson):
    position: int
    acks: list[AckJson]


class SessionJson(TypedDict):
    id: int
    title: str
    agent: str | None
    team: str | None
    members: list[str]  # the audience: the agent, or the team's members now
    notes: str
    status: str  # draft | shared
    clips: list[SessionClipJson]
    progress: dict[str, int]  # acknowledged, expected: clips x members (the audience: their own, of the clips)
    created_by: str
    created_at: str
    updated_at: str
    shared_at: str | None


def create_session(
    db: Database,
    user: UserRecord,
    title: str,
    agent: str | None,
    team: str | None,
    notes: str,
    clip_ids: Sequence[int],
) -> SessionJson:
    _check_audience(db, user, agent, team)
    now = datetime.now(UTC)
    with db.session.begin() as s:
        _check_clips(s, user, clip_ids)
        row = CoachingSessionRow(
            title=title, agent=agent, team=team, notes=notes, status="draft", created_by=user.name,
            created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(row)
        s.flush()
        s.add_all(CoachingItemRow(session_id=row.id, clip_id=c, position=i) for i, c in enumerate(clip_ids))
        s.flush()
        return _session_json(s, row, user)


def update_session(
    db: Database,
    user: UserRecord,
    session_id: int,
    title: str | None = None,
    notes: str | None = None,
    clip_ids: Sequence[int] | None = None,
) -> SessionJson:
    """Change a draft: its title, notes, or clips (all of them, in their new order)."""
    with db.session.begin() as s:
        row = _editable(s, user, session_id)
        if title is not None:
            row.title = title
        if notes is not None:
            row.notes = notes
        if clip_ids is not None:
            _check_clips(s, user, clip_ids)
            s.execute(delete(CoachingItemRow).where(CoachingItemRow.session_id == row.id))
            s.add_all(CoachingItemRow(session_id=row.id, clip_id=c, position=i) for i, c in enumerate(clip_ids))
        row.updated_at = datetime.now(UTC)
        s.flush()
        return _session_json(s, row, user)


def share_session(db: Database, user: UserRecord, session_id: int) -> SessionJson:
    with db.session.begin() as s:
        row = _editable(s, user, session_id)
        if s.scalar(select(CoachingItemRow.clip_id).where(CoachingItemRow.session_id == row.id).limit(1)) is None:
            raise ConflictError(f"coaching session {session_id} has no clips: expected at least one to share")
        row.status, row.shared_at = "shared", datetime.now(UTC)
        row.updated_at = row.shared_at
        return _session_json(s, row, user)


def delete_session(db: Database, user: UserRecord, session_id: int) -> None:
    """Its creator, a supervisor or an admin removes a session (a draft, or a shared one with its
    acknowledgements); its clips stay."""
    with db.session.begin() as s:
        row = _editable(s, user, session_id, drafts_only=False)
        for table in (CoachingAckRow, CoachingItemRow):
            s.execute(delete(table).where(table.session_id == row.id))
        s.delete(row)


def sessions(db: Database, user: UserRecord) -> list[SessionJson]:
    """The sessions ``user`` may read, newest first."""
    stmt = select(CoachingSessionRow).where(readable_sessions(user)).order_by(CoachingSessionRow.id.desc())
    with db.session() as s:
        return [_session_json(s, row, user) for row in s.scalars(stmt.limit(200))]


def session(db: Database, user: UserRecord, session_id: int) -> SessionJson:
    with db.session() as s:
        return _session_json(s, _readable(s, user, session_id), user)


def acknowledge(db: Database, user: UserRecord, session_id: int, clip_id: int) -> AckJson:
    """``user``, of the audience of the shared session, has seen clip ``clip_id``; acknowledging it again
    keeps the first time."""
    with db.session.begin() as s:
        row = s.get(CoachingSessionRow, session_id)
        if row is None:
            raise NotFoundError(f"no coaching session with id {session_id}")
        if not in_audience(row, user):
            raise ForbiddenError(
                f"only the audience of coaching session {session_id} acknowledges its clips, once shared"
            )
        if s.get(CoachingItemRow, (session_id, clip_id)) is None:
            raise NotFoundError(f"clip {clip_id} is not in coaching session {session_id}")
        ack = s.get(CoachingAckRow, (session_id, clip_id, user.id))
        if ack is None:
            ack = CoachingAckRow(session_id=session_id, clip_id=clip_id, user_id=user.id, at=datetime.now(UTC))
            s.add(ack)
        return {"user": user.name, "at": iso(ack.at)}


def _check_audience(db: Database, user: UserRecord, agent: str | None, team: str | None) -> None:
    if (agent is None) == (team is None):
        raise FieldError("agent", "expected an agent or a team (one of them), got " + ("both" if agent else "neither"))
    with db.session() as s:
        if agent is not None:
            if s.scalar(select(UserRow.id).where(UserRow.name == agent, UserRow.deleted_at.is_(None))) is None:
                raise FieldError("agent", f"no user named {agent!r}")
        elif s.scalar(select(TeamRow.id).where(TeamRow.name == team)) is None:
            raise FieldError("team", f"no team named {team!r}")
    if sees_all(user) or user.role == "quality_checker":
        return
    if agent is not None and user.role in LEADER_ROLES and sees_agent(db, user, agent):
        return
    if team is not None and user.role in LEADER_ROLES and team in user.teams:
        return
    raise ForbiddenError(f"{agent or team!r} is outside {user.name}'s teams")


def _check_clips(s: Session, user: UserRecord, clip_ids: Sequence[int]) -> None:
    """Each clip exists, once, and is of a call ``user`` sees."""
    seen: dict[int, int] = {}
    for i, clip_id in enumerate(clip_ids):
        if clip_id in seen:
            raise FieldError(f"clip_ids.{i}", f"clip {clip_id} is listed twice (also at clip_ids.{seen[clip_id]})")
        seen[clip_id] = i
        clip = s.get(CoachingClipRow, clip_id)
        if clip is None:
            raise FieldError(f"clip_ids.{i}", f"no clip with id {clip_id}")
        if s.scalar(select(CallRow.id).where(CallRow.id == clip.call_id, visible_calls(user))) is None:
            raise ForbiddenError(f"clip {clip_id} is outside what a {user.role} may see")


def _readable(s: Session, user: UserRecord, session_id: int) -> CoachingSessionRow:
    row = s.get(CoachingSessionRow, session_id)
    if row is None:
        raise NotFoundError(f"no coaching session with id {session_id}")
    readable = select(CoachingSessionRow.id).where(CoachingSessionRow.id == session_id, readable_sessions(user))
    if s.scalar(readable) is None:
        raise ForbiddenError(f"coaching session {session_id} is outside what {user.name} may see")
    return row


def _editable(s: Session, user: UserRecord, session_id: int, drafts_only: bool = True) -> CoachingSessionRow:
    row = _readable(s, user, session_id)
    if row.created_by != user.name and user.role not in EDITORS:
        raise ForbiddenError(
            f"only the creator of coaching session {session_id}, a supervisor or an admin may change it"
        )
    if drafts_only and row.status != "draft":
        raise ConflictError(f"coaching session {session_id} is {row.status}: expected a draft")
    return row


def _team_agents(s: Session, team: str) -> list[str]:
    """A team session's audience: the team's agents now (not its leader)."""
    stmt = team_members(team).where(UserRow.role == "agent", UserRow.deleted_at.is_(None)).order_by(UserRow.name)
    return list(s.scalars(stmt))


def _session_json(s: Session, row: CoachingSessionRow, user: UserRecord) -> SessionJson:
    items = s.execute(
        select(CoachingItemRow.position, CoachingClipRow, CallRow.agent)
        .join(CoachingClipRow, CoachingClipRow.id == CoachingItemRow.clip_id)
        .join(CallRow, CallRow.id == CoachingClipRow.call_id)
        .where(CoachingItemRow.session_id == row.id)
        .order_by(CoachingItemRow.position)
    ).all()
    call_ids = {clip.call_id for _, clip, _ in items}
    seen = set(s.scalars(select(CallRow.id).where(CallRow.id.in_(call_ids), visible_calls(user))))
    acks: dict[int, list[AckJson]] = {}
    everyone = user.role in EVALUATOR_ROLES  # the audience sees their own acknowledgements only
    for ack, name in s.execute(
        select(CoachingAckRow, UserRow.name)
        .join(UserRow, UserRow.id == CoachingAckRow.user_id)
        .where(CoachingAckRow.session_id == row.id)
        .order_by(CoachingAckRow.at)
    ):
        if everyone or ack.user_id == user.id:
            acks.setdefault(ack.clip_id, []).append({"user": name, "at": iso(ack.at)})
    members = [row.agent] if row.agent is not None else _team_agents(s, row.team or "")
    clips = [
        cast(
            SessionClipJson,
            {**clip_json(clip, agent, clip.call_id in seen), "position": pos, "acks": acks.get(clip.id, [])},
        )
        for pos, clip, agent in items
    ]
    if everyone:
        done = sum(1 for c in clips for a in c["acks"] if a["user"] in members)
        expected = len(clips) * len(members)
    else:  # the audience: their own
        done, expected = sum(1 for c in clips if c["acks"]), len(clips)
    return {
        "id": row.id,
        "title": row.title,
        "agent": row.agent,
        "team": row.team,
        "members": members,
        "notes": row.notes,
        "status": row.status,
        "clips": clips,
        "progress": {"acknowledged": done, "expected": expected},
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "shared_at": iso(row.shared_at),
    }
