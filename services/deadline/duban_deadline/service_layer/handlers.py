"""Deadline handlers for task facts: an assigned task gets its deadline and timers; later
facts cancel or re-plan the timers they make pointless."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import datetime, time

from duban_common.calendar import local_day
from duban_common.consumer import Delivery
from duban_common.contracts import events as ev
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork

from ..adapters import repository as repo
from ..domain import notice, policy, timers
from ..domain.lights import DONE
from ..domain.settings import TenantPolicy
from . import deadlines as dl

log = get_logger(__name__)


class TaskNotKnownYet(RuntimeError):
    """A follow-up fact arrived before the task's assignment was handled (another replica may be
    handling it right now): retried with backoff, dead-lettered if it never appears."""


async def on_task_assigned(
    event: ev.TaskAssigned, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    tenant = delivery.envelope.tenant
    session = uow.session
    if await repo.get_deadline(session, tenant, event.task_id) is not None:
        log.warning("task already has a deadline; assignment ignored", task_id=event.task_id)
        return
    cal, tenant_policy = await repo.reference(session, tenant, default_due_time)
    start_on = local_day(event.assigned_at)
    basis = policy.basis_for(
        event.origin,
        start_on,
        has_co_units=bool(event.co_units),
        requested_due_on=event.requested_due_on,
        rules=tenant_policy.rules,
        beyond_maximum=tenant_policy.beyond_maximum,
        scheme=tenant_policy.rule_scheme,
    )
    evaluated = policy.evaluate(cal, basis)
    late = notice.check(cal, event.origin, start_on, tenant_policy.notice_limits)
    row = _assigned_deadline_row(event, tenant, basis, evaluated, late, tenant_policy, uow.now())
    await repo.insert_deadline(session, row)
    await repo.insert_timers(
        session, tenant, event.task_id, timers.assignment_timers(cal, event.assigned_at, tenant_policy), uow.now()
    )
    await repo.insert_timers(
        session,
        tenant,
        event.task_id,
        timers.deadline_timers(cal, evaluated.start_on, evaluated.due_on, row["due_at"], tenant_policy, uow.now()),
        uow.now(),
    )
    await dl.emit_set(uow, row, cal, tenant_policy, reason="assigned", previous_due_on=None)
    if late and late.late:
        await _emit_notice_late(uow, tenant, event, late)


def _assigned_deadline_row(
    assigned: ev.TaskAssigned,
    tenant: str,
    basis: policy.Basis,
    evaluated: policy.Deadline,
    late: notice.NoticeCheck | None,
    tenant_policy: TenantPolicy,
    now: datetime,
) -> dict:
    """The deadline row an assignment creates (revision 1, open)."""
    return dict(
        task_id=assigned.task_id,
        tenant=tenant,
        matter_id=assigned.matter_id,
        start_on=evaluated.start_on,
        due_on=evaluated.due_on,
        due_at=timers.due_instant(evaluated.due_on, tenant_policy.due_time),
        rule=evaluated.rule,
        provisional=evaluated.provisional,
        note=evaluated.note,
        set_at=now,
        status="open",
        lead_unit=assigned.lead_unit,
        co_units=assigned.co_units,
        origin=assigned.origin.model_dump(mode="json"),
        assigned_at=assigned.assigned_at,
        basis=basis.to_json(),
        revision=1,
        notice_limit_on=late.limit_on if late else None,
        notice_late_workdays=late.late_workdays if late else None,
    )


async def _emit_notice_late(uow: UnitOfWork, tenant: str, assigned: ev.TaskAssigned, late: notice.NoticeCheck) -> None:
    """Publish ``deadline.notice_late``: the assignment came after the notice limit."""
    about = dict(task_id=assigned.task_id, matter_id=assigned.matter_id, kind=assigned.origin.kind)
    found = dict(dataclasses.asdict(late), note=late.note, issued_by=late.issued_by)  # with what it derives
    await uow.emit(tenant, ev.DEADLINE_NOTICE_LATE, ev.NoticeLate(**about, **found))


async def _task(uow: UnitOfWork, tenant: str, task_id: str) -> dict:
    row = await repo.get_deadline(uow.session, tenant, task_id, lock=True)
    if row is None:
        raise TaskNotKnownYet(f"task {task_id} of tenant {tenant} has no deadline yet")
    return row


def _status(row: dict, new: str) -> str:
    # facts may arrive out of order: a completed task stays completed
    return row["status"] if row["status"] == "completed" else new


async def on_task_acknowledged(event: ev.TaskAcknowledged, delivery: Delivery, uow: UnitOfWork) -> None:
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    await repo.update_deadline(uow.session, event.task_id, acknowledged_at=event.acknowledged_at)
    await repo.cancel_timers(
        uow.session, row["tenant"], event.task_id, timers.ASSIGNMENT_KINDS, uow.now(), "acknowledged"
    )


async def _stop_every_timer(uow: UnitOfWork, tenant: str, task_id: str, status: str, note: str) -> None:
    """The task left the unit's hands (declined, completion submitted): its deadline takes the
    status and every timer of the task is cancelled with ``note``."""
    row = await _task(uow, tenant, task_id)
    await repo.update_deadline(uow.session, task_id, status=_status(row, status))
    await repo.cancel_timers(uow.session, row["tenant"], task_id, timers.KINDS, uow.now(), note)


async def on_task_declined(event: ev.TaskDeclined, delivery: Delivery, uow: UnitOfWork) -> None:
    await _stop_every_timer(uow, delivery.envelope.tenant, event.task_id, "declined", "declined")


async def on_task_reassigned(
    event: ev.TaskReassigned, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    if row["status"] in DONE:
        return
    session, tenant = uow.session, row["tenant"]
    cal, tenant_policy = await repo.reference(session, tenant, default_due_time)
    row.update(status="open", lead_unit=event.lead_unit, co_units=event.co_units)
    await repo.update_deadline(
        session, event.task_id, status="open", lead_unit=event.lead_unit, co_units=event.co_units, acknowledged_at=None
    )
    await repo.cancel_timers(session, tenant, event.task_id, timers.ASSIGNMENT_KINDS, uow.now(), "reassigned")
    await repo.insert_timers(
        session, tenant, event.task_id, timers.assignment_timers(cal, event.reassigned_at, tenant_policy), uow.now()
    )
    await dl.replan_deadline_timers(uow, row, cal, tenant_policy, note="reassigned")
    # the same deadline, announced again with the new unit's sign-for and decline limits
    row.update(revision=row["revision"] + 1, set_at=uow.now())
    await repo.update_deadline(session, event.task_id, revision=row["revision"], set_at=row["set_at"])
    await dl.emit_set(uow, row, cal, tenant_policy, reason="reassigned", previous_due_on=row["due_on"])


async def on_task_progress_reported(
    event: ev.TaskProgressReported, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    """A progress report meets a feedback rule (「落实情况…反馈」): the period it falls in is met,
    and the next feedback is due a month later (「分月报告工作进展情况」), published as
    ``deadline.set`` with reason ``feedback_received``; a late one meets it too, from then on the
    unit is no longer 逾期不报. For a completion rule it is a progress record only."""
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    if row["last_progress_at"] is None or event.reported_at > row["last_progress_at"]:
        await repo.update_deadline(uow.session, event.task_id, last_progress_at=event.reported_at)
    if row["status"] != "open":
        return
    cal, tenant_policy = await repo.reference(uow.session, row["tenant"], default_due_time)
    met = policy.after_feedback(
        cal,
        policy.Basis.from_json(row["basis"]),
        row["due_on"],
        local_day(event.reported_at),
        tenant_policy.feedback_every,
    )
    if met is not None:
        await dl.apply(uow, row, cal, tenant_policy, met, reason="feedback_received", force_event=True)


async def on_task_completion_submitted(event: ev.TaskCompletionSubmitted, delivery: Delivery, uow: UnitOfWork) -> None:
    await _stop_every_timer(
        uow, delivery.envelope.tenant, event.task_id, "completion_submitted", "completion submitted"
    )


async def on_task_returned(
    event: ev.TaskReturned, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    """退回重办: open again within the same deadline; its reminder and overdue timers are planned
    again (an overdue timer already past fires at once, unless it fired for this deadline before)."""
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    if row["status"] == "completed":
        return  # a late return of a task accepted meanwhile changes nothing
    session = uow.session
    row["status"] = "open"
    await repo.update_deadline(session, event.task_id, status="open")
    cal, tenant_policy = await repo.reference(session, row["tenant"], default_due_time)
    reopened = policy.feedback_returned(policy.Basis.from_json(row["basis"])) if event.report == "progress" else None
    if reopened is not None:  # the returned feedback meets nothing: its period is due again
        await dl.apply(uow, row, cal, tenant_policy, reopened, reason="feedback_returned", force_event=True)
        return
    await dl.replan_deadline_timers(uow, row, cal, tenant_policy, note="returned for rework")


async def on_task_reopened(
    event: ev.TaskReopened, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    """A completed task reopened (a spot check found it not done): a fresh period of the same
    rule from the day it was reopened, published as ``deadline.set`` with reason ``reopened``."""
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    session = uow.session
    row["status"] = "open"
    await repo.update_deadline(session, event.task_id, status="open", closed_at=None)
    cal, tenant_policy = await repo.reference(session, row["tenant"], default_due_time)
    basis = replace(
        policy.Basis.from_json(row["basis"]),
        start_on=local_day(event.reopened_at),
        requested_due_on=None,
        extended_to=None,
    )
    await dl.apply(uow, row, cal, tenant_policy, basis, reason="reopened", force_event=True)


async def on_task_completed(event: ev.TaskCompleted, delivery: Delivery, uow: UnitOfWork) -> None:
    row = await _task(uow, delivery.envelope.tenant, event.task_id)
    await repo.update_deadline(uow.session, event.task_id, status="completed", closed_at=event.completed_at)
    await repo.cancel_timers(uow.session, row["tenant"], event.task_id, timers.KINDS, uow.now(), "completed")
