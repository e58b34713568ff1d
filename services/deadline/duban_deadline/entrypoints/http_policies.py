"""A tenant's deadline policy over HTTP: DESIGN.md §5 defaults and what the tenant changed.

A changed policy applies to tasks assigned afterwards (each deadline keeps the rule it was
computed with, see ``domain.policy.Basis``); light thresholds apply at once.
"""

from __future__ import annotations

from fastapi import APIRouter

from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES

from ..domain.settings import PolicyOverrides, describe, effective
from ..service_layer import policies, views
from . import common

router = APIRouter(tags=["deadline policies"], responses=ERROR_RESPONSES)


@router.get("/v1/tenants/{tenant}/deadline-policies")
async def get_policies(tenant: str, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    overrides = await views.policy_overrides(runtime.db, tenant)
    return {"tenant": tenant, **describe(effective(overrides, default_due_time=runtime.settings.due_time), overrides)}


@router.put("/v1/tenants/{tenant}/deadline-policies")
async def put_policies(tenant: str, body: PolicyOverrides, runtime: RuntimeDep) -> dict:
    """Replaces the tenant's overrides with ``body`` (an empty body restores the defaults)."""
    common.valid_tenant(tenant)
    policy = effective(body, default_due_time=runtime.settings.due_time)
    if policy.reminder_time >= policy.due_time:
        raise common.field_error(
            ["body", "settings", "reminder_time"], f"must be earlier than the due time {policy.due_time:%H:%M}"
        )
    async with runtime.unit_of_work() as uow:
        await policies.replace_overrides(uow, tenant, body)
    return {"tenant": tenant, **describe(policy, body)}
