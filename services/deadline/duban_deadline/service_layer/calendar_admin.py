"""A tenant's calendar changes (local holiday added or removed, a year's schedule loaded):
every open deadline the change touches is recomputed in the same transaction, and the
answer says which moved (DESIGN.md §6: never fail silently, never guess quietly)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import delete, or_, select

from duban_common.logging import get_logger
from duban_common import tenancy
from duban_common.outbox import UnitOfWork

from ..adapters import repository as repo
from ..adapters.orm import deadlines, local_holidays, year_schedules
from ..domain import policy
from .deadlines import Change, apply

log = get_logger(__name__)


async def recompute(uow: UnitOfWork, tenant: str, *, first_day: date, last_day: date, reason: str,
                    default_due_time: time, include_provisional: bool = False, replan_unchanged: bool = True) -> list[Change]:
    """Recompute the open deadlines whose span (start day to due day) meets [first_day, last_day]
    (and every provisional one when asked); returns one Change per deadline looked at."""
    s = uow.session
    touches = (deadlines.c.start_on <= last_day) & (deadlines.c.due_on >= first_day)
    if include_provisional:
        touches = or_(touches, deadlines.c.provisional.is_(True))
    q = (select(deadlines).where(deadlines.c.tenant == tenant, deadlines.c.status != "completed", touches)
         .order_by(deadlines.c.due_on, deadlines.c.task_id).with_for_update())
    rows = [dict(r) for r in (await s.execute(q)).mappings().all()]
    if not rows:
        return []
    cal = await repo.load_calendar(s, tenant)
    p = await repo.load_policy(s, tenant, default_due_time)
    return [await apply(uow, row, cal, p, policy.Basis.from_json(row["basis"]), reason=reason, replan_unchanged=replan_unchanged)
            for row in rows]


async def recheck_provisional(runtime, default_due_time: time) -> None:
    """At start: a newer chinese-calendar may know a year it did not know when the provisional
    deadlines were computed. Replicas starting together do not both move a deadline: the
    rows are locked and the second sees them no longer provisional."""
    with tenancy.scoped(tenancy.ALL):  # which tenants have any: then each in its own scope
        async with runtime.db.read() as s:
            tenants = (await s.execute(select(deadlines.c.tenant).distinct()
                                       .where(deadlines.c.provisional.is_(True), deadlines.c.status != "completed"))).scalars().all()
    for tenant in tenants:
        with tenancy.scoped(tenant):
            async with runtime.unit_of_work() as uow:
                changes = await recompute(uow, tenant, first_day=date.max, last_day=date.min, reason="calendar_updated",
                                          default_due_time=default_due_time, include_provisional=True, replan_unchanged=False)
        confirmed = [c for c in changes if not c.provisional]
        if confirmed:
            log.info("provisional deadlines recomputed with a newer calendar", tenant=tenant, confirmed=len(confirmed))


async def add_local_holiday(uow: UnitOfWork, tenant: str, day: date, name: str, default_due_time: time) -> list[Change]:
    s = uow.session
    await s.execute(delete(local_holidays).where(local_holidays.c.tenant == tenant, local_holidays.c.day == day))
    await s.execute(local_holidays.insert(), dict(tenant=tenant, day=day, name=name, added_at=uow.now()))
    return await recompute(uow, tenant, first_day=day, last_day=day, reason="calendar_changed", default_due_time=default_due_time)


async def remove_local_holiday(uow: UnitOfWork, tenant: str, day: date, default_due_time: time) -> list[Change] | None:
    s = uow.session
    result = await s.execute(delete(local_holidays).where(local_holidays.c.tenant == tenant, local_holidays.c.day == day))
    if result.rowcount == 0:
        return None
    return await recompute(uow, tenant, first_day=day, last_day=day, reason="calendar_changed", default_due_time=default_due_time)


async def load_year(uow: UnitOfWork, tenant: str, year: int, holidays: list[date], working_weekends: list[date],
                    source: str | None, default_due_time: time) -> list[Change]:
    s = uow.session
    await s.execute(delete(year_schedules).where(year_schedules.c.tenant == tenant, year_schedules.c.year == year))
    await s.execute(year_schedules.insert(), dict(
        tenant=tenant, year=year, holidays=sorted(d.isoformat() for d in holidays),
        working_weekends=sorted(d.isoformat() for d in working_weekends), source=source, loaded_at=uow.now(),
    ))
    return await recompute(uow, tenant, first_day=date(year, 1, 1), last_day=date(year, 12, 31), reason="schedule_loaded",
                           default_due_time=default_due_time, include_provisional=True)


def summary(changes: list[Change]) -> dict:
    moved = [c for c in changes if c.moved]
    confirmed = [c for c in changes if not c.moved and c.was_provisional and not c.provisional]
    return {
        "recomputed": len(changes),
        "moved": [{"task_id": c.task_id, "matter_id": c.matter_id, "from": c.previous_due_on, "to": c.due_on,
                   "provisional": c.provisional} for c in moved],
        "confirmed": [{"task_id": c.task_id, "due_on": c.due_on} for c in confirmed],
        "still_provisional": sum(1 for c in changes if c.provisional),
    }
