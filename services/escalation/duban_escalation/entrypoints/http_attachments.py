"""Files for a task's written explanations (书面说明) over HTTP (duban_common.attachment_routes):
the unit escalation urges on the task and the supervision office add them; whoever may see the
task downloads them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common import attachment_routes, auth

from ..adapters.orm import attachments, watched_tasks


async def _unit(session: AsyncSession, tenant: str, task_id: str) -> tuple[bool, str | None]:
    """(whether escalation knows the task, the unit it urges on it)."""
    row = (await session.execute(select(watched_tasks.c.unit).where(watched_tasks.c.tenant == tenant,
                                                                    watched_tasks.c.task_id == task_id))).first()
    return (row is not None, row.unit if row else None)


async def may_see(session: AsyncSession, tenant: str, task_id: str, request: Request) -> bool:
    """A task escalation knows; for a unit handler, one its unit is urged on. (Which roles may
    add files or read them is the access table's to say.)"""
    known, unit = await _unit(session, tenant, task_id)
    own = auth.unit_scope(request)
    return known and (own is None or own == unit)


def router(runtime) -> APIRouter:
    return attachment_routes.router(runtime, attachments, may_report=may_see, may_see=may_see)
