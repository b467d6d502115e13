"""Users, teams, tokens (API and login), passwords and the audit log: the Store's account half."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, false, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from agentassist.errors import ConfigError
from agentassist.store.models import (
    ROLES,
    AssignmentRow,
    AuditRow,
    CallRow,
    SessionTokenRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)
from agentassist.store.passwords import PasswordPool

LOGIN_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: str
    teams: tuple[str, ...] = ()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.isoformat().replace("+00:00", "Z")


class AccountsMixin:
    _session: sessionmaker[Session]
    passwords: PasswordPool  # argon2, a bounded number at once

    # ---- users ------------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, *, teams: list[str] | None = None, password: str | None = None) -> str:
        """Create a user (teams are created when new); returns their API token."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
        if not name.strip():
            raise ConfigError("user name must not be empty")
        if password is not None and len(password) < 8:
            raise ConfigError("password too short: expected at least 8 characters")
        token = secrets.token_urlsafe(32)
        hashed = self.passwords.hash(password) if password else None  # before a connection is taken
        with self._session.begin() as s:
            if s.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise ConfigError(f"user {name!r} already exists")
            row = UserRow(
                name=name,
                role=role,
                token_hash=token_hash(token),
                created_at=datetime.now(UTC),
                password_hash=hashed,
            )
            s.add(row)
            s.flush()
            for team in teams or []:
                s.add(TeamMemberRow(user_id=row.id, team_id=_team_id(s, team)))
        return token

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise ConfigError("password too short: expected at least 8 characters")
        hashed = self.passwords.hash(password)  # before a connection is taken
        with self._session.begin() as s:
            row = _live_user(s, name)
            row.password_hash = hashed

    def delete_user(self, name: str) -> None:
        with self._session.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise ConfigError(f"no user named {name!r}")
            row.deleted_at = datetime.now(UTC)
            s.execute(delete(SessionTokenRow).where(SessionTokenRow.user_id == row.id))

    def users(self) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(UserRow).where(UserRow.deleted_at.is_(None)).order_by(UserRow.name))
            return [_user_json(s, r) for r in rows]

    def user(self, name: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
            return _user_json(s, row) if row else None

    def user_for_token(self, token: str) -> UserRecord | None:
        h = token_hash(token)
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.token_hash == h))
            if row is None:
                login = s.scalar(select(SessionTokenRow).where(SessionTokenRow.token_hash == h))
                if login is None or _aware(login.expires_at) <= datetime.now(UTC):
                    return None
                row = s.get(UserRow, login.user_id)
            if row is None or row.deleted_at is not None:
                return None
            return UserRecord(row.id, row.name, row.role, tuple(_teams_of(s, row.id)))

    def login(self, name: str, password: str) -> tuple[str, UserRecord] | None:
        """A new login token for a right name and password, else None (never says which was wrong).
        Raises HashingBusyError when the password hashing pool is full."""
        # the password is checked with no database connection held: a connection held through the
        # hashing pool's wait ran the connection pool dry (15) under 200 logins at once (500s)
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
            user_id, stored = (row.id, row.password_hash) if row is not None else (None, None)
        if user_id is None or not stored:
            self.passwords.hash(password)  # the same work either way: no timing oracle for user names
            return None
        if not self.passwords.verify(stored, password):
            return None
        with self._session.begin() as s:
            row = s.get(UserRow, user_id)
            if row is None or row.deleted_at is not None or row.password_hash != stored:
                return None  # deleted, or the password changed, while it was being checked
            token = secrets.token_urlsafe(32)
            now = datetime.now(UTC)
            s.add(
                SessionTokenRow(
                    user_id=row.id, token_hash=token_hash(token), created_at=now, expires_at=now + LOGIN_TOKEN_TTL
                )
            )
            return token, UserRecord(row.id, row.name, row.role, tuple(_teams_of(s, row.id)))

    def logout(self, token: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(SessionTokenRow).where(SessionTokenRow.token_hash == token_hash(token)))

    # ---- teams ------------------------------------------------------------------------------------

    def teams(self) -> list[dict[str, Any]]:
        with self._session() as s:
            out = []
            for team in s.scalars(select(TeamRow).order_by(TeamRow.name)):
                members = s.scalars(
                    select(UserRow.name)
                    .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
                    .where(TeamMemberRow.team_id == team.id, UserRow.deleted_at.is_(None))
                    .order_by(UserRow.name)
                )
                out.append({"name": team.name, "members": list(members)})
            return out

    def set_teams(self, name: str, teams: list[str]) -> None:
        with self._session.begin() as s:
            row = _live_user(s, name)
            s.execute(delete(TeamMemberRow).where(TeamMemberRow.user_id == row.id))
            for team in teams:
                s.add(TeamMemberRow(user_id=row.id, team_id=_team_id(s, team)))

    # ---- scope ------------------------------------------------------------------------------------

    def sees_all(self, user: UserRecord) -> bool:
        """Whether ``user`` may see every call, including ones the database does not hold yet."""
        return user.role == "admin" or (user.role == "supervisor" and not user.teams)

    def scope_clause(self, user: UserRecord) -> ColumnElement[bool]:
        """Which calls ``user`` may see, as a condition on CallRow."""
        if self.sees_all(user):
            return true()  # a supervisor of no team in particular watches the whole floor
        if user.role == "agent":
            return CallRow.agent == user.name
        if user.role in ("team_leader", "supervisor"):
            team_agents = (
                select(UserRow.name)
                .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
                .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
                .where(TeamRow.name.in_(user.teams))
            )
            return or_(CallRow.agent == user.name, CallRow.agent.in_(team_agents))
        if user.role == "quality_checker":
            assigned = select(AssignmentRow.call_id).where(AssignmentRow.checker_id == user.id)
            extra = self._checker_extra_calls(user)
            return CallRow.id.in_(assigned) if extra is None else or_(CallRow.id.in_(assigned), CallRow.id.in_(extra))
        return false()

    def _checker_extra_calls(self, user: UserRecord) -> Any:
        """Calls a checker sees beside assigned ones (calibration sessions); overridden by the quality store."""
        return None

    def can_see_call(self, user: UserRecord, call_id: str) -> bool:
        with self._session() as s:
            return s.scalar(select(CallRow.id).where(CallRow.id == call_id, self.scope_clause(user))) is not None

    # ---- assignments ------------------------------------------------------------------------------

    def assign(self, call_id: str, checker: str, by: str) -> dict[str, Any]:
        with self._session.begin() as s:
            if s.get(CallRow, call_id) is None:
                raise ConfigError(f"no call with id {call_id!r}")
            row = _live_user(s, checker)
            if row.role != "quality_checker":
                raise ConfigError(f"user {checker!r} is a {row.role}, expected a quality_checker")
            existing = s.scalar(
                select(AssignmentRow).where(AssignmentRow.call_id == call_id, AssignmentRow.checker_id == row.id)
            )
            if existing is None:
                existing = AssignmentRow(
                    call_id=call_id, checker_id=row.id, assigned_at=datetime.now(UTC), assigned_by=by
                )
                s.add(existing)
                s.flush()
            return {
                "id": existing.id,
                "call_id": call_id,
                "checker": checker,
                "assigned_at": _iso(existing.assigned_at),
                "assigned_by": existing.assigned_by,
            }

    def assignments(self, checker: str | None = None) -> list[dict[str, Any]]:
        stmt = select(AssignmentRow, UserRow.name).join(UserRow, UserRow.id == AssignmentRow.checker_id)
        if checker is not None:
            stmt = stmt.where(UserRow.name == checker)
        with self._session() as s:
            return [
                {
                    "id": a.id,
                    "call_id": a.call_id,
                    "checker": name,
                    "assigned_at": _iso(a.assigned_at),
                    "assigned_by": a.assigned_by,
                }
                for a, name in s.execute(stmt.order_by(AssignmentRow.id))
            ]

    # ---- audit ------------------------------------------------------------------------------------

    def audit(self, user: UserRecord, action: str, call_id: str | None = None, detail: str = "") -> None:
        with self._session.begin() as s:
            s.add(
                AuditRow(
                    at=datetime.now(UTC),
                    user_id=user.id,
                    user_name=user.name,
                    action=action,
                    call_id=call_id,
                    detail=detail,
                )
            )

    def audit_log(
        self, *, user: str | None = None, call_id: str | None = None, before: int | None = None, limit: int = 100
    ) -> tuple[list[dict[str, Any]], int | None]:
        stmt = select(AuditRow)
        if user:
            stmt = stmt.where(AuditRow.user_name == user)
        if call_id:
            stmt = stmt.where(AuditRow.call_id == call_id)
        if before is not None:
            stmt = stmt.where(AuditRow.id < before)
        with self._session() as s:
            rows = list(s.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        items = [
            {
                "id": r.id,
                "at": _iso(r.at),
                "user": r.user_name,
                "action": r.action,
                "call_id": r.call_id,
                "detail": r.detail,
            }
            for r in rows
        ]
        return items, (rows[-1].id if more and rows else None)


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def _live_user(s: Session, name: str) -> UserRow:
    row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
    if row is None:
        raise ConfigError(f"no user named {name!r}")
    return row


def _team_id(s: Session, name: str) -> int:
    if not name.strip():
        raise ConfigError("team name must not be empty")
    team = s.scalar(select(TeamRow).where(TeamRow.name == name))
    if team is None:
        team = TeamRow(name=name)
        s.add(team)
        s.flush()
    return team.id


def _teams_of(s: Session, user_id: int) -> list[str]:
    return list(
        s.scalars(
            select(TeamRow.name)
            .join(TeamMemberRow, TeamMemberRow.team_id == TeamRow.id)
            .where(TeamMemberRow.user_id == user_id)
            .order_by(TeamRow.name)
        )
    )


def _user_json(s: Session, row: UserRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "role": row.role,
        "teams": _teams_of(s, row.id),
        "has_password": row.password_hash is not None,
        "created_at": _iso(row.created_at),
    }
