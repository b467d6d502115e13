"""The audit log (admin): searched by user, call, action and time, paged, and exported as CSV.

Append-only to the API: no route changes or deletes a line (PUT, PATCH and DELETE answer 405).
What is written (docs/privacy.md): reads of recordings (once per play: store/audit.py), transcripts and
peaks, reads refused (action ``refused``), exports and erasures of a person's data, legal holds,
retention's deletions (user ``retention``), and every change the other routes audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from agentassist.api.deps import ID_MAX, AdminDep, StoreDep, check_range
from agentassist.store.audit import audit_lines
from agentassist.store.erasure import audit_csv

router = APIRouter(prefix="/api", tags=["audit"])


class AuditEntry(BaseModel):
    id: int
    at: str | None
    user: str
    action: str
    call_id: str | None
    detail: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next: int | None = Field(description="pass as ?before= for the next (older) page")


@dataclass(frozen=True)
class Filters:
    """What both routes narrow the log by (query parameters, a from-to span checked)."""

    user: str | None
    call_id: str | None
    action: str | None
    from_: datetime | None
    to: datetime | None

    def text(self) -> str:
        return " ".join(f"{k.rstrip('_')}={v}" for k, v in vars(self).items() if v)


def filters(
    user: Annotated[
        str | None, Query(description="only this user's lines ('retention': agentassist's deletions)")
    ] = None,
    call_id: str | None = None,
    action: Annotated[
        str | None, Query(max_length=40, description="one action (recording, refused...) or a family ending in '.'")
    ] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="lines at or after this time")] = None,
    to: Annotated[datetime | None, Query(description="lines before this time")] = None,
) -> Filters:
    check_range(from_, to)
    return Filters(user, call_id, action, from_, to)


FiltersDep = Annotated[Filters, Depends(filters)]


@router.get("/audit", response_model=AuditPage)
def audit_log(
    store: StoreDep,
    admin: AdminDep,
    f: FiltersDep,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Newest first."""
    items, nxt = store.audit_log(**vars(f), before=before, limit=limit)
    return {"items": items, "next": nxt}


@router.get("/audit.csv", response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
def audit_export(store: StoreDep, admin: AdminDep, f: FiltersDep) -> StreamingResponse:
    """Every matching line, oldest first, as CSV (id, at, user, action, call_id, detail); the export is
    itself audited."""
    lines = audit_lines(store, **vars(f))
    store.audit(admin, "audit.export", None, f.text())
    return StreamingResponse(
        audit_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )
