"""Users, teams, tokens (API and login), passwords and the audit log: the Store's account half."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, or_, select, true
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
API_TOKEN_TTL = timedelta(days=90)  # the default of [server] api_token_ttl_days
LEADER_ROLES = ("team_leader", "supervisor")  # see their teams' calls; every team's with ``all_teams``


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: str
    teams: tuple[str, ...] = ()
    all_teams: bool = False


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What a presented token is: whose (None: unknown or revoked), until when, and whether that has passed."""

    user: UserRecord | None
    token_hash: str
    expires_at: datetime | None = None
    expired: bool = False


@dataclass(frozen=True, slots=True)
class NewToken:
    token: str
    user: UserRecord
    old_hash: str  # of the token it replaces: the sockets opened with that one close
    expires_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.isoformat().replace("+00:00", "Z")


class AccountsMixin:
    _session: sessionmaker[Session]
    api_token_ttl: timedelta | None = API_TOKEN_TTL  # set from [server] api_token_ttl_days; None: never

    def _api_token_expiry(self) -> datetime | None:
        return None if self.api_token_ttl is None else datetime.now(UTC) + self.api_token_ttl

    passwords: PasswordPool  # argon2, a bounded number at once

    # ---- users ------------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: str,
        *,
        teams: list[str] | None = None,
        password: str | None = None,
        all_teams: bool = False,
    ) -> str:
        """Create a user (teams are created when new); returns their API token. ``all_teams``: a
        supervisor or team leader who sees every team's calls."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
        _check_all_teams(role, all_teams)
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
                token_expires_at=self._api_token_expiry(),
                created_at=datetime.now(UTC),
                password_hash=hashed,
                all_teams=all_teams,
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

    def rotate_token(self, name: str) -> NewToken:
        """A new API token for ``name`` (the old one stops working now), to be shown once."""
        token = secrets.token_urlsafe(32)
        with self._session.begin() as s:
            row = _live_user(s, name)
            old = row.token_hash
            row.token_hash = token_hash(token)
            row.token_expires_at = self._api_token_expiry()
            user = _record(s, row)
            return NewToken(token, user, old, row.token_expires_at)

    def set_all_teams(self, name: str, all_teams: bool) -> None:
        """Let a supervisor or team leader see every team's calls, or only their teams' again."""
        with self._session.begin() as s:
            row = _live_user(s, name)
            _check_all_teams(row.role, all_teams)
            row.all_teams = all_teams

    def check_password(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (False for a user without one, or no such user)."""
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
            stored = row.password_hash if row is not None else None
        if not stored:
            self.passwords.hash(password)  # the same work either way, as login does
            return False
        return self.passwords.verify(stored, password)

    def end_logins(self, name: str, keep_token: str | None = None) -> list[str]:
        """End ``name``'s login tokens but ``keep_token`` (after a password change); the hashes of those
        ended, so that their open sockets close too. The API token is not a login token: it stays."""
        keep = token_hash(keep_token) if keep_token else ""
        with self._session.begin() as s:
            row = _live_user(s, name)
            which = (SessionTokenRow.user_id == row.id, SessionTokenRow.token_hash != keep)
            ended = list(s.scalars(select(SessionTokenRow.token_hash).where(*which)))
            s.execute(delete(SessionTokenRow).where(*which))
            return ended

    def delete_user(self, name: str) -> int:
        """Mark ``name`` deleted and end their login tokens; returns their user id."""
        with self._session.begin() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise ConfigError(f"no user named {name!r}")
            row.deleted_at = datetime.now(UTC)
            s.execute(delete(SessionTokenRow).where(SessionTokenRow.user_id == row.id))
            return row.id

    def users(self) -> list[dict[str, Any]]:
        with self._session() as s:
            rows = s.scalars(select(UserRow).where(UserRow.deleted_at.is_(None)).order_by(UserRow.name))
            return [_user_json(s, r) for r in rows]

    def user(self, name: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
            return _user_json(s, row) if row else None

    def user_for_token(self, token: str) -> UserRecord | None:
        check = self.check_token_hash(token_hash(token))
        return None if check.expired else check.user

    def check_token_hash(self, h: str) -> TokenCheck:
        """Whose token hashes to ``h`` (an API token or a login token), and whether it has expired."""
        with self._session() as s:
            row = s.scalar(select(UserRow).where(UserRow.token_hash == h))
            expires_at = None if row is None or row.token_expires_at is None else _aware(row.token_expires_at)
            if row is None:
                login = s.scalar(select(SessionTokenRow).where(SessionTokenRow.token_hash == h))
                if login is None:
                    return TokenCheck(None, h)
                row, expires_at = s.get(UserRow, login.user_id), _aware(login.expires_at)
            if row is None or row.deleted_at is not None:
                return TokenCheck(None, h)
            user = _record(s, row)
            return TokenCheck(user, h, expires_at, expires_at is not None and expires_at <= datetime.now(UTC))

    def check_user_token(self, user_id: int, prefix: str) -> TokenCheck:
        """The token of ``user_id`` whose hash starts with ``prefix`` (a WebSocket ticket names its token
        so: the whole hash never goes into a URL), checked as check_token_hash does."""
        with self._session() as s:
            h = s.scalar(select(UserRow.token_hash).where(UserRow.id == user_id, UserRow.token_hash.startswith(prefix)))
            if h is None:
                login = SessionTokenRow.token_hash
                h = s.scalar(select(login).where(SessionTokenRow.user_id == user_id, login.startswith(prefix)))
        return self.check_token_hash(h) if h is not None else TokenCheck(None, "")

    def user_by_id(self, user_id: int) -> UserRecord | None:
        """A live (not deleted) user by id: whom a signed media link was made for."""
        with self._session() as s:
            row = s.get(UserRow, user_id)
            if row is None or row.deleted_at is not None:
                return None
            return _record(s, row)

    def live_token_hashes(self, hashes: list[str]) -> set[str]:
        """Which of ``hashes`` still let someone in (one query per kind, whatever their number): the open
        sockets' periodic re-check, which catches a rotation or deletion made by another process."""
        now = datetime.now(UTC)
        with self._session() as s:
            api = s.scalars(
                select(UserRow.token_hash).where(
                    UserRow.token_hash.in_(hashes),
                    UserRow.deleted_at.is_(None),
                    or_(UserRow.token_expires_at.is_(None), UserRow.token_expires_at > now),
                )
            )
            login = s.scalars(
                select(SessionTokenRow.token_hash)
                .join(UserRow, UserRow.id == SessionTokenRow.user_id)
                .where(
                    SessionTokenRow.token_hash.in_(hashes),
                    SessionTokenRow.expires_at > now,
                    UserRow.deleted_at.is_(None),
                )
            )
            return set(api) | set(login)

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
            return token, _record(s, row)

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
        """Whether ``user`` may see every call, including ones the database does not hold yet: an admin,
        or a leader given ``all_teams``. Never the result of having no team: a leader of no team sees
        their own calls only, so that taking a team away narrows a view and never widens it."""
        return user.role == "admin" or (user.role in LEADER_ROLES and user.all_teams)

    def scope_clause(self, user: UserRecord) -> ColumnElement[bool]:
        """Which calls ``user`` may see, as a condition on CallRow."""
        if self.sees_all(user):
            return true()
        if user.role == "agent":
            return CallRow.agent == user.name
        if user.role in LEADER_ROLES:
            return or_(CallRow.agent == user.name, CallRow.agent.in_(_team_agents(user)))
        if user.role == "quality_checker":
            assigned = select(AssignmentRow.call_id).where(AssignmentRow.checker_id == user.id)
            extra = self._checker_extra_calls(user)
            return CallRow.id.in_(assigned) if extra is None else or_(CallRow.id.in_(assigned), CallRow.id.in_(extra))
        return false()

    def _checker_extra_calls(self, user: UserRecord) -> Any:
        """Calls a checker sees beside assigned ones (calibration sessions); overridden by the quality store."""
        return None

    def sees_agent(self, user: UserRecord, agent: str) -> bool:
        """Whether the calls of the agent named ``agent`` are in ``user``'s scope: the agent themself, a
        leader of one of their teams, a leader with ``all_teams``, an admin. (The softphone's calls
        are its agent's, so this also says who may use it.)"""
        if self.sees_all(user) or user.name == agent:
            return True
        if user.role not in LEADER_ROLES:
            return False
        with self._session() as s:
            return s.scalar(_team_agents(user).where(UserRow.name == agent).limit(1)) is not None

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


def _team_agents(user: UserRecord) -> Select[str]:
    """The names of the members of ``user``'s teams."""
    return (
        select(UserRow.name)
        .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
        .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
        .where(TeamRow.name.in_(user.teams))
    )


def _check_all_teams(role: str, all_teams: bool) -> None:
    if all_teams and role not in LEADER_ROLES:
        raise ConfigError(
            f"all_teams is for a supervisor or team_leader (an admin sees every team already), expected one of"
            f" them, got role {role!r}"
        )


def _record(s: Session, row: UserRow) -> UserRecord:
    return UserRecord(row.id, row.name, row.role, tuple(_teams_of(s, row.id)), row.all_teams)


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
        "all_teams": row.all_teams,
        "has_password": row.password_hash is not None,
        "created_at": _iso(row.created_at),
        "token_expires_at": _iso(row.token_expires_at),
    }
