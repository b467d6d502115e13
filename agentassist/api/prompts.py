"""Prompts: WAVs kept on the server to play as the agent's voice in a placed call (POST /api/calls
with ``prompt``). Requests never name a file on the server; the store makes up each prompt's id.

A prompt belongs to this server's softphone: whoever may dial from it (its agent, a leader whose
scope holds that agent's calls, an admin: :func:`agentassist.api.deps.phone_user`) uploads, lists and
deletes its prompts. The WAV is the request body itself (``Content-Type: audio/wav``), at most 20 MiB.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from agentassist.api.deps import PhoneUserDep, PromptsDep, StoreDep
from agentassist.errors import AudioError
from agentassist.store.prompts import MAX_PROMPT_BYTES, PROMPT_ID_PATTERN, UnknownPromptError

router = APIRouter(prefix="/api/prompts", tags=["calls"])

PromptId = Annotated[str, Path(pattern=PROMPT_ID_PATTERN, description="a prompt's id, from POST /api/prompts")]
WAV_BODY = {
    "requestBody": {
        "required": True,
        "description": f"the WAV itself: 16-bit PCM, 1-8 channels, 8-192 kHz, at most {MAX_PROMPT_BYTES} bytes",
        "content": {
            "audio/wav": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class PromptOut(BaseModel):
    id: str = Field(description="send as prompt in POST /api/calls")
    name: str = Field(description="the label given at upload")
    uploaded_by: str
    uploaded_at: str | None
    size_bytes: int
    sample_rate_hz: int
    channels: int
    duration_s: float


def too_large() -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"prompt too large: expected a WAV of at most {MAX_PROMPT_BYTES} bytes"
    )


async def _body(request: Request) -> bytes:
    """The request body, read only up to the cap (a 413 past it, without reading the rest)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PROMPT_BYTES:
        raise too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PROMPT_BYTES:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("", response_model=PromptOut, status_code=status.HTTP_201_CREATED, openapi_extra=WAV_BODY)
async def upload_prompt(
    request: Request,
    store: StoreDep,
    prompts: PromptsDep,
    user: PhoneUserDep,
    name: Annotated[str, Query(max_length=200, description="a label to tell prompts apart (not a file name)")] = "",
) -> dict[str, Any]:
    """Keep a WAV to play in calls: 201 with its id; 422 saying what is wrong with a WAV a call could not play."""
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "expected the WAV itself as the request body (Content-Type: audio/wav), got a multipart form",
        )
    data = await _body(request)
    try:
        prompt = await asyncio.to_thread(prompts.add, data, name=name, by=user.name)
    except AudioError as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": str(exc), "type": "value_error"}]) from None
    await asyncio.to_thread(store.audit, user, "prompt", None, f"prompt {prompt['id']} uploaded ({len(data)} bytes)")
    return prompt


@router.get("", response_model=list[PromptOut])
def list_prompts(prompts: PromptsDep, user: PhoneUserDep) -> list[dict[str, Any]]:
    """Every stored prompt, oldest first."""
    return prompts.all()


@router.delete("/{prompt_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_prompt(prompt_id: PromptId, store: StoreDep, prompts: PromptsDep, user: PhoneUserDep) -> Response:
    try:
        prompts.delete(prompt_id)
    except UnknownPromptError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    store.audit(user, "prompt", detail=f"prompt {prompt_id} deleted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
