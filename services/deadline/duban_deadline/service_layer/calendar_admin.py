"""A tenant's calendar changes (local holiday added or removed, a year's schedule loaded):
every open deadline the change touches is recomputed in the same transaction, and the
answer says which moved (DESIGN.md §6: never fail silently, never guess quietly)."""

from __future__ import annotations

from datetime import date, time

from duban_common import tenancy
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork

from ..adapters import repository as repo
from ..domain import policy
from .deadlines import Change, apply

log = get_logger(__name__)


async def recompute(
    uow: UnitOfWork,
    tenant: str,
    *,
    first_day: date,
    last_day: date,
    reason: str,
    default_due_time: time,
    include_provisional: bool = False,
    replan_unchanged: bool = True,
) -> list[Change]:
    """Recompute the open deadlines whose span (start day to due day) meets [first_day, last_day]
    (and every provisional one when asked); returns one Change per deadline looked at."""
    session = uow.session
    rows = await repo.deadlines_spanning(session, tenant, first_day, last_day, include_provisional=include_provisional)
    if not rows:
        return []
    cal = await repo.load_calendar(session, tenant)
    tenant_policy = await repo.load_policy(session, tenant, default_due_time)
    return [
        await apply(
            uow,
            row,
            cal,
            tenant_policy,
            policy.Basis.from_json(row["basis"]),
            reason=reason,
            replan_unchanged=replan_unchanged,
        )
        for row in rows
    ]


async def recheck_provisional(runtime, default_due_time: time) -> None:
    """At start: a newer chinese-calendar may know a year it did not know when the provisional
    deadlines were computed. Replicas starting together do not both move a deadline: the
    rows are locked and the second sees them no longer provisional."""
    with tenancy.scoped(tenancy.ALL):  # which tenants have any: then each in its own scope
        async with runtime.db.read() as session:
            tenants = await repo.tenants_with_provisional(session)
    for tenant in tenants:
        with tenancy.scoped(tenant):
            async with runtime.unit_of_work() as uow:
                changes = await recompute(
                    uow,
                    tenant,
                    first_day=date.max,
                    last_day=date.min,
                    reason="calendar_updated",
                    default_due_time=default_due_time,
                    include_provisional=True,
                    replan_unchanged=False,
                )
        confirmed = [c for c in changes if not c.provisional]
        if confirmed:
            log.info("provisional deadlines recomputed with a newer calendar", tenant=tenant, confirmed=len(confirmed))


async def add_local_holiday(uow: UnitOfWork, tenant: str, day: date, name: str, default_due_time: time) -> list[Change]:
    await repo.remove_local_holiday(uow.session, tenant, day)
    await repo.add_local_holiday(uow.session, tenant, day, name, uow.now())
    return await recompute(
        uow, tenant, first_day=day, last_day=day, reason="calendar_changed", default_due_time=default_due_time
    )


async def remove_local_holiday(uow: UnitOfWork, tenant: str, day: date, default_due_time: time) -> list[Change] | None:
    if not await repo.remove_local_holiday(uow.session, tenant, day):
        return None
    return await recompute(
        uow, tenant, first_day=day, last_day=day, reason="calendar_changed", default_due_time=default_due_time
    )


async def load_year(
    uow: UnitOfWork,
    tenant: str,
    year: int,
    holidays: list[date],
    working_weekends: list[date],
    source: str | None,
    default_due_time: time,
) -> list[Change]:
    await repo.replace_year_schedule(uow.session, tenant, year, holidays, working_weekends, source, uow.now())
    return await recompute(
        uow,
        tenant,
        first_day=date(year, 1, 1),
        last_day=date(year, 12, 31),
        reason="schedule_loaded",
        default_due_time=default_due_time,
        include_provisional=True,
    )


def summary(changes: list[Change]) -> dict:
    moved = [c for c in changes if c.moved]
    confirmed = [c for c in changes if not c.moved and c.was_provisional and not c.provisional]
    return {
        "recomputed": len(changes),
        "moved": [
            {
                "task_id": c.task_id,
                "matter_id": c.matter_id,
                "from": c.previous_due_on,
                "to": c.due_on,
                "provisional": c.provisional,
            }
            for c in moved
        ],
        "confirmed": [{"task_id": c.task_id, "due_on": c.due_on} for c in confirmed],
        "still_provisional": sum(1 for c in changes if c.provisional),
    }
