"""Notifications: rendered here, published on duban.out.<tenant>.notification.<channel>
through the outbox (events.OUTBOUND_TOPICS), delivered by the senders (service_layer/delivery.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from duban_common.contracts import events as ev
from duban_common.outbox import UnitOfWork

Units = Callable[[str], Awaitable[dict[str, dict]]]  # tenant → code → unit (name, contact, phone, type, active)


@dataclass
class Context:
    """What a handler needs to address people: the tenant's units and the channels configured."""

    units: dict[str, dict]
    webhook_url: str | None = None
    mail_to: list[str] = field(default_factory=list)
    copy_units: list[str] = field(default_factory=list)

    def unit_name(self, task: dict) -> str:
        return self.units.get(task["unit"], {}).get("name", task["unit"])


class TaskingDirectory:
    """The tenant's units from tasking's directory, each tenant's kept for a minute: the default
    :data:`Units` (bootstrap's ``units`` seam)."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self._kept: dict[str, tuple[float, dict[str, dict]]] = {}

    async def __call__(self, tenant: str) -> dict[str, dict]:
        hit = self._kept.get(tenant)
        if hit is None or time.monotonic() - hit[0] > 60:
            async with httpx.AsyncClient(timeout=10, headers=self.settings.service_headers()) as client:
                r = await client.get(f"{self.settings.tasking_url}/v1/tenants/{tenant}/units", params={"contacts": "true"})
                r.raise_for_status()
            hit = (time.monotonic(), {u["code"]: u for u in r.json()["items"]})
            self._kept[tenant] = hit
        return hit[1]


Contexts = Callable[[str], Awaitable[Context]]  # tenant → its Context: context(settings, units=...) bound by bootstrap


async def context(settings, tenant: str, *, units: Units) -> Context:
    """Who a notification of ``tenant`` goes to: its units (``units``) and the channels configured."""
    known = await units(tenant)
    # urge notices and supervision orders are copied to the organisation department, the
    # supervision body and the work-style office (DESIGN.md §5)
    copies = [c for c, u in known.items() if u.get("type") in ("copy_recipient", "discipline_body") and u.get("active", True)]
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
            u = ctx.units[code]
            if u.get("phone"):
                targets.append(("sms", {"unit": code, "name": u.get("contact"), "address": u["phone"]}))
    targets += [("mail", {"unit": "supervision_office", "name": None, "address": m}) for m in ctx.mail_to]
    if ctx.webhook_url:
        targets.append(("webhook", {"unit": task["unit"], "name": None, "address": ctx.webhook_url}))
    for channel, recipient in targets:
        note = ev.NotificationRequested(notification_id=str(uuid.uuid4()), channel=channel, recipient=recipient, template=template,
                                        text=rendered, ref=ref, created_at=uow.now())
        await uow.emit(task["tenant"], ev.NOTIFICATION_REQUESTED, note)  # on duban.out.<tenant>.notification.<channel>
