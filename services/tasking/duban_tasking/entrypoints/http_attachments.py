"""A task's attachments over HTTP (duban_common.attachment_routes): the task's lead unit, its
co-units and the supervision office add files for their reports; whoever may see the task
downloads them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common import attachment_routes, auth

from ..adapters.orm import attachments
from ..domain.states import role_on
from ..service_layer.attachments import task_units
from .actor import actor


async def may_report(session: AsyncSession, tenant: str, task_id: str, request: Request) -> bool:
    task = await task_units(session, tenant, task_id)
    return task is not None and role_on(actor(request), task["lead_unit"], task["co_units"] or []) is not None


async def may_see(session: AsyncSession, tenant: str, task_id: str, request: Request) -> bool:
    """Every role but a unit handler, and a unit handler for the tasks its unit leads or co-handles
    (the authorizer's unit scope holds this already; the download checks it again)."""
    task = await task_units(session, tenant, task_id)
    own = auth.unit_scope(request)
    return task is not None and (own is None or own == task["lead_unit"] or own in (task["co_units"] or []))


def router(runtime) -> APIRouter:
    return attachment_routes.router(runtime, attachments, may_report=may_report, may_see=may_see)
