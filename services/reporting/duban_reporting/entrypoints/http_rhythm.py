"""The reporting rhythm's drafts over HTTP: the monthly supervision summaries, quarterly bulletins
and annual assessments reporting drafted by itself at each period's end, what they say, and the
sign-off that issues (numbers and publishes) or refuses them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from duban_common import auth
from duban_common.documents.issuing import IssuingLookup
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX, valid_tenant

from ..adapters.units import UnitNames
from ..domain.rhythm import KIND_LABEL, KINDS
from ..service_layer import publishing, rhythm
from ..service_layer.report_content import ReportRefused

router = APIRouter(tags=["reporting rhythm"], responses=ERROR_RESPONSES)
STATE_LABEL = {"waiting": "待签发", "issued": "已签发", "refused": "已退回"}
DRAFTS = "/v1/tenants/{tenant}/rhythm/drafts"


class RefusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=2, max_length=500, description="why the draft goes back (退回理由)")


def runtime_of(request: Request):
    return request.app.state.runtime


def offices_of(request: Request) -> IssuingLookup:
    """The tenants' issuing bodies (intake's registry), set on the runtime by the bootstrap."""
    return request.app.state.runtime.offices


def names_of(request: Request) -> UnitNames:
    return request.app.state.runtime.unit_names


def described(draft: dict) -> dict:
    links = {"report": f"/v1/tenants/{draft['tenant']}/reports/{draft['report_id']}"} if draft.get("report_id") else {}
    return jsonable_encoder({**draft, "kind_label": KIND_LABEL[draft["kind"]], "state_label": STATE_LABEL[draft["state"]], "links": links})


@router.get(DRAFTS)
async def list_drafts(tenant: str, state: Literal["waiting", "issued", "refused"] | None = None,
                      kind: Literal[KINDS] | None = None,  # type: ignore[valid-type]
                      limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX), runtime=Depends(runtime_of)) -> dict:
    """The drafts of the reporting rhythm, newest first (state=waiting: those waiting for sign-off)."""
    valid_tenant(tenant)
    async with runtime.db.read() as session:
        total, items = await rhythm.drafts(session, tenant, state=state, kind=kind, limit=limit, offset=offset)
    return {"tenant": tenant, "total": total, "limit": limit, "offset": offset, "items": [described(item) for item in items]}


@router.get(DRAFTS + "/{draft_id}")
async def get_draft(tenant: str, draft_id: str, runtime=Depends(runtime_of)) -> dict:
    """One draft with its summary: the period's figures, the unit ranking and the units flagged for a talk (约谈)."""
    valid_tenant(tenant)
    async with runtime.db.read() as session:
        draft = await rhythm.one_draft(session, tenant, draft_id)
    if draft is None:
        raise HTTPException(404, f"草稿 {draft_id} 不存在")
    return described(draft)


@router.post(DRAFTS + "/{draft_id}/issue")
async def issue_draft(request: Request, tenant: str, draft_id: str, runtime=Depends(runtime_of),
                      offices: IssuingLookup = Depends(offices_of), unit_names: UnitNames = Depends(names_of)) -> dict:
    """签发: number the draft (gapless, per kind and year), render it and publish it (report.published)."""
    valid_tenant(tenant)
    async with runtime.db.read() as session:
        draft = await rhythm.one_draft(session, tenant, draft_id)
    if draft is None:
        raise HTTPException(404, f"草稿 {draft_id} 不存在")
    issuing = await publishing.office_issuing(runtime.settings, offices, tenant, draft["kind"])
    names = await unit_names.of(tenant)
    try:
        row = await rhythm.issue(runtime.unit_of_work, runtime.db.read, tenant, draft_id, issued_by=auth.acting_person(request),
                                 names=names, issuing=issuing)
    except (rhythm.DraftRefused, ReportRefused) as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return publishing.describe(row)


@router.post(DRAFTS + "/{draft_id}/refuse")
async def refuse_draft(request: Request, tenant: str, draft_id: str, body: RefusalIn, runtime=Depends(runtime_of)) -> dict:
    """退回: the draft is recorded as refused, with the reason in the audit log, and takes no number."""
    valid_tenant(tenant)
    try:
        draft = await rhythm.refuse(runtime.unit_of_work, tenant, draft_id, body.reason, refused_by=auth.acting_person(request))
    except rhythm.DraftRefused as refused:
        raise HTTPException(refused.status, str(refused)) from None
    return described(draft)
