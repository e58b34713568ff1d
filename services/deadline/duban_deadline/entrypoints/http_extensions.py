"""Extension requests and decisions over HTTP (延期申请 / 审批)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from duban_common import auth
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX

from ..adapters.orm import extensions
from ..domain.extensions import Refused
from ..service_layer import extensions as service
from . import common


class ExtensionRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why the unit needs more time")
    requested_due_on: date
    requested_by: str | None = Field(None, max_length=200, deprecated=True,
                                     description="ignored: who asked is the token's holder (name and unit)")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approved", "denied"]
    reason: str | None = Field(None, max_length=2000)
    due_on: date | None = Field(None, description="grant another day than requested (approved only)")
    decided_by: str | None = Field(None, max_length=200, deprecated=True, description="ignored: who decided is the token's holder")


def router(runtime, settings) -> APIRouter:
    r = APIRouter(tags=["extensions"], responses=ERROR_RESPONSES)

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/extensions", status_code=201)
    async def request_extension(tenant: str, task_id: str, body: ExtensionRequestIn, who: str | None = Depends(auth.acting_person)) -> dict:
        common.valid_tenant(tenant)
        try:
            async with runtime.unit_of_work() as uow:
                return await service.request(uow, tenant, task_id, reason=body.reason.strip(), requested_due_on=body.requested_due_on,
                                             requested_by=who)
        except service.NotFound as e:
            raise HTTPException(404, str(e)) from None
        except Refused as e:
            raise common.refusal(e) from None

    @r.get("/v1/tenants/{tenant}/tasks/{task_id}/extensions")
    async def list_extensions(tenant: str, task_id: str) -> dict:
        common.valid_tenant(tenant)
        async with runtime.db.read() as s:
            rows = (await s.execute(select(extensions).where(extensions.c.tenant == tenant, extensions.c.task_id == task_id)
                                    .order_by(extensions.c.requested_at, extensions.c.id))).mappings().all()
        return {"tenant": tenant, "task_id": task_id, "items": [dict(x) for x in rows]}

    @r.get("/v1/tenants/{tenant}/extensions")
    async def list_tenant_extensions(tenant: str, status: Literal["pending", "approved", "denied"] | None = None,
                                     limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=OFFSET_MAX)) -> dict:
        """The tenant's extension requests, oldest first; ``status=pending`` is what awaits a decision (延期待批)."""
        common.valid_tenant(tenant)
        x = extensions.c
        q = select(extensions).where(x.tenant == tenant)
        if status:
            q = q.where(x.status == status)
        async with runtime.db.read() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = (await s.execute(q.order_by(x.requested_at, x.id).limit(limit).offset(offset))).mappings().all()
        return {"tenant": tenant, "total": total, "items": [dict(row) for row in rows]}

    @r.post("/v1/tenants/{tenant}/tasks/{task_id}/extensions/{extension_id}/decision")
    async def decide(tenant: str, task_id: str, extension_id: str, body: DecisionIn, who: str | None = Depends(auth.acting_person)) -> dict:
        common.valid_tenant(tenant)
        try:
            async with runtime.unit_of_work() as uow:
                return await service.decide(uow, tenant, task_id, extension_id, approved=body.decision == "approved",
                                            reason=body.reason, granted_due_on=body.due_on, decided_by=who,
                                            default_due_time=settings.due_time)
        except service.NotFound as e:
            raise HTTPException(404, str(e)) from None
        except Refused as e:
            raise common.refusal(e) from None

    return r
