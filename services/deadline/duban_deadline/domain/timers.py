"""A task's durable timers: which to plan, and what to do with one that is due. Pure.

Kinds: ``acknowledgement`` (sign-for limit) and ``decline`` (the window to send the task
back) run from the assignment; ``reminder`` (N working days before the due day, 09:00),
``progress`` (monthly, for tasks longer than a month) and ``overdue`` (the due instant)
run from the deadline and move with it.

Reminders and progress prompts reach people, so they are delivered only on a working day
between ``reminder_time`` and ``due_time`` (never at night, never on a holiday): one that
falls due outside that window (the service was down) waits for the next slot, and a
reminder whose next slot is after the deadline is dropped, the overdue fact replacing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from duban_common.calendar import TZ, WorkCalendar, at_local, local_day

from .settings import TenantPolicy

ACKNOWLEDGEMENT, DECLINE, REMINDER, PROGRESS, OVERDUE = "acknowledgement", "decline", "reminder", "progress", "overdue"
KINDS = (ACKNOWLEDGEMENT, DECLINE, REMINDER, PROGRESS, OVERDUE)
ASSIGNMENT_KINDS = (ACKNOWLEDGEMENT, DECLINE)
DEADLINE_KINDS = (REMINDER, PROGRESS, OVERDUE)
PROMPT_KINDS = (REMINDER, PROGRESS)


@dataclass(frozen=True)
class Planned:
    kind: str
    due_at: datetime  # UTC
    seq: int = 0  # progress report number
    ref_on: date | None = None  # the day it speaks of: the deadline (reminder, overdue) or the report day

    @property
    def key(self) -> tuple:
        """Identity across re-planning: a timer with the same key that already fired is not planned again."""
        return (self.kind, self.seq) if self.kind == PROGRESS else (self.kind, self.ref_on)


def due_instant(day: date, at: time) -> datetime:
    return at_local(day, at).astimezone(timezone.utc)


def assignment_timers(cal: WorkCalendar, assigned_at: datetime, tenant_policy: TenantPolicy) -> list[Planned]:
    start = local_day(assigned_at)
    ack = cal.add_workdays(start, tenant_policy.acknowledge_workdays).day
    dec = cal.add_workdays(start, tenant_policy.decline_workdays).day
    return [
        Planned(ACKNOWLEDGEMENT, due_instant(ack, tenant_policy.due_time), ref_on=ack),
        Planned(DECLINE, due_instant(dec, tenant_policy.due_time), ref_on=dec),
    ]


def yellow_from(cal: WorkCalendar, due_on: date, tenant_policy: TenantPolicy) -> datetime:
    """The status light turns yellow at the start of this day (``domain.lights``)."""
    return at_local(cal.subtract_workdays(due_on, tenant_policy.yellow_workdays).day, time(0, 0)).astimezone(
        timezone.utc
    )


def reminder_at(cal: WorkCalendar, due_on: date, tenant_policy: TenantPolicy) -> datetime | None:
    if tenant_policy.reminder_workdays <= 0:
        return None
    return due_instant(cal.subtract_workdays(due_on, tenant_policy.reminder_workdays).day, tenant_policy.reminder_time)


def progress_days(cal: WorkCalendar, start_on: date, due_on: date) -> list[date]:
    """Monthly report days before the due day (none for a task of a month or less)."""
    days, months = [], 1
    while (day := cal.add_months(start_on, months).day) < due_on:
        days.append(day)
        months += 1
    return days


def deadline_timers(
    cal: WorkCalendar, start_on: date, due_on: date, due_at: datetime, tenant_policy: TenantPolicy, now: datetime
) -> list[Planned]:
    """The timers of a deadline as of ``now``: a reminder already in the past is not planned
    (the task starts inside the window, its light is yellow); the overdue timer always is."""
    out: list[Planned] = []
    reminder = reminder_at(cal, due_on, tenant_policy)
    if reminder is not None and now <= reminder < due_at:
        out.append(Planned(REMINDER, reminder, ref_on=due_on))
    if tenant_policy.progress_reports_monthly:
        for report_no, day in enumerate(progress_days(cal, start_on, due_on), 1):
            at = due_instant(day, tenant_policy.reminder_time)
            if at > now:
                out.append(Planned(PROGRESS, at, seq=report_no, ref_on=day))
    out.append(Planned(OVERDUE, due_at, ref_on=due_on))
    return out


@dataclass(frozen=True)
class Disposition:
    action: str  # fire | defer | skip
    at: datetime | None = None
    reason: str | None = None


FIRE = Disposition("fire")


def in_delivery_window(cal: WorkCalendar, now: datetime, tenant_policy: TenantPolicy) -> bool:
    local = now.astimezone(TZ)
    return (
        cal.is_workday(local.date())
        and tenant_policy.reminder_time <= local.time().replace(tzinfo=None) <= tenant_policy.due_time
    )


def next_delivery_slot(cal: WorkCalendar, now: datetime, tenant_policy: TenantPolicy) -> datetime:
    local = now.astimezone(TZ)
    day = local.date()
    if cal.is_workday(day) and local.time().replace(tzinfo=None) < tenant_policy.reminder_time:
        return due_instant(day, tenant_policy.reminder_time)
    return due_instant(cal.add_workdays(day, 1).day, tenant_policy.reminder_time)


def disposition(
    kind: str, now: datetime, cal: WorkCalendar, tenant_policy: TenantPolicy, deadline_due_at: datetime
) -> Disposition:
    if kind not in PROMPT_KINDS:
        return FIRE
    if kind == REMINDER and now >= deadline_due_at:
        return Disposition("skip", reason="the deadline passed before the reminder could be delivered")
    if in_delivery_window(cal, now, tenant_policy):
        return FIRE
    slot = next_delivery_slot(cal, now, tenant_policy)
    if kind == REMINDER and slot >= deadline_due_at:
        return Disposition("skip", reason="no delivery slot left before the deadline")
    return Disposition("defer", at=slot, reason="outside working hours")
