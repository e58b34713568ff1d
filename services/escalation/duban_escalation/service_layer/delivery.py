"""Delivering notifications: queued from duban.out.<tenant>.notification.<channel> with
quiet hours applied, sent by the channel's sender, retried, and every send recorded."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from duban_common import periodic, tenancy
from duban_common.calendar import WorkCalendar
from duban_common.consumer import Delivery
from duban_common.contracts import events as ev
from duban_common.logging import get_logger
from duban_common.outbox import UnitOfWork
from duban_common.pii import mask_phone

from ..adapters.orm import deliveries
from ..domain.quiet_hours import retry_at, send_at

log = get_logger(__name__)


def masked(recipient: dict) -> str:
    address = recipient.get("address") or ""
    return mask_phone(address) if address[:1].isdigit() or address.startswith("+") else address


async def on_notification(
    event: ev.NotificationRequested, delivery: Delivery, uow: UnitOfWork, *, settings, calendar: WorkCalendar
) -> None:
    """Queued, to be sent when quiet hours allow (SMS at night waits for the morning)."""
    when = send_at(
        event.channel,
        uow.now(),
        calendar,
        from_hour=settings.sms_from_hour,
        until_hour=settings.sms_until_hour,
        morning_hour=settings.sms_morning_hour,
    )
    await uow.session.execute(
        deliveries.insert(),
        dict(
            id=event.notification_id,
            tenant=delivery.envelope.tenant,
            channel=event.channel,
            recipient=event.recipient.get("address") or "",
            subject=f"督办通知：{event.ref.get('title') or ''}"[:300],
            text=event.text,
            template=event.template,
            ref={**event.ref, "recipient": event.recipient},
            send_at=when,
            attempts=0,
            status="queued",
        ),
    )


class Deliverer:
    """Sends what :func:`on_notification` queued, by the channel's sender, and records each attempt."""

    def __init__(self, runtime, senders: dict) -> None:
        self.runtime, self.senders = runtime, senders
        self._lock = asyncio.Lock()

    async def deliver_due(self) -> int:
        async with self._lock:
            now = self.runtime.clock.now()
            with tenancy.scoped(tenancy.ALL):  # which are due, in every tenant; each is sent in its tenant's scope
                async with self.runtime.db.read() as session:
                    due = (
                        (
                            await session.execute(
                                select(deliveries)
                                .where(deliveries.c.status == "queued", deliveries.c.send_at <= now)
                                .order_by(deliveries.c.send_at)
                                .limit(200)
                            )
                        )
                        .mappings()
                        .all()
                    )
            for row in due:
                with tenancy.scoped(row["tenant"]):
                    await self._deliver(dict(row))
            return len(due)

    async def _deliver(self, row: dict) -> None:
        recipient = row["ref"]["recipient"]
        sender = self.senders.get(row["channel"])
        if sender is None:  # published for other platforms; this deployment delivers no such channel itself
            async with self.runtime.unit_of_work() as uow:
                await uow.session.execute(
                    deliveries.update()
                    .where(deliveries.c.id == row["id"])
                    .values(status="not_configured", last_error=f"no sender configured for channel {row['channel']!r}")
                )
            return
        error = None
        try:
            await sender.send(
                recipient, row["subject"], row["text"], {k: v for k, v in row["ref"].items() if k != "recipient"}
            )
        except Exception as failure:  # recorded and retried; the loop goes on
            error = f"{type(failure).__name__}: {failure}"
            log.warning("notification not delivered", channel=row["channel"], recipient=masked(recipient), error=error)
        attempts = row["attempts"] + 1
        final = error is None or attempts >= self.runtime.settings.delivery_attempts
        async with self.runtime.unit_of_work() as uow:
            now = uow.now()
            await uow.session.execute(
                deliveries.update()
                .where(deliveries.c.id == row["id"])
                .values(
                    attempts=attempts,
                    last_error=error,
                    status="sent" if error is None else ("failed" if final else "queued"),
                    sent_at=now if error is None else None,
                    send_at=row["send_at"] if final else retry_at(now, attempts),
                )
            )
            if final:
                await uow.emit(
                    row["tenant"],
                    ev.NOTIFICATION_SENT,
                    ev.NotificationSent(
                        notification_id=row["id"],
                        channel=row["channel"],
                        recipient_masked=masked(recipient),
                        template=row["template"],
                        ref={k: v for k, v in row["ref"].items() if k != "recipient"},
                        status="sent" if error is None else "failed",
                        attempts=attempts,
                        sent_at=now,
                    ),
                )

    async def on_clock_change(self, _now) -> None:
        await self.deliver_due()

    async def run(self) -> None:
        await periodic.repeat(self.deliver_due, self.runtime.settings.timer_poll_s, "delivery loop failed; will retry")
