"""Retention and legal holds (admin): the rules in force, a deletion pass run now, holds placed and
released; and the server's own pass every ``[retention] run_every_s`` (:func:`retention_loop`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator

from agentassist.api.deps import AdminDep, RecordingsDep, RowId, SettingsDep, StoreDep, answering
from agentassist.config import RetentionSettings
from agentassist.store.database import Database
from agentassist.store.holds import HoldJson, holds, place_hold, release_hold
from agentassist.store.recordings import RecordingStore
from agentassist.store.retention import rules, run_retention

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["retention"])
FIRST_RUN_S = 60.0  # after a start: the start's own work first, and a restart loop cannot skip every pass


class HoldIn(BaseModel):
    call_id: str | None = Field(None, min_length=1, max_length=64)
    campaign: str | None = Field(None, min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000, description="why: a case number, a request; who asked")

    @model_validator(mode="after")
    def _one_target(self) -> HoldIn:
        if (self.call_id is None) == (self.campaign is None):
            raise ValueError("expected exactly one of call_id and campaign")
        return self


@router.get("/retention")
def retention_rules(settings: SettingsDep, admin: AdminDep) -> dict[str, Any]:
    """The rules in force: ``{"default": {...days}, "campaigns": {NAME: {...days}}, "run_every_s"}``
    (0 days: kept for ever)."""
    default, campaigns = rules(settings.retention)

    def days(r: Any) -> dict[str, int]:
        return {"recordings_days": r.recordings_days, "transcripts_days": r.transcripts_days,
                "evaluations_days": r.evaluations_days}  # fmt: skip

    return {
        "default": days(default),
        "campaigns": {name: days(r) for name, r in campaigns.items()},
        "run_every_s": settings.retention.run_every_s,
    }


@router.post("/retention/run")
async def retention_run(
    store: StoreDep, recordings: RecordingsDep, settings: SettingsDep, admin: AdminDep
) -> dict[str, Any]:
    """One deletion pass now (the server runs one every ``run_every_s``): ``{"now", "deleted": [{"call_id",
    "what", "rule"}], "failed": [...]}``; each deletion is in the audit log as user ``retention``."""
    await run_in_threadpool(store.audit, admin, "retention.run")
    report = await run_in_threadpool(run_retention, store, recordings, settings.retention)
    return report.json()


@router.get("/holds", response_model=list[HoldJson])
def list_holds(
    store: StoreDep,
    admin: AdminDep,
    all_: Annotated[bool, Query(alias="all", description="released holds too")] = False,
) -> list[HoldJson]:
    return holds(store, active=not all_)


@router.post("/holds", response_model=HoldJson, status_code=status.HTTP_201_CREATED)
def create_hold(body: HoldIn, store: StoreDep, admin: AdminDep) -> HoldJson:
    """A legal hold on a call or a campaign: neither retention nor an erasure deletes it until released."""
    with answering():
        hold = place_hold(store, admin.name, body.reason, call_id=body.call_id, campaign=body.campaign)
    what = f"campaign {body.campaign!r}" if body.campaign is not None else "the call"
    store.audit(admin, "hold.place", body.call_id, f"hold {hold['id']} on {what}")
    return hold


@router.delete("/holds/{hold_id}", response_model=HoldJson)
def delete_hold(hold_id: RowId, store: StoreDep, admin: AdminDep) -> HoldJson:
    """Release a hold (the row stays, with who released it and when); 409 when it was released already."""
    with answering():
        hold = release_hold(store, hold_id, admin.name)
    store.audit(admin, "hold.release", hold["call_id"], f"hold {hold_id} released")
    return hold


async def retention_loop(db: Database, recordings: RecordingStore, settings: RetentionSettings) -> None:
    """The server's deletion pass: FIRST_RUN_S after the start, then every ``run_every_s`` (0: never)."""
    if not settings.run_every_s:
        return
    await asyncio.sleep(min(FIRST_RUN_S, settings.run_every_s))
    while True:
        try:
            await asyncio.to_thread(run_retention, db, recordings, settings)
        except Exception:  # the database away: the next pass does what this one could not
            log.exception("retention pass failed")
        await asyncio.sleep(settings.run_every_s)
