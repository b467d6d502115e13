"""The script editor's tools: check a text, try it on a transcript, diff versions, merge a conflict.

Nothing here saves (that is ``PUT /api/scripts/{id}``, scripts.py). Those who may save a script
check, try and diff texts not saved yet; everyone who reads scripts diffs saved versions.

- ``POST /api/scripts/check``: the problems of a text by line and column, as a save would refuse it.
- ``POST /api/scripts/try``: the text's script run through the live tracker (assist/trial.py) on a
  pasted dialogue or a past call's transcript: which steps tick, when, on which line, with what.
- ``GET /api/scripts/{id}/diff``: two saved versions, line by line.
- ``POST /api/scripts/{id}/diff``: a text against a saved version; with ``base`` (the version the
  text was edited from, when another save came in between) also both edits merged in one text.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from agentassist.api.deps import ScriptsDep, SettingsDep, StoreDep, UserDep, require, visible_call
from agentassist.api.scripts import WRITER_ROLES, ScriptProblem, ScriptRefused, refused
from agentassist.assist.parsing import parse_script
from agentassist.assist.textdiff import diff, merge
from agentassist.assist.trial import MAX_UTTERANCES, TranscriptError, parse_transcript, try_script
from agentassist.assist.versions import ScriptVersions, error_lines
from agentassist.errors import ScriptError
from agentassist.restart import stored_utterance
from agentassist.store.accounts import UserRecord

router = APIRouter(prefix="/api/scripts", tags=["scripts"])

_MAX_TEXT = 1_000_000  # characters of a script or a pasted transcript, as a saved script's bytes
_SOURCE = "script.yaml"  # the file name problems of a text not saved yet are reported under
Writer = Annotated[UserRecord, require(*WRITER_ROLES)]


class CheckIn(BaseModel):
    yaml: str = Field(max_length=_MAX_TEXT)


class CheckOut(BaseModel):
    valid: bool
    id: str | None
    steps: int
    errors: list[ScriptProblem]


class TryIn(BaseModel):
    yaml: str = Field(max_length=_MAX_TEXT, description="the script, saved or not")
    transcript: str | None = Field(None, max_length=_MAX_TEXT, description="'agent: ...' / 'customer: ...' lines")
    call_id: str | None = Field(None, description="a past call whose stored transcript to use instead")
    variables: dict[str, str] = Field(default_factory=dict, description="over the call's agent and [assist] company")

    @model_validator(mode="after")
    def _one_source(self) -> TryIn:
        if (self.transcript is None) == (self.call_id is None):
            raise ValueError("expected exactly one of 'transcript' (pasted text) and 'call_id' (a past call)")
        return self


class DiffIn(BaseModel):
    yaml: str = Field(max_length=_MAX_TEXT)
    version: int | None = Field(None, ge=1, description="the saved version to compare with; default the current")
    base: int | None = Field(None, ge=1, description="the version the text was edited from: merge both edits")


@router.post("/check", response_model=CheckOut)
def check_script(body: CheckIn, user: Writer) -> dict[str, Any]:
    """Validate a text as a save would (200 either way): the editor marks the problems at their lines."""
    try:
        script = parse_script(body.yaml, _SOURCE)
    except ScriptError as exc:
        return {"valid": False, "id": None, "steps": 0, "errors": error_lines(exc.errors, exc.columns)}
    return {"valid": True, "id": script.id, "steps": len(script.steps), "errors": []}


@router.post("/try", responses={422: {"model": ScriptRefused, "description": "invalid script or transcript"}})
def try_on_transcript(body: TryIn, settings: SettingsDep, store: StoreDep, user: Writer) -> Any:
    """Which steps of the text's script would tick on a transcript, when and on what (nothing is saved)."""
    try:
        script = parse_script(body.yaml, _SOURCE)
    except ScriptError as exc:
        return refused(exc, "the script is invalid, nothing was tried")
    a = settings.assist
    variables = {"agent": a.agent_name, "company": a.company}
    lines: dict[str, int] = {}
    if body.call_id is not None:
        call = visible_call(store, body.call_id, user)
        said = [stored_utterance(body.call_id, line) for line in store.transcript(body.call_id)]
        store.audit(user, "transcript", body.call_id, "script try")
        if not said:
            raise HTTPException(status.HTTP_409_CONFLICT, f"call {body.call_id!r} has no transcript to try on")
        if len(said) > MAX_UTTERANCES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"call {body.call_id!r}: expected at most {MAX_UTTERANCES} utterances to try on, got {len(said)}",
            )
        variables["agent"] = call["agent"] or a.agent_name
    else:
        try:
            pasted = parse_transcript(body.transcript or "")
        except TranscriptError as exc:
            detail = {"detail": f"transcript: {exc}", "transcript_line": exc.line}
            return JSONResponse(detail, status.HTTP_422_UNPROCESSABLE_CONTENT)
        said, lines = pasted.utterances, pasted.lines
    result = try_script(script, said, {**variables, **body.variables}, a.tracker_options())
    for u in result["utterances"]:
        u["line"] = lines.get(u["id"])
    return {**result, "call_id": body.call_id}


@router.get("/{script_id}/diff")
def diff_versions(
    script_id: str,
    scripts: ScriptsDep,
    user: UserDep,
    old: Annotated[int | None, Query(alias="from", ge=1, description="default: the version before 'to'")] = None,
    new: Annotated[int | None, Query(alias="to", ge=1, description="default: the current version")] = None,
) -> dict[str, Any]:
    """Two saved versions line by line: ``{"id", "from", "to", "diff"}``."""
    current = _current_version(scripts, script_id)
    new = new or current
    old = old or max(1, new - 1)
    a, b = _text(scripts, script_id, old), _text(scripts, script_id, new)
    return {"id": script_id, "from": old, "to": new, "diff": diff(a, b, f"version {old}", f"version {new}")}


@router.post("/{script_id}/diff")
def diff_text(script_id: str, body: DiffIn, scripts: ScriptsDep, user: Writer) -> dict[str, Any]:
    """A text against a saved version; with ``base``, the text's edit of ``base`` and the saved version's
    merged (``merge.conflicts`` stretches both changed, between ``<<<<<<<``/``>>>>>>>`` lines)."""
    version = body.version or _current_version(scripts, script_id)
    saved = _text(scripts, script_id, version)
    merged: dict[str, Any] | None = None
    if body.base is not None and body.base != version:
        both = merge(_text(scripts, script_id, body.base), body.yaml, saved, "yours", f"version {version}")
        merged = {"base": body.base, "yaml": both.text, "conflicts": both.conflicts}
    change = diff(saved, body.yaml, f"version {version}", "yours")
    return {"id": script_id, "version": version, "diff": change, "merge": merged}


def _current_version(scripts: ScriptVersions, script_id: str) -> int:
    scripts.refresh()
    current = scripts.current(script_id)
    if current is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no script with id {script_id!r}")
    return current[0].version


def _text(scripts: ScriptVersions, script_id: str, version: int) -> str:
    text = scripts.text(script_id, version)
    if text is None:
        have = ", ".join(str(v.version) for v in scripts.versions(script_id))
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"script {script_id!r} has no version {version} (have: {have})")
    return text
