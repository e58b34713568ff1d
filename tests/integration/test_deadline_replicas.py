"""Two deadline service replicas (processes) on one PostgreSQL database: 10,000 timers due in the
same minute each fire exactly once, also when one replica is killed (SIGKILL) midway."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from datetime import datetime, timedelta

import nats
import pytest
from sqlalchemy import func, select

from deadline_support import pg_database, seed_timers
from duban_cli.embedded import ServiceProcess
from duban_common.calendar import TZ
from duban_common.clock import BUCKET, set_shared_time
from duban_common.db import Database
from duban_common.natsserver import free_port
from duban_common.testing.streams import stored_messages
from duban_deadline.adapters import orm

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("operator_scope")]  # reads and seeds as the operator

TIMERS = 10_000
DUE = datetime(2026, 12, 7, 17, 30, tzinfo=TZ)  # every timer falls due between 17:30:00 and 17:30:59


def replica(name: str, db_url: str, nats_url: str, logs) -> ServiceProcess:
    import os

    env = dict(
        os.environ,
        DUBAN_SERVICE="deadline",
        DUBAN_INSTANCE=name,
        DUBAN_DATABASE_URL=db_url,
        DUBAN_NATS_URL=nats_url,
        DUBAN_HTTP_PORT=str(free_port()),
        DUBAN_CLOCK="simulated",
        DUBAN_DATA_DIR=str(logs),
        DUBAN_TIMER_BATCH="100",
        PYTHONUNBUFFERED="1",
    )
    return ServiceProcess("deadline", int(env["DUBAN_HTTP_PORT"]), env, logs / f"deadline-{name}.log")


async def fired_by(db: Database) -> dict[str, int]:
    async with db.read() as s:
        t = orm.timers.c
        return dict(
            (await s.execute(select(t.fired_by, func.count()).where(t.state == "fired").group_by(t.fired_by))).all()
        )


async def overdue_events(js) -> dict[str, set[str]]:
    """timer id → the ids of the events published for it (JetStream already dropped re-publishes of one id)."""
    out: dict[str, set[str]] = defaultdict(set)
    for msg in await stored_messages(js, "duban.ev.*.deadline.overdue"):
        body = json.loads(msg.data)
        out[body["data"]["timer_id"]].add(body["id"])
    return out


async def test_two_replicas_fire_ten_thousand_timers_exactly_once_with_one_killed_midway(pg_url, fresh_nats, tmp_path):
    async with pg_database(pg_url) as url:
        nc = await nats.connect(fresh_nats.url)
        js = nc.jetstream()
        db = Database(url)
        a, b = replica("a", url, fresh_nats.url, tmp_path), replica("b", url, fresh_nats.url, tmp_path)
        try:
            await set_shared_time(js, DUE - timedelta(hours=1), services=())
            for r in (a, b):
                r.start()
            for r in (a, b):
                await asyncio.to_thread(r.wait_ready)
            ids = await seed_timers(db, TIMERS, due_from=DUE)
            assert len(ids) == TIMERS

            started = time.monotonic()
            advance = asyncio.create_task(
                set_shared_time(js, DUE + timedelta(minutes=1), services=("deadline",), timeout_s=120)
            )
            while True:  # kill replica a once both are firing and a has done part of the work
                counts = await fired_by(db)
                if counts.get("deadline.a", 0) >= 500 and counts.get("deadline.b", 0) >= 500:
                    break
                assert sum(counts.values()) < TIMERS, f"all fired before the kill could happen: {counts}"
                await asyncio.sleep(0.01)
            a.kill()
            at_kill = await fired_by(db)
            kv = await js.key_value(BUCKET)
            await kv.delete("seen.deadline.a")  # a dead replica would otherwise hold `clock advance` up
            await advance

            async def all_fired() -> int:
                return sum((await fired_by(db)).values())

            while await all_fired() < TIMERS:
                assert time.monotonic() - started < 120, f"only {await all_fired()} of {TIMERS} fired"
                await asyncio.sleep(0.2)
            fired_in_s = time.monotonic() - started
            async with db.read() as s:
                while (
                    await s.execute(
                        select(func.count())
                        .select_from(orm.infra.outbox)
                        .where(orm.infra.outbox.c.published_at.is_(None))
                    )
                ).scalar_one():
                    assert time.monotonic() - started < 180, "outbox not drained"
                    await asyncio.sleep(0.2)
                    await s.rollback()
                event_of = dict((await s.execute(select(orm.timers.c.id, orm.timers.c.event_id))).all())

            published = await overdue_events(js)
            final = await fired_by(db)
            print(
                f"\n{TIMERS} timers fired in {fired_in_s:.1f}s; at the kill a={at_kill.get('deadline.a')} b={at_kill.get('deadline.b')}; "
                f"in the end a={final.get('deadline.a')} b={final.get('deadline.b')}"
            )
            assert set(published) == set(event_of), "every timer's event is on the stream, and no other"
            twice = {tid: evs for tid, evs in published.items() if len(evs) != 1}
            assert not twice, f"{len(twice)} timers fired more than once"
            assert all(published[tid] == {event_of[tid]} for tid in event_of)
            assert final["deadline.b"] > at_kill["deadline.b"], "b took over what a left"
            assert not a.alive() and b.alive()
        finally:
            for r in (a, b):
                r.stop()
            await db.dispose()
            await nc.close()
