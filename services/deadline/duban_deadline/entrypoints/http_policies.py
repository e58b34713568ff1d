"""A tenant's deadline policy over HTTP: DESIGN.md §5 defaults and what the tenant changed.

A changed policy applies to tasks assigned afterwards (each deadline keeps the rule it was
computed with, see ``domain.policy.Basis``); light thresholds apply at once.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import delete

from duban_common.http import ERROR_RESPONSES

from ..adapters import repository as repo
from ..adapters.orm import tenant_policies
from ..domain.settings import PolicyOverrides, describe, effective
from . import common


def router(runtime, settings) -> APIRouter:
    r = APIRouter(tags=["deadline policies"], responses=ERROR_RESPONSES)

    @r.get("/v1/tenants/{tenant}/deadline-policies")
    async def get_policies(tenant: str) -> dict:
        common.valid_tenant(tenant)
        async with runtime.db.read() as s:
            overrides = await repo.load_overrides(s, tenant)
        return {"tenant": tenant, **describe(effective(overrides, default_due_time=settings.due_time), overrides)}

    @r.put("/v1/tenants/{tenant}/deadline-policies")
    async def put_policies(tenant: str, body: PolicyOverrides) -> dict:
        """Replaces the tenant's overrides with ``body`` (an empty body restores the defaults)."""
        common.valid_tenant(tenant)
        p = effective(body, default_due_time=settings.due_time)
        if p.reminder_time >= p.due_time:
            raise common.field_error(["body", "settings", "reminder_time"], f"must be earlier than the due time {p.due_time:%H:%M}")
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(delete(tenant_policies).where(tenant_policies.c.tenant == tenant))
            await uow.session.execute(tenant_policies.insert(), dict(
                tenant=tenant, overrides=body.model_dump(mode="json", exclude_unset=True), updated_at=uow.now()))
        return {"tenant": tenant, **describe(p, body)}

    return r
