"""Requesting a notification (an SMS, a mail, a webhook call), the one way every service does it:
a ``notification.requested`` with a new id, emitted with the unit of work's other changes, out on
duban.out.<tenant>.notification.<channel>, where escalation's delivery consumer sends it."""

from __future__ import annotations

import uuid
from typing import Any

from .contracts import events as ev
from .outbox import UnitOfWork


async def request(uow: UnitOfWork, tenant: str, **fields: Any) -> None:
    """``fields``: channel (sms, mail, webhook), recipient ({unit, name, address}), template, text, ref."""
    note = ev.NotificationRequested(notification_id=str(uuid.uuid4()), created_at=uow.now(), **fields)
    await uow.emit(tenant, ev.NOTIFICATION_REQUESTED, note)
