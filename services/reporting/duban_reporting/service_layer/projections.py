"""Projections of every event type into the read models. Idempotent (the inbox: each event is
applied once per consumer) and order-independent (task versions, deadline revisions, progress
times; everything derived is recomputed by :func:`matter_view.refresh`). The same handlers run
live and in a rebuild (``service_layer/rebuild.py``)."""

from __future__ import annotations

from sqlalchemy import select

from duban_common.calendar import WorkCalendar, local_day
from duban_common.consumer import Delivery
from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork
from duban_common.pii import mask_phones_in_text

from ..adapters.orm import ledger, rejected_submissions, task_facts
from ..adapters.units import DIRECTORY
from ..domain.model import TASK_STATE
from .matter_view import MatterTasks, matter_tasks, refresh, register, upsert_matter

# The national working-day calendar: tenants' local holidays live in the deadline service and
# reach no event yet, so handling days are counted without them.
_CALENDAR = WorkCalendar()
# what the ledger keeps of a matter's origin, under the origin's own names
LEDGER_ORIGIN = set(
    "kind source external_id meeting_type meeting_title decision_seq leader_name led_by_leader origin_on".split()
)


async def on_matter_registered(event: ev.MatterRegistered, delivery: Delivery, uow: UnitOfWork) -> None:
    citizen = event.citizen
    await register(
        uow,
        delivery.envelope.tenant,
        event.matter_id,
        **event.origin.model_dump(include=LEDGER_ORIGIN),
        title=mask_phones_in_text(event.title),
        submitted_lead_unit=event.lead_unit,
        submitted_co_units=event.co_units,
        registered_at=event.registered_at,
        citizen_name=citizen.name_masked if citizen else None,
        citizen_phone=citizen.phone_masked if citizen else None,
    )


async def on_submission_rejected(event: ev.SubmissionRejected, delivery: Delivery, uow: UnitOfWork) -> None:
    known = select(rejected_submissions.c.submission_id).where(
        rejected_submissions.c.submission_id == event.submission_id
    )
    if (await uow.session.execute(known)).first() is not None:
        return  # refused once already (a second event of the same refusal)
    refused = event.model_dump(include={"submission_id", "kind", "rejected_at"})
    await uow.session.execute(rejected_submissions.insert(), dict(refused, tenant=delivery.envelope.tenant))


async def on_task_event(event, delivery: Delivery, uow: UnitOfWork) -> None:
    data, tenant, type_ = delivery.envelope.data, delivery.envelope.tenant, delivery.envelope.type
    matter = await matter_tasks(uow, tenant, data["task_id"], data["matter_id"])
    task = matter.task
    version = data.get("version") or 1
    values: dict = {}
    if type_ == ev.TASK_ASSIGNED:  # facts of the first assignment, whatever came before
        values.update(assigned_at=event.assigned_at, kind=event.origin.kind)
    if type_ in (ev.TASK_ASSIGNED, ev.TASK_REASSIGNED) and version > (task["assignment_version"] or 0):
        values.update(
            lead_unit=data["lead_unit"],
            co_units=data.get("co_units") or [],
            notice_no=data.get("notice_no"),
            assignment_version=version,
        )
    if version > task["version"]:
        completed_at = event.completed_at if type_ == ev.TASK_COMPLETED else None
        values.update(status=TASK_STATE[type_], version=version, completed_at=completed_at)  # kept only while closed
    if values:
        after = task | values
        values["handling_workdays"] = _handling_workdays(after["status"], after["assigned_at"], after["completed_at"])
    await matter.update(uow, **values)
    if type_ in FACTS:
        await _record_fact(event, delivery, uow, matter)
    await refresh(uow, tenant, matter.matter_id, matter.tasks)


def _handling_workdays(status: str, assigned_at, completed_at) -> int | None:
    if status != "completed" or not (assigned_at and completed_at):
        return None
    return _CALENDAR.workdays_between(local_day(assigned_at), local_day(completed_at))


async def on_matter_progressed(event: ev.MatterProgressed, delivery: Delivery, uow: UnitOfWork) -> None:
    row = (
        await uow.session.execute(
            select(ledger.c.progress_at).where(ledger.c.matter_id == event.matter_id).with_for_update()
        )
    ).first()
    if row is not None and row.progress_at is not None and row.progress_at > event.at:
        return  # a later roll-up is already applied
    await upsert_matter(uow, delivery.envelope.tenant, event.matter_id, progress=event.progress, progress_at=event.at)


async def on_deadline_set(event: ev.DeadlineSet, delivery: Delivery, uow: UnitOfWork) -> None:
    matter = await matter_tasks(uow, delivery.envelope.tenant, event.task_id, event.matter_id)
    revision = event.revision or 1
    if (matter.task.get("deadline_revision") or 0) <= revision:
        dates = event.model_dump(include={"due_on", "due_at", "yellow_from", "provisional"})
        rule = dict(deadline_rule=event.rule, deadline_label=event.rule_label, deadline_revision=revision)
        await matter.update(uow, **dates, **rule)  # always, for a new task (no revision yet)
    await refresh(uow, delivery.envelope.tenant, matter.matter_id, matter.tasks)


async def on_fact(event, delivery: Delivery, uow: UnitOfWork) -> None:
    data = delivery.envelope.data
    matter = await matter_tasks(uow, delivery.envelope.tenant, data["task_id"], data.get("matter_id"))
    await _record_fact(event, delivery, uow, matter)
    await refresh(uow, delivery.envelope.tenant, matter.matter_id, matter.tasks)


async def _record_fact(event, delivery: Delivery, uow: UnitOfWork, matter: MatterTasks) -> None:
    fact, at = FACTS[delivery.envelope.type](event, delivery.envelope)
    data = delivery.envelope.data
    # a placeholder's row first, when the task is new; a transfer is the task's too (its status)
    await matter.update(uow, **({"transferred_at": at} if fact == "transferred" else {}))
    await uow.session.execute(
        task_facts.insert(),
        dict(
            fact_key=delivery.envelope.key,
            tenant=delivery.envelope.tenant,
            task_id=matter.task["task_id"],
            fact=fact,
            at=at,
            # a late notice counts for who issued it (the office or a special body's office), not the unit it went to
            unit=data.get("unit") or data.get("lead_unit") or data.get("issued_by"),
            points=data.get("points") if fact == "deducted" else None,
        ),
    )
    counter = COUNTED_FACTS.get(fact)
    if counter:  # applied once per event (the inbox), so counting is idempotent and order-free
        await matter.count_up(uow, counter)


def _spot_check_fact(event: ev.TaskSpotChecked) -> str:
    return "spot_check_satisfied" if event.satisfied else "spot_check_not_satisfied"


COUNTED_FACTS = {"urged": "urges", "returned": "returns", "extension_approved": "extensions"}
# event type → (fact name, the field of the event that says when it happened)
_FACT_AT = {
    ev.TASK_RETURNED: ("returned", "returned_at"),
    ev.TASK_DECLINED: ("declined", "declined_at"),
    ev.DEADLINE_OVERDUE: ("overdue", "due_at"),
    ev.DEADLINE_REMINDER: ("reminder", "scheduled_at"),
    ev.DEADLINE_PROGRESS_DUE: ("progress_due", "scheduled_at"),
    ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE: ("acknowledgement_overdue", "scheduled_at"),
    ev.DEADLINE_DECLINE_WINDOW_CLOSED: ("decline_window_closed", "scheduled_at"),
    ev.EXTENSION_REQUESTED: ("extension_requested", "requested_at"),
    ev.ESCALATION_URGED: ("urged", "urged_at"),
    ev.ESCALATION_STEP_TAKEN: ("escalation_step", "taken_at"),
    ev.ESCALATION_BULLETINED: ("bulletined", "bulletined_at"),
    ev.ESCALATION_EXPLANATION_REQUIRED: ("explanation_required", "required_at"),
    ev.ESCALATION_EXPLANATION_SUBMITTED: ("explanation_submitted", "submitted_at"),
    ev.ESCALATION_DEDUCTED: ("deducted", "deducted_at"),
    ev.ESCALATION_TRANSFERRED: ("transferred", "transferred_at"),
    ev.ESCALATION_ORDER_ISSUED: ("order_issued", "issued_at"),
}


def _fact_at(fact: str, field: str):
    return lambda event, env: (fact, getattr(event, field))


# event type → (fact name, when it happened), from the typed event and its envelope; the
# statistics count these per period.
FACTS = {
    **{event_type: _fact_at(fact, field) for event_type, (fact, field) in _FACT_AT.items()},
    # a reopening after a spot check is the consequence of a task.spot_checked fact, counted there
    ev.TASK_REOPENED: lambda event, env: (
        "spot_check_reopened" if event.spot_check_id else "reopened",
        event.reopened_at,
    ),
    ev.TASK_SPOT_CHECKED: lambda event, env: (_spot_check_fact(event), event.checked_at),
    ev.DEADLINE_NOTICE_LATE: lambda event, env: ("notice_late", env.time),
    ev.EXTENSION_DECIDED: lambda event, env: (f"extension_{event.decision}", event.decided_at),
}

# event type → projection: what the live consumer runs (entrypoints/consumers.py) and a rebuild replays
PROJECTIONS = {
    ev.MATTER_REGISTERED: on_matter_registered,
    ev.SUBMISSION_REJECTED: on_submission_rejected,
    ev.MATTER_PROGRESSED: on_matter_progressed,
    ev.DEADLINE_SET: on_deadline_set,
    **{t: on_task_event for t in TASK_STATE},
    **{t: on_fact for t in FACTS if t not in TASK_STATE},
    **DIRECTORY.handlers(),  # reporting's copy of the units directory, a read model like the others
}
