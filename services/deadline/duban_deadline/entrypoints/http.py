"""Deadline over HTTP: a task's deadline with its light, timers and history; the list of
deadlines by light. The calendar, policy and extension routes live beside this file."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from duban_common import auth
from duban_common.db import plain
from duban_common.http import ERROR_RESPONSES, OFFSET_MAX
from duban_common.unitscope import on_unit

from ..adapters import repository as repo
from ..adapters.orm import deadline_history, deadlines, extensions
from ..domain.lights import DONE, light
from . import common, http_calendar, http_extensions, http_policies


def routers(runtime, settings) -> list[APIRouter]:
    return [router(runtime, settings), http_calendar.router(runtime, settings), http_policies.router(runtime, settings),
            http_extensions.router(runtime, settings)]


def _public(row: dict, lamp: str) -> dict:
    out = {k: v for k, v in row.items() if k not in ("basis", "origin")}
    out["light"] = lamp
    out["notice_late"] = bool(row.get("notice_late_workdays"))
    return out


def router(runtime, settings) -> APIRouter:
    r = APIRouter(tags=["deadlines"], responses=ERROR_RESPONSES)

    @r.get("/v1/tenants/{tenant}/tasks/{task_id}/deadline")
    async def task_deadline(tenant: str, task_id: str) -> dict:
        common.valid_tenant(tenant)
        async with runtime.db.read() as s:
            row = await repo.get_deadline(s, tenant, task_id)
            if row is None:
                raise HTTPException(404, f"任务 {task_id} 不存在")
            cal = await repo.load_calendar(s, tenant)
            p = await repo.load_policy(s, tenant, settings.due_time)
            h, x = deadline_history.c, extensions.c
            history = (await s.execute(select(deadline_history).where(h.tenant == tenant, h.task_id == task_id)
                                       .order_by(h.revision, h.id))).mappings().all()
            exts = (await s.execute(select(extensions).where(x.tenant == tenant, x.task_id == task_id)
                                    .order_by(x.requested_at, x.id))).mappings().all()
            tmrs = await repo.task_timers(s, tenant, task_id)
        now = runtime.clock.now()
        return {**_public(row, light(cal, row["status"], row["due_on"], row["due_at"], now, p.yellow_workdays)),
                "basis": row["basis"], "history": [dict(h) for h in history], "extensions": [dict(e) for e in exts],
                "timers": tmrs}

    @r.get("/v1/tenants/{tenant}/deadlines")
    async def list_deadlines(
        request: Request,
        tenant: str,
        light_: str | None = Query(None, alias="light", pattern="^(green|yellow|red)$"),
        status: str | None = Query(None, pattern="^(open|declined|completion_submitted|completed)$"),
        provisional: bool | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=OFFSET_MAX),
    ) -> dict:
        """Open deadlines by default (status filter to see the others), soonest first, each with its light;
        a unit handler's, of the tasks its unit leads or co-handles."""
        common.valid_tenant(tenant)
        deadline_columns = deadlines.c
        q = select(deadlines).where(deadline_columns.tenant == tenant)
        q = q.where(deadline_columns.status == status) if status else q.where(deadline_columns.status.not_in(DONE))
        own = auth.unit_scope(request)
        if own:
            q = q.where(on_unit(own, deadline_columns.lead_unit, deadline_columns.co_units))
        if provisional is not None:
            q = q.where(deadline_columns.provisional.is_(provisional))
        async with runtime.db.read() as s:
            rows = (await s.execute(q.order_by(deadline_columns.due_at, deadline_columns.task_id).limit(20000))).mappings().all()
            cal = await repo.load_calendar(s, tenant)
            p = await repo.load_policy(s, tenant, settings.due_time)
        now = runtime.clock.now()
        items = [_public(plain(row), light(cal, row["status"], row["due_on"], row["due_at"], now, p.yellow_workdays)) for row in rows]
        if light_:
            items = [i for i in items if i["light"] == light_]
        counts = {c: sum(1 for i in items if i["light"] == c) for c in ("green", "yellow", "red")}
        return {"tenant": tenant, "now": now, "total": len(items), "lights": counts, "items": items[offset:offset + limit]}

    return r
