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


async def on_matter_registered(ev: MatterRegistered, delivery: Delivery, uow: UnitOfWork) -> None:
    env = delivery.envelope
    found = await directory(uow, env.tenant, [ev.lead_unit, *ev.co_units]) if ev.lead_unit else {}
    lead = model.assignable_lead(ev.lead_unit, found)
    co_ok = all(c in found and found[c].active for c in ev.co_units)
    auto = lead is not None and co_ok and ev.lead_unit not in ev.co_units
    matter = dict(id=ev.matter_id, tenant=env.tenant, title=ev.title, content=ev.content, origin=ev.origin.model_dump(mode="json"),
                  lead_unit=ev.lead_unit, co_units=ev.co_units,
                  requested_due_on=ev.requested_due_on.isoformat() if ev.requested_due_on else None,
                  status="assigned" if auto else "awaiting_assignment", progress=0, registered_at=ev.registered_at)
    await uow.session.execute(matters.insert(), matter)
    if auto:  # otherwise the supervision office assigns it (unknown or inactive units, or none given)
        await create_task(uow, env.tenant, matter, Assignment(lead_unit=lead.code, co_units=ev.co_units))


# Built once: building a statement costs more than running it.
_TASK_KNOWN = select(tasks.c.id).where(tasks.c.id == bindparam("b_task"))
_TASK_DUE = tasks.update().where(tasks.c.id == bindparam("b_task"))


async def on_deadline_set(ev: DeadlineSet, delivery: Delivery, uow: UnitOfWork) -> None:
    known = (await uow.session.execute(_TASK_KNOWN, {"b_task": ev.task_id})).first()
    if known:
        await uow.session.execute(_TASK_DUE, {"b_task": ev.task_id, "due_on": ev.due_on, "deadline_label": ev.rule_label,
                                              "acknowledge_by": ev.acknowledge_by, "decline_until": ev.decline_until})
