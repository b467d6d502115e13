"""Checkers' marks on a call's checklist and the wordings they offer to the script's editors.

A checker (the evaluator roles) marks a step of an ended call *said*, naming the agent's utterances
that said it, when the checklist missed it; or *not said* when it ticked a step the checker did not
hear; an *unsure* step either way. Everyone who sees the call reads its marks. The editors (the roles
that save scripts) read the marks on a script's steps, in the calls they see: accepting a *said*
mark saves the script's next version with the agent's words added to the step's ``say:`` (the same
save as ``PUT /api/scripts/{id}``: running calls take it, later calls tick those words); a *not
said* mark is a false tick (or an unsure step's nearest sentence), shown with the tracker's
evidence, which the editor can only dismiss (reject): no wording takes a tick away. Every mark and
decision is in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from agentassist.api.deps import (
    BusDep,
    RowId,
    RuntimeDep,
    ScriptsDep,
    StoreDep,
    UserDep,
    answering,
    require,
    visible_call,
)
from agentassist.api.scripts import WRITER_ROLES, SavedOut, etag, save_version
from agentassist.assist.wording import says, with_say
from agentassist.errors import ScriptError
from agentassist.store.db import Store, UserRecord
from agentassist.store.offers import OfferJson, Status
from agentassist.store.scope import EVALUATOR_ROLES

router = APIRouter(prefix="/api", tags=["scripts"])

Checker = Annotated[UserRecord, require(*EVALUATOR_ROLES)]
Editor = Annotated[UserRecord, require(*WRITER_ROLES)]


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step_id: str = Field(min_length=1, max_length=200)
    mark: Literal["said", "not_said"] = Field(
        description="said: the checklist missed a step the agent said (missed, pending or unsure); not_said: it"
        " ticked one the agent did not say, or left unsure one the agent did not say"
    )
    utterance_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50, description="said: the agent's utterance(s) that said the step"
    )


# The store's shape under the name the OpenAPI document has always given it (clients generate code from
# it): one definition of each field, in agentassist/store/offers.py. No docstring: it would be the schema's.
class OfferOut(OfferJson):
    pass


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        None, min_length=1, max_length=2000, pattern=r"\S", description="the wording as edited; default the offer's"
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=2000)


class AcceptedOut(BaseModel):
    offer: OfferOut
    saved: SavedOut


@router.post("/calls/{call_id}/step-marks", response_model=OfferOut, status_code=status.HTTP_201_CREATED)
def mark_step(call_id: str, body: MarkIn, store: StoreDep, user: Checker, response: Response) -> OfferJson:
    """Mark a step said (offering the agent's words) or not said; 200 when it replaces your pending mark."""
    visible_call(store, call_id, user)
    with answering():
        offer, new = store.mark_step(user, call_id, body.step_id, body.mark, body.utterance_ids)
    if not new:
        response.status_code = status.HTTP_200_OK
    said = "said" if body.mark == "said" else "not said"
    store.audit(user, "step_mark", call_id, f"step {body.step_id} marked {said} (offer {offer['id']})")
    return offer


@router.get("/calls/{call_id}/step-marks", response_model=list[OfferOut])
def list_step_marks(call_id: str, store: StoreDep, user: UserDep) -> list[OfferJson]:
    visible_call(store, call_id, user)
    return store.offers(user, call_id=call_id)


@router.get("/scripts/{script_id}/offers", response_model=list[OfferOut])
def list_offers(
    script_id: str, store: StoreDep, user: Editor, status_: Annotated[Status | None, Query(alias="status")] = None
) -> list[OfferJson]:
    """The marks on the script's steps in the calls you see, oldest first."""
    return store.offers(user, script_id=script_id, status=status_)


@router.post("/scripts/{script_id}/offers/{offer_id}/accept", response_model=AcceptedOut)
async def accept_offer(
    script_id: str,
    offer_id: RowId,
    scripts: ScriptsDep,
    runtime: RuntimeDep,
    store: StoreDep,
    bus: BusDep,
    user: Editor,
    body: AcceptIn | None = None,
) -> dict[str, Any]:
    """Add the offered wording to the step's ``say:`` in the script's next version (nothing new when the
    step says it already); running calls on the script take that version."""
    offer = await run_in_threadpool(_offer_of, store, script_id, offer_id, user)
    if offer["status"] != "pending":
        raise HTTPException(status.HTTP_409_CONFLICT, f"offer {offer_id} is {offer['status']}: expected pending")
    if offer["mark"] != "said":
        raise HTTPException(status.HTTP_409_CONFLICT, f"offer {offer_id} marks a false tick: dismiss it (reject)")
    wording = body.text if body is not None and body.text else offer["text"]
    await run_in_threadpool(scripts.refresh)
    current = scripts.current(script_id)
    if current is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no script with id {script_id!r}")
    script, text = current
    step = script.step(offer["step_id"])
    if step is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"step {offer['step_id']!r} is gone from script {script_id!r}: reject the offer"
        )
    version, changed, applied = script.version, False, list[str]()
    if not says(step, wording):
        try:
            edited = with_say(text, step.id, wording, f"{script_id}.yaml")
            new, changed, _, applied = await save_version(
                script_id, edited, etag(script.version), scripts, runtime, store, user, bus
            )
            version = new.version
        except ScriptError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"the wording cannot be added, nothing saved: {exc.errors[0]}"
            ) from None
    with answering():
        decided = await run_in_threadpool(store.decide_offer, user, offer_id, "accepted", version=version)
    detail = f"offer {offer_id}: step {step.id} of {script_id} says it from version {version}"
    await run_in_threadpool(store.audit, user, "offer_accepted", offer["call_id"], detail)
    saved = {"id": script_id, "version": version, "changed": changed, "applied_to": applied}
    return {"offer": decided, "saved": saved}


@router.post("/scripts/{script_id}/offers/{offer_id}/reject", response_model=OfferOut)
def reject_offer(
    script_id: str, offer_id: RowId, store: StoreDep, user: Editor, body: RejectIn | None = None
) -> OfferJson:
    """Turn the offer down (a false tick: dismiss it); the script stays as it is."""
    offer = _offer_of(store, script_id, offer_id, user)
    reason = (body.reason or "").strip() if body is not None else ""
    with answering():
        decided = store.decide_offer(user, offer_id, "rejected", reason=reason or None)
    store.audit(user, "offer_rejected", offer["call_id"], f"offer {offer_id}: step {offer['step_id']} of {script_id}")
    return decided


def _offer_of(store: Store, script_id: str, offer_id: int, user: UserRecord) -> OfferJson:
    """The offer if it is on this script and of a call ``user`` sees: 404, or 403 naming neither the call
    nor the agent."""
    with answering():
        offer = store.offer(offer_id)
    if offer["script_id"] != script_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"script {script_id!r} has no offer {offer_id}")
    if not store.can_see_call(user, offer["call_id"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"offer {offer_id} is on a call outside what {user.name} sees")
    return offer
