"""Scorecards: sections of weighted yes/no and scale questions, kept in versions.

Team leaders, supervisors and admins write them; quality checkers read them too. Changing a
scorecard (PUT) makes a new version; evaluations keep the version they were made with.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from agentassist.api.accounts import LEADERS
from agentassist.api.deps import ID_MAX, RowId, StoreDep, answering, require
from agentassist.store.db import UserRecord
from agentassist.store.scope import EVALUATOR_ROLES
from agentassist.store.scorecards import ScorecardJson
from agentassist.store.scoring import Scorecard, Section

router = APIRouter(prefix="/api/scorecards", tags=["quality"])

Writer = Annotated[UserRecord, require(*LEADERS)]
Reader = Annotated[UserRecord, require(*EVALUATOR_ROLES)]


class ScorecardOut(BaseModel):
    id: int
    version: int
    versions: list[int]
    name: str
    description: str
    sections: list[Section]
    created_at: str | None
    created_by: str


@router.post("", response_model=ScorecardOut, status_code=status.HTTP_201_CREATED)
def create_scorecard(body: Scorecard, store: StoreDep, user: Writer) -> ScorecardJson:
    with answering():
        card = store.create_scorecard(body, user.name)
    store.audit(user, "scorecard", detail=f"scorecard {card['id']} version 1")
    return card


@router.get("", response_model=list[ScorecardOut])
def list_scorecards(store: StoreDep, user: Reader) -> list[ScorecardJson]:
    return store.scorecards()


@router.get("/{scorecard_id}", response_model=ScorecardOut)
def get_scorecard(
    scorecard_id: RowId,
    store: StoreDep,
    user: Reader,
    version: Annotated[int | None, Query(ge=1, le=ID_MAX, description="this version instead of the newest")] = None,
) -> ScorecardJson:
    with answering():
        return store.scorecard(scorecard_id, version)


@router.put("/{scorecard_id}", response_model=ScorecardOut)
def update_scorecard(scorecard_id: RowId, body: Scorecard, store: StoreDep, user: Writer) -> ScorecardJson:
    with answering():
        card = store.update_scorecard(scorecard_id, body, user.name)
    store.audit(user, "scorecard", detail=f"scorecard {scorecard_id} version {card['version']}")
    return card
