"""Reminding approvers, the same way in every service that owns drafts: a draft that has waited at
one step (or since its last reminder) more than the tenant's number of working days gets one
reminder for that period. Replicas may look at the same moment: each re-reads the draft under a
row lock and skips it when it was decided, moved on or reminded meanwhile, so one reminder goes
out; the desk audits it. What the reminder says and where it goes is the owner's: ``prepare`` looks
up what it needs outside any transaction (another service may be slow or down), ``send`` emits the
notifications inside the unit of work that marks the draft reminded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from .. import tenancy
from ..calendar import WorkCalendar
from ..db import Database
from ..outbox import UnitOfWork
from . import repository
from .model import ROLE_NAMES, Chain
from .service import Desk

REMINDER = "【签批提醒】“{title}”等待{role}{action}已超过{days}个工作日，请及时办理。"  # a title names its kind


def reminder_text(draft: dict, days: int) -> str:
    """What a reminder says, in every service: the draft, the step it waits for and for how long."""
    step = Chain.model_validate(draft["chain"]).steps[draft["next_step"]]
    return REMINDER.format(
        title=draft["title"], role=ROLE_NAMES.get(step.role, step.role), action=step.action, days=days
    )


Prepare = Callable[[dict], Awaitable[Any]]  # the pending draft → what send needs (an address, a contact)
Send = Callable[[UnitOfWork, dict, Any], Awaitable[None]]  # (uow, the draft, what prepare found) → emitted


def _unchanged(current: dict | None, seen: dict) -> bool:
    """Still waiting where it waited when it was found due, and not reminded since."""
    return (
        current is not None
        and current["status"] == "pending"
        and (current["next_step"], current["reminded_at"]) == (seen["next_step"], seen["reminded_at"])
    )


async def remind_waiting(
    desk: Desk,
    database: Database,
    unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
    moment: tuple[datetime, WorkCalendar],
    days_of: Callable[[str], int],
    send: Send,
    prepare: Prepare | None = None,
) -> int:
    """Every tenant's drafts due a reminder at ``moment`` (now, the calendar that counts working
    days): each marked reminded and ``send`` called in one unit of work. How many were reminded."""
    now, calendar = moment
    with tenancy.scoped(tenancy.ALL):
        async with database.read() as session:
            due = await desk.reminders_due(session, now, calendar, days_of)
    reminded = 0
    for seen in due:
        with tenancy.scoped(seen["tenant"]):
            found = await prepare(seen) if prepare else None
            async with unit_of_work() as uow:
                current = await repository.draft(uow.session, desk.tables, seen["tenant"], seen["id"], lock=True)
                if not _unchanged(current, seen):
                    continue
                await desk.reminded(uow, seen)
                await send(uow, seen, found)
                reminded += 1
    return reminded
