"""Files for a task's written explanations (书面说明) over HTTP (duban_common.attachment_routes):
the unit escalation urges on the task and the supervision office add them; whoever may see the
task downloads them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common import attachment_routes, auth

from ..adapters import repository
from ..adapters.orm import attachments


async def may_see(session: AsyncSession, tenant: str, task_id: str, request: Request) -> bool:
    """A task escalation knows; for a unit handler, one its unit is urged on. (Which roles may
    add files or read them is the access table's to say.)"""
    known, unit = await repository.task_unit(session, tenant, task_id)
    own = auth.unit_scope(request)
    return known and (own is None or own == unit)


def router(runtime) -> APIRouter:
    return attachment_routes.router(runtime, attachments, may_report=may_see, may_see=may_see)
