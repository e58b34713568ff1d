"""Delivering notifications: a failing channel is retried with backoff, every attempt is
recorded, and the outcome is published once as notification.sent (recipient masked)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from duban_common import tenancy
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.consumer import apply
from duban_common.contracts import events as ev
from duban_common.envelope import new_event
from duban_escalation.adapters import orm
from duban_escalation.bootstrap import bootstrap
from duban_escalation.config import EscalationSettings
from duban_escalation.service_layer.delivery import Deliverer

pytestmark = pytest.mark.usefixtures("operator_scope")  # the test reads and seeds as the operator


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, []

    async def send(self, recipient, subject, text, ref) -> None:
        self.calls.append((recipient["address"], text))
        if len(self.calls) <= self.failures:
            raise ConnectionError("gateway unavailable")


@pytest.fixture
async def runtime(tmp_path):
    monday = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))  # a Monday morning: SMS may go out
    rt = bootstrap(EscalationSettings(data_dir=tmp_path, delivery_attempts=3), clock=monday, senders={})
    await rt.db.create_all(orm.metadata)
    yield rt
    await rt.db.dispose()


async def _queue(rt, n: int = 1) -> None:
    for i in range(n):
        note = ev.NotificationRequested(
            notification_id=f"n{i}",
            channel="sms",
            recipient={"unit": "zjj", "address": "13800000004"},
            template="urge",
            text=f"催办 {i}",
            ref={"task_id": "t1", "matter_id": "m1", "title": "x"},
            created_at=rt.clock.now(),
        )
        env = new_event(
            tenant="demo", type=ev.NOTIFICATION_REQUESTED, source="/duban/escalation", data=note, time=rt.clock.now()
        )
        with tenancy.scoped("demo"):  # as the consumer runner does
            async with rt.unit_of_work() as uow:
                await apply(
                    rt.handlers["notifications"][ev.NOTIFICATION_REQUESTED], env, "duban.out.demo.notification.sms", uow
                )


async def _rows(rt, table):
    async with rt.db.read() as s:
        return [dict(r) for r in (await s.execute(select(table))).mappings().all()]


async def test_a_failing_gateway_is_retried_with_backoff_until_it_answers(runtime):
    sender = FlakySender(failures=2)
    deliverer = Deliverer(runtime, {"sms": sender})
    await _queue(runtime)
    assert await deliverer.deliver_due() == 1
    row = (await _rows(runtime, orm.deliveries))[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("queued", 1, "ConnectionError: gateway unavailable")
    assert row["send_at"] - runtime.clock.now() == timedelta(seconds=30)
    assert await deliverer.deliver_due() == 0, "not before the backoff"
    runtime.clock.advance(timedelta(seconds=30))
    await deliverer.deliver_due()
    runtime.clock.advance(timedelta(seconds=60))
    await deliverer.deliver_due()
    row = (await _rows(runtime, orm.deliveries))[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None) and len(sender.calls) == 3
    sent = [json.loads(r["payload"]) for r in await _rows(runtime, orm.infra.outbox)]
    assert [(e["type"], e["data"]["status"], e["data"]["attempts"], e["data"]["recipient_masked"]) for e in sent] == [
        (ev.NOTIFICATION_SENT, "sent", 3, "138****0004")
    ]


async def test_a_channel_that_never_answers_ends_failed_after_the_last_attempt(runtime):
    sender = FlakySender(failures=99)
    deliverer = Deliverer(runtime, {"sms": sender})
    await _queue(runtime)
    for _ in range(5):
        await deliverer.deliver_due()
        runtime.clock.advance(timedelta(hours=1))
    row = (await _rows(runtime, orm.deliveries))[0]
    assert (row["status"], row["attempts"]) == ("failed", 3) and len(sender.calls) == 3
    sent = [json.loads(r["payload"])["data"] for r in await _rows(runtime, orm.infra.outbox)]
    assert [(d["status"], d["attempts"]) for d in sent] == [("failed", 3)]
