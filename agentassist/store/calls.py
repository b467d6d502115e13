"""Calls: their rows from dialing or answer to hangup, and the list the API pages through (filters,
text search, a cursor). Which calls a user sees is scope.py's :func:`~agentassist.store.scope.visible_calls`."""

from __future__ import annotations

import base64
import json
import re
import wave
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Float, func, or_, select, text, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentassist.store.call_details import Details, details
from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.models import CallAlertRow, CallRow, UtteranceRow
from agentassist.store.scope import UserRecord, started_between, team_members, visible_calls


class CallJson(Details):
    """A call as the API answers it (GET /api/calls, /api/calls/{id}, the wall): its row's fields and its
    :class:`~agentassist.store.call_details.Details`."""

    id: str
    status: str
    direction: str
    remote: str
    agent: str
    campaign: str | None
    script_id: str | None
    started_at: str
    ended_at: str | None
    duration_s: float | None  # so far, while it is active
    end_reason: str | None
    adherence_score: float | None
    disposition: str | None


def create_call(
    db: Database,
    call_id: str,
    direction: str,
    remote: str,
    agent: str,
    script_id: str | None,
    started_at: datetime,
    recording_path: str,
    campaign: str | None = None,
    status: str = "active",
) -> None:
    """Insert the call's row. A placed call has one from dialing on (``status="ringing"``): its
    answer or failure brings that row up to date, and a late "ringing" write changes nothing."""
    fields = {
        "status": status,
        "direction": direction,
        "remote": remote,
        "agent": agent,
        "campaign": campaign,
        "script_id": script_id,
        "started_at": started_at,
        "recording_path": recording_path,
    }
    for attempt in range(2):  # the dialing thread and the pj thread may both insert first
        try:
            with db.session.begin() as s:
                row = s.get(CallRow, call_id)
                if row is None:
                    s.add(CallRow(id=call_id, **fields))
                elif status != "ringing":
                    for name, value in fields.items():
                        setattr(row, name, value)
            return
        except IntegrityError:
            if attempt:
                raise


def end_call(db: Database, call_id: str, ended_at: datetime, status: str = "ended", end_reason: str = "hangup") -> None:
    with db.session.begin() as s:
        row = s.get(CallRow, call_id)
        if row is not None:
            row.status, row.ended_at, row.end_reason = status, ended_at, end_reason


def close_abandoned_calls(
    db: Database, now: datetime | None = None, spare: Collection[str] = (), only: Collection[str] | None = None
) -> list[str]:
    """Calls left 'active' by a process that died: ended, reason 'abnormal', end from the recording.
    Calls left 'ringing' (placed, never answered): failed, reason 'abnormal'. ``spare``: calls left as
    they are (waiting for their phone); ``only``: these calls and no others."""
    now = now or datetime.now(UTC)
    closed: list[str] = []
    with db.session.begin() as s:
        for row in s.scalars(select(CallRow).where(CallRow.status.in_(("active", "ringing")))):
            if row.id in spare or (only is not None and row.id not in only):
                continue
            if row.status == "ringing":
                row.status, row.end_reason, row.ended_at = "failed", "abnormal", now
                closed.append(row.id)
                continue
            seconds = recording_seconds(Path(row.recording_path)) if row.recording_path else None
            started = utc(row.started_at) or now
            row.ended_at = started + timedelta(seconds=seconds) if seconds is not None else now
            row.status, row.end_reason = "ended", "abnormal"
            closed.append(row.id)
    return closed


def get_call(db: Database, call_id: str) -> CallJson | None:
    with db.session() as s:
        row = s.get(CallRow, call_id)
        return _calls_json(s, [row])[0] if row else None


def recording_path(db: Database, call_id: str) -> str | None:
    with db.session() as s:
        row = s.get(CallRow, call_id)
        return row.recording_path if row else None


def active_calls(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(CallRow.id).where(CallRow.status == "active")))


def unfinished_calls(db: Database) -> list[str]:
    """Calls 'active' or 'ringing': those close_abandoned_calls would close."""
    with db.session() as s:
        return list(s.scalars(select(CallRow.id).where(CallRow.status.in_(("active", "ringing")))))


def set_disposition(db: Database, call_id: str, disposition: str | None) -> None:
    with db.session.begin() as s:
        row = s.get(CallRow, call_id)
        if row is not None:
            row.disposition = disposition


def list_calls(
    db: Database,
    *,
    user: UserRecord | None = None,
    agent: str | None = None,
    team: str | None = None,
    campaign: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    q: str | None = None,
    min_adherence: float | None = None,
    max_adherence: float | None = None,
    min_duration_s: float | None = None,
    max_duration_s: float | None = None,
    direction: str | None = None,
    disposition: str | None = None,
    alert: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[CallJson], str | None]:
    """Newest first; ``user`` limits the list to the calls that user may see; ``cursor`` is the
    ``next`` of the previous page."""
    stmt = select(CallRow)
    if user is not None:
        stmt = stmt.where(visible_calls(user))
    if agent:
        stmt = stmt.where(CallRow.agent == agent)
    if team:
        stmt = stmt.where(CallRow.agent.in_(team_members(team)))
    if campaign:
        stmt = stmt.where(CallRow.campaign == campaign)
    if status:
        stmt = stmt.where(CallRow.status == status)
    if direction:
        stmt = stmt.where(CallRow.direction == direction)
    if disposition:
        stmt = stmt.where(CallRow.disposition == disposition)
    if alert:
        stmt = stmt.where(CallRow.id.in_(select(CallAlertRow.call_id).where(CallAlertRow.type == alert)))
    stmt = stmt.where(*started_between(from_, to))
    if min_adherence is not None:
        stmt = stmt.where(CallRow.adherence_score >= min_adherence)
    if max_adherence is not None:
        stmt = stmt.where(CallRow.adherence_score <= max_adherence)
    if min_duration_s is not None:
        stmt = stmt.where(_duration_s(db.dialect) >= min_duration_s)
    if max_duration_s is not None:
        stmt = stmt.where(_duration_s(db.dialect) <= max_duration_s)
    if q and q.strip():
        stmt = stmt.where(_text_search(db.dialect, q))
    if cursor:
        c_started, c_id = _decode_cursor(cursor)
        stmt = stmt.where(or_(CallRow.started_at < c_started, (CallRow.started_at == c_started) & (CallRow.id < c_id)))
    stmt = stmt.order_by(CallRow.started_at.desc(), CallRow.id.desc()).limit(limit + 1)
    with db.session() as s:
        rows = list(s.scalars(stmt))
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = _encode_cursor(rows[-1].started_at, rows[-1].id) if more and rows else None
        return _calls_json(s, rows), nxt


def _duration_s(dialect: str) -> ColumnElement[float]:
    """Seconds from start to end of a call (NULL while it runs), in this database's SQL."""
    if dialect == "postgresql":
        return type_coerce(func.extract("epoch", CallRow.ended_at - CallRow.started_at), Float)
    return (func.julianday(CallRow.ended_at) - func.julianday(CallRow.started_at)) * 86400.0


def _text_search(dialect: str, q: str) -> ColumnElement[bool]:
    """Calls with an utterance containing every word of ``q`` (the last one as a prefix)."""
    if dialect == "sqlite":
        words = re.findall(r"\w+", q)
        if not words:
            return CallRow.id.in_(select(UtteranceRow.call_id).where(UtteranceRow.text.contains(q.strip())))
        match = " ".join(f'"{w}"' for w in words) + "*"
        hits = text(
            "SELECT u.call_id FROM utterances u JOIN utterances_fts f ON f.rowid = u.rowid"
            " WHERE utterances_fts MATCH :match"
        ).bindparams(match=match)
        return CallRow.id.in_(hits.columns(UtteranceRow.call_id))
    if dialect == "postgresql":
        tsv = func.to_tsvector("simple", UtteranceRow.text)
        return CallRow.id.in_(select(UtteranceRow.call_id).where(tsv.bool_op("@@")(func.plainto_tsquery("simple", q))))
    return CallRow.id.in_(select(UtteranceRow.call_id).where(UtteranceRow.text.ilike(f"%{q}%")))


def _calls_json(s: Session, rows: Sequence[CallRow]) -> list[CallJson]:
    """The rows with their details (:func:`~agentassist.store.call_details.details`)."""
    more = details(s, [row.id for row in rows])
    out: list[CallJson] = []
    for row in rows:
        started, ended = utc(row.started_at), utc(row.ended_at)
        duration = (ended - started).total_seconds() if started and ended else None
        if duration is None and started and row.status == "active":
            duration = (datetime.now(UTC) - started).total_seconds()
        out.append(
            {
                "id": row.id,
                "status": row.status,
                "direction": row.direction,
                "remote": row.remote,
                "agent": row.agent,
                "campaign": row.campaign,
                "script_id": row.script_id,
                "started_at": iso(started),
                "ended_at": iso(ended),
                "duration_s": round(duration, 3) if duration is not None else None,
                "end_reason": row.end_reason,
                "adherence_score": row.adherence_score,
                "disposition": row.disposition,
                **more[row.id],
            }
        )
    return out


def _encode_cursor(started_at: datetime, call_id: str) -> str:
    raw = json.dumps([iso(started_at), call_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        iso, call_id = json.loads(raw)
        return datetime.fromisoformat(iso.replace("Z", "+00:00")), str(call_id)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def recording_seconds(path: Path) -> float | None:
    """Duration of a stereo 16-bit recording from its size (the header may be stale after a crash)."""
    try:
        with wave.open(str(path)) as w:
            rate, channels = w.getframerate(), w.getnchannels()
    except (OSError, wave.Error, EOFError):
        return None
    return float(max(0, path.stat().st_size - 44) / (2 * channels) / rate)
