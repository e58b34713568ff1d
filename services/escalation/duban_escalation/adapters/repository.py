"""Reading and writing escalation's tables for the routes' service functions, inside the
caller's session or transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from .orm import cases, deliveries, explanations, ladders, signoff, watched_tasks

DELIVERIES_MAX = 500  # the most deliveries one list shows


async def replace_ladder(session: AsyncSession, tenant: str, definition: dict, now: datetime) -> None:
    await session.execute(ladders.delete().where(ladders.c.tenant == tenant))
    await session.execute(ladders.insert(), dict(tenant=tenant, definition=definition, updated_at=now))


async def pending_explanation(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    """The task's first written explanation asked for and not submitted yet."""
    columns = explanations.c
    query = (
        select(explanations)
        .where(columns.tenant == tenant, columns.task_id == task_id, columns.submitted_at.is_(None))
        .order_by(columns.step)
    )
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def submit_explanation(
    session: AsyncSession, task_id: str, step: int, now: datetime, text: str, attachment_ids: list[str]
) -> None:
    columns = explanations.c
    await session.execute(
        explanations.update()
        .where(columns.task_id == task_id, columns.step == step)
        .values(submitted_at=now, text=text, attachments=attachment_ids)
    )


async def watched_task(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    query = select(watched_tasks).where(watched_tasks.c.tenant == tenant, watched_tasks.c.task_id == task_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def task_rows(session: AsyncSession, table: Table, task_id: str, *order) -> list[dict]:
    """The rows of ``table`` about the task, in ``order``."""
    query = select(table).where(table.c.task_id == task_id).order_by(*order)
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def drafts_of(session: AsyncSession, tenant: str, task_id: str) -> list[dict]:
    """The task's drafts (notices, bulletins, the transfer) and where each stands in its chain."""
    columns = signoff.drafts.c
    shown = (
        columns.id,
        columns.doc_type,
        columns.title,
        columns.status,
        columns.waiting_role,
        columns.number,
        columns.created_at,
        columns.issued_at,
    )
    query = (
        select(*shown)
        .where(columns.tenant == tenant, columns.task_id == task_id)
        .order_by(columns.created_at, columns.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def list_cases(session: AsyncSession, tenant: str) -> list[dict]:
    query = (
        select(cases.c.id, cases.c.task_id, cases.c.opened_at)
        .where(cases.c.tenant == tenant)
        .order_by(cases.c.opened_at)
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def get_case(session: AsyncSession, tenant: str, case_id: str) -> dict | None:
    row = (
        (await session.execute(select(cases).where(cases.c.tenant == tenant, cases.c.id == case_id))).mappings().first()
    )
    return dict(row) if row is not None else None


async def list_deliveries(session: AsyncSession, tenant: str, limit: int) -> list[dict]:
    """The tenant's latest deliveries, newest first (at most DELIVERIES_MAX)."""
    query = (
        select(deliveries)
        .where(deliveries.c.tenant == tenant)
        .order_by(deliveries.c.send_at.desc())
        .limit(min(limit, DELIVERIES_MAX))
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def task_unit(session: AsyncSession, tenant: str, task_id: str) -> tuple[bool, str | None]:
    """(whether escalation knows the task, the unit it urges on it)."""
    query = select(watched_tasks.c.unit).where(watched_tasks.c.tenant == tenant, watched_tasks.c.task_id == task_id)
    row = (await session.execute(query)).first()
    return (row is not None, row.unit if row else None)
