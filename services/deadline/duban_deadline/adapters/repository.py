"""Reading and writing the deadline tables inside a caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.calendar import WorkCalendar, YearSchedule
from duban_common.db import once_per_transaction

from ..domain.settings import PolicyOverrides, TenantPolicy, effective
from ..domain.timers import Planned
from .orm import deadline_history, deadlines, local_holidays, tenant_policies, timers, year_schedules


async def load_calendar(session: AsyncSession, tenant: str) -> WorkCalendar:
    local = (await session.execute(select(local_holidays.c.day).where(local_holidays.c.tenant == tenant))).scalars().all()
    rows = (await session.execute(select(year_schedules).where(year_schedules.c.tenant == tenant))).mappings().all()
    schedules = {
        r["year"]: YearSchedule(r["year"], frozenset(map(date.fromisoformat, r["holidays"])),
                                frozenset(map(date.fromisoformat, r["working_weekends"])))
        for r in rows
    }
    return WorkCalendar(local_holidays=frozenset(local), schedules=schedules)


async def load_overrides(session: AsyncSession, tenant: str) -> PolicyOverrides | None:
    doc = (await session.execute(select(tenant_policies.c.overrides).where(tenant_policies.c.tenant == tenant))).scalar_one_or_none()
    return PolicyOverrides.model_validate(doc) if doc is not None else None


async def load_policy(session: AsyncSession, tenant: str, default_due_time: time) -> TenantPolicy:
    return effective(await load_overrides(session, tenant), default_due_time=default_due_time)


async def reference(session: AsyncSession, tenant: str, default_due_time: time) -> tuple[WorkCalendar, TenantPolicy]:
    """The tenant's calendar and policy, read once per transaction. For the event handlers: a
    consumer's group commit runs dozens of deliveries of one tenant in one transaction, none
    of which changes either (only the calendar and policy commands do, in their own)."""
    async def load() -> tuple[WorkCalendar, TenantPolicy]:
        return await load_calendar(session, tenant), await load_policy(session, tenant, default_due_time)

    return await once_per_transaction(session, ("deadline.reference", tenant, default_due_time), load)


# Built once: building a statement costs more than running it (on SQLite).
_DEADLINE = select(deadlines).where(deadlines.c.tenant == bindparam("b_tenant"), deadlines.c.task_id == bindparam("b_task"))
_DEADLINE_LOCKED = _DEADLINE.with_for_update()  # serializes handlers, HTTP commands and recomputes of one task (PostgreSQL)
_DEADLINE_UPDATE = deadlines.update().where(deadlines.c.task_id == bindparam("b_task"))


async def get_deadline(session: AsyncSession, tenant: str, task_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    row = (await session.execute(_DEADLINE_LOCKED if lock else _DEADLINE, {"b_tenant": tenant, "b_task": task_id})).mappings().first()
    return dict(row) if row else None


async def update_deadline(session: AsyncSession, task_id: str, **values) -> None:
    await session.execute(_DEADLINE_UPDATE, {"b_task": task_id, **values})


async def add_history(session: AsyncSession, row: dict, *, reason: str, at: datetime, previous_due_on: date | None,
                      extension_id: str | None = None) -> None:
    await session.execute(deadline_history.insert(), dict(
        tenant=row["tenant"], task_id=row["task_id"], revision=row["revision"], due_on=row["due_on"], due_at=row["due_at"],
        previous_due_on=previous_due_on, provisional=row["provisional"], reason=reason, note=row.get("note"),
        extension_id=extension_id, at=at,
    ))


async def cancel_timers(session: AsyncSession, tenant: str, task_id: str, kinds: tuple[str, ...], at: datetime, note: str) -> int:
    result = await session.execute(
        timers.update()
        .where(timers.c.tenant == tenant, timers.c.task_id == task_id, timers.c.kind.in_(kinds), timers.c.state == "pending")
        .values(state="cancelled", fired_at=at, note=note)
    )
    return result.rowcount


async def fired_keys(session: AsyncSession, tenant: str, task_id: str) -> set[tuple]:
    rows = (await session.execute(
        select(timers.c.kind, timers.c.seq, timers.c.ref_on)
        .where(and_(timers.c.tenant == tenant, timers.c.task_id == task_id, timers.c.state.in_(("fired", "skipped"))))
    )).all()
    return {Planned(k, datetime.min, s, r).key for k, s, r in rows}


async def insert_timers(session: AsyncSession, tenant: str, task_id: str, planned: list[Planned], at: datetime) -> None:
    if planned:
        await session.execute(timers.insert(), [
            dict(id=str(uuid.uuid4()), tenant=tenant, task_id=task_id, kind=p.kind, seq=p.seq, ref_on=p.ref_on, due_at=p.due_at,
                 state="pending", created_at=at, deferrals=0)
            for p in planned
        ])


async def assignment_limits(session: AsyncSession, tenant: str, task_id: str) -> dict[str, datetime]:
    """The sign-for and decline limits of the task's latest assignment (a reassignment plans new ones)."""
    rows = (await session.execute(
        select(timers.c.kind, timers.c.due_at).where(timers.c.tenant == tenant, timers.c.task_id == task_id,
                                                    timers.c.kind.in_(("acknowledgement", "decline"))).order_by(timers.c.created_at)
    )).all()
    return {kind: due_at for kind, due_at in rows}


async def task_timers(session: AsyncSession, tenant: str, task_id: str) -> list[dict]:
    rows = (await session.execute(
        select(timers.c.id, timers.c.kind, timers.c.seq, timers.c.ref_on, timers.c.due_at, timers.c.state, timers.c.fired_at,
               timers.c.event_id, timers.c.note)
        .where(timers.c.tenant == tenant, timers.c.task_id == task_id).order_by(timers.c.due_at, timers.c.kind)
    )).mappings().all()
    return [dict(r) for r in rows]
