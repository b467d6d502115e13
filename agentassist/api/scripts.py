"""Call scripts: list, read (any version), version history, save a new version.

Every signed-in user reads; admins, supervisors and team leaders write. A script saved here
is validated first (422 naming every problem with its line; nothing changes), gets the next
version number, and applies at once to every active call that follows it (the runtime's
:meth:`~agentassist.api.deps.Runtime.apply_script`); those calls keep the progress of steps whose ids persist.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from agentassist.api.deps import BusDep, Runtime, RuntimeDep, ScriptsDep, StoreDep, UserDep, require
from agentassist.assist.script import Script
from agentassist.assist.versions import ScriptVersions, error_lines
from agentassist.bus import EventBus
from agentassist.errors import ScriptError
from agentassist.store.db import Store, UserRecord

router = APIRouter(prefix="/api/scripts", tags=["scripts"])

WRITER_ROLES = ("admin", "supervisor", "team_leader")
_YAML_TYPES = ("text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml", "text/plain")
_MAX_SCRIPT_BYTES = 1_000_000


class ScriptListed(BaseModel):
    id: str
    title: str
    version: int
    language: str
    campaign: str
    steps: int
    file: str


class ScriptProblem(BaseModel):
    file: str | None
    line: int | None
    column: int | None = None  # 1-based, where the parser knew it
    message: str


class ScriptList(BaseModel):
    items: list[ScriptListed]
    errors: list[ScriptProblem]


class ScriptRefused(BaseModel):
    detail: str
    errors: list[ScriptProblem]


class ScriptOut(BaseModel):
    id: str
    version: int
    current_version: int | None
    title: str
    yaml: str
    summary: dict[str, Any]


class VersionOut(BaseModel):
    version: int
    saved_at: str
    by: str


class VersionList(BaseModel):
    id: str
    current_version: int
    items: list[VersionOut]


class SavedOut(BaseModel):
    id: str
    version: int
    changed: bool
    applied_to: list[str]


def summary(script: Script) -> dict[str, Any]:
    """What a page shows of a script without parsing its YAML."""
    return {
        "language": script.language,
        "campaign": script.campaign,
        "handle_time_s": script.handle_time_s,
        "variables": dict(script.variables),
        "steps": [
            {
                "id": s.id,
                "say": list(s.say),
                "mandatory": s.mandatory,
                "compliance": s.compliance,
                "after": list(s.after),
                "time_budget_s": s.time_budget_s,
                "say_within_s": s.say_within_s,
                "must_hear": list(s.must_hear),
            }
            for s in script.steps
        ],
        "cards": [{"id": c.id, "title": c.title, "triggers": list(c.triggers)} for c in script.cards],
        "intents": [{"id": i.id, "triggers": list(i.triggers), "goto": i.goto, "card": i.card} for i in script.intents],
        "forbidden": list(script.forbidden),
        "dispositions": list(script.dispositions),
        "alerts": dict(script.alerts),
    }


def etag(version: int) -> str:
    return f'"{version}"'


@router.get("", response_model=ScriptList)
def list_scripts(scripts: ScriptsDep, user: UserDep) -> dict[str, Any]:
    """Every script of scripts_dir at its current version, and the files that failed to load (with lines)."""
    scripts.refresh()
    items = []
    for script_id in scripts.ids():
        found = scripts.current(script_id)
        if found is None:
            continue
        s = found[0]
        items.append(
            {
                "id": s.id,
                "title": s.title or s.id,
                "version": s.version,
                "language": s.language,
                "campaign": s.campaign,
                "steps": len(s.steps),
                "file": Path(s.source).name,
            }
        )
    return {"items": items, "errors": error_lines(scripts.errors)}


@router.get("/{script_id}", response_model=ScriptOut)
def get_script(
    script_id: str,
    scripts: ScriptsDep,
    user: UserDep,
    response: Response,
    version: Annotated[int | None, Query(ge=1, description="an earlier version; default the current one")] = None,
) -> dict[str, Any]:
    scripts.refresh()
    current = scripts.current(script_id)
    try:
        found = current if version is None else scripts.version(script_id, version)
    except ScriptError as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"version {version} of {script_id!r} no longer validates: {exc.errors[0]}"
        ) from None
    if found is None:
        have = ", ".join(str(v.version) for v in scripts.versions(script_id))
        if version is None or not have:
            gone = f" (its file is gone; saved versions: {have})" if have else ""
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no script with id {script_id!r}{gone}")
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"script {script_id!r} has no version {version} (have: {have})")
    script, text = found
    if current is not None:
        response.headers["ETag"] = etag(current[0].version)
    return {
        "id": script.id,
        "version": script.version,
        "current_version": current[0].version if current is not None else None,
        "title": script.title or script.id,
        "yaml": text,
        "summary": summary(script),
    }


@router.get("/{script_id}/versions", response_model=VersionList)
def list_versions(script_id: str, scripts: ScriptsDep, user: UserDep) -> dict[str, Any]:
    scripts.refresh()
    current = scripts.current(script_id)
    if current is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no script with id {script_id!r}")
    items = [v.to_json() for v in scripts.versions(script_id)]
    return {"id": script_id, "current_version": current[0].version, "items": items}


_PUT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/yaml": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {"type": "object", "properties": {"yaml": {"type": "string"}}, "required": ["yaml"]}
            },
        },
    }
}


@router.put(
    "/{script_id}",
    response_model=SavedOut,
    openapi_extra=_PUT_BODY,
    responses={201: {"model": SavedOut}, 412: {}, 422: {"model": ScriptRefused, "description": "invalid script"}},
)
async def put_script(
    script_id: str,
    request: Request,
    scripts: ScriptsDep,
    runtime: RuntimeDep,
    store: StoreDep,
    bus: BusDep,
    user: Annotated[UserRecord, require(*WRITER_ROLES)],
) -> Response:
    """Save a new version (YAML as text/yaml, or JSON ``{"yaml": ...}``); live calls on the script get it now.

    ``If-Match: "<version>"`` refuses the save (412) unless that is still the current version.
    """
    text = await _script_text(request)
    try:
        script, changed, created, applied = await save_version(
            script_id, text, request.headers.get("if-match"), scripts, runtime, store, user, bus
        )
    except ScriptError as exc:
        return refused(exc, f"script {script_id!r} is invalid, nothing was saved")
    body = {"id": script.id, "version": script.version, "changed": changed, "applied_to": applied}
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return JSONResponse(body, code, headers={"ETag": etag(script.version)})


def refused(exc: ScriptError, what: str) -> JSONResponse:
    """422 ScriptRefused: ``what`` with the first problem in ``detail``, every problem by line in ``errors``."""
    problems = error_lines(exc.errors, exc.columns)
    detail = f"{what}: {exc.errors[0]}"
    if len(problems) > 1:
        detail += f" (and {len(problems) - 1} more)"
    return JSONResponse({"detail": detail, "errors": problems}, status.HTTP_422_UNPROCESSABLE_CONTENT)


async def save_version(
    script_id: str,
    text: str,
    if_match: str | None,
    scripts: ScriptVersions,
    runtime: Runtime,
    store: Store,
    user: UserRecord,
    bus: EventBus,
) -> tuple[Script, bool, bool, list[str]]:
    """The one way a script version is saved (an edit, an accepted offer): validated, written, applied to
    every running call that follows the script (on every node: ``bus``), audited. Returns the script as
    saved, whether it changed, whether it is new, and the calls of this node it was applied to.

    Raises ScriptError when the text is invalid (nothing saved), HTTPException 412 when ``if_match``
    is not the current version's ETag."""
    script, changed, created = await run_in_threadpool(_save, script_id, text, if_match, scripts, user)
    applied: list[str] = []
    if changed:
        applied = await run_in_threadpool(runtime.apply_script, script)
        saved = scripts.current(script.id)
        if saved is not None:  # other nodes apply it to their calls ([bus] url); applied_to counts this node's
            bus.announce_script(script.id, saved[0].version, saved[1])
        detail = f"{script.id} version {script.version}" + (f"; applied to {len(applied)} calls" if applied else "")
        await run_in_threadpool(store.audit, user, "script_saved", None, detail)
    return script, changed, created, applied


def _save(
    script_id: str, text: str, if_match: str | None, scripts: ScriptVersions, user: UserRecord
) -> tuple[Script, bool, bool]:
    scripts.refresh()
    current = scripts.current(script_id)
    if if_match is not None and if_match.strip() != "*":
        have = etag(current[0].version) if current is not None else "none"
        if if_match.strip().removeprefix("W/") != have:
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED,
                f"script {script_id!r} is at version {have}, not {if_match.strip()}: reload it and save again",
            )
    try:
        script, changed = scripts.save(script_id, text, user.name)
    except OSError as exc:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"could not write the script: {exc}") from None
    return script, changed, current is None


async def _script_text(request: Request) -> str:
    raw = await request.body()
    if len(raw) > _MAX_SCRIPT_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"script over {_MAX_SCRIPT_BYTES} bytes")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"body is not UTF-8 text ({exc.reason})") from None
    if kind == "application/json":
        try:
            body = json.loads(decoded)
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"body is not JSON: {exc}") from None
        if not isinstance(body, dict) or not isinstance(body.get("yaml"), str):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, 'expected a JSON object {"yaml": "<script>"}')
        return str(body["yaml"])
    if kind and kind not in _YAML_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type {kind!r}: expected text/yaml or application/json {{'yaml': ...}}",
        )
    return decoded
