"""Tasking's event handlers: a registered matter becomes a task for its lead unit; a
deadline set by the deadline service is remembered on the task (for notices and lists)."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from duban_common.consumer import Delivery
from duban_common.contracts.events import DeadlineSet, MatterRegistered
from duban_common.outbox import UnitOfWork

from ..adapters.orm import matters, tasks
from ..domain import model
from .assignment import Assignment, create_task, directory


async def on_matter_registered(registered: MatterRegistered, delivery: Delivery, uow: UnitOfWork) -> None:
    env = delivery.envelope
    found = (
        await directory(uow, env.tenant, [registered.lead_unit, *registered.co_units]) if registered.lead_unit else {}
    )
    lead = model.assignable_lead(registered.lead_unit, found)
    co_ok = all(c in found and found[c].active for c in registered.co_units)
    auto = lead is not None and co_ok and registered.lead_unit not in registered.co_units
    matter = dict(
        id=registered.matter_id,
        tenant=env.tenant,
        title=registered.title,
        content=registered.content,
        origin=registered.origin.model_dump(mode="json"),
        lead_unit=registered.lead_unit,
        co_units=registered.co_units,
        requested_due_on=registered.requested_due_on.isoformat() if registered.requested_due_on else None,
        status="assigned" if auto else "awaiting_assignment",
        progress=0,
        registered_at=registered.registered_at,
    )
    await uow.session.execute(matters.insert(), matter)
    if auto:  # otherwise the supervision office assigns it (unknown or inactive units, or none given)
        await create_task(uow, env.tenant, matter, Assignment(lead_unit=lead.code, co_units=registered.co_units))


# Built once: building a statement costs more than running it.
_TASK_KNOWN = select(tasks.c.id).where(tasks.c.id == bindparam("b_task"))
_TASK_DUE = tasks.update().where(tasks.c.id == bindparam("b_task"))


async def on_deadline_set(deadline: DeadlineSet, delivery: Delivery, uow: UnitOfWork) -> None:
    known = (await uow.session.execute(_TASK_KNOWN, {"b_task": deadline.task_id})).first()
    if known:
        await uow.session.execute(
            _TASK_DUE,
            {
                "b_task": deadline.task_id,
                "due_on": deadline.due_on,
                "deadline_label": deadline.rule_label,
                "acknowledge_by": deadline.acknowledge_by,
                "decline_until": deadline.decline_until,
            },
        )
