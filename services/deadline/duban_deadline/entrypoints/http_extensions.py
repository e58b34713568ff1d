"""Extension requests and decisions over HTTP (延期申请 / 审批)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from duban_common import auth
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX
from duban_common.outbox import UnitOfWork
from duban_common.runtime import Runtime

from ..domain.extensions import Refused
from ..service_layer import extensions as service
from ..service_layer import views
from . import common


class ExtensionRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why the unit needs more time")
    requested_due_on: date
    requested_by: str | None = Field(
        None, max_length=200, deprecated=True, description="ignored: who asked is the token's holder (name and unit)"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approved", "denied"]
    reason: str | None = Field(None, max_length=2000)
    due_on: date | None = Field(None, description="grant another day than requested (approved only)")
    decided_by: str | None = Field(
        None, max_length=200, deprecated=True, description="ignored: who decided is the token's holder"
    )


router = APIRouter(tags=["extensions"], responses=ERROR_RESPONSES)


@contextlib.asynccontextmanager
async def _unit_of_work(runtime: Runtime, tenant: str) -> AsyncIterator[UnitOfWork]:
    """The tenant checked, then a unit of work whose refusals answer as HTTP: a request or a deadline
    not found 404, a broken extension rule 409 or 422 (common.refusal)."""
    common.valid_tenant(tenant)
    try:
        async with runtime.unit_of_work() as uow:
            yield uow
    except service.NotFound as error:
        raise HTTPException(404, str(error)) from None
    except Refused as refused:
        raise common.refusal(refused) from None


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/extensions", status_code=201)
async def request_extension(
    tenant: str, task_id: str, body: ExtensionRequestIn, runtime: RuntimeDep, who: auth.ActingPerson
) -> dict:
    async with _unit_of_work(runtime, tenant) as uow:
        return await service.request(
            uow, tenant, task_id, reason=body.reason.strip(), requested_due_on=body.requested_due_on, requested_by=who
        )


@router.get("/v1/tenants/{tenant}/tasks/{task_id}/extensions")
async def list_extensions(tenant: str, task_id: str, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    return {"tenant": tenant, "task_id": task_id, "items": await views.task_extensions(runtime.db, tenant, task_id)}


@router.get("/v1/tenants/{tenant}/extensions")
async def list_tenant_extensions(
    tenant: str,
    runtime: RuntimeDep,
    status: Literal["pending", "approved", "denied"] | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict:
    """The tenant's extension requests, oldest first; ``status=pending`` is what awaits a decision (延期待批)."""
    common.valid_tenant(tenant)
    total, items = await views.tenant_extensions(runtime.db, tenant, status, limit, offset)
    return {"tenant": tenant, "total": total, "items": items}


@router.post("/v1/tenants/{tenant}/tasks/{task_id}/extensions/{extension_id}/decision")
async def decide(
    tenant: str, task_id: str, extension_id: str, body: DecisionIn, runtime: RuntimeDep, who: auth.ActingPerson
) -> dict:
    async with _unit_of_work(runtime, tenant) as uow:
        return await service.decide(
            uow,
            tenant,
            task_id,
            extension_id,
            approved=body.decision == "approved",
            reason=body.reason,
            granted_due_on=body.due_on,
            decided_by=who,
            default_due_time=runtime.settings.due_time,
        )
