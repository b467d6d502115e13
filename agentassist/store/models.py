"""The database tables (SQLAlchemy 2 declarative rows).

The schema is owned by the Alembic migrations in ``migrations/``; these classes
must describe the same tables (tests/test_store_migrations.py compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("agent", "team_leader", "quality_checker", "supervisor", "admin")


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the API token
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


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
