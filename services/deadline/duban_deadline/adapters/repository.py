"""Reading and writing the deadline tables inside a caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from duban_common.calendar import WorkCalendar, YearSchedule
from duban_common.db import once_per_transaction

from ..domain.lights import DONE
from ..domain.settings import PolicyOverrides, TenantPolicy, effective
from ..domain.timers import Planned
from .orm import deadline_history, deadlines, extensions, local_holidays, tenant_policies, timers, year_schedules


async def load_calendar(session: AsyncSession, tenant: str) -> WorkCalendar:
    local = (
        (await session.execute(select(local_holidays.c.day).where(local_holidays.c.tenant == tenant))).scalars().all()
    )
    rows = (await session.execute(select(year_schedules).where(year_schedules.c.tenant == tenant))).mappings().all()
    schedules = {
        r["year"]: YearSchedule(
            r["year"],
            frozenset(map(date.fromisoformat, r["holidays"])),
            frozenset(map(date.fromisoformat, r["working_weekends"])),
        )
        for r in rows
    }
    return WorkCalendar(local_holidays=frozenset(local), schedules=schedules)


async def load_overrides(session: AsyncSession, tenant: str) -> PolicyOverrides | None:
    doc = (
        await session.execute(select(tenant_policies.c.overrides).where(tenant_policies.c.tenant == tenant))
    ).scalar_one_or_none()
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
_DEADLINE = select(deadlines).where(
    deadlines.c.tenant == bindparam("b_tenant"), deadlines.c.task_id == bindparam("b_task")
)
_DEADLINE_LOCKED = (
    _DEADLINE.with_for_update()
)  # serializes handlers, HTTP commands and recomputes of one task (PostgreSQL)
_DEADLINE_UPDATE = deadlines.update().where(deadlines.c.task_id == bindparam("b_task"))


async def get_deadline(
    session: AsyncSession, tenant: str, task_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    row = (
        (await session.execute(_DEADLINE_LOCKED if lock else _DEADLINE, {"b_tenant": tenant, "b_task": task_id}))
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def update_deadline(session: AsyncSession, task_id: str, **values) -> None:
    await session.execute(_DEADLINE_UPDATE, {"b_task": task_id, **values})


async def add_history(session: AsyncSession, moved: dict) -> None:
    """A row of a task's deadline history: the deadline as it was moved (deadlines.emit_set)."""
    await session.execute(deadline_history.insert(), moved)


async def cancel_timers(
    session: AsyncSession, tenant: str, task_id: str, kinds: tuple[str, ...], at: datetime, note: str
) -> int:
    result = await session.execute(
        timers.update()
        .where(
            timers.c.tenant == tenant,
            timers.c.task_id == task_id,
            timers.c.kind.in_(kinds),
            timers.c.state == "pending",
        )
        .values(state="cancelled", fired_at=at, note=note)
    )
    return result.rowcount


async def fired_keys(session: AsyncSession, tenant: str, task_id: str) -> set[tuple]:
    rows = (
        await session.execute(
            select(timers.c.kind, timers.c.seq, timers.c.ref_on).where(
                and_(timers.c.tenant == tenant, timers.c.task_id == task_id, timers.c.state.in_(("fired", "skipped")))
            )
        )
    ).all()
    return {Planned(k, datetime.min, s, r).key for k, s, r in rows}


async def insert_timers(session: AsyncSession, tenant: str, task_id: str, planned: list[Planned], at: datetime) -> None:
    """The ``planned`` timers of the task, pending from ``at``."""
    if planned:
        pending = dict(tenant=tenant, task_id=task_id, state="pending", created_at=at, deferrals=0)
        await session.execute(
            timers.insert(), [dict(asdict(timer), id=str(uuid.uuid4()), **pending) for timer in planned]
        )


async def assignment_limits(session: AsyncSession, tenant: str, task_id: str) -> dict[str, datetime]:
    """The sign-for and decline limits of the task's latest assignment (a reassignment plans new ones)."""
    rows = (
        await session.execute(
            select(timers.c.kind, timers.c.due_at)
            .where(
                timers.c.tenant == tenant,
                timers.c.task_id == task_id,
                timers.c.kind.in_(("acknowledgement", "decline")),
            )
            .order_by(timers.c.created_at)
        )
    ).all()
    return {kind: due_at for kind, due_at in rows}


TIMER_COLUMNS = ("id", "kind", "seq", "ref_on", "due_at", "state", "fired_at", "event_id", "note")


async def _task_rows(
    session: AsyncSession, table: Table, tenant: str, task_id: str, order_by: tuple[str, ...], only=None
) -> list[dict]:
    """A task's rows of ``table`` in the order of the ``order_by`` columns; ``only``: the columns wanted (all)."""
    columns = table.c
    query = (
        select(*([columns[name] for name in only] if only else [table]))
        .where(columns.tenant == tenant, columns.task_id == task_id)
        .order_by(*(columns[name] for name in order_by))
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def task_timers(session: AsyncSession, tenant: str, task_id: str) -> list[dict]:
    return await _task_rows(session, timers, tenant, task_id, ("due_at", "kind"), only=TIMER_COLUMNS)


async def deadline_history_of(session: AsyncSession, tenant: str, task_id: str) -> list[dict]:
    return await _task_rows(session, deadline_history, tenant, task_id, ("revision", "id"))


async def task_extensions(session: AsyncSession, tenant: str, task_id: str) -> list[dict]:
    return await _task_rows(session, extensions, tenant, task_id, ("requested_at", "id"))


async def tenant_extensions(
    session: AsyncSession, tenant: str, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """(how many of the tenant's extension requests have ``status``, the page of them, oldest first)."""
    columns = extensions.c
    query = select(extensions).where(columns.tenant == tenant)
    if status:
        query = query.where(columns.status == status)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (
        (await session.execute(query.order_by(columns.requested_at, columns.id).limit(limit).offset(offset)))
        .mappings()
        .all()
    )
    return total, [dict(row) for row in rows]


async def deadlines_of(
    session: AsyncSession, tenant: str, status: str | None, provisional: bool | None, narrow=None
) -> list:
    """The tenant's deadlines with ``status`` (else the open ones), soonest first; ``narrow``
    adds a condition on the deadlines table (a unit's wall)."""
    columns = deadlines.c
    query = select(deadlines).where(columns.tenant == tenant)
    query = query.where(columns.status == status) if status else query.where(columns.status.not_in(DONE))
    if narrow is not None:
        query = query.where(narrow(columns))
    if provisional is not None:
        query = query.where(columns.provisional.is_(provisional))
    return list((await session.execute(query.order_by(columns.due_at, columns.task_id).limit(20000))).mappings().all())


async def local_holidays_of(session: AsyncSession, tenant: str) -> list[dict]:
    query = select(local_holidays).where(local_holidays.c.tenant == tenant).order_by(local_holidays.c.day)
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def loaded_years(session: AsyncSession, tenant: str) -> dict[int, Any]:
    """year → (year, source, loaded_at) of the schedules loaded for the tenant."""
    columns = year_schedules.c
    rows = (
        await session.execute(select(columns.year, columns.source, columns.loaded_at).where(columns.tenant == tenant))
    ).all()
    return {row.year: row for row in rows}


async def year_schedule(session: AsyncSession, tenant: str, year: int) -> dict | None:
    query = select(year_schedules).where(year_schedules.c.tenant == tenant, year_schedules.c.year == year)
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def replace_overrides(session: AsyncSession, tenant: str, overrides: dict, at: datetime) -> None:
    await session.execute(delete(tenant_policies).where(tenant_policies.c.tenant == tenant))
    await session.execute(tenant_policies.insert(), dict(tenant=tenant, overrides=overrides, updated_at=at))


async def claim_due_timers(session: AsyncSession, now: datetime, batch: int) -> list:
    """Up to ``batch`` pending timers due by ``now``, earliest first, with their task's deadline;
    locked for this transaction, skipping those another replica holds (PostgreSQL)."""
    timer, deadline = timers.c, deadlines.c
    query = (
        select(
            timer.id,
            timer.tenant,
            timer.task_id,
            timer.kind,
            timer.seq,
            timer.ref_on,
            timer.due_at,
            deadline.matter_id,
            deadline.lead_unit,
            deadline.assigned_at,
            deadline.last_progress_at,
            deadline.status,
            deadline.due_on.label("deadline_due_on"),
            deadline.due_at.label("deadline_due_at"),
        )
        .join(deadlines, deadline.task_id == timer.task_id)
        .where(timer.state == "pending", timer.due_at <= now)
        .order_by(timer.due_at, timer.id)
        .limit(batch)
        .with_for_update(of=timers, skip_locked=True)
    )
    return list((await session.execute(query)).all())


async def mark_timers(session: AsyncSession, marks: list[dict], at: datetime, instance: str) -> None:
    """Each ``{tid, st, eid, note}``: the timer's final state, the event it fired (or None) and why."""
    if marks:
        await session.execute(
            timers.update()
            .where(timers.c.id == bindparam("tid"))
            .values(
                state=bindparam("st"), event_id=bindparam("eid"), note=bindparam("note"), fired_at=at, fired_by=instance
            ),
            marks,
        )


async def defer_timers(session: AsyncSession, defers: list[dict]) -> None:
    """Each ``{tid, at, note}``: the timer fires later, at ``at``, for the reason in ``note``."""
    if defers:
        await session.execute(
            timers.update()
            .where(timers.c.id == bindparam("tid"))
            .values(due_at=bindparam("at"), note=bindparam("note"), deferrals=timers.c.deferrals + 1),
            defers,
        )


async def deadlines_spanning(
    session: AsyncSession, tenant: str, first_day: date, last_day: date, *, include_provisional: bool
) -> list[dict]:
    """The tenant's deadlines not completed whose span (start day to due day) meets [first_day,
    last_day] (and every provisional one when asked), locked for the caller's transaction."""
    columns = deadlines.c
    touches = (columns.start_on <= last_day) & (columns.due_on >= first_day)
    if include_provisional:
        touches = or_(touches, columns.provisional.is_(True))
    query = (
        select(deadlines)
        .where(columns.tenant == tenant, columns.status != "completed", touches)
        .order_by(columns.due_on, columns.task_id)
        .with_for_update()
    )
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def tenants_with_provisional(session: AsyncSession) -> list[str]:
    """The tenants with a provisional deadline not completed."""
    columns = deadlines.c
    query = select(columns.tenant).distinct().where(columns.provisional.is_(True), columns.status != "completed")
    return list((await session.execute(query)).scalars().all())


async def add_local_holiday(session: AsyncSession, tenant: str, day: date, name: str, at: datetime) -> None:
    await session.execute(local_holidays.insert(), dict(tenant=tenant, day=day, name=name, added_at=at))


async def remove_local_holiday(session: AsyncSession, tenant: str, day: date) -> bool:
    """True when the day was one of the tenant's local holidays."""
    result = await session.execute(
        delete(local_holidays).where(local_holidays.c.tenant == tenant, local_holidays.c.day == day)
    )
    return result.rowcount > 0


async def replace_year_schedule(
    session: AsyncSession,
    tenant: str,
    year: int,
    holidays: list[date],
    working_weekends: list[date],
    source: str | None,
    at: datetime,
) -> None:
    await session.execute(
        delete(year_schedules).where(year_schedules.c.tenant == tenant, year_schedules.c.year == year)
    )
    await session.execute(
        year_schedules.insert(),
        dict(
            tenant=tenant,
            year=year,
            holidays=sorted(day.isoformat() for day in holidays),
            working_weekends=sorted(day.isoformat() for day in working_weekends),
            source=source,
            loaded_at=at,
        ),
    )


async def has_pending_extension(session: AsyncSession, tenant: str, task_id: str) -> bool:
    columns = extensions.c
    query = select(columns.id).where(columns.tenant == tenant, columns.task_id == task_id, columns.status == "pending")
    return (await session.execute(query)).first() is not None


async def extension_exists(session: AsyncSession, extension_id: str) -> bool:
    return (await session.execute(select(extensions.c.id).where(extensions.c.id == extension_id))).first() is not None


async def get_extension(
    session: AsyncSession, tenant: str, task_id: str, extension_id: str, *, lock: bool = False
) -> dict | None:
    columns = extensions.c
    query = select(extensions).where(columns.tenant == tenant, columns.task_id == task_id, columns.id == extension_id)
    row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
    return dict(row) if row is not None else None


async def insert_extension(session: AsyncSession, values: dict) -> None:
    await session.execute(extensions.insert(), values)


async def update_extension(session: AsyncSession, extension_id: str, values: dict) -> None:
    await session.execute(extensions.update().where(extensions.c.id == extension_id).values(**values))


async def insert_deadline(session: AsyncSession, row: dict) -> None:
    await session.execute(deadlines.insert(), row)


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending timer is due (None: there is none)."""
    return (await session.execute(select(func.min(timers.c.due_at)).where(timers.c.state == "pending"))).scalar()


async def pending_timers_by_kind(session: AsyncSession) -> dict[str, int]:
    query = select(timers.c.kind, func.count()).where(timers.c.state == "pending").group_by(timers.c.kind)
    return dict((await session.execute(query)).all())


async def provisional_count(session: AsyncSession) -> int:
    """How many open deadlines are provisional (computed without the year's official schedule)."""
    query = (
        select(func.count())
        .select_from(deadlines)
        .where(deadlines.c.provisional.is_(True), deadlines.c.status.not_in(DONE))
    )
    return (await session.execute(query)).scalar_one()
