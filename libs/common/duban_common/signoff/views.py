"""How a draft is shown: its chain in words, who took which step, and what it waits for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from .model import DOC_TYPES, ROLE_NAMES, Chain

STATUS_NAMES = {"pending": "待签批", "issued": "已签发", "refused": "已退回"}
DECISION_NAMES = {"approve": "同意", "refuse": "退回"}


class StepOut(BaseModel):
    step: int = Field(description="1 for the first step")
    action: str
    role: str
    role_name: str
    person: str | None = Field(None, description="who took it (None: not yet)")
    decision: str | None = None
    decision_name: str | None = None
    reason: str | None = None
    at: datetime | None = None


class DraftOut(BaseModel):
    """A draft as the approvers' lists and pages show it: its document, where it waits, its steps."""

    id: str
    doc_type: str
    doc_name: str
    title: str
    task_id: str | None
    period: str | None
    unit: str | None
    status: str = Field(description="pending / issued / refused")
    status_name: str
    waiting_for: str | None = Field(None, description="the next step in words, while pending")
    number: str | None = Field(None, description="the document number, taken when issued")
    chain: str = Field(description="the chain in words")
    steps: list[StepOut] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    created_by: str
    issued_at: datetime | None = None


def draft_out(row: dict) -> DraftOut:
    chain = Chain.model_validate(row["chain"])
    taken = {s["step"]: s for s in row.get("steps", [])}
    steps = [_step_out(index, step.action, step.role, taken.get(index)) for index, step in enumerate(chain.steps)]
    waiting = chain.steps[row["next_step"]].label() if row["status"] == "pending" and chain.steps else None
    return DraftOut(
        id=row["id"],
        doc_type=row["doc_type"],
        doc_name=DOC_TYPES.get(row["doc_type"], row["doc_type"]),
        title=row["title"],
        task_id=row["task_id"],
        period=row["period"],
        unit=row["unit"],
        status=row["status"],
        status_name=STATUS_NAMES[row["status"]],
        waiting_for=waiting,
        number=row["number"],
        chain=chain.describe(),
        steps=steps,
        payload=row["payload"] or {},
        created_at=row["created_at"],
        created_by=row["created_by"],
        issued_at=row["issued_at"],
    )


def _step_out(index: int, action: str, role: str, taken: dict | None) -> StepOut:
    out = StepOut(step=index + 1, action=action, role=role, role_name=ROLE_NAMES[role])
    if taken is not None:
        out.person, out.decision, out.reason, out.at = (
            taken["person_name"],
            taken["decision"],
            taken["reason"],
            taken["at"],
        )
        out.decision_name = DECISION_NAMES[taken["decision"]]
    return out
