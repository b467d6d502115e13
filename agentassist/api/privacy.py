"""A person's data (admin): find, export and erase everything about one caller by number or name
(agentassist/store/person.py, erasure.py; docs/privacy.md), and the erasure receipts.

The number or name travels in a POST body, never in a URL (proxies and browsers keep URLs); the audit
line of each request names the person by an HMAC of the query only.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from agentassist.api.deps import AdminDep, RecordingsDep, RuntimeDep, SettingsDep, StoreDep, answering
from agentassist.api.signing import Signer
from agentassist.audio.encode import OpusOptions
from agentassist.store.erasure import erase, export, receipts, temporary_zip
from agentassist.store.person import Findings, Subject, find

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


class SubjectIn(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="a phone number (+, spaces, dashes allowed) or a name")


def subject_of(body: SubjectIn) -> Subject:
    with answering():
        return Subject.parse(body.q)


SubjectDep = Annotated[Subject, Depends(subject_of)]


def digest_of(request: Request, subject: Subject) -> str:
    signer: Signer = request.app.state.signer
    return signer.digest("erasure subject", subject.key)


def _audit_detail(digest: str, found: Findings) -> str:
    c = found["counts"]
    return f"subject {digest[:16]}: {c['calls']} calls ({c['party_calls']} theirs, {c['held_calls']} held)"


@router.post("/find")
def find_person(
    subject: SubjectDep, request: Request, store: StoreDep, recordings: RecordingsDep, admin: AdminDep
) -> dict[str, Any]:
    """Every call, recording, transcript line and evaluation that concerns the person: ``{"query",
    "calls": [{"id", "remote", "party", "held", "recording", "transcript_lines", "lines",
    "evaluations", ...}], "counts"}``."""
    found = find(store, recordings, subject)
    store.audit(admin, "privacy.find", None, _audit_detail(digest_of(request, subject), found))
    return dict(found)


@router.post("/export", response_class=FileResponse, responses={200: {"content": {"application/zip": {}}}})
async def export_person(
    subject: SubjectDep, request: Request, store: StoreDep, recordings: RecordingsDep, admin: AdminDep
) -> FileResponse:
    """One zip: findings.json, per call its record, transcript (JSON and text), evaluations, adherence
    and recording (the person's own calls), and audit.csv."""
    fd, name = temporary_zip(recordings.directory)
    try:
        with os.fdopen(fd, "wb") as out:
            found = await run_in_threadpool(export, store, recordings, subject, out)
    except BaseException:
        os.unlink(name)
        raise
    digest = digest_of(request, subject)
    await run_in_threadpool(store.audit, admin, "privacy.export", None, _audit_detail(digest, found))
    return FileResponse(
        name,
        media_type="application/zip",
        filename=f"personal-data-{digest[:12]}.zip",
        background=BackgroundTask(os.unlink, name),
    )


@router.post("/erase")
async def erase_person(
    subject: SubjectDep,
    request: Request,
    store: StoreDep,
    recordings: RecordingsDep,
    admin: AdminDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """Erase everything about the person but what a legal hold keeps; the receipt (stored, less the
    query): ``{"id", "at", "by", "erased": {"calls", "rows", "recording_files", "recording_objects",
    "transcript_lines_in_other_calls", "texts_replaced", "silenced_s"}, "kept_by_hold", "not_silenced",
    "not_silenced_why", "not_silenced_spans", "failed", ...}``."""
    digest = digest_of(request, subject)
    opus = OpusOptions(settings.recorder.opus_bitrate_bps)  # a silenced Ogg is encoded again as it was made
    receipt = await run_in_threadpool(erase, store, recordings, subject, admin.name, digest, opus, runtime.uploads)
    if receipt["failed"]:
        receipt["warning"] = "some calls were not erased (the object store failed): erase again"
    return receipt


@router.get("/receipts")
def list_receipts(store: StoreDep, admin: AdminDep) -> list[dict[str, Any]]:
    """Every erasure's receipt, newest first (never the person's number or name)."""
    return receipts(store)


@router.post("/receipts/search")
def search_receipts(subject: SubjectDep, request: Request, store: StoreDep, admin: AdminDep) -> list[dict[str, Any]]:
    """The receipts of erasures for this person (matched by the HMAC of the query): "was this caller
    erased, and when?"."""
    found = receipts(store, digest_of(request, subject))
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no erasure for this person (by this exact query)")
    return found
