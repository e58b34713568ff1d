"""Deadline timers move with the shared simulated clock: across the running services, a
meeting decision's task gets its reminder, then its overdue event, in that order."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import nats
import pytest

from duban_common.calendar import TZ
from duban_common.testing.streams import stored_messages
from e2e_support import START, ledger, meeting_decision, publish, set_clock, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = [
    "sqlite"
]  # full matrix: DUBAN_E2E_BACKENDS=sqlite,postgresql (the clock's flow; deadline on PostgreSQL: tests/integration/test_deadline_postgres.py)


async def deadline_events(url: str, task_id: str) -> list[tuple[int, str, dict]]:
    nc = await nats.connect(url)
    try:
        out = []
        for msg in await stored_messages(nc.jetstream(), "duban.ev.demo.deadline.>"):
            body = json.loads(msg.data)
            if body["data"].get("task_id") == task_id:
                out.append((msg.metadata.sequence.stream, body["type"], body["data"]))
        return out
    finally:
        await nc.close()


def types(events) -> list[str]:
    return [t.removeprefix("duban.deadline.").removesuffix(".v1") for _, t, _ in events]


def test_the_reminder_then_the_overdue_event_follow_the_shared_clock(system, nats_server):
    asyncio.run(publish(nats_server.url, [meeting_decision("md-deadline-1", decisions=1)]))
    item = wait_for(
        lambda: next((i for i in ledger(system, q="md-deadline-1")["items"] if i["due_on"] and i["lead_unit"]), None),
        what="a due date in the ledger",
    )
    task_id = item["task_id"]
    deadline = httpx.get(f"{system.url('deadline')}/v1/tenants/demo/tasks/{task_id}/deadline", timeout=10).json()
    assert (deadline["due_on"], deadline["light"]) == ("2026-12-07", "green")
    assert {t["kind"] for t in deadline["timers"] if t["state"] == "pending"} >= {"reminder", "overdue"}

    try:
        asyncio.run(set_clock(nats_server.url, datetime(2026, 12, 3, 9, 0, tzinfo=TZ)))  # two working days before
        events = wait_for(
            lambda: (lambda e: e if "reminder" in types(e) else None)(
                asyncio.run(deadline_events(nats_server.url, task_id))
            ),
            what="the reminder on the stream",
        )
        assert "overdue" not in types(events)
        reminder = next(d for _, t, d in events if t.endswith("reminder.v1"))
        assert (reminder["due_on"], reminder["workdays_left"], reminder["lead_unit"]) == (
            "2026-12-07",
            2,
            item["lead_unit"],
        )
        assert (
            httpx.get(f"{system.url('deadline')}/v1/tenants/demo/tasks/{task_id}/deadline", timeout=10).json()["light"]
            == "yellow"
        )

        asyncio.run(set_clock(nats_server.url, datetime(2026, 12, 7, 17, 31, tzinfo=TZ)))  # the due instant has passed
        events = wait_for(
            lambda: (lambda e: e if "overdue" in types(e) else None)(
                asyncio.run(deadline_events(nats_server.url, task_id))
            ),
            what="the overdue event on the stream",
        )
        assert types(events) == ["set", "acknowledgement_overdue", "decline_window_closed", "reminder", "overdue"]
        seqs = [s for s, _, _ in events]
        assert seqs == sorted(seqs), "published in the order they fell due"
        assert (
            httpx.get(f"{system.url('deadline')}/v1/tenants/demo/tasks/{task_id}/deadline", timeout=10).json()["light"]
            == "red"
        )

        asyncio.run(set_clock(nats_server.url, datetime(2026, 12, 20, 9, 0, tzinfo=TZ)))  # nothing fires twice
        assert types(asyncio.run(deadline_events(nats_server.url, task_id))) == types(events)
    finally:
        asyncio.run(set_clock(nats_server.url, START))
