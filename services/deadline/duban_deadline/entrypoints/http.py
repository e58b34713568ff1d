"""Deadline over HTTP: a task's deadline with its light, timers and history; the list of
deadlines by light. The calendar, policy and extension routes live beside this file."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

from duban_common import auth
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX
from duban_common.unitscope import on_unit

from ..service_layer import views
from . import common, http_calendar, http_extensions, http_policies

router = APIRouter(tags=["deadlines"], responses=ERROR_RESPONSES)
ROUTERS = [router, http_calendar.router, http_policies.router, http_extensions.router]


@router.get("/v1/tenants/{tenant}/tasks/{task_id}/deadline")
async def task_deadline(tenant: str, task_id: str, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    found = await views.task_deadline(runtime.db, runtime.clock.now(), tenant, task_id, runtime.settings.due_time)
    if found is None:
        raise HTTPException(404, f"任务 {task_id} 不存在")
    return found


@router.get("/v1/tenants/{tenant}/deadlines")
async def list_deadlines(
    request: Request,
    tenant: str,
    runtime: RuntimeDep,
    light_: str | None = Query(None, alias="light", pattern="^(green|yellow|red)$"),
    status: str | None = Query(None, pattern="^(open|declined|completion_submitted|completed)$"),
    provisional: bool | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict:
    """Open deadlines by default (status filter to see the others), soonest first, each with its light;
    a unit handler's, of the tasks its unit leads or co-handles."""
    common.valid_tenant(tenant)
    own = auth.unit_scope(request)
    narrow = (lambda columns: on_unit(own, columns.lead_unit, columns.co_units)) if own else None
    now = runtime.clock.now()
    items = await views.deadlines_by_light(
        runtime.db, now, tenant, runtime.settings.due_time, status=status, provisional=provisional, narrow=narrow
    )
    return views.light_page(tenant, now, items, light_, limit, offset)
