"""Approvers are reminded when a draft waits at their step more than the tenant's number of working
days (the ladder's ``approval_reminder_workdays``, 2 by default): a notice to the supervision
office's mailbox and the webhook, once per period of waiting, audited (duban_common.signoff.reminders)."""

from __future__ import annotations

from sqlalchemy import select

from duban_common import notifications, tenancy
from duban_common.calendar import WorkCalendar
from duban_common.signoff import ROLE_NAMES
from duban_common.signoff.reminders import remind_waiting, reminder_text

from ..adapters.orm import ladders
from ..domain.ladder import DEFAULT_LADDER, Ladder
from . import notify


async def remind(runtime, cal: WorkCalendar, now) -> int:
    with tenancy.scoped(tenancy.ALL):
        async with runtime.db.read() as session:
            days = {
                tenant: Ladder.model_validate(definition).approval_reminder_workdays
                for tenant, definition in (await session.execute(select(ladders.c.tenant, ladders.c.definition))).all()
            }

    async def send(uow, draft: dict, _found) -> None:
        context = await notify.context(uow.session, runtime.settings, draft["tenant"])
        await _send(uow, context, draft, days.get(draft["tenant"], DEFAULT_LADDER.approval_reminder_workdays))

    return await remind_waiting(
        runtime.signoff,
        runtime.db,
        runtime.unit_of_work,
        (now, cal),
        lambda tenant: days.get(tenant, DEFAULT_LADDER.approval_reminder_workdays),
        send,
    )


async def _send(uow, ctx: notify.Context, draft: dict, days: int) -> None:
    role = ROLE_NAMES.get(draft["waiting_role"], draft["waiting_role"])
    text = reminder_text(draft, days)
    targets = [("mail", m) for m in ctx.mail_to] + ([("webhook", ctx.webhook_url)] if ctx.webhook_url else [])
    for channel, address in targets:
        recipient = {"unit": draft["waiting_role"], "name": role, "address": address}
        ref = {"draft_id": draft["id"], "task_id": draft["task_id"], "title": draft["title"]}
        await notifications.request(
            uow, draft["tenant"], channel=channel, template="approval_reminder", text=text, recipient=recipient, ref=ref
        )
