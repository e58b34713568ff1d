"""What escalation learns from events, and the triggers among them: an overdue task, a
return for rework. Reminders from the deadline service become notifications."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from duban_common.calendar import WorkCalendar
from duban_common.consumer import Delivery
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

from ..adapters.orm import watched_tasks
from . import climb, dossier, notify

# Built once: building a statement costs more than running it (on SQLite).
_TASK = select(watched_tasks).where(watched_tasks.c.task_id == bindparam("b_task")).with_for_update()
_TASK_UPDATE = watched_tasks.update().where(watched_tasks.c.task_id == bindparam("b_task"))


async def load(uow: UnitOfWork, task_id: str) -> dict | None:
    row = (await uow.session.execute(_TASK, {"b_task": task_id})).mappings().first()
    return dict(row) if row else None


async def _wait_for_assignment(uow: UnitOfWork, task: dict, reason: str, key: str) -> None:
    """Keep a trigger that came before the task's assignment (the streams are consumed
    independently): task.assigned takes it, once the unit to escalate to is known. Kept, not
    retried: a retry would be dead-lettered once the assignment is further behind than the
    deliveries' backoff."""
    waiting = list(task.get("waiting") or [])
    if all(w["key"] != key for w in waiting):
        waiting.append({"reason": reason, "key": key})
        await uow.session.execute(
            watched_tasks.update().where(watched_tasks.c.task_id == task["task_id"]).values(waiting=waiting)
        )


def assigned(task: dict) -> bool:
    """Whether escalation has applied the task's task.assigned, the only event with its title and
    its first unit. A deadline fact or a return (other streams) can come before it, and so can a
    task.reassigned that was processed while task.assigned waited for its redelivery (same stream):
    until then there is no one, or not the whole task, to urge or order."""
    return task["unit"] is not None and task["title"] is not None


async def _upsert(
    uow: UnitOfWork, tenant: str, task_id: str, matter_id: str, unit: tuple[str, int | None] | None = None, **values
) -> dict:
    """The task's row, created or changed by ``values``, and by ``unit`` (the lead unit and the task
    version that named it) unless the row has its unit from a later version: task.* events of one
    task can be processed out of order when one of them waits for its redelivery."""
    task, now = await load(uow, task_id), uow.now()
    if unit is not None and (
        task is None or task["unit_version"] is None or unit[1] is None or unit[1] > task["unit_version"]
    ):
        values |= {"unit": unit[0], "unit_version": unit[1]}
    if task is None:
        # values may set the defaults too: a deadline.set or deadline.overdue can come before task.assigned
        row = {
            "task_id": task_id,
            "tenant": tenant,
            "matter_id": matter_id,
            "updated_at": now,
            "urges": 0,
            "returns": 0,
            "overdue": False,
            "closed": False,
            **values,
        }
        await uow.session.execute(watched_tasks.insert(), row)
        return dict.fromkeys(watched_tasks.c.keys()) | row
    if values:
        await uow.session.execute(_TASK_UPDATE, {"b_task": task_id, **values, "updated_at": now})
        task |= values | {"updated_at": now}
    return task


async def on_matter_registered(event: ev.MatterRegistered, delivery: Delivery, uow: UnitOfWork) -> None:
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        None,
        "matter",
        {
            "matter_id": event.matter_id,
            "title": event.title,
            "content": event.content,
            "kind": event.origin.kind,
            "origin": event.origin.model_dump(mode="json"),
            "registered_at": event.registered_at.isoformat(),
        },
        at=event.registered_at,
    )


async def on_task_assigned(
    event: ev.TaskAssigned, delivery: Delivery, uow: UnitOfWork, *, calendar: WorkCalendar, contexts: notify.Contexts
) -> None:
    task = await _upsert(
        uow,
        delivery.envelope.tenant,
        event.task_id,
        event.matter_id,
        unit=(event.lead_unit, event.version),
        title=event.title,
    )
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        event.task_id,
        "assigned",
        {
            "task_id": event.task_id,
            "lead_unit": event.lead_unit,
            "co_units": event.co_units,
            "responsible_person": event.responsible_person,
            "notice_no": event.notice_no,
            "requirement": event.requirement,
            "assigned_at": event.assigned_at.isoformat(),
        },
        at=event.assigned_at,
    )
    if task.get("waiting"):  # triggers that came first, in the order they came
        await uow.session.execute(
            watched_tasks.update().where(watched_tasks.c.task_id == event.task_id).values(waiting=None)
        )
        for waiting in task["waiting"]:
            current = await load(uow, event.task_id)
            if waiting["reason"] == "overdue" and (current["closed"] or not current["overdue"]):
                continue  # closed, or given a new deadline, meanwhile
            if waiting["reason"] == "returned":
                await climb.returned(uow, current, calendar, await contexts(uow.session, current["tenant"]))
                continue
            await climb.escalate(
                uow,
                current,
                waiting["reason"],
                waiting["key"],
                calendar,
                await contexts(uow.session, current["tenant"]),
            )


async def on_task_reassigned(event: ev.TaskReassigned, delivery: Delivery, uow: UnitOfWork) -> None:
    await _upsert(uow, delivery.envelope.tenant, event.task_id, event.matter_id, unit=(event.lead_unit, event.version))
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        event.task_id,
        "reassigned",
        {"from": event.previous_unit, "to": event.lead_unit, "reason": event.reason},
    )


async def on_deadline_set(event: ev.DeadlineSet, delivery: Delivery, uow: UnitOfWork) -> None:
    # a new deadline still ahead ends 逾期不报 (a feedback report met the period, an extension); one
    # already past (a returned feedback's period) leaves the task as it is
    ahead = event.due_at > uow.now()
    await _upsert(
        uow,
        delivery.envelope.tenant,
        event.task_id,
        event.matter_id,
        due_on=event.due_on,
        due_at=event.due_at,
        **({"overdue": False} if ahead else {}),
    )
    if ahead:
        await climb.cancel_timers(uow, event.task_id, "reurge")
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        event.task_id,
        "deadline",
        {
            "due_on": event.due_on.isoformat(),
            "rule": event.rule,
            "reason": event.reason,
            "previous_due_on": event.previous_due_on.isoformat() if event.previous_due_on else None,
            "provisional": event.provisional,
        },
    )


async def on_extension_decided(event: ev.ExtensionDecided, delivery: Delivery, uow: UnitOfWork) -> None:
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        event.task_id,
        "extension",
        {
            "decision": event.decision,
            "requested_due_on": event.requested_due_on.isoformat(),
            "reason": event.reason,
            "new_due_on": event.new_due_on.isoformat() if event.new_due_on else None,
        },
    )


async def on_overdue(
    event: ev.DeadlineOverdue, delivery: Delivery, uow: UnitOfWork, *, calendar: WorkCalendar, contexts: notify.Contexts
) -> None:
    task = await _upsert(uow, delivery.envelope.tenant, event.task_id, event.matter_id, overdue=True)
    if task["closed"]:
        return
    if not assigned(task):
        await _wait_for_assignment(uow, task, "overdue", f"overdue:{event.timer_id}")
        return
    await climb.escalate(
        uow, task, "overdue", f"overdue:{event.timer_id}", calendar, await contexts(uow.session, task["tenant"])
    )


async def on_returned(
    event: ev.TaskReturned, delivery: Delivery, uow: UnitOfWork, *, calendar: WorkCalendar, contexts: notify.Contexts
) -> None:
    task = await _upsert(uow, delivery.envelope.tenant, event.task_id, event.matter_id)
    await uow.session.execute(
        watched_tasks.update().where(watched_tasks.c.task_id == event.task_id).values(returns=task["returns"] + 1)
    )
    task = await load(uow, event.task_id)
    await dossier.add(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        event.task_id,
        "returned",
        {"reason": event.reason, "report": event.report or "completion"},
    )
    if not assigned(task):
        await _wait_for_assignment(uow, task, "returned", f"returned:{delivery.envelope.id}")
        return
    await climb.returned(uow, task, calendar, await contexts(uow.session, task["tenant"]))


async def on_completion_submitted(event: ev.TaskCompletionSubmitted, delivery: Delivery, uow: UnitOfWork) -> None:
    """The completion stops the repeated urging. A progress report does not, by itself: where it
    meets a feedback rule the deadline service moves the deadline (deadline.set), which does."""
    await climb.cancel_timers(uow, event.task_id, "reurge")


async def on_completed(event: ev.TaskCompleted, delivery: Delivery, uow: UnitOfWork) -> None:
    await _upsert(uow, delivery.envelope.tenant, event.task_id, event.matter_id, closed=True)
    await climb.cancel_timers(uow, event.task_id)


async def on_reminder(
    event: ev.DeadlineReminder, delivery: Delivery, uow: UnitOfWork, *, contexts: notify.Contexts
) -> None:
    task = await load(uow, event.task_id)
    if task and task["unit"] and not task["closed"]:
        await notify.send(
            uow,
            await contexts(uow.session, task["tenant"]),
            task,
            "reminder",
            f"【督办提醒】{{unit}}：您单位承办的“{{title}}”将于{event.due_on.isoformat()}到期，请抓紧办理并按时反馈。",
        )
