"""Extension requests and the supervision office's decisions (DESIGN.md §5)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, time

from duban_common.calendar import WorkCalendar
from duban_common.consumer import Delivery
from duban_common.contracts import events as ev
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork

from ..adapters import repository as repo
from ..domain import extensions as rules
from ..domain import policy
from . import deadlines as dl
from .handlers import TaskNotKnownYet

log = get_logger(__name__)


# extension.decided's fields from the decision's columns of the extensions table
DECIDED_FIELDS = {
    "decision": "status",
    "reason": "decision_reason",
    "new_due_on": "granted_due_on",
    "decided_by": "decided_by",
}


class NotFound(LookupError):
    pass


async def request(
    uow: UnitOfWork, tenant: str, task_id: str, *, reason: str, requested_due_on: date, requested_by: str | None
) -> dict:
    """Over HTTP: checked, recorded like a request that comes as an event, and published as
    ``extension.requested``."""
    row = await repo.get_deadline(uow.session, tenant, task_id, lock=True)
    if row is None:
        raise NotFound(f"task {task_id} of tenant {tenant} has no deadline")
    requested = ev.ExtensionRequested(
        extension_id=str(uuid.uuid4()),
        task_id=task_id,
        matter_id=row["matter_id"],
        unit=row["lead_unit"],
        reason=reason,
        requested_due_on=requested_due_on,
        current_due_on=row["due_on"],
        requested_at=uow.now(),
        requested_by=requested_by,
    )
    await _check_request(uow, tenant, requested, row)
    ext = await _record_request(uow, tenant, requested, row, channel="http")
    await uow.emit(tenant, ev.EXTENSION_REQUESTED, requested)
    return ext


async def on_extension_requested(
    event: ev.ExtensionRequested, delivery: Delivery, uow: UnitOfWork, *, default_due_time: time
) -> None:
    """From tasking (or our own HTTP request coming back): recorded once, by its id. A request
    that breaks the rules is recorded too and denied at once with the reason, so the unit hears of it."""
    tenant = delivery.envelope.tenant
    if await repo.extension_exists(uow.session, event.extension_id):
        return
    row = await repo.get_deadline(uow.session, tenant, event.task_id, lock=True)
    if row is None:
        raise TaskNotKnownYet(f"task {event.task_id} of tenant {tenant} has no deadline yet")
    try:
        await _check_request(uow, tenant, event, row)
        refusal = None
    except rules.Refused as refused:
        refusal = str(refused)
    await _record_request(uow, tenant, event, row, channel="event")
    if refusal:
        await decide(
            uow,
            tenant,
            event.task_id,
            event.extension_id,
            approved=False,
            reason=f"不符合延期规定：{refusal}",
            granted_due_on=None,
            decided_by="system",
            default_due_time=default_due_time,
        )


async def _check_request(uow: UnitOfWork, tenant: str, requested: ev.ExtensionRequested, row: dict) -> None:
    """rules.Refused when the request breaks the extension rules (the deadline's cap, a pending one, …)."""
    cal = await repo.load_calendar(uow.session, tenant)
    cap = policy.cap_of(cal, policy.Basis.from_json(row["basis"]))
    rules.check_request(
        now=requested.requested_at,
        status=row["status"],
        due_on=row["due_on"],
        due_at=row["due_at"],
        requested_on=cal.roll_forward(requested.requested_due_on).day,
        cap_on=cap.day if cap else None,
        pending=await repo.has_pending_extension(uow.session, tenant, requested.task_id),
    )


async def _record_request(
    uow: UnitOfWork, tenant: str, requested: ev.ExtensionRequested, row: dict, *, channel: str
) -> dict:
    """Store a request, pending until decided; ``channel``: how it came (http, event)."""
    ext = dict(
        id=requested.extension_id,
        tenant=tenant,
        task_id=requested.task_id,
        reason=requested.reason,
        requested_due_on=requested.requested_due_on,
        current_due_on=row["due_on"],
        requested_at=requested.requested_at,
        requested_by=requested.requested_by,
        channel=channel,
        status="pending",
    )
    await repo.insert_extension(uow.session, ext)
    return ext


async def decide(
    uow: UnitOfWork,
    tenant: str,
    task_id: str,
    extension_id: str,
    *,
    approved: bool,
    reason: str | None,
    granted_due_on: date | None,
    decided_by: str | None,
    default_due_time: time,
) -> dict:
    """Record the decision and publish ``extension.decided``; an approval then moves the deadline
    and every timer that depends on it (``deadline.set`` follows)."""
    session = uow.session
    row = await repo.get_deadline(session, tenant, task_id, lock=True)
    ext = await repo.get_extension(session, tenant, task_id, extension_id, lock=True)
    if row is None or ext is None:
        raise NotFound(f"extension request {extension_id} of task {task_id} not found in tenant {tenant}")
    cal = await repo.load_calendar(session, tenant)
    basis = policy.Basis.from_json(row["basis"])
    cap = policy.cap_of(cal, basis)
    rules.check_decision(
        request_status=ext["status"],
        approved=approved,
        reason=reason,
        granted_on=cal.roll_forward(granted_due_on).day if granted_due_on else None,
        current_due_on=row["due_on"],
        cap_on=cap.day if cap else None,
    )
    previous, extended = row["due_on"], replace(basis, extended_to=granted_due_on or ext["requested_due_on"])
    new_due_on = policy.evaluate(cal, extended).due_on if approved else None
    values = dict(
        status="approved" if approved else "denied",
        decided_at=uow.now(),
        decided_by=decided_by,
        decision_reason=reason,
        granted_due_on=new_due_on,
    )
    await repo.update_extension(session, extension_id, values)
    await _emit_decided(uow, tenant, row, ext, values, previous_due_on=previous)
    if approved:
        await _apply_approval(uow, tenant, row, cal, extended, extension_id, default_due_time)
    return {**dict(ext), **values}


async def _apply_approval(
    uow: UnitOfWork,
    tenant: str,
    row: dict,
    cal: WorkCalendar,
    extended: policy.Basis,
    extension_id: str,
    default_due_time: time,
) -> None:
    """The approved deadline replaces the old one, with every timer that depends on it."""
    tenant_policy = await repo.load_policy(uow.session, tenant, default_due_time)
    await dl.apply(
        uow, row, cal, tenant_policy, extended, reason="extension_approved", extension_id=extension_id, force_event=True
    )


async def _emit_decided(
    uow: UnitOfWork, tenant: str, row: dict, ext: dict, values: dict, *, previous_due_on: date
) -> None:
    """Publish ``extension.decided`` for a decision just recorded (``values``: its columns)."""
    decided = {field: values[column] for field, column in DECIDED_FIELDS.items()}
    event = ev.ExtensionDecided(
        extension_id=ext["id"],
        task_id=ext["task_id"],
        matter_id=row["matter_id"],
        requested_due_on=ext["requested_due_on"],
        previous_due_on=previous_due_on,
        decided_at=uow.now(),
        **decided,
    )
    await uow.emit(tenant, ev.EXTENSION_DECIDED, event)
