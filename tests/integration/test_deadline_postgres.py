"""The deadline service on PostgreSQL: concurrent firers claim disjoint timers (SKIP LOCKED), and
the whole service (row locks, JSON columns, FOR UPDATE OF) works there as on SQLite."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from deadline_support import TENANT, pg_database, running_deadline, seed_timers, task_assigned
from duban_common.calendar import TZ
from duban_common.clock import FixedClock
from duban_common.contracts import events as ev
from duban_common.db import Database
from duban_deadline.adapters import orm
from duban_deadline.service_layer.firing import TimerFiring

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("operator_scope")]  # reads and seeds as the operator

DUE = datetime(2026, 12, 7, 17, 30, tzinfo=TZ)


async def test_concurrent_firers_fire_each_timer_exactly_once(pg_url):
    async with pg_database(pg_url) as url:
        setup = Database(url)
        await setup.create_all(orm.metadata)
        await seed_timers(setup, 3000, due_from=DUE)
        clock = FixedClock(DUE + timedelta(minutes=1))
        replicas = [Database(url) for _ in range(3)]
        firers = [
            TimerFiring(
                db, orm.infra, clock, "/duban/deadline", instance=f"r{i}", default_due_time=DUE.time(), batch=100
            )
            for i, db in enumerate(replicas)
        ]
        try:
            claimed = await asyncio.gather(*(f.fire_due() for f in firers))
            assert sum(claimed) == 3000
            async with setup.read() as s:
                states = dict(
                    (await s.execute(select(orm.timers.c.state, func.count()).group_by(orm.timers.c.state))).all()
                )
                by_replica = dict(
                    (await s.execute(select(orm.timers.c.fired_by, func.count()).group_by(orm.timers.c.fired_by))).all()
                )
                event_ids = (await s.execute(select(orm.timers.c.id, orm.timers.c.event_id))).all()
                payloads = (await s.execute(select(orm.infra.outbox.c.event_id, orm.infra.outbox.c.payload))).all()
            assert states == {"fired": 3000}
            assert len(by_replica) == 3 and all(n > 0 for n in by_replica.values()), by_replica  # they shared the work
            per_timer = Counter(json.loads(p)["data"]["timer_id"] for _, p in payloads)
            assert len(payloads) == 3000 and set(per_timer.values()) == {1}, "one outbox event per timer, none twice"
            assert {tid: eid for tid, eid in event_ids} == {
                json.loads(p)["data"]["timer_id"]: eid for eid, p in payloads
            }
            assert await firers[0].fire_due() == 0  # nothing left
        finally:
            for db in (setup, *replicas):
                await db.dispose()


async def test_the_service_runs_on_postgresql(pg_url, fresh_nats):
    start = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    async with pg_database(pg_url) as url, running_deadline(fresh_nats.url, url, start) as d:
        t = task_assigned(start)
        await d.publish(ev.TASK_ASSIGNED, t)
        await d.wait_for(lambda: d.deadline(t.task_id), what="the deadline")
        r = await d.http.post(
            f"/v1/tenants/{TENANT}/tasks/{t.task_id}/extensions",
            json={"reason": "需协调", "requested_due_on": "2026-12-14"},
        )
        assert r.status_code == 201, r.text
        r = await d.http.post(
            f"/v1/tenants/{TENANT}/tasks/{t.task_id}/extensions/{r.json()['id']}/decision",
            json={"decision": "approved"},
        )
        assert r.status_code == 200, r.text
        r = await d.http.put(
            f"/v1/tenants/{TENANT}/calendar/local-holidays/2026-12-14", json={"name": "自治县成立纪念日"}
        )
        assert [(m["from"], m["to"]) for m in r.json()["moved"]] == [("2026-12-14", "2026-12-15")]
        await d.set_time(datetime(2026, 12, 16, 9, 0, tzinfo=TZ))
        events = [
            e
            for e in await d.events()
            if e["data"].get("task_id") == t.task_id and e["type"].startswith("duban.deadline.")
        ]
        assert [(e["type"], e["data"].get("due_on")) for e in events] == [
            (ev.DEADLINE_SET, "2026-12-07"),
            (ev.DEADLINE_SET, "2026-12-14"),
            (ev.DEADLINE_SET, "2026-12-15"),
            (ev.DEADLINE_ACKNOWLEDGEMENT_OVERDUE, None),
            (ev.DEADLINE_DECLINE_WINDOW_CLOSED, None),
            (ev.DEADLINE_REMINDER, "2026-12-15"),
            (ev.DEADLINE_OVERDUE, "2026-12-15"),
        ]
