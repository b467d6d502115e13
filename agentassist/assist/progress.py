"""One step's progress in a call: its status, when it was said and the evidence, as the tracker keeps it.

Statuses (the contract's ``steps[].status``, docs/api.md): ``pending`` (not said yet), ``done``
(ticked), ``missed`` (a mandatory step unsaid at the end of the call) and ``unsure``: a compliance
step that its deadline (deadline.py) found near but not surely said, with the nearest sentence as
its evidence (``evidence.unsure``). An ``unsure`` step is still open: a later utterance may tick it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentassist.assist.script import Step

OPEN = ("pending", "unsure")


@dataclass
class StepState:
    step: Step
    status: str = "pending"  # pending | done | missed | unsure
    t: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    provisional: str = ""  # utterance id of the partial that ticked it, until its final
    doubt: dict[str, Any] = field(default_factory=dict)  # the evidence that left it unsure, kept under a tick
    index: int = 0  # its place in the script's steps, for the steps just before it (the tracker's _in_order)

    @property
    def open(self) -> bool:
        """Not said for sure: a later utterance may still tick it."""
        return self.status in OPEN

    def to_json(self, status: str | None = None) -> dict[str, Any]:
        return {"id": self.step.id, "status": status or self.status, "t": self.t, "evidence": self.evidence}

    def withdraw(self) -> None:
        """A partial's tick its final did not confirm: back to pending, or to unsure as it was."""
        self.provisional = ""
        if self.doubt:
            self.status, self.t, self.evidence = "unsure", self.doubt["t"], self.doubt
        else:
            self.status, self.t, self.evidence = "pending", None, {}

    def doubted(self, evidence: dict[str, Any]) -> bool | None:
        """Left unsure on ``evidence`` (a deadline's nearest sentence): True the first time, False when a
        nearer sentence replaces the evidence, None when nothing changed (no event to send)."""
        if self.status == "unsure" and self.evidence.get("similarity", 0.0) >= evidence["similarity"]:
            return None
        first = self.status != "unsure"
        self.status, self.t, self.evidence, self.doubt = "unsure", evidence["t"], evidence, evidence
        return first


def unsure_alert(step_id: str, evidence: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ``compliance_unsure`` alert's message and fields: the nearest sentence, for the agent and the checker."""
    near = evidence.get("near", True)
    nearest = f"nearest: {evidence['text']!r}" if near else "no sentence of the call is near it"
    message = f"compliance step {step_id!r}: said in other words? {nearest}"
    fields = {k: evidence[k] for k in ("utterance_id", "text", "similarity", "line")}
    return message, {"step": step_id, "said_at": evidence["t"], "near": near, **fields}
