"""Reading tasking's tables for the read routes' service functions, inside the caller's session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.paging import counted_page, narrowed
from duban_common.unitscope import on_unit

from .orm import matters, notice_sequences, reports, spot_check_draws, spot_checks, task_history, tasks, units


@dataclass(frozen=True)
class TaskFilter:
    """What the tasks list is narrowed to (each field unset: no narrowing); ``own_unit``: a unit
    handler's or unit head's unit, whose led or co-handled tasks alone it sees."""

    matter_id: str | None = None
    status: str | None = None
    lead_unit: str | None = None
    own_unit: str | None = None


async def list_units(session: AsyncSession, tenant: str) -> list[dict]:
    columns = units.c
    query = (
        select(columns.code, columns.name, columns.type, columns.head, columns.contact, columns.phone, columns.active)
        .where(columns.tenant == tenant)
        .order_by(columns.code)
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def unit_directory(session: AsyncSession, tenant: str) -> dict[str, dict]:
    """The tenant's units by code, with what a notice names of them."""
    columns = units.c
    query = select(columns.code, columns.name, columns.type, columns.contact, columns.phone).where(
        columns.tenant == tenant
    )
    return {row["code"]: dict(row) for row in (await session.execute(query)).mappings()}


async def list_tasks(
    session: AsyncSession, tenant: str, wanted: TaskFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    columns = tasks.c
    query = (
        select(
            columns.id,
            columns.matter_id,
            columns.lead_unit,
            columns.co_units,
            columns.status,
            columns.progress,
            columns.version,
            columns.declines,
            columns.notice_no,
            columns.due_on,
            columns.deadline_label,
            columns.assigned_at,
            columns.weight,
            matters.c.title,
        )
        .join(matters, matters.c.id == columns.matter_id)
        .where(columns.tenant == tenant)
    )
    if wanted.own_unit:
        query = query.where(on_unit(wanted.own_unit, columns.lead_unit, columns.co_units))
    query = narrowed(
        query,
        ((columns.matter_id, wanted.matter_id), (columns.status, wanted.status), (columns.lead_unit, wanted.lead_unit)),
    )
    return await counted_page(session, query, (columns.assigned_at, columns.id), limit, offset)


async def list_matters(
    session: AsyncSession, tenant: str, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict]]:
    columns = matters.c
    query = select(
        columns.id,
        columns.title,
        columns.lead_unit,
        columns.co_units,
        columns.status,
        columns.progress,
        columns.registered_at,
    ).where(columns.tenant == tenant)
    if status:
        query = query.where(columns.status == status)
    return await counted_page(session, query, (columns.registered_at, columns.id), limit, offset)


async def last_notice_value(session: AsyncSession, tenant: str, year: int, notice_type: str) -> int | None:
    """The last number issued for notices of this type and year, None before the first."""
    columns = notice_sequences.c
    return (
        await session.execute(
            select(columns.last_value).where(
                columns.tenant == tenant, columns.year == year, columns.notice_type == notice_type
            )
        )
    ).scalar()


async def get_task(session: AsyncSession, tenant: str, task_id: str) -> dict | None:
    row = (
        (await session.execute(select(tasks).where(tasks.c.tenant == tenant, tasks.c.id == task_id))).mappings().first()
    )
    return dict(row) if row else None


async def matter_text(session: AsyncSession, matter_id: str) -> dict | None:
    """The matter's title and content."""
    query = select(matters.c.title, matters.c.content).where(matters.c.id == matter_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def task_history_of(session: AsyncSession, task_id: str) -> list[dict]:
    columns = task_history.c
    query = (
        select(columns.event_type, columns.at, columns.detail).where(columns.task_id == task_id).order_by(columns.id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def reports_of(session: AsyncSession, task_id: str) -> list[dict]:
    columns = reports.c
    query = (
        select(columns.type, columns.unit, columns.text, columns.progress, columns.attachments, columns.at)
        .where(columns.task_id == task_id)
        .order_by(columns.at)
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def get_spot_check(session: AsyncSession, tenant: str, check_id: str) -> dict | None:
    query = select(spot_checks).where(spot_checks.c.tenant == tenant, spot_checks.c.id == check_id)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row else None


async def spot_check_draws_of(session: AsyncSession, check_id: str) -> list[dict]:
    columns = spot_check_draws.c
    query = (
        select(columns.task_id, columns.selected, columns.result, columns.note, columns.result_at)
        .where(columns.check_id == check_id)
        .order_by(columns.task_id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]
