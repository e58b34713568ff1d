"""Notifications: rendered here, published on duban.out.<tenant>.notification.<channel>
through the outbox (events.OUTBOUND_TOPICS), delivered by the senders (service_layer/delivery.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from duban_common import notifications
from duban_common.outbox import UnitOfWork
from duban_common.unit_directory import UnitDirectory

from ..adapters import orm

DIRECTORY = UnitDirectory(orm.units)  # filled by the units consumer (entrypoints/consumers.py)
Units = Callable[
    [AsyncSession, str], Awaitable[dict[str, dict]]
]  # (session, tenant) → code → unit (name, contact, phone, type, active)


@dataclass
class Context:
    """What a handler needs to address people: the tenant's units and the channels configured."""

    units: dict[str, dict]
    webhook_url: str | None = None
    mail_to: list[str] = field(default_factory=list)
    copy_units: list[str] = field(default_factory=list)

    def unit_name(self, task: dict) -> str:
        return self.units.get(task["unit"], {}).get("name", task["unit"])


Contexts = Callable[
    [AsyncSession, str], Awaitable[Context]
]  # (session, tenant) → its Context: contexts_of(...), bound by bootstrap


async def context(session: AsyncSession, settings, tenant: str, *, units: Units | None = None) -> Context:
    """Who a notification of ``tenant`` goes to: its units and the channels configured. The units
    are escalation's own copy (from tasking's unit events, :data:`DIRECTORY`) read in ``session``
    unless ``units`` says otherwise: no call to tasking, which may be down."""
    known = await (units or DIRECTORY.units)(session, tenant)
    # urge notices and supervision orders are copied to the organisation department, the
    # supervision body and the work-style office (DESIGN.md §5)
    copies = [
        c for c, u in known.items() if u.get("type") in ("copy_recipient", "discipline_body") and u.get("active", True)
    ]
    mail = [m for m in (settings.notify_mail_to or "").split(",") if m.strip()]
    return Context(known, settings.webhook_url, mail, copies)


async def send(uow: UnitOfWork, ctx: Context, task: dict, template: str, text: str, *, copies: bool = False) -> None:
    unit = ctx.units.get(task["unit"], {})
    rendered = text.format(unit=unit.get("name", task["unit"]), title=task.get("title") or "")
    ref = {"matter_id": task["matter_id"], "task_id": task["task_id"], "title": task.get("title")}
    targets = []
    if unit.get("phone"):
        targets.append(("sms", {"unit": task["unit"], "name": unit.get("contact"), "address": unit["phone"]}))
    if copies:
        for code in ctx.copy_units:
            copy_unit = ctx.units[code]
            if copy_unit.get("phone"):
                targets.append(("sms", {"unit": code, "name": copy_unit.get("contact"), "address": copy_unit["phone"]}))
    targets += [("mail", {"unit": "supervision_office", "name": None, "address": m}) for m in ctx.mail_to]
    if ctx.webhook_url:
        targets.append(("webhook", {"unit": task["unit"], "name": None, "address": ctx.webhook_url}))
    for channel, recipient in targets:
        await notifications.request(
            uow, task["tenant"], channel=channel, recipient=recipient, template=template, text=rendered, ref=ref
        )


def contexts_of(settings, units: Units | None = None) -> Contexts:
    """:func:`context` with the settings and the units given: the ``contexts`` handlers and routes get."""

    async def contexts(session: AsyncSession, tenant: str) -> Context:
        return await context(session, settings, tenant, units=units)

    return contexts
