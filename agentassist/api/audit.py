"""The audit log (admin): searched by user, call, action and time, paged, and exported as CSV.

Append-only to the API: no route changes or deletes a line (PUT, PATCH and DELETE answer 405).
What is written (docs/privacy.md): reads of recordings (once per play: store/audit.py), transcripts and
peaks, reads refused (action ``refused``), exports and erasures of a person's data, legal holds,
retention's deletions (user ``retention``), and every change the other routes audit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
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


UserQ = Annotated[str | None, Query(description="only this user's lines ('retention': agentassist's deletions)")]
ActionQ = Annotated[
    str | None,
    Query(max_length=40, description="one action (recording, transcript, refused...) or a family ending in '.'"),
]
FromQ = Annotated[datetime | None, Query(alias="from", description="lines at or after this time")]
ToQ = Annotated[datetime | None, Query(description="lines before this time")]


@router.get("/audit", response_model=AuditPage)
def audit_log(
    store: StoreDep,
    admin: AdminDep,
    user: UserQ = None,
    call_id: str | None = None,
    action: ActionQ = None,
    from_: FromQ = None,
    to: ToQ = None,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Newest first."""
    check_range(from_, to)
    items, nxt = store.audit_log(
        user=user, call_id=call_id, action=action, from_=from_, to=to, before=before, limit=limit
    )
    return {"items": items, "next": nxt}


@router.get("/audit.csv", response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
def audit_export(
    store: StoreDep,
    admin: AdminDep,
    user: UserQ = None,
    call_id: str | None = None,
    action: ActionQ = None,
    from_: FromQ = None,
    to: ToQ = None,
) -> StreamingResponse:
    """Every matching line, oldest first, as CSV (id, at, user, action, call_id, detail); the export is
    itself audited."""
    check_range(from_, to)
    lines = audit_lines(store, user=user, call_id=call_id, action=action, from_=from_, to=to)
    filters = {"user": user, "call_id": call_id, "action": action, "from": from_, "to": to}
    store.audit(admin, "audit.export", None, " ".join(f"{k}={v}" for k, v in filters.items() if v))
    return StreamingResponse(
        audit_csv(lines),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )
