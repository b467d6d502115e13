"""Users, teams, tokens (API and login) and passwords: plain functions over a :class:`Database`.

Which calls a user sees is decided in scope.py; assignments to quality checkers are in
distribution.py, the audit log in audit.py.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from agentassist.errors import ConfigError
from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.models import ROLES, ClientCampaignRow, SessionTokenRow, TeamMemberRow, TeamRow, UserRow
from agentassist.store.scope import CLIENT, LEADER_ROLES
from agentassist.store.scope import UserRecord as UserRecord  # where api/ has long imported it from

LOGIN_TOKEN_TTL = timedelta(hours=12)


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


class UserJson(TypedDict):
    name: str
    role: str
    teams: list[str]
    all_teams: bool
    campaigns: list[str]  # a client's
    has_password: bool
    created_at: str
    token_expires_at: str | None
    language: str | None


class TeamJson(TypedDict):
    name: str
    members: list[str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- users ------------------------------------------------------------------------------------


def add_user(
    db: Database,
    name: str,
    role: str,
    *,
    teams: list[str] | None = None,
    password: str | None = None,
    all_teams: bool = False,
    campaigns: list[str] | None = None,
) -> str:
    """Create a user (teams are created when new); returns their API token. ``all_teams``: a
    supervisor or team leader who sees every team's calls; ``campaigns``: a client's."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    _check_all_teams(role, all_teams)
    _check_campaigns(role, campaigns or [])
    if not name.strip():
        raise ConfigError("user name must not be empty")
    if password is not None and len(password) < 8:
        raise ConfigError("password too short: expected at least 8 characters")
    token = secrets.token_urlsafe(32)
    hashed = db.passwords.hash(password) if password else None  # before a connection is taken
    with db.session.begin() as s:
        if s.scalar(select(UserRow).where(UserRow.name == name)) is not None:
            raise ConfigError(f"user {name!r} already exists")
        row = UserRow(
            name=name,
            role=role,
            token_hash=token_hash(token),
            token_expires_at=db.api_token_expiry(),
            created_at=datetime.now(UTC),
            password_hash=hashed,
            all_teams=all_teams,
        )
        s.add(row)
        s.flush()
        for team in teams or []:
            s.add(TeamMemberRow(user_id=row.id, team_id=_team_id(s, team)))
        s.add_all(ClientCampaignRow(user_id=row.id, campaign=c) for c in sorted(set(campaigns or [])))
    return token


def set_campaigns(db: Database, name: str, campaigns: list[str]) -> None:
    """The campaigns a client sees, replacing those they had."""
    with db.session.begin() as s:
        row = live_user(s, name)
        _check_campaigns(row.role, campaigns, required=False)
        s.execute(delete(ClientCampaignRow).where(ClientCampaignRow.user_id == row.id))
        s.add_all(ClientCampaignRow(user_id=row.id, campaign=c) for c in sorted(set(campaigns)))


def _check_campaigns(role: str, campaigns: list[str], required: bool = True) -> None:
    if campaigns and role != CLIENT:
        raise ConfigError(f"campaigns are a client's: expected role {CLIENT!r}, got {role!r}")
    if role == CLIENT and required and not campaigns:
        raise ConfigError("a client sees their campaigns' reports: expected one campaign or more, got none")
    for c in campaigns:
        if not c.strip() or len(c) > 200:
            raise ConfigError(f"campaign name: expected 1 to 200 characters, not all blank, got {c!r}")


def set_password(db: Database, name: str, password: str) -> None:
    if len(password) < 8:
        raise ConfigError("password too short: expected at least 8 characters")
    hashed = db.passwords.hash(password)  # before a connection is taken
    with db.session.begin() as s:
        row = live_user(s, name)
        row.password_hash = hashed


def rotate_token(db: Database, name: str) -> NewToken:
    """A new API token for ``name`` (the old one stops working now), to be shown once."""
    token = secrets.token_urlsafe(32)
    with db.session.begin() as s:
        row = live_user(s, name)
        old = row.token_hash
        row.token_hash = token_hash(token)
        row.token_expires_at = db.api_token_expiry()
        user = user_record(s, row)
        return NewToken(token, user, old, row.token_expires_at)


def set_all_teams(db: Database, name: str, all_teams: bool) -> None:
    """Let a supervisor or team leader see every team's calls, or only their teams' again."""
    with db.session.begin() as s:
        row = live_user(s, name)
        _check_all_teams(row.role, all_teams)
        row.all_teams = all_teams


def set_language(db: Database, name: str, language: str | None) -> None:
    """The language ``name`` reads the pages in (None: the browser's); the API checks it is one the pages have."""
    with db.session.begin() as s:
        live_user(s, name).language = language


def check_password(db: Database, name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s (False for a user without one, or no such user)."""
    with db.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
        stored = row.password_hash if row is not None else None
    if not stored:
        db.passwords.hash(password)  # the same work either way, as login does
        return False
    return db.passwords.verify(stored, password)


def end_logins(db: Database, name: str, keep_token: str | None = None) -> list[str]:
    """End ``name``'s login tokens but ``keep_token`` (after a password change); the hashes of those
    ended, so that their open sockets close too. The API token is not a login token: it stays."""
    keep = token_hash(keep_token) if keep_token else ""
    with db.session.begin() as s:
        row = live_user(s, name)
        which = (SessionTokenRow.user_id == row.id, SessionTokenRow.token_hash != keep)
        ended = list(s.scalars(select(SessionTokenRow.token_hash).where(*which)))
        s.execute(delete(SessionTokenRow).where(*which))
        return ended


def delete_user(db: Database, name: str) -> int:
    """Mark ``name`` deleted and end their login tokens; returns their user id."""
    with db.session.begin() as s:
        row = s.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise ConfigError(f"no user named {name!r}")
        row.deleted_at = datetime.now(UTC)
        s.execute(delete(SessionTokenRow).where(SessionTokenRow.user_id == row.id))
        return row.id


def users(db: Database) -> list[UserJson]:
    with db.session() as s:
        rows = s.scalars(select(UserRow).where(UserRow.deleted_at.is_(None)).order_by(UserRow.name))
        return [_user_json(s, r) for r in rows]


def user(db: Database, name: str) -> UserJson | None:
    with db.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
        return _user_json(s, row) if row else None


def user_for_token(db: Database, token: str) -> UserRecord | None:
    check = check_token_hash(db, token_hash(token))
    return None if check.expired else check.user


def check_token_hash(db: Database, h: str) -> TokenCheck:
    """Whose token hashes to ``h`` (an API token or a login token), and whether it has expired."""
    with db.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.token_hash == h))
        expires_at = None if row is None or row.token_expires_at is None else utc(row.token_expires_at)
        if row is None:
            login = s.scalar(select(SessionTokenRow).where(SessionTokenRow.token_hash == h))
            if login is None:
                return TokenCheck(None, h)
            row, expires_at = s.get(UserRow, login.user_id), utc(login.expires_at)
        if row is None or row.deleted_at is not None:
            return TokenCheck(None, h)
        user = user_record(s, row)
        return TokenCheck(user, h, expires_at, expires_at is not None and expires_at <= datetime.now(UTC))


def check_user_token(db: Database, user_id: int, prefix: str) -> TokenCheck:
    """The token of ``user_id`` whose hash starts with ``prefix`` (a WebSocket ticket names its token
    so: the whole hash never goes into a URL), checked as check_token_hash does."""
    with db.session() as s:
        h = s.scalar(select(UserRow.token_hash).where(UserRow.id == user_id, UserRow.token_hash.startswith(prefix)))
        if h is None:
            login = SessionTokenRow.token_hash
            h = s.scalar(select(login).where(SessionTokenRow.user_id == user_id, login.startswith(prefix)))
    return check_token_hash(db, h) if h is not None else TokenCheck(None, "")


def user_by_id(db: Database, user_id: int) -> UserRecord | None:
    """A live (not deleted) user by id: whom a signed media link was made for."""
    with db.session() as s:
        row = s.get(UserRow, user_id)
        if row is None or row.deleted_at is not None:
            return None
        return user_record(s, row)


def live_token_hashes(db: Database, hashes: list[str]) -> set[str]:
    """Which of ``hashes`` still let someone in (one query per kind, whatever their number): the open
    sockets' periodic re-check, which catches a rotation or deletion made by another process."""
    now = datetime.now(UTC)
    with db.session() as s:
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


def login(db: Database, name: str, password: str) -> tuple[str, UserRecord] | None:
    """A new login token for a right name and password, else None (never says which was wrong).
    Raises HashingBusyError when the password hashing pool is full."""
    # the password is checked with no database connection held: a connection held through the
    # hashing pool's wait ran the connection pool dry (15) under 200 logins at once (500s)
    with db.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
        user_id, stored = (row.id, row.password_hash) if row is not None else (None, None)
    if user_id is None or not stored:
        db.passwords.hash(password)  # the same work either way: no timing oracle for user names
        return None
    if not db.passwords.verify(stored, password):
        return None
    with db.session.begin() as s:
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
        return token, user_record(s, row)


def logout(db: Database, token: str) -> None:
    with db.session.begin() as s:
        s.execute(delete(SessionTokenRow).where(SessionTokenRow.token_hash == token_hash(token)))


# ---- teams ------------------------------------------------------------------------------------


def teams(db: Database) -> list[TeamJson]:
    with db.session() as s:
        out: list[TeamJson] = []
        for team in s.scalars(select(TeamRow).order_by(TeamRow.name)):
            members = s.scalars(
                select(UserRow.name)
                .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
                .where(TeamMemberRow.team_id == team.id, UserRow.deleted_at.is_(None))
                .order_by(UserRow.name)
            )
            out.append(TeamJson(name=team.name, members=list(members)))
        return out


def set_teams(db: Database, name: str, teams: list[str]) -> None:
    with db.session.begin() as s:
        row = live_user(s, name)
        s.execute(delete(TeamMemberRow).where(TeamMemberRow.user_id == row.id))
        for team in teams:
            s.add(TeamMemberRow(user_id=row.id, team_id=_team_id(s, team)))


def _check_all_teams(role: str, all_teams: bool) -> None:
    if all_teams and role not in LEADER_ROLES:
        raise ConfigError(
            f"all_teams is for a supervisor or team_leader (an admin sees every team already), expected one of"
            f" them, got role {role!r}"
        )


def user_record(s: Session, row: UserRow) -> UserRecord:
    campaigns = tuple(_campaigns_of(s, row.id)) if row.role == CLIENT else ()
    return UserRecord(row.id, row.name, row.role, tuple(_teams_of(s, row.id)), row.all_teams, row.language, campaigns)


def _campaigns_of(s: Session, user_id: int) -> list[str]:
    stmt = select(ClientCampaignRow.campaign).where(ClientCampaignRow.user_id == user_id)
    return list(s.scalars(stmt.order_by(ClientCampaignRow.campaign)))


def live_user(s: Session, name: str) -> UserRow:
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


def _user_json(s: Session, row: UserRow) -> UserJson:
    return {
        "name": row.name,
        "role": row.role,
        "teams": _teams_of(s, row.id),
        "all_teams": row.all_teams,
        "campaigns": _campaigns_of(s, row.id),
        "has_password": row.password_hash is not None,
        "created_at": iso(row.created_at),
        "token_expires_at": iso(row.token_expires_at),
        "language": row.language,
    }
