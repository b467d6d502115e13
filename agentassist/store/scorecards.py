"""Scorecards: what a checker asks of a call, versioned (an evaluation keeps the version it used).

The rules and arithmetic live in scoring.py (no database). Functions raise the errors of
scoring.py: ``FieldError`` naming a body field, ``NotFoundError``, ``ConflictError`` (wrong state).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import ScorecardRow, ScorecardVersionRow
from agentassist.store.scoring import ConflictError, FieldError, NotFoundError, Scorecard


class ScorecardJson(TypedDict):
    id: int
    version: int
    versions: list[int]  # every version the scorecard has, oldest first
    name: str
    description: str
    sections: list[dict[str, Any]]  # scoring.Section as JSON
    created_at: str
    created_by: str


def create_scorecard(db: Database, card: Scorecard, by: str) -> ScorecardJson:
    card.check()
    now = datetime.now(UTC)
    with db.session.begin() as s:
        head = ScorecardRow(created_at=now, created_by=by)
        s.add(head)
        s.flush()
        row = _version_row(head.id, 1, card, by, now)
        s.add(row)
        s.flush()
        return _scorecard_json(row, [1])


def update_scorecard(db: Database, scorecard_id: int, card: Scorecard, by: str) -> ScorecardJson:
    """A new version; evaluations made on earlier ones keep pointing at them."""
    card.check()
    try:
        with db.session.begin() as s:
            latest = scorecard_version(s, scorecard_id)
            row = _version_row(scorecard_id, latest.version + 1, card, by, datetime.now(UTC))
            s.add(row)
            s.flush()
            return _scorecard_json(row, _versions(s, scorecard_id))
    except IntegrityError:  # another version was saved meanwhile
        raise ConflictError(f"scorecard {scorecard_id} changed meanwhile: fetch it and send the change again") from None


def scorecard(db: Database, scorecard_id: int, version: int | None = None) -> ScorecardJson:
    with db.session() as s:
        return _scorecard_json(scorecard_version(s, scorecard_id, version), _versions(s, scorecard_id))


def scorecards(db: Database) -> list[ScorecardJson]:
    """The newest version of every scorecard."""
    newest = (
        select(ScorecardVersionRow.scorecard_id, func.max(ScorecardVersionRow.version).label("v"))
        .group_by(ScorecardVersionRow.scorecard_id)
        .subquery()
    )
    stmt = (
        select(ScorecardVersionRow)
        .join(
            newest,
            and_(
                newest.c.scorecard_id == ScorecardVersionRow.scorecard_id,
                newest.c.v == ScorecardVersionRow.version,
            ),
        )
        .order_by(ScorecardVersionRow.scorecard_id)
    )
    with db.session() as s:
        return [_scorecard_json(r, list(range(1, r.version + 1))) for r in s.scalars(stmt)]


def _version_row(scorecard_id: int, version: int, card: Scorecard, by: str, now: datetime) -> ScorecardVersionRow:
    return ScorecardVersionRow(
        scorecard_id=scorecard_id,
        version=version,
        name=card.name,
        description=card.description,
        sections=[section.model_dump(mode="json") for section in card.sections],
        created_at=now,
        created_by=by,
    )


def scorecard_version(
    s: Session, scorecard_id: int, version: int | None = None, *, field: str = ""
) -> ScorecardVersionRow:
    """A version of a scorecard (the newest by default). Unknown: ``FieldError`` naming ``field`` when the
    id came in a body, else ``NotFoundError``."""
    stmt = select(ScorecardVersionRow).where(ScorecardVersionRow.scorecard_id == scorecard_id)
    if version is not None:
        stmt = stmt.where(ScorecardVersionRow.version == version)
    row = s.scalar(stmt.order_by(ScorecardVersionRow.version.desc()).limit(1))
    if row is None:
        if version is not None and s.get(ScorecardRow, scorecard_id) is not None:
            raise NotFoundError(f"scorecard {scorecard_id} has no version {version}")
        if field:
            raise FieldError(field, f"no scorecard with id {scorecard_id}")
        raise NotFoundError(f"no scorecard with id {scorecard_id}")
    return row


def _versions(s: Session, scorecard_id: int) -> list[int]:
    stmt = select(ScorecardVersionRow.version).where(ScorecardVersionRow.scorecard_id == scorecard_id)
    return list(s.scalars(stmt.order_by(ScorecardVersionRow.version)))


def card_of(row: ScorecardVersionRow) -> Scorecard:
    """The scorecard as that version asked it."""
    return Scorecard.model_validate({"name": row.name, "description": row.description, "sections": row.sections})


def _scorecard_json(row: ScorecardVersionRow, versions: list[int]) -> ScorecardJson:
    return {
        "id": row.scorecard_id,
        "version": row.version,
        "versions": versions,
        "name": row.name,
        "description": row.description,
        "sections": row.sections,
        "created_at": iso(row.created_at),
        "created_by": row.created_by,
    }
