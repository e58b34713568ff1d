"""Escalation's sign-off routes of its own: the office's assessment of a unit's written explanation
at the transfer rung (the shared draft and approval routes are duban_common.signoff.routes)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from duban_common import auth
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, valid_tenant
from duban_common.signoff import SignoffError

from ..service_layer import assessment, views

ASSESSMENT = "/v1/tenants/{tenant}/tasks/{task_id}/explanation-assessment"
WAITING = "/v1/tenants/{tenant}/explanation-assessments"
router = APIRouter(tags=["escalation"], responses=ERROR_RESPONSES)


class AssessmentIn(BaseModel):
    assessment: Literal["充分", "不充分"] = Field(
        description="the unit's written explanation is adequate (充分) or not (不充分)"
    )
    reason: str = Field(min_length=2, max_length=2000, description="why, as the office writes it")


class AssessmentOut(BaseModel):
    task_id: str
    assessment: str
    reason: str
    assessed_by: str
    transfer_draft_id: str | None = Field(
        None, description="不充分: the transfer's draft, waiting for its sign-off chain"
    )


@router.post(ASSESSMENT, response_model=AssessmentOut)
async def assess(
    tenant: str,
    task_id: str,
    body: AssessmentIn,
    runtime: RuntimeDep,
    person: auth.ActingPerson,
) -> AssessmentOut:
    """At the transfer rung: 不充分 drafts the transfer (移送函), which the government's leader approves;
    充分 is recorded and the task stays with the office. No explanation at all can only be 不充分."""
    try:
        async with runtime.unit_of_work() as uow:
            row = await assessment.assess_task(
                uow,
                runtime.signoff,
                valid_tenant(tenant),
                task_id,
                body.assessment == "充分",
                body.reason.strip(),
                person or "督查室",
            )
    except SignoffError as error:
        raise HTTPException(error.status, str(error)) from None
    return AssessmentOut(
        task_id=task_id,
        assessment=assessment.WORDS[row["adequate"]],
        reason=row["reason"],
        assessed_by=row["assessed_by"],
        transfer_draft_id=row["draft_id"],
    )


@router.get(WAITING)
async def waiting(
    tenant: str,
    runtime: RuntimeDep,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> dict:
    """The tasks at the transfer rung whose written explanation waits for the office's 充分/不充分,
    oldest first; ``explained`` says whether the unit gave one (none at all can only be 不充分)."""
    items = await views.waiting_assessments(runtime.db, valid_tenant(tenant))
    return {"tenant": tenant, "total": len(items), "items": items[offset : offset + limit]}
