"""The database tables (SQLAlchemy 2 declarative rows).

The schema is owned by the Alembic migrations in ``migrations/``; these classes
must describe the same tables (tests/test_store_migrations.py compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from agentassist.store.roles import ROLES as ROLES  # defined apart: the CLI's parser names them without SQLAlchemy


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the API token
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # None: never
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # sees every team's calls (supervisors and team leaders only; an admin always does): migration 0005
    all_teams: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the pages' language (en, ru, uk, pl); None: the browser's (migration 0011)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)


class TeamRow(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class TeamMemberRow(Base):
    """Agents and team leaders belong to a team; supervisors and checkers may belong to several."""

    __tablename__ = "team_members"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)


class SessionTokenRow(Base):
    """Tokens issued by password login (API tokens stay in ``users.token_hash``)."""

    __tablename__ = "session_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_name: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class CallRow(Base):
    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    remote: Mapped[str] = mapped_column(String(400), default="")
    agent: Mapped[str] = mapped_column(String(200), default="", index=True)
    campaign: Mapped[str | None] = mapped_column(String(200), nullable=True)
    script_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recording_path: Mapped[str] = mapped_column(Text, default="")
    adherence_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A redaction span was stored that the start's sweep has not yet found silenced in the recording
    # (agentassist.pipeline.unsilenced): the sweep looks at these calls only. Migration 0015.
    spans_unchecked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)


class CallAlertRow(Base):
    """One row per alert type raised in a call (from the adherence report), for filtering."""

    __tablename__ = "call_alerts"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    type: Mapped[str] = mapped_column(String(60), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)


class UtteranceRow(Base):
    __tablename__ = "utterances"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(16), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (Index("ix_utterances_call_start", "call_id", "start_s"),)


class AdherenceRow(Base):
    __tablename__ = "adherence"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssignmentRow(Base):
    """A call given to a quality checker to score."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("call_id", "checker_id", name="uq_assignments_call_checker"),)


class CallSpanRow(Base):
    """A stretch of a call: a card-data pause, a hold or a mute (seconds from the call's start)."""

    __tablename__ = "call_spans"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "pause" | "hold" | "mute"
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    by: Mapped[str] = mapped_column(String(200), default="")


class CallDigitRow(Base):
    """A DTMF digit received in a call (never one received during a card-data pause)."""

    __tablename__ = "call_digits"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    t_s: Mapped[float] = mapped_column(Float)
    digit: Mapped[str] = mapped_column(String(4))
    method: Mapped[str] = mapped_column(String(16))


class CallMediaRow(Base):
    """What the SIP stack knew of a call: Call-ID, codec, RTP loss and jitter, a MOS estimate."""

    __tablename__ = "call_media"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


# ---- quality: scorecards, evaluations, calibration sessions, sampling rules (revision 0004) ------------


class ScorecardRow(Base):
    """A scorecard; what it asks lives in its versions (evaluations keep the version they used)."""

    __tablename__ = "scorecards"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class ScorecardVersionRow(Base):
    __tablename__ = "scorecard_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("scorecard_id", "version", name="uq_scorecard_versions_version"),)


class CalibrationRow(Base):
    """Checkers score the same calls blind; the report compares them once the session is closed."""

    __tablename__ = "calibrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CalibrationCallRow(Base):
    __tablename__ = "calibration_calls"
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id"), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)


class CalibrationCheckerRow(Base):
    __tablename__ = "calibration_checkers"
    calibration_id: Mapped[int] = mapped_column(ForeignKey("calibrations.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class EvaluationRow(Base):
    """A call scored on one scorecard version: answers, timed comments, the computed total, and the
    evaluated agent's acknowledgement or dispute."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("calibrations.id"), nullable=True, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    auto_failed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), index=True)  # submitted|acknowledged|disputed|resolved
    dispute_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AssignmentRuleRow(Base):
    """Sample ``per_period`` ended calls of an agent, a team or a campaign each day or week."""

    __tablename__ = "assignment_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # agent | team | campaign
    target: Mapped[str] = mapped_column(String(200))
    per_period: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))  # day | week
    allow_own_team: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PhoneCredentialRow(Base):
    """A phone's credential (``agentassist users add-phone``): streams one agent's calls, nothing else.
    Only its SHA-256 is kept, as an API token's. Migration 0007."""

    __tablename__ = "phone_credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StepOfferRow(Base):
    """A checker's mark on a step of a call's checklist, offered to the script's editors. ``said``: the
    step was said but the tracker missed it, and ``text`` (the agent's words) is offered as a new
    ``say:`` wording; not ``said``: a tick the checker did not hear, shown with the tick's evidence.
    Migration 0008."""

    __tablename__ = "step_offers"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    script_id: Mapped[str] = mapped_column(String(200), index=True)
    script_version: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(200))
    said: Mapped[bool] = mapped_column(Boolean)
    utterance_ids: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)  # the tracker's, as the checklist had it
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | accepted | rejected
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # the editor's, on a rejection
    accepted_version: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the script version it made

    __table_args__ = (UniqueConstraint("call_id", "step_id", "checker_id", name="uq_step_offers_call_step_checker"),)


class RedactionOriginalRow(Base):
    """What was said before it was masked (security codes still masked), for the roles a call's script
    names: read only by ``GET /api/calls/{id}/transcript?originals=true``, never indexed. Migration 0014."""

    __tablename__ = "redaction_originals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    utterance_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    roles: Mapped[str] = mapped_column(String(128))  # comma-separated: who may read it

    __table_args__ = (UniqueConstraint("call_id", "utterance_id", name="uq_redaction_originals_utterance"),)


class RedactionRow(Base):
    """A span of a call masked for what was said in it (card data): its kind and time, never the text.
    Migration 0009."""

    __tablename__ = "redactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    utterance_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(16))


class LegalHoldRow(Base):
    """A legal hold: the call (``call_id``) or every call of the campaign (``campaign``) is deleted by
    neither retention nor an erasure while it is not released. Migration 0010."""

    __tablename__ = "legal_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # no FK: it outlives nothing
    campaign: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ErasureRow(Base):
    """The receipt of a person's data erased: counts and call ids, never the person's number or name
    (``subject``: an HMAC of the normalised query under the server's secret). Migration 0010."""

    __tablename__ = "erasures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    by: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)


class DeletedRecordingRow(Base):
    """A call whose recording retention has deleted (files and objects), so that the next pass does not
    look for it again. Migration 0010."""

    __tablename__ = "deleted_recordings"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClientCampaignRow(Base):
    """A campaign whose reports and outcomes a user of role ``client`` sees. Migration 0012."""

    __tablename__ = "client_campaigns"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200), primary_key=True)


class SharedCallRow(Base):
    """A call the center shares with the clients of its campaign (list, recording, transcript). Migration 0012."""

    __tablename__ = "shared_calls"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    shared_by: Mapped[str] = mapped_column(String(200))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ---- coaching: clips of calls and sessions built from them (revision 0013) -----------------------------


class CoachingClipRow(Base):
    """A span of a call a trainer marked (seconds from the call's start) with a tag and a comment. It goes
    with its call: the foreign keys cascade, so a call erased or expired takes its clips along."""

    __tablename__ = "coaching_clips"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(16))  # agent | customer | both
    tag: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoachingSessionRow(Base):
    """Clips in order with the trainer's notes, for one agent or for a team; draft until shared."""

    __tablename__ = "coaching_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    agent: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)  # the audience: an agent
    team: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)  # or a team's members
    notes: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # draft | shared
    created_by: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CoachingItemRow(Base):
    __tablename__ = "coaching_items"
    session_id: Mapped[int] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), primary_key=True)
    clip_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_clips.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class CoachingAckRow(Base):
    """Who in a session's audience acknowledged which of its clips, and when."""

    __tablename__ = "coaching_acks"
    session_id: Mapped[int] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"), primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("coaching_clips.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
