"""The database: calls, utterances and adherence reports (SQLAlchemy 2); accounts in accounts.py, quality
checking in quality.py and distribution.py.

SQLite under ``data_dir`` by default (WAL, usable from several threads);
PostgreSQL through ``[server] database_url``. Every method opens its own
session, so the Store is safe to share between the pipeline threads and the API.
The schema is made and upgraded by the Alembic migrations shipped in
``migrations/`` (:meth:`Store.migrate`, run at every start).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import (
    ColumnElement,
    Float,
    create_engine,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from agentassist.events import Utterance
from agentassist.store.accounts import UserRecord
from agentassist.store.distribution import DistributionMixin
from agentassist.store.models import (
    ROLES,
    AdherenceRow,
    Base,
    CallAlertRow,
    CallDigitRow,
    CallMediaRow,
    CallRow,
    CallSpanRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    UtteranceRow,
)
from agentassist.store.passwords import PasswordPool
from agentassist.store.quality import QualityMixin
from agentassist.store.reports import ReportsMixin

__all__ = ["ROLES", "Base", "Store", "UserRecord", "recording_seconds"]

log = logging.getLogger(__name__)

SPAN_KINDS = ("pause", "hold", "mute")


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    d = _utc(dt)
    return d.isoformat().replace("+00:00", "Z") if d else None


def _call_json(row: CallRow) -> dict[str, Any]:
    started, ended = _utc(row.started_at), _utc(row.ended_at)
    duration = (ended - started).total_seconds() if started and ended else None
    if duration is None and started and row.status == "active":
        duration = (datetime.now(UTC) - started).total_seconds()
    return {
        "id": row.id,
        "status": row.status,
        "direction": row.direction,
        "remote": row.remote,
        "agent": row.agent,
        "campaign": row.campaign,
        "script_id": row.script_id,
        "started_at": _iso(started),
        "ended_at": _iso(ended),
        "duration_s": round(duration, 3) if duration is not None else None,
        "end_reason": row.end_reason,
        "adherence_score": row.adherence_score,
        "disposition": row.disposition,
    }


def _encode_cursor(started_at: datetime, call_id: str) -> str:
    raw = json.dumps([_iso(started_at), call_id]).encode()
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


MIGRATIONS = Path(__file__).parent / "migrations"
BASE_REVISION = "0001"  # the schema create_all made before migrations existed


class Store(QualityMixin, DistributionMixin, ReportsMixin):
    """Calls, transcripts and adherence here; accounts, quality, distribution and reports in their mixins."""

    def __init__(self, database_url: str, passwords: PasswordPool | None = None) -> None:
        self.passwords = passwords or PasswordPool()
        # psycopg (3) is the PostgreSQL driver shipped with agentassist; plain URLs mean it
        for plain in ("postgresql://", "postgres://"):
            if database_url.startswith(plain):
                database_url = "postgresql+psycopg://" + database_url[len(plain) :]
        self.url = database_url
        kwargs: dict[str, Any] = {}
        if database_url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(database_url, **kwargs)
        if database_url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest revision. A database made by 0.1.0's ``create_all`` (tables
        but no ``alembic_version``) is stamped as revision 0001 first, so its data is kept."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            ttl = self.api_token_ttl
            cfg.attributes["api_token_ttl_days"] = ttl.days if ttl is not None else 0  # 0006: old tokens' expiry
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables and "calls" in tables:
                log.info("database made before migrations: stamping revision %s", BASE_REVISION)
                command.stamp(cfg, BASE_REVISION)
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def create_all(self) -> None:
        """Kept for callers of 0.1.0: the schema now comes from the migrations."""
        self.migrate()

    # ---- calls --------------------------------------------------------------------------------------

    def create_call(
        self,
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
                with self._session.begin() as s:
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

    def end_call(self, call_id: str, ended_at: datetime, status: str = "ended", end_reason: str = "hangup") -> None:
        with self._session.begin() as s:
            row = s.get(CallRow, call_id)
            if row is not None:
                row.status, row.ended_at, row.end_reason = status, ended_at, end_reason

    def close_abandoned_calls(self, now: datetime | None = None) -> list[str]:
        """Calls left 'active' by a process that died: ended, reason 'abnormal', end from the recording.
        Calls left 'ringing' (placed, never answered): failed, reason 'abnormal'."""
        now = now or datetime.now(UTC)
        closed: list[str] = []
        with self._session.begin() as s:
            for row in s.scalars(select(CallRow).where(CallRow.status.in_(("active", "ringing")))):
                if row.status == "ringing":
                    row.status, row.end_reason, row.ended_at = "failed", "abnormal", now
                    closed.append(row.id)
                    continue
                seconds = recording_seconds(Path(row.recording_path)) if row.recording_path else None
                started = _utc(row.started_at) or now
                row.ended_at = started + timedelta(seconds=seconds) if seconds is not None else now
                row.status, row.end_reason = "ended", "abnormal"
                closed.append(row.id)
        return closed

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.get(CallRow, call_id)
            return _with_details(s, [_call_json(row)])[0] if row else None

    def recording_path(self, call_id: str) -> str | None:
        with self._session() as s:
            row = s.get(CallRow, call_id)
            return row.recording_path if row else None

    def active_calls(self) -> list[str]:
        with self._session() as s:
            return list(s.scalars(select(CallRow.id).where(CallRow.status == "active")))

    def list_calls(
        self,
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
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; ``user`` limits the list to the calls that user may see; ``cursor`` is the
        ``next`` of the previous page."""
        stmt = select(CallRow)
        if user is not None:
            stmt = stmt.where(self.scope_clause(user))
        if agent:
            stmt = stmt.where(CallRow.agent == agent)
        if team:
            members = (
                select(UserRow.name)
                .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
                .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
                .where(TeamRow.name == team)
            )
            stmt = stmt.where(CallRow.agent.in_(members))
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
        if from_:
            stmt = stmt.where(CallRow.started_at >= from_)
        if to:
            stmt = stmt.where(CallRow.started_at < to)
        if min_adherence is not None:
            stmt = stmt.where(CallRow.adherence_score >= min_adherence)
        if max_adherence is not None:
            stmt = stmt.where(CallRow.adherence_score <= max_adherence)
        if min_duration_s is not None:
            stmt = stmt.where(self._duration_s() >= min_duration_s)
        if max_duration_s is not None:
            stmt = stmt.where(self._duration_s() <= max_duration_s)
        if q and q.strip():
            stmt = stmt.where(self._text_search(q))
        if cursor:
            c_started, c_id = _decode_cursor(cursor)
            stmt = stmt.where(
                or_(CallRow.started_at < c_started, (CallRow.started_at == c_started) & (CallRow.id < c_id))
            )
        stmt = stmt.order_by(CallRow.started_at.desc(), CallRow.id.desc()).limit(limit + 1)
        with self._session() as s:
            rows = list(s.scalars(stmt))
            more = len(rows) > limit
            rows = rows[:limit]
            nxt = _encode_cursor(rows[-1].started_at, rows[-1].id) if more and rows else None
            return _with_details(s, [_call_json(r) for r in rows]), nxt

    # ---- spans, digits and media facts of a call ---------------------------------------------------

    def open_span(self, call_id: str, kind: str, start_s: float, by: str = "") -> dict[str, Any]:
        """Start a pause, hold or mute; the open one of that kind if there is one already."""
        if kind not in SPAN_KINDS:
            raise ValueError(f"unknown span kind {kind!r}: expected one of {', '.join(SPAN_KINDS)}")
        with self._session.begin() as s:
            row = s.scalar(_open_span(call_id, kind))
            if row is None:
                row = CallSpanRow(call_id=call_id, kind=kind, start_s=start_s, end_s=None, by=by)
                s.add(row)
            return _span_json(row)

    def close_span(self, call_id: str, kind: str, end_s: float) -> dict[str, Any] | None:
        """End the open span of that kind; None when none is open."""
        with self._session.begin() as s:
            row = s.scalar(_open_span(call_id, kind))
            if row is None:
                return None
            row.end_s = max(end_s, row.start_s)
            return _span_json(row)

    def add_digit(self, call_id: str, t_s: float, digit: str, method: str) -> None:
        with self._session.begin() as s:
            s.add(CallDigitRow(call_id=call_id, t_s=t_s, digit=digit, method=method))

    def mask_digits(self) -> int:
        """Mask every DTMF digit stored in clear (``store_dtmf_digits`` turned off); how many were."""
        with self._session.begin() as s:
            result = s.execute(update(CallDigitRow).where(CallDigitRow.digit != "").values(digit=""))
            return int(getattr(result, "rowcount", 0) or 0)

    def save_media(self, call_id: str, data: dict[str, Any]) -> None:
        with self._session.begin() as s:
            row = s.get(CallMediaRow, call_id)
            if row is None:
                s.add(CallMediaRow(call_id=call_id, data=data))
            else:
                row.data = {**row.data, **data}

    def _duration_s(self) -> ColumnElement[float]:
        """Seconds from start to end of a call (NULL while it runs), in this database's SQL."""
        if self.dialect == "postgresql":
            return type_coerce(func.extract("epoch", CallRow.ended_at - CallRow.started_at), Float)
        return (func.julianday(CallRow.ended_at) - func.julianday(CallRow.started_at)) * 86400.0

    def _text_search(self, q: str) -> ColumnElement[bool]:
        """Calls with an utterance containing every word of ``q`` (the last one as a prefix)."""
        if self.dialect == "sqlite":
            words = re.findall(r"\w+", q)
            if not words:
                return CallRow.id.in_(select(UtteranceRow.call_id).where(UtteranceRow.text.contains(q.strip())))
            match = " ".join(f'"{w}"' for w in words) + "*"
            hits = text(
                "SELECT u.call_id FROM utterances u JOIN utterances_fts f ON f.rowid = u.rowid"
                " WHERE utterances_fts MATCH :match"
            ).bindparams(match=match)
            return CallRow.id.in_(hits.columns(UtteranceRow.call_id))
        if self.dialect == "postgresql":
            tsv = func.to_tsvector("simple", UtteranceRow.text)
            return CallRow.id.in_(
                select(UtteranceRow.call_id).where(tsv.bool_op("@@")(func.plainto_tsquery("simple", q)))
            )
        return CallRow.id.in_(select(UtteranceRow.call_id).where(UtteranceRow.text.ilike(f"%{q}%")))

    def set_disposition(self, call_id: str, disposition: str | None) -> None:
        with self._session.begin() as s:
            row = s.get(CallRow, call_id)
            if row is not None:
                row.disposition = disposition

    # ---- transcript and adherence -----------------------------------------------------------------

    def add_utterance(self, call_id: str, u: Utterance) -> None:
        with self._session.begin() as s:
            s.add(_utterance_row(call_id, u))

    def update_utterance(self, call_id: str, u: Utterance) -> None:
        """A revised final replaces the stored utterance with its id (stored anew if it is missing); a
        revision to no text (its words went to a neighbour) removes it."""
        with self._session.begin() as s:
            if u.text:
                s.merge(_utterance_row(call_id, u))
            elif (row := s.get(UtteranceRow, u.id)) is not None and row.call_id == call_id:
                s.delete(row)

    def transcript(self, call_id: str) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(UtteranceRow).where(UtteranceRow.call_id == call_id).order_by(UtteranceRow.start_s))
            return [
                {
                    "id": r.id,
                    "channel": r.channel,
                    "start": round(r.start_s, 3),
                    "end": round(r.end_s, 3),
                    "text": r.text,
                    "words": r.words,
                    "language": r.language,
                    "confidence": round(r.confidence, 3),
                }
                for r in rows
            ]

    def save_adherence(self, call_id: str, report: dict[str, Any]) -> None:
        with self._session.begin() as s:
            row = s.get(AdherenceRow, call_id)
            if row is None:
                s.add(AdherenceRow(call_id=call_id, report=report, updated_at=datetime.now(UTC)))
            else:
                row.report, row.updated_at = report, datetime.now(UTC)
            call = s.get(CallRow, call_id)
            if call is not None:
                call.adherence_score = report.get("score")
            counts: dict[str, int] = {}
            for alert in report.get("alerts", []):
                kind = str(alert.get("type"))
                counts[kind] = counts.get(kind, 0) + 1
            s.execute(delete(CallAlertRow).where(CallAlertRow.call_id == call_id))
            s.add_all(CallAlertRow(call_id=call_id, type=k, count=n) for k, n in counts.items())

    def adherence(self, call_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.get(AdherenceRow, call_id)
            return dict(row.report) if row else None


def _utterance_row(call_id: str, u: Utterance) -> UtteranceRow:
    return UtteranceRow(
        id=u.id,
        call_id=call_id,
        channel=u.channel.value,
        start_s=u.start_s,
        end_s=u.end_s,
        text=u.text,
        words=[w.to_json() for w in u.words],
        language=u.language,
        confidence=u.confidence,
    )


def _open_span(call_id: str, kind: str) -> Any:
    return select(CallSpanRow).where(
        CallSpanRow.call_id == call_id, CallSpanRow.kind == kind, CallSpanRow.end_s.is_(None)
    )


def _span_json(row: CallSpanRow) -> dict[str, Any]:
    end = round(row.end_s, 3) if row.end_s is not None else None
    return {"start": round(row.start_s, 3), "end": end, "by": row.by}


def _with_details(s: Any, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each call's pauses, holds, mutes, DTMF digits and media facts (one query per table)."""
    ids = [c["id"] for c in calls]
    for c in calls:
        c.update({"pauses": [], "holds": [], "mutes": [], "dtmf": [], "media": None})
    if not ids:
        return calls
    by_id = {c["id"]: c for c in calls}
    spans = select(CallSpanRow).where(CallSpanRow.call_id.in_(ids)).order_by(CallSpanRow.start_s, CallSpanRow.id)
    for span in s.scalars(spans):
        by_id[span.call_id][span.kind + "s"].append(_span_json(span))
    digits = select(CallDigitRow).where(CallDigitRow.call_id.in_(ids)).order_by(CallDigitRow.t_s, CallDigitRow.id)
    for d in s.scalars(digits):
        # "": a digit stored masked ([recorder] store_dtmf_digits = false, the default)
        digit = {"t": round(d.t_s, 3), "digit": d.digit or None, "method": d.method, "masked": not d.digit}
        by_id[d.call_id]["dtmf"].append(digit)
    for m in s.scalars(select(CallMediaRow).where(CallMediaRow.call_id.in_(ids))):
        by_id[m.call_id]["media"] = dict(m.data)
    return calls


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
