"""A task's attachments in tasking: whose task it is to add files to, and the files a report
names (duban_common.attachment_rows keeps the rows; the bytes are in the Object Store)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common import attachment_rows
from duban_common.attachments import StoredFile
from duban_common.outbox import UnitOfWork

from ..adapters.orm import attachments, tasks
from ..domain.states import IllegalTransition

listed = attachment_rows.listed


async def task_units(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    """The task's lead and co-units, to decide who may add files to it and see them."""
    row = (
        (
            await session.execute(
                select(tasks.c.id, tasks.c.lead_unit, tasks.c.co_units).where(
                    tasks.c.tenant == tenant, tasks.c.id == task_id
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def of_task(session: AsyncSession, tenant: str, task_id: str) -> dict[str, dict]:
    return await attachment_rows.of_task(session, attachments, tenant, task_id)


async def refs(uow: UnitOfWork, tenant: str, task_id: str, ids: list[str]) -> list[StoredFile]:
    """The files a report names; 422 naming any that is not one of this task's files."""
    try:
        return await attachment_rows.refs(uow.session, attachments, tenant, task_id, ids)
    except attachment_rows.UnknownAttachments as error:
        raise IllegalTransition(str(error), 422) from None
